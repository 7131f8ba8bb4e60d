from django.db import migrations


def create_index(apps, schema_editor) -> None:
    """Proposal names typed in the search box or an access request are matched case-insensitively
    (name__iexact is UPPER(name) = UPPER(%s)). PostgreSQL only, like the search indexes."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS catalogue_investigation_upper_name "
            "ON catalogue_investigation (UPPER(name))"
        )


def drop_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS catalogue_investigation_upper_name")


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0005_team_access_requests_search")]
    operations = [migrations.RunPython(create_index, drop_index)]
