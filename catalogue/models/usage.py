"""Usage figures: an append-only event per download, landing view, harvest or logbook entry,
rolled up per day by a beat task (catalogue/usage.py), and the catalogue's own volume per beamline
and year. Pages read the rolled-up tables only, never the events."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class UsageKind(models.TextChoices):
    FILE_DOWNLOAD = "file_download", "File downloads"
    ZIP_DOWNLOAD = "zip_download", "Zip downloads"
    DOI_LANDING_VIEW = "doi_landing_view", "DOI landing views"
    OAI_HARVEST = "oai_harvest", "OAI-PMH requests"
    LOGBOOK_EVENT = "logbook_event", "Logbook entries"


DOWNLOAD_KINDS = (UsageKind.FILE_DOWNLOAD, UsageKind.ZIP_DOWNLOAD)


class Audience(models.TextChoices):
    """Whose use it was: the session's team (members, its beamline's scientists, staff) or the
    public, decided when the event happens."""

    PUBLIC = "public", "Public"
    TEAM = "team", "Team"


class UsageEvent(models.Model):
    """One thing that happened, inserted where it happens; never updated. `count` is 0 for the
    Range continuation of a download already counted (its bytes still count)."""

    when = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=24, choices=UsageKind.choices)
    # Plain ids and names, no foreign keys: an event outlives what it is about and costs no join.
    investigation_id = models.BigIntegerField(null=True, blank=True)
    beamline = models.CharField(max_length=64, blank=True)
    year = models.PositiveSmallIntegerField(
        default=0, help_text="the session's start year; 0: none"
    )
    audience = models.CharField(max_length=8, choices=Audience.choices, default=Audience.PUBLIC)
    user_id = models.BigIntegerField(null=True, blank=True)
    # Who, for counting distinct people: "u<user id>", or a keyed hash of an anonymous
    # caller's address (the address itself is never stored).
    visitor = models.CharField(max_length=40, blank=True)
    count = models.PositiveIntegerField(default=1)
    bytes = models.PositiveBigIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["when"]),
            models.Index(fields=["investigation_id", "kind"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.when:%Y-%m-%d %H:%M}"


class UsageDay(models.Model):
    """Events of one day, per kind, beamline, session year and audience: recomputed whole from
    the events, so rolling a day up twice (or twice at once) gives the same row."""

    day = models.DateField()
    kind = models.CharField(max_length=24, choices=UsageKind.choices)
    beamline = models.CharField(max_length=64, blank=True)
    year = models.PositiveSmallIntegerField(default=0)
    audience = models.CharField(max_length=8, choices=Audience.choices)
    events = models.PositiveIntegerField(default=0)
    users = models.PositiveIntegerField(default=0, help_text="distinct people that day")
    bytes = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "kind", "beamline", "year", "audience"], name="one_usage_row_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.beamline} {self.audience}: {self.events}"


class UsageTotal(models.Model):
    """Downloads of one session since the start, for its page's "downloaded N times by M
    people": recomputed by the roll-up for the sessions downloaded since the last one."""

    investigation = models.OneToOneField(
        "catalogue.Investigation", on_delete=models.CASCADE, primary_key=True, related_name="usage"
    )
    downloads = models.PositiveIntegerField(default=0)
    people = models.PositiveIntegerField(default=0)
    bytes = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.investigation_id}: {self.downloads} by {self.people}"


class CatalogueYear(models.Model):
    """Sessions and data volume per beamline and start year: one aggregate over the catalogue by
    the roll-up, so /stats/ never scans the sessions."""

    beamline = models.CharField(max_length=64)
    year = models.PositiveSmallIntegerField()
    sessions = models.PositiveIntegerField(default=0)
    volume = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["year", "beamline"]
        constraints = [
            models.UniqueConstraint(fields=["beamline", "year"], name="one_catalogue_row_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.beamline} {self.year}: {self.sessions}"
