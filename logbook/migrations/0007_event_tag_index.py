"""`logbook_eventtag`: one row per tag of each listed event, kept by statement-level triggers
(PostgreSQL only) so every write path — the store, `.update()`, moves, COPY — maintains it in its
own statement and bulk loads pay one INSERT ... SELECT per statement, not one per row. Filled here
for the events already stored."""

import django.db.models.deletion
from django.db import migrations, models


# Rows for the events a timeline lists; a tag list that is not an array has no tags.
ROWS = """
    SELECT DISTINCT e.id, t.tag, e.investigation_id, e.instrument_name, e.creation_date
    FROM {source} e
    CROSS JOIN LATERAL jsonb_array_elements_text(
        CASE WHEN jsonb_typeof(e.tags) = 'array' THEN e.tags ELSE '[]'::jsonb END
    ) AS t(tag)
    WHERE NOT e.superseded AND NOT e.removed
"""
INSERT = (
    "INSERT INTO logbook_eventtag (event_id, tag, investigation_id, instrument_name, creation_date)"
)
# An edit that leaves what a row depends on alone (a title, a file list) leaves the rows alone.
CHANGED = (
    "(o.tags, o.superseded, o.removed, o.investigation_id, o.instrument_name, o.creation_date)"
    " IS DISTINCT FROM "
    "(n.tags, n.superseded, n.removed, n.investigation_id, n.instrument_name, n.creation_date)"
)
EDITED = f"(SELECT n.* FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE {CHANGED})"
FORWARD = [
    f"""CREATE FUNCTION logbook_eventtag_sync() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            {INSERT} {ROWS.format(source="new_rows")};
        ELSIF TG_OP = 'DELETE' THEN
            DELETE FROM logbook_eventtag t USING old_rows o WHERE t.event_id = o.id;
        ELSE
            DELETE FROM logbook_eventtag t USING old_rows o, new_rows n
            WHERE t.event_id = o.id AND n.id = o.id AND {CHANGED};
            {INSERT} {ROWS.format(source=EDITED)};
        END IF;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER logbook_eventtag_insert AFTER INSERT ON logbook_event "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION logbook_eventtag_sync()",
    # (PostgreSQL allows no column list on a trigger with transition tables: CHANGED does it.)
    "CREATE TRIGGER logbook_eventtag_update AFTER UPDATE ON logbook_event "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION logbook_eventtag_sync()",
    "CREATE TRIGGER logbook_eventtag_delete AFTER DELETE ON logbook_event "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION logbook_eventtag_sync()",
    f"{INSERT} {ROWS.format(source='logbook_event')}",
    "ANALYZE logbook_eventtag",
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS logbook_eventtag_delete ON logbook_event",
    "DROP TRIGGER IF EXISTS logbook_eventtag_update ON logbook_event",
    "DROP TRIGGER IF EXISTS logbook_eventtag_insert ON logbook_event",
    "DROP FUNCTION IF EXISTS logbook_eventtag_sync()",
]


def _run(statements: list[str]):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("logbook", "0006_event_refers_to_and_its_timeline_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="EventTag",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("tag", models.TextField()),
                ("investigation_id", models.BigIntegerField(null=True)),
                ("instrument_name", models.CharField(blank=True, max_length=50)),
                ("creation_date", models.DateTimeField()),
                (
                    "event",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="tag_rows",
                        to="logbook.event",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        condition=models.Q(("investigation_id__isnull", False)),
                        fields=["investigation_id", "tag", "creation_date", "event"],
                        name="logbook_tag_inv_time",
                    ),
                    models.Index(
                        fields=["instrument_name", "tag", "creation_date", "event"],
                        name="logbook_tag_instr_time",
                    ),
                    models.Index(
                        condition=models.Q(("investigation_id__isnull", True)),
                        fields=["instrument_name", "tag", "creation_date", "event"],
                        name="logbook_tag_beamline_time",
                    ),
                ],
            },
        ),
        migrations.RunPython(_run(FORWARD), _run(BACKWARD)),
    ]
