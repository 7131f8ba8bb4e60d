"""Selections (what a user asked for, as they may see it) and the zip builder: the same builder
serves the streamed download (bytes to the browser as they are made) and the download job (a
Celery worker writes them to a temporary file, then renames it)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from zipstream import ZipStream

from catalogue import access
from catalogue.models import (
    ArchiveStatus,
    Datafile,
    Dataset,
)

from .names import MissingFile, clean_component, member_name, safe_path, unique_names

CHUNK = 1024 * 1024  # large reads: the zip must keep up with the raw disk (bench/zip_throughput.py)


# Selections -----------------------------------------------------------------------------------


@dataclass
class Selection:
    """What a user asked for (datasets and single files), as they may see it."""

    user: object
    dataset_ids: list[int] = field(default_factory=list)
    datafile_ids: list[int] = field(default_factory=list)

    def datafiles(self) -> QuerySet[Datafile]:
        return (
            access.visible_datafiles(self.user)
            .filter(Q(dataset_id__in=self.dataset_ids) | Q(id__in=self.datafile_ids))
            .select_related("dataset__investigation")
            .order_by("dataset_id", "name", "id")
        )

    def summary(self) -> SelectionSummary:
        totals = self.datafiles().order_by().aggregate(n=Count("id"), size=Sum("size"))
        offline = list(
            access.visible_datasets(self.user)
            .filter(Q(id__in=self.dataset_ids) | Q(datafiles__id__in=self.datafile_ids))
            .exclude(archive_status=ArchiveStatus.ONLINE)
            .distinct()
            .order_by("id")
        )
        # The API-token hint applies to embargoed data only (which only its team sees).
        embargoed = access.under_embargo(
            access.visible_datasets(self.user).filter(
                Q(id__in=self.dataset_ids) | Q(datafiles__id__in=self.datafile_ids)
            )
        ).exists()
        return SelectionSummary(
            file_count=totals["n"] or 0,
            size=totals["size"] or 0,
            offline=offline,
            embargoed=embargoed,
        )


@dataclass
class SelectionSummary:
    file_count: int
    size: int
    offline: list[Dataset]
    embargoed: bool = False

    @property
    def mode(self) -> str:
        """stream | job | too-large | offline | empty: what the download button does."""
        return download_mode(size=self.size, file_count=self.file_count, online=not self.offline)


def download_mode(*, size: int, file_count: int, online: bool) -> str:
    if not file_count:
        return "empty"
    if not online:
        return "offline"
    if file_count > settings.DOWNLOAD_MAX_FILES or size > settings.DOWNLOAD_JOB_LIMIT:
        return "too-large"
    if size > settings.DOWNLOAD_STREAM_LIMIT:
        return "job"
    return "stream"


def limits() -> dict[str, object]:
    return {
        "stream_limit": settings.DOWNLOAD_STREAM_LIMIT,
        "job_limit": settings.DOWNLOAD_JOB_LIMIT,
        "max_files": settings.DOWNLOAD_MAX_FILES,
        "expiry_days": settings.DOWNLOAD_EXPIRY_DAYS,
    }


def selection_key(datafile_ids: Iterable[int]) -> str:
    return hashlib.sha256(",".join(str(i) for i in sorted(set(datafile_ids))).encode()).hexdigest()


def archive_name(datafiles: list[Datafile]) -> str:
    datasets = {f.dataset_id: f.dataset for f in datafiles}
    if len(datasets) == 1:
        dataset = next(iter(datasets.values()))
        return f"{clean_component(dataset.investigation.name)}-{clean_component(dataset.name)}.zip"
    return f"data-{timezone.localdate():%Y%m%d}-{len(datasets)}-datasets-{len(datafiles)}-files.zip"


# The zip builder --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ZipEntry:
    arcname: str
    path: Path
    size: int
    location: str  # for messages: the name people see in the catalogue


def zip_entries(datafiles: Iterable[Datafile]) -> list[ZipEntry]:
    """Check every file before the first byte is sent: a missing file fails loudly, by name."""
    files = list(datafiles)
    entries = []
    for datafile, arcname in zip(files, unique_names(member_name(f) for f in files), strict=True):
        path = safe_path(datafile.location)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise MissingFile(
                f"The file {datafile.location} is missing from the data storage."
            ) from None
        if not path.is_file():
            raise MissingFile(f"{datafile.location} is not a file.")
        entries.append(ZipEntry(arcname=arcname, path=path, size=size, location=datafile.location))
    return entries


def _read(entry: ZipEntry) -> Iterator[bytes]:
    try:
        handle = open(entry.path, "rb")  # noqa: SIM115 - closed below, inside the generator
    except FileNotFoundError:
        raise MissingFile(f"The file {entry.location} disappeared from the data storage.") from None
    with handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def zip_stream(*, entries: list[ZipEntry]) -> ZipStream:
    """A stored (uncompressed) ZIP64-capable stream whose length is known before it starts."""
    stream = ZipStream(sized=True)
    for entry in entries:
        stream.add(_read(entry), entry.arcname, size=entry.size)
    return stream
