"""Images of broadcasts become public by a flag; every other image needs a logbook to be seen."""

from __future__ import annotations

import re

from django.db import migrations, models

IMAGE_URL = re.compile(r"/logbook/attachments/([0-9a-f-]{36})/")


def mark_broadcast_images(apps, schema_editor) -> None:
    # Broadcasts are few; their images are the only ones that were meant to be public. (A
    # MongoDB store's broadcasts are not read here: tick “broadcast” on such images in the admin.)
    Event = apps.get_model("logbook", "Event")
    Attachment = apps.get_model("logbook", "Attachment")
    uuids = {
        uuid
        for content in Event.objects.filter(type="broadcast").values_list("content", flat=True)
        for part in content or []
        if isinstance(part, dict)
        for uuid in IMAGE_URL.findall(str(part.get("text") or ""))
    }
    if uuids:
        Attachment.objects.filter(uuid__in=uuids).update(broadcast=True)


class Migration(migrations.Migration):
    dependencies = [("logbook", "0002_fulltext")]

    operations = [
        migrations.AddField(
            model_name="attachment",
            name="broadcast",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(mark_broadcast_images, migrations.RunPython.noop),
    ]
