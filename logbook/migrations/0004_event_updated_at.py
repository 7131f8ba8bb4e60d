"""When an event was last edited, for the "changed by X at T" answer to a stale edit."""

from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("logbook", "0003_attachment_broadcast")]

    operations = [
        migrations.AddField(
            model_name="event",
            name="updated_at",
            field=models.DateTimeField(blank=True, help_text="last edit", null=True),
        ),
    ]
