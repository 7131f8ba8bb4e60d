"""The catalogue: a mirror of the facility's ICAT (version 5 names where ICAT has the concept).

Rows carry `icat_id` and `mod_time` so the ICAT sync can upsert them incrementally. Counts and
volumes are stored on the parents (recomputed by the sync and the demo generator) so list pages
never aggregate over millions of datafiles.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone


class IcatMirrored(models.Model):
    icat_id = models.BigIntegerField("ICAT id", null=True, blank=True, unique=True)
    mod_time = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        abstract = True


class Technique(IcatMirrored):
    name = models.CharField(max_length=200, unique=True)
    pid = models.CharField(
        "persistent id", max_length=255, blank=True, help_text="e.g. a PaNET term"
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def pid_label(self) -> str:
        """The term itself (PaNET01188) of a pid that may be a full URI."""
        return self.pid.rstrip("/").rsplit("/", 1)[-1]

    @property
    def pid_is_link(self) -> bool:
        return self.pid.startswith(("https://", "http://"))


class Instrument(IcatMirrored):
    """A beamline."""

    name = models.CharField(max_length=50, unique=True, help_text="e.g. ID01, BM29")
    full_name = models.CharField(max_length=255, blank=True)
    description = models.TextField(blank=True)
    techniques = models.ManyToManyField(Technique, blank=True, related_name="instruments")
    scientists = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="instruments",
        help_text="Instrument scientists see every experiment of this beamline.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalogue:beamline", kwargs={"name": self.name})


def default_release_date(end_date: datetime) -> datetime:
    return end_date + relativedelta(years=settings.EMBARGO_YEARS)


class InvestigationQuerySet(models.QuerySet):
    def released(self, now: datetime | None = None) -> InvestigationQuerySet:
        return self.filter(released_q(now=now))

    def release_due(self) -> int:
        """Set the stored public flag where the release date has passed (the beat task)."""
        # The trigger recomputes the flag from the row, so this UPDATE can never publish
        # a proprietary session.
        return self.filter(released_q(), is_public=False).update(is_public=True)

    def embargoed(self, now: datetime | None = None) -> InvestigationQuerySet:
        return self.exclude(released_q(now=now))

    def refresh_totals(self) -> int:
        """Recompute dataset_count, datafile_count and volume from the datasets, in one UPDATE."""
        datasets = (
            Dataset.objects.filter(investigation=OuterRef("pk")).order_by().values("investigation")
        )
        return self.update(
            dataset_count=Coalesce(Subquery(datasets.annotate(n=Count("id")).values("n")), 0),
            datafile_count=Coalesce(
                Subquery(datasets.annotate(n=Sum("file_count")).values("n")), 0
            ),
            volume=Coalesce(Subquery(datasets.annotate(n=Sum("size")).values("n")), 0),
        )


def released_q(*, prefix: str = "", now: datetime | None = None) -> Q:
    """Q for "this investigation's data is public": release date passed and not proprietary."""
    now = now or timezone.now()
    return Q(**{f"{prefix}release_date__lte": now, f"{prefix}proprietary": False})


class Investigation(IcatMirrored):
    """One experiment session: a proposal (e.g. MX-2468) on a beamline at given dates."""

    name = models.CharField("proposal", max_length=100, db_index=True)
    visit_id = models.CharField("session", max_length=100, help_text="e.g. id292101")
    title = models.CharField(max_length=500)
    summary = models.TextField(blank=True)
    instrument = models.ForeignKey(
        Instrument, on_delete=models.PROTECT, related_name="investigations"
    )
    techniques = models.ManyToManyField(Technique, blank=True, related_name="investigations")
    start_date = models.DateTimeField()
    end_date = models.DateTimeField()
    release_date = models.DateTimeField(
        blank=True, help_text="Data becomes public on this date (default: end + embargo years)."
    )
    proprietary = models.BooleanField(
        default=False, help_text="Never released automatically (e.g. industrial beamtime)."
    )
    doi = models.CharField("DOI", max_length=255, blank=True)
    # Stored copy of `released_q()` so public lists walk a partial index instead of discarding
    # embargoed rows. A database trigger sets it on every write (save, update(), bulk writes of
    # the ICAT sync); the beat task `catalogue.tasks.release_due` flips it when a date passes.
    is_public = models.BooleanField(default=False, editable=False)
    dataset_count = models.PositiveIntegerField(default=0)
    datafile_count = models.PositiveBigIntegerField(default=0)
    volume = models.PositiveBigIntegerField(default=0, help_text="bytes")

    objects = InvestigationQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "visit_id"], name="investigation_unique_session"
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="investigation_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["start_date", "id"]),
            models.Index(fields=["instrument", "start_date", "id"]),
            models.Index(fields=["release_date", "proprietary"]),
            models.Index(
                fields=["start_date", "id"],
                condition=Q(is_public=True),
                name="investigation_public_start",
            ),
            models.Index(
                fields=["release_date", "id"],
                condition=Q(is_public=True),
                name="investigation_public_release",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.visit_id})"

    def save(self, *args, **kwargs) -> None:
        if self.release_date is None and self.end_date is not None:
            self.release_date = default_release_date(self.end_date)
        # A date or a string (admin, fixtures, tests) becomes the aware datetime it will be stored
        # as, so the flag below compares like with like.
        if self.release_date is not None:
            field = self._meta.get_field("release_date")
            self.release_date = field.to_python(self.release_date)
            if timezone.is_naive(self.release_date):
                self.release_date = timezone.make_aware(self.release_date)
        # The trigger decides in the database; this keeps the instance in step with it.
        self.is_public = self.is_released
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("catalogue:investigation-detail", args=[self.pk])

    @property
    def is_released(self) -> bool:
        return not self.proprietary and self.release_date <= timezone.now()


class Role(models.TextChoices):
    PRINCIPAL_INVESTIGATOR = "principal_investigator", "Principal investigator"
    PARTICIPANT = "participant", "Participant"
    LOCAL_CONTACT = "local_contact", "Local contact"
    COLLABORATOR = "collaborator", "Collaborator"


class InvestigationUser(IcatMirrored):
    investigation = models.ForeignKey(
        Investigation, on_delete=models.CASCADE, related_name="members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="investigation_memberships"
    )
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.PARTICIPANT)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["investigation", "role", "user"]
        constraints = [
            models.UniqueConstraint(fields=["investigation", "user"], name="one_role_per_member"),
        ]
        indexes = [models.Index(fields=["user", "investigation"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} of {self.investigation}"


class Sample(IcatMirrored):
    investigation = models.ForeignKey(
        Investigation, on_delete=models.CASCADE, related_name="samples"
    )
    name = models.CharField(max_length=255)
    type = models.CharField(max_length=255, blank=True, help_text="ICAT SampleType name")
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["investigation", "name"]
        indexes = [models.Index(fields=["investigation", "name"])]

    def __str__(self) -> str:
        return self.name


class DatasetType(models.TextChoices):
    RAW = "raw", "Raw"
    PROCESSED = "processed", "Processed"


class ArchiveStatus(models.TextChoices):
    ONLINE = "online", "Online"
    ARCHIVED = "archived", "Archived (on tape)"
    RESTORING = "restoring", "Restoring from tape"


class DatasetQuerySet(models.QuerySet):
    def refresh_totals(self) -> int:
        """Recompute file_count and size from the datafiles, in one UPDATE."""
        files = Datafile.objects.filter(dataset=OuterRef("pk")).order_by().values("dataset")
        return self.update(
            file_count=Coalesce(Subquery(files.annotate(n=Count("id")).values("n")), 0),
            size=Coalesce(Subquery(files.annotate(n=Sum("size")).values("n")), 0),
        )


class Dataset(IcatMirrored):
    investigation = models.ForeignKey(
        Investigation, on_delete=models.CASCADE, related_name="datasets"
    )
    sample = models.ForeignKey(
        Sample, on_delete=models.SET_NULL, null=True, blank=True, related_name="datasets"
    )
    name = models.CharField(max_length=255)
    type = models.CharField(max_length=16, choices=DatasetType.choices, default=DatasetType.RAW)
    description = models.TextField(blank=True)
    location = models.CharField(
        max_length=1024, blank=True, help_text="folder, relative to DATA_ROOT"
    )
    start_date = models.DateTimeField(null=True, blank=True)
    end_date = models.DateTimeField(null=True, blank=True)
    file_count = models.PositiveIntegerField(default=0)
    size = models.PositiveBigIntegerField(default=0, help_text="bytes")
    archive_status = models.CharField(
        max_length=16, choices=ArchiveStatus.choices, default=ArchiveStatus.ONLINE
    )
    techniques = models.ManyToManyField(Technique, blank=True, related_name="datasets")
    derived_from = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="derivatives",
        help_text="For processed datasets: the raw datasets they were computed from.",
    )
    released_by_doi = models.BooleanField(
        default=False,
        help_text="Part of a findable data-collection DOI: public whatever the embargo.",
    )

    objects = DatasetQuerySet.as_manager()

    class Meta:
        ordering = ["investigation", "start_date", "id"]
        indexes = [
            models.Index(fields=["investigation", "start_date", "id"]),
            models.Index(fields=["sample", "start_date", "id"]),
            models.Index(
                fields=["released_by_doi"],
                condition=Q(released_by_doi=True),
                name="dataset_released_by_doi",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalogue:dataset-detail", args=[self.pk])


IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
HDF5_SUFFIXES = (".h5", ".hdf5", ".hdf", ".nxs")


def _named_like(suffixes: tuple[str, ...]) -> Q:
    # One regular expression, not iendswith: Django compiles iendswith differently in an index
    # condition (LIKE) and in a query (UPPER(...) LIKE UPPER(...)), which defeats the index.
    return Q(name__iregex="(" + "|".join(re.escape(s) for s in suffixes) + ")$")


# A dataset's images and HDF5 files are found on partial indexes whose condition is exactly
# these Qs (PostgreSQL uses a partial index only when the query repeats its condition): the
# first few by name cost a few index entries however many detector frames the dataset holds.
IMAGE_NAME_Q = _named_like(IMAGE_SUFFIXES)
HDF5_NAME_Q = _named_like(HDF5_SUFFIXES)


class Datafile(IcatMirrored):
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="datafiles")
    name = models.CharField(max_length=255)
    location = models.CharField(max_length=1024, help_text="path relative to DATA_ROOT")
    size = models.PositiveBigIntegerField(default=0, help_text="bytes")
    checksum = models.CharField(max_length=255, blank=True, help_text="e.g. 'sha256:...'")
    file_mod_time = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["dataset", "name", "id"]
        indexes = [
            models.Index(fields=["dataset", "name", "id"]),
            models.Index(
                fields=["dataset", "name", "id"], condition=IMAGE_NAME_Q, name="datafile_images"
            ),
            models.Index(
                fields=["dataset", "name", "id"], condition=HDF5_NAME_Q, name="datafile_hdf5"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ValueType(models.TextChoices):
    NUMERIC = "numeric", "Numeric"
    STRING = "string", "String"


class ParameterType(IcatMirrored):
    name = models.CharField(max_length=255)
    units = models.CharField(max_length=64, blank=True)
    value_type = models.CharField(
        max_length=16, choices=ValueType.choices, default=ValueType.NUMERIC
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name", "units"]
        constraints = [
            models.UniqueConstraint(fields=["name", "units"], name="parameter_type_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.units})" if self.units else self.name


class Parameter(IcatMirrored):
    type = models.ForeignKey(ParameterType, on_delete=models.PROTECT, related_name="+")
    numeric_value = models.FloatField(null=True, blank=True)
    string_value = models.CharField(max_length=4000, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        units = f" {self.type.units}" if self.type.units else ""
        return f"{self.type.name} = {self.value}{units}"

    @property
    def value(self) -> float | str | None:
        return (
            self.numeric_value if self.type.value_type == ValueType.NUMERIC else self.string_value
        )


class InvestigationParameter(Parameter):
    investigation = models.ForeignKey(
        Investigation, on_delete=models.CASCADE, related_name="parameters"
    )

    class Meta:
        indexes = [models.Index(fields=["investigation", "type"])]


class DatasetParameter(Parameter):
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="parameters")

    class Meta:
        indexes = [
            models.Index(fields=["dataset", "type"]),
            models.Index(fields=["type", "numeric_value"]),
        ]


class SampleParameter(Parameter):
    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="parameters")

    class Meta:
        indexes = [models.Index(fields=["sample", "type"])]


def sample_file_path(instance: SampleFile, filename: str) -> str:
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return f"sample-files/{instance.created_at:%Y/%m}/{uuid.uuid4()}{suffix}"


class SampleFile(models.Model):
    """A file the team attached to a sample (a photo, a model, a safety sheet) through ICAT+'s
    sample sheets; not in ICAT. Stored under MEDIA_ROOT, served only to those who see the
    sample; listed in the sheet's metadata under `metadata_name`."""

    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="files")
    metadata_name = models.CharField(max_length=255)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    file = models.FileField(upload_to=sample_file_path, max_length=255)
    uploaded_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.filename


# --- ICAT sync bookkeeping (catalogue/icat/sync.py) -------------------------------------------


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


# Downloads ------------------------------------------------------------------------------------


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


class AccessRequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"


class AccessRequest(models.Model):
    """A scientist asks to join a proposal by its name. The name is kept as typed: a request for a
    proposal that does not exist is stored too, so the requester cannot tell the difference."""

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_requests"
    )
    proposal = models.CharField(max_length=100)
    message = models.TextField(blank=True)
    status = models.CharField(
        max_length=16, choices=AccessRequestStatus.choices, default=AccessRequestStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["proposal", "status"])]

    def __str__(self) -> str:
        return f"{self.requester} → {self.proposal} ({self.get_status_display()})"


class TeamChangeAction(models.TextChoices):
    ADDED = "added", "Added"
    REMOVED = "removed", "Removed"
    REQUESTED = "requested", "Requested access"
    APPROVED = "approved", "Approved access request"
    DECLINED = "declined", "Declined access request"


class TeamChange(models.Model):
    """The team's history: who did what to whom, and when."""

    investigation = models.ForeignKey(
        Investigation, on_delete=models.CASCADE, related_name="team_changes"
    )
    action = models.CharField(max_length=16, choices=TeamChangeAction.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    role = models.CharField(max_length=32, choices=Role.choices, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["investigation", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.by} {self.get_action_display()} {self.user}"


# Full-text search columns ----------------------------------------------------------------------
# Added from here rather than in the classes above so parallel work on those classes merges
# cleanly. PostgreSQL keeps a tsvector per row (GIN-indexed in the migration, filled by
# catalogue/search.py after each save and in bulk by `search.refresh_all()`); on SQLite the column
# stays empty and search falls back to icontains.
for _model in (Investigation, Dataset, Sample):
    _model.add_to_class("search_vector", SearchVectorField(null=True, blank=True, editable=False))


@receiver(post_save, sender=Investigation)
@receiver(post_save, sender=Dataset)
@receiver(post_save, sender=Sample)
@receiver(post_save, sender=DatasetParameter)
def _refresh_search_vector(sender, instance, raw: bool = False, **kwargs) -> None:
    if raw:  # loaddata: the rows may not be complete yet
        return
    from . import search  # search imports this module

    search.refresh_after_save(instance)


# Data policy: audit trail and embargo extensions (their own module, imported so Django sees them).
from .policy_models import (  # noqa: E402, F401
    AccessEvent,
    AccessEventKind,
    EmbargoExtension,
    ExtensionStatus,
)

# Usage figures live in their own module; imported here so Django registers them with the app.
from .usage_models import (  # noqa: E402,F401
    Audience,
    CatalogueYear,
    UsageDay,
    UsageEvent,
    UsageKind,
    UsageTotal,
)
