"""The catalogue's mirror of the facility's ICAT (version 5 names where ICAT has the concept).

Rows carry `icat_id` and `mod_time` so the ICAT sync can upsert them incrementally. Counts and
volumes are stored on the parents (recomputed by the sync and the demo generator) so list pages
never aggregate over millions of datafiles.
"""

from __future__ import annotations

import re
from datetime import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
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
    # Full-text search column: PostgreSQL keeps a tsvector per row (GIN-indexed in the migration,
    # filled by catalogue/search.py after each save and in bulk by `search.refresh_all()`); on
    # SQLite it stays empty and search falls back to icontains.
    search_vector = SearchVectorField(null=True, blank=True, editable=False)

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
    search_vector = SearchVectorField(null=True, blank=True, editable=False)  # as Investigation's

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
    search_vector = SearchVectorField(null=True, blank=True, editable=False)  # as Investigation's

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
