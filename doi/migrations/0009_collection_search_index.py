"""A GIN index on the expression catalogue search matches data collections with (title, abstract,
keywords), so a word no collection contains costs an index probe, not a scan. PostgreSQL only:
SQLite searches with icontains."""

from django.db import migrations


def create_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    from catalogue.search_hits import collection_index

    schema_editor.add_index(apps.get_model("doi", "DataCollection"), collection_index())


def drop_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    from catalogue.search_hits import collection_index

    schema_editor.remove_index(apps.get_model("doi", "DataCollection"), collection_index())


class Migration(migrations.Migration):
    dependencies = [("doi", "0008_collection_contributors_and_deleting")]

    operations = [migrations.RunPython(create_index, drop_index)]
