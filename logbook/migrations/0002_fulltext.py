"""PostgreSQL only: a generated tsvector over `search_text` with a GIN index, and a GIN index on
tags, so search and tag filters stay fast at a million events. Other databases skip this."""

from __future__ import annotations

from django.db import migrations

FORWARD = [
    "ALTER TABLE logbook_event ADD COLUMN search tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english', search_text)) STORED",
    "CREATE INDEX logbook_ev_search ON logbook_event USING GIN (search)",
    "CREATE INDEX logbook_ev_tags ON logbook_event USING GIN (tags jsonb_path_ops)",
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
