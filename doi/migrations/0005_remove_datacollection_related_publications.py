from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("doi", "0004_linked_publications"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="datacollection",
            name="related_publications",
        ),
    ]
