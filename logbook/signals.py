"""The logbook's record of catalogue changes the team should see in their experiment's logbook."""

from __future__ import annotations

from django.dispatch import receiver
from django.utils import timezone

from catalogue.signals import release_date_changed

from .models import Category, EventType
from .services import event_create


@receiver(release_date_changed, dispatch_uid="logbook-release-date-changed")
def record_release_date_change(sender, *, investigation, by, previous, message: str, **kwargs):
    """An information event, as ICAT+ writes one: who moved the embargo's end, from when to
    when, and why (the caller's message)."""

    def day(value) -> str:
        return timezone.localtime(value).date().isoformat() if value else "unset"

    text = f"{by.username} moved the release date from {day(previous)} to "
    text += f"{day(investigation.release_date)}."
    if message:
        text += f" {message}"
    event_create(
        investigation=investigation,
        instrument=investigation.instrument,
        type=EventType.NOTIFICATION,
        category=Category.INFO,
        by=by.username,
        title="Release date changed",
        text=text,
    )
