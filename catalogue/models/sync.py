"""ICAT sync bookkeeping (catalogue/icat/sync.py): ICAT users, link entities, cursors, runs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from .mirror import IcatMirrored


class IcatUser(IcatMirrored):
    """An ICAT User and the portal user it maps to (by name, e-mail or SSO subject)."""

    name = models.CharField(max_length=255, help_text="e.g. 'esrf/jdoe'")
    full_name = models.CharField(max_length=255, blank=True)
    email = models.CharField(max_length=255, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "ICAT user"

    def __str__(self) -> str:
        return self.name


class IcatLink(models.Model):
    """An ICAT link entity mirrored as a many-to-many row (InstrumentScientist, DatasetTechnique,
    InvestigationInstrument) or a type name (SampleType, DatasetType): remembered by ICAT id so
    that the id reconciliation can undo it when ICAT deletes it."""

    entity = models.CharField(max_length=64)
    icat_id = models.BigIntegerField("ICAT id")
    source = models.BigIntegerField(null=True, blank=True, help_text="mirror pk of the first end")
    target = models.BigIntegerField(null=True, blank=True, help_text="mirror pk of the second end")
    name = models.CharField(max_length=255, blank=True)
    mod_time = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entity", "icat_id"], name="icat_link_unique")
        ]

    def __str__(self) -> str:
        return f"{self.entity} {self.icat_id}"


class SyncCursor(models.Model):
    """How far the sync has read one ICAT entity type, in (modTime, id) order. Saved in the same
    transaction as the batch it ends, so a crash resumes at the first batch not applied."""

    entity = models.CharField(max_length=64, unique=True)
    mod_time = models.DateTimeField(null=True, blank=True)
    last_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["entity"]

    def __str__(self) -> str:
        return f"{self.entity} @ {self.mod_time} #{self.last_id}"


class SyncRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCESS = "success", "Succeeded"
        PARTIAL = "partial", "Succeeded with skipped records"
        FAILED = "failed", "Failed"

    started = models.DateTimeField(default=timezone.now, db_index=True)
    finished = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    kind = models.CharField(
        max_length=32, default="incremental", help_text="incremental, full, investigation"
    )
    investigation = models.CharField(max_length=100, blank=True)
    reconciled = models.BooleanField(
        default=False, help_text="Deletions were looked for in this run."
    )
    counts = models.JSONField(
        default=dict, blank=True, help_text="entity -> applied/skipped/deleted"
    )
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started"]
        permissions = [("run_sync", "Can start an ICAT sync or resync an investigation")]

    def __str__(self) -> str:
        return f"{self.kind} sync {self.started:%Y-%m-%d %H:%M} ({self.status})"
