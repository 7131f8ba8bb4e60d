"""Logbook tables: events (the ORM store's documents), tags, attachments and acquisition API keys.

Events are read and written through `logbook.store` only, so the same code runs on the ORM and on
MongoDB. Tags, attachments and API keys are relational whatever the event store is.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone


class EventType(models.TextChoices):
    ANNOTATION = "annotation", "Annotation"
    NOTIFICATION = "notification", "Notification"
    BROADCAST = "broadcast", "Broadcast"
    ATTACHMENT = "attachment", "Attachment"


class Category(models.TextChoices):
    COMMENT = "comment", "Comment"
    COMMANDLINE = "commandline", "Command line"
    ERROR = "error", "Error"
    INFO = "info", "Info"
    DEBUG = "debug", "Debug"
    FILE = "file", "File"


class Event(models.Model):
    """One logbook event, a row-shaped ICAT+ event document (see `logbook.store.orm`)."""

    type = models.CharField(max_length=16, choices=EventType.choices)
    category = models.CharField(max_length=16, choices=Category.choices)
    title = models.CharField(max_length=500, blank=True)
    content = models.JSONField(default=list, blank=True, help_text="list of {format, text}")
    tags = models.JSONField(default=list, blank=True, help_text="tag names")
    username = models.CharField(max_length=150, blank=True, db_index=True)
    creation_date = models.DateTimeField(default=timezone.now)
    investigation = models.ForeignKey(
        "catalogue.Investigation", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    investigation_name = models.CharField(max_length=100, blank=True)
    instrument_name = models.CharField(max_length=50, blank=True)
    dataset_id = models.BigIntegerField(null=True, blank=True)
    dataset_name = models.CharField(max_length=255, blank=True)
    software = models.CharField(max_length=255, blank=True)
    machine = models.CharField(max_length=255, blank=True)
    source = models.CharField(max_length=255, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    file_size = models.BigIntegerField(null=True, blank=True)
    file = models.JSONField(default=list, blank=True, help_text="attachment ids")
    parent_event = models.BigIntegerField(null=True, blank=True, help_text="commented event")
    previous_version = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True, help_text="last edit")
    # A note written after the fact names the time it is about; the timeline can sort by it.
    refers_to = models.DateTimeField(null=True, blank=True, help_text="the time it is about")
    # What "sort by the time referred to" orders on, kept by the database so it can be indexed.
    event_time = models.GeneratedField(
        expression=Coalesce("refers_to", "creation_date"),
        output_field=models.DateTimeField(),
        db_persist=True,
    )
    # An old copy kept for the history of an edited event; never listed in timelines.
    superseded = models.BooleanField(default=False)
    removed = models.BooleanField(default=False)
    # Title, text and tags as plain words: PostgreSQL indexes it (generated tsvector + GIN, see
    # migration 0002); SQLite searches it with LIKE.
    search_text = models.TextField(blank=True)

    class Meta:
        ordering = ["-creation_date", "-id"]
        indexes = [
            models.Index(
                fields=["investigation", "creation_date", "id"],
                name="logbook_ev_inv_time",
                condition=Q(superseded=False, removed=False),
            ),
            models.Index(
                fields=["instrument_name", "creation_date", "id"],
                name="logbook_ev_instr_time",
                condition=Q(superseded=False, removed=False),
            ),
            models.Index(
                fields=["type", "creation_date", "id"],
                name="logbook_ev_broadcast",
                condition=Q(type="broadcast", superseded=False, removed=False),
            ),
            models.Index(
                fields=["investigation", "event_time", "id"],
                name="logbook_ev_inv_refers",
                condition=Q(superseded=False, removed=False),
            ),
            models.Index(
                fields=["instrument_name", "event_time", "id"],
                name="logbook_ev_instr_refers",
                condition=Q(superseded=False, removed=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type}/{self.category} {self.title or self.pk}"


class EventTag(models.Model):
    """One tag of one listed event, where and when it happened: the ORM store walks it in timeline
    order to answer a tag filter with a page's worth of rows instead of every tagged event.

    PostgreSQL triggers keep it (migration 0007) in the same statement as every write to
    `logbook_event`, whichever code path makes it (edits, moves, COPY); other databases leave it
    empty and filter the JSON instead. Superseded and removed events have no rows."""

    event = models.ForeignKey(
        Event, on_delete=models.DO_NOTHING, db_constraint=False, related_name="tag_rows"
    )
    tag = models.TextField()
    investigation_id = models.BigIntegerField(null=True)
    instrument_name = models.CharField(max_length=50, blank=True)
    creation_date = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(
                fields=["investigation_id", "tag", "creation_date", "event"],
                name="logbook_tag_inv_time",
                condition=Q(investigation_id__isnull=False),
            ),
            models.Index(
                fields=["instrument_name", "tag", "creation_date", "event"],
                name="logbook_tag_instr_time",
            ),
            models.Index(
                fields=["instrument_name", "tag", "creation_date", "event"],
                name="logbook_tag_beamline_time",
                condition=Q(investigation_id__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tag} on {self.event_id}"


class Tag(models.Model):
    """A coloured label, defined for one investigation or for a whole beamline."""

    name = models.CharField(max_length=60)
    colour = models.CharField(max_length=7, default="#0b5ed7", help_text="#rrggbb")
    investigation = models.ForeignKey(
        "catalogue.Investigation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="logbook_tags",
    )
    instrument = models.ForeignKey(
        "catalogue.Instrument",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="logbook_tags",
        help_text="beamline-wide tag (leave the investigation empty)",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["investigation", "name"],
                name="tag_unique_per_investigation",
                condition=Q(investigation__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["instrument", "name"],
                name="tag_unique_per_beamline",
                condition=Q(investigation__isnull=True),
            ),
            models.CheckConstraint(
                condition=Q(investigation__isnull=False) | Q(instrument__isnull=False),
                name="tag_has_scope",
            ),
            models.CheckConstraint(
                condition=Q(colour__regex=r"^#[0-9a-fA-F]{6}$"), name="tag_colour_hex"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not self.investigation_id and not self.instrument_id:
            raise ValidationError("A tag belongs to an investigation or to a beamline.")


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"logbook/{instance.created_at:%Y/%m}/{instance.uuid}{_suffix(filename)}"


def _suffix(filename: str) -> str:
    return "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


class Attachment(models.Model):
    """An image (or a PDF or text file posted by beamline software) stored under MEDIA_ROOT,
    served only to those who may read its logbook."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    investigation = models.ForeignKey(
        "catalogue.Investigation", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    instrument_name = models.CharField(max_length=50, blank=True)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    file = models.FileField(upload_to=attachment_path, max_length=255)
    thumbnail = models.FileField(upload_to=attachment_path, max_length=255, blank=True)
    uploaded_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # A broadcast's image is public like the broadcast; any other image belongs to the logbook
    # of its investigation or beamline, and one with neither is shown to nobody.
    broadcast = models.BooleanField(default=False)
    # A file about a sample (ICAT+'s `catalogue/{sessionId}/files`: a .pdb model, a sequence),
    # kept in its investigation's logbook with what ICAT+ records beside it.
    sample = models.ForeignKey(
        "catalogue.Sample", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    file_type = models.CharField(max_length=64, blank=True)
    group_name = models.CharField(max_length=255, blank=True)
    multiplicity = models.FloatField(null=True, blank=True)
    upload_name = models.CharField(
        max_length=255, blank=True, help_text="the name it was uploaded with, if not `filename`"
    )

    def __str__(self) -> str:
        return self.filename

    def get_absolute_url(self) -> str:
        return reverse("logbook:attachment", args=[self.uuid])

    def get_thumbnail_url(self) -> str:
        return reverse("logbook:attachment-thumbnail", args=[self.uuid])


def hash_key(raw: str) -> str:
    # Keys are 256 random bits: a plain SHA-256 is enough (no dictionary to defend against).
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiKeyQuerySet(models.QuerySet):
    def create_key(self, *, name: str, instrument=None, created_by=None) -> tuple[ApiKey, str]:
        """Create a key; the raw key is returned once and only its hash is stored."""
        raw = secrets.token_urlsafe(32)
        with transaction.atomic():
            key = self.create(
                name=name,
                instrument=instrument,
                created_by=created_by,
                prefix=raw[:8],
                key_hash=hash_key(raw),
            )
            api_key_audit(key, created=True, by=created_by)
        return key, raw


def api_key_audit(key: ApiKey, *, created: bool, by) -> None:
    """The audit row of a key created or revoked (in the caller's transaction)."""
    from catalogue.audit import audit_record
    from catalogue.models import AccessEventKind

    where = key.instrument.name if key.instrument_id else "every beamline"
    audit_record(
        kind=AccessEventKind.API_KEY_CREATED if created else AccessEventKind.API_KEY_REVOKED,
        actor=by,
        summary=f"API key “{key.name}” ({key.prefix}…) for {where} "
        + ("created" if created else "revoked"),
        details={"api_key": key.pk, "prefix": key.prefix},
    )


class ApiKey(models.Model):
    """A key for beamline software: one beamline, or facility-wide when no beamline is set."""

    name = models.CharField(max_length=100, help_text="who uses it, e.g. 'ID23-1 MXCuBE'")
    instrument = models.ForeignKey(
        "catalogue.Instrument",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="logbook_api_keys",
        help_text="empty = every beamline",
    )
    prefix = models.CharField(
        max_length=8, editable=False, help_text="first characters, to recognise it"
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = "acquisition API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
