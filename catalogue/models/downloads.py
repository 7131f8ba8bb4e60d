"""Portal-owned state of downloads: zip/notebook/PDF jobs and tape restores, each row a state
machine with a heartbeat that the lease sweeper (catalogue/lease.py) watches."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone

from .mirror import Dataset


class DownloadJobStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a worker"
    # A zip that would push DOWNLOAD_ROOT over DOWNLOAD_ROOT_QUOTA: started, in order, when the
    # sweeper or the expiry task finds room for it (downloads.download_jobs_admit_waiting).
    WAITING = "waiting", "Waiting for space"
    RUNNING = "running", "Building the zip"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired"


class DownloadJobKind(models.TextChoices):
    """What a job builds. The zip is built here (downloads.py); other kinds are built by the app
    that registered them (`downloads.download_job_kind_register`): catalogue imports none."""

    ZIP = "zip", "Zip"
    LOGBOOK_PDF = "logbook-pdf", "Logbook PDF"


class DownloadJobQuerySet(models.QuerySet):
    def active(self) -> DownloadJobQuerySet:
        """Jobs that still are, or will be, a usable archive: the ones a new request may reuse."""
        return self.filter(
            status__in=[
                DownloadJobStatus.PENDING,
                DownloadJobStatus.WAITING,
                DownloadJobStatus.RUNNING,
                DownloadJobStatus.READY,
            ]
        )


class DownloadJob(models.Model):
    """A file built by a Celery worker into DOWNLOAD_ROOT: a zip too large to stream, or another
    `kind` (a logbook as PDF) too slow to build in a request.

    The row is the source of truth: pending -> running -> ready -> expired, or -> failed, and a zip
    with no room under DOWNLOAD_ROOT_QUOTA goes running -> waiting -> pending. A worker
    claims a job by moving it to running with a fresh heartbeat (see downloads.download_job_claim);
    a job whose heartbeat goes stale is put back to pending by the sweeper and built again.
    While a zip runs, done/total count bytes; while a logbook PDF runs (its size is known only at
    the end) they count events. Once ready both are the size of the file.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="download_jobs"
    )
    kind = models.CharField(
        max_length=16, choices=DownloadJobKind.choices, default=DownloadJobKind.ZIP
    )
    # sha256 of what the job builds (for a zip, the sorted datafile ids): the same selection
    # asked twice reuses the job.
    selection_key = models.CharField(max_length=64)
    datafile_ids = models.JSONField(default=list)
    # What a kind other than the zip builds (for a logbook PDF: the logbook and its filters).
    params = models.JSONField(default=dict, blank=True)
    name = models.CharField(max_length=255, help_text="file name of the result")
    label = models.CharField(max_length=255, blank=True, help_text="what is in it, for people")
    status = models.CharField(
        max_length=16, choices=DownloadJobStatus.choices, default=DownloadJobStatus.PENDING
    )
    file_count = models.PositiveIntegerField(default=0)
    total_bytes = models.PositiveBigIntegerField(default=0, help_text="size of the finished zip")
    done_bytes = models.PositiveBigIntegerField(default=0)
    attempt = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    archive = models.CharField(
        max_length=1024, blank=True, help_text="path relative to DOWNLOAD_ROOT"
    )
    created_at = models.DateTimeField(default=timezone.now)
    heartbeat_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    objects = DownloadJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at", "-id"]),
            models.Index(fields=["owner", "selection_key"]),
            models.Index(fields=["status", "heartbeat_at"]),
        ]
        constraints = [
            # One live job per selection and owner: asking twice reuses it.
            models.UniqueConstraint(
                fields=["owner", "selection_key"],
                name="one_active_download_per_selection",
                condition=Q(status__in=["pending", "waiting", "running", "ready"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("catalogue:download-job", args=[self.pk])

    @property
    def percent(self) -> int:
        if self.status in (DownloadJobStatus.READY, DownloadJobStatus.EXPIRED):
            return 100
        if not self.total_bytes:
            return 0
        return min(100, int(100 * self.done_bytes / self.total_bytes))

    @property
    def is_active(self) -> bool:
        return self.status in (
            DownloadJobStatus.PENDING,
            DownloadJobStatus.WAITING,
            DownloadJobStatus.RUNNING,
        )

    @property
    def status_text(self) -> str:
        if self.status == DownloadJobStatus.WAITING:
            return (
                "Waiting for space: the download area is full, and this zip starts by itself as "
                "soon as older downloads expire"
            )
        if self.status == DownloadJobStatus.RUNNING and self.kind == DownloadJobKind.LOGBOOK_PDF:
            return "Laying out the pages"
        return self.get_status_display()

    @property
    def progress_text(self) -> str:
        """How far a running job is, in its own units."""
        if self.status == DownloadJobStatus.WAITING:
            return ""  # nothing written yet, and status_text says why
        if self.kind == DownloadJobKind.LOGBOOK_PDF:
            return f"{self.done_bytes:,} of {self.total_bytes:,} events" if self.total_bytes else ""
        return f"{filesizeformat(self.done_bytes)} of {filesizeformat(self.total_bytes)}"


class DatasetRestore(models.Model):
    """One request to bring an archived dataset back from tape, carried out by a Celery worker.

    Like a download job, the row is the state machine (pending -> running -> done | failed) with a
    heartbeat, so the sweeper can give a restore whose worker died to another worker.
    """

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="restores")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(
        max_length=16, choices=DownloadJobStatus.choices, default=DownloadJobStatus.PENDING
    )
    # Everyone told when it ends: the requester, and whoever asked while it ran (a second request
    # joins the running restore); anonymous visitors by the address they verified.
    notify = models.JSONField(default=list, blank=True)
    total_bytes = models.PositiveBigIntegerField(default=0)
    done_bytes = models.PositiveBigIntegerField(default=0)
    attempt = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    heartbeat_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "heartbeat_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset"],
                name="one_active_restore_per_dataset",
                condition=Q(status__in=["pending", "running"]),
            ),
        ]

    def __str__(self) -> str:
        return f"restore of {self.dataset} ({self.status})"

    @property
    def percent(self) -> int:
        return min(100, int(100 * self.done_bytes / self.total_bytes)) if self.total_bytes else 0


# Team changes and access requests ------------------------------------------------------------
