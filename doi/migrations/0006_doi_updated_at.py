from django.db import migrations, models
from django.db.models.functions import Coalesce
from django.utils import timezone


def backfill(apps, schema_editor) -> None:
    """Existing DOIs last changed when they were last registered or withdrawn."""
    Doi = apps.get_model("doi", "Doi")  # noqa: N806 - a model class
    Doi.objects.update(
        updated_at=Coalesce("withdrawn_at", "minted_at", "registered_at", "created_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("doi", "0005_remove_datacollection_related_publications"),
    ]

    operations = [
        migrations.AddField(
            model_name="doi",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=timezone.now),
            preserve_default=False,
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
