"""PostgreSQL only: a generated tsvector over `search_text`, and GIN indexes that lead with the
investigation (btree_gin) so a search or tag filter inside one logbook reads only that logbook's
postings, at a million events. Other databases skip this."""

from __future__ import annotations

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gin",
    "ALTER TABLE logbook_event ADD COLUMN search tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english', search_text)) STORED",
    "CREATE INDEX logbook_ev_search ON logbook_event USING GIN (investigation_id, search)",
    "CREATE INDEX logbook_ev_tags ON logbook_event USING GIN (investigation_id, tags jsonb_path_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS logbook_ev_tags",
    "DROP INDEX IF EXISTS logbook_ev_search",
    "ALTER TABLE logbook_event DROP COLUMN IF EXISTS search",
]


def _run(statements: list[str]):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("logbook", "0001_events")]
    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
