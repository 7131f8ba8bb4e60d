"""Downloads: safe paths under DATA_ROOT, zip members, selections, zip jobs, restores, metalink.

The same zip builder serves the streamed download (the bytes go to the browser as they are made)
and the download job (a Celery worker writes them to a temporary file, then renames it). A job's
row is its state machine; see `DownloadJob` and `download_job_claim`. Other apps build other
kinds of file with the same jobs (claim, heartbeat, sweep, expiry, the downloads page): they
register a builder for their kind (`download_job_kind_register`).
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, urlencode
from xml.sax.saxutils import escape, quoteattr

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from zipstream import ZipStream

from portal.mail import mail_send

from . import access
from .lease import Superseded, lease_beat, lease_claim, lease_mine, lease_sweep
from .models import (
    ArchiveStatus,
    Datafile,
    Dataset,
    DatasetRestore,
    DownloadJob,
    DownloadJobKind,
    DownloadJobStatus,
)

log = logging.getLogger(__name__)
CHUNK = 1024 * 1024  # large reads: the zip must keep up with the raw disk (bench/zip_throughput.py)
HEARTBEAT_SECONDS = 0.5  # how often a job's worker reports progress (and proves it is alive)


class DownloadError(Exception):
    """A reason, for people, why a download cannot be made."""


class UnsafePath(DownloadError):
    pass


class MissingFile(DownloadError):
    pass


# Paths and names --------------------------------------------------------------------------------


def safe_path(location: str, *, root: Path | None = None) -> Path:
    """The file at `location` under `root` (DATA_ROOT), refusing anything that resolves outside it:
    absolute paths, `..`, and symlinks pointing elsewhere."""
    root = Path(root or settings.DATA_ROOT).resolve()
    path = (root / location).resolve()
    if path == root or not path.is_relative_to(root):
        raise UnsafePath(f"The path of {location!r} is outside the data storage.")
    return path


_UNSAFE_CHARS = re.compile(r"[\x00-\x1f\x7f\\:*?\"<>|]")


def clean_component(part: str) -> str:
    """One path component that every unzip tool writes where it should: no separators, no control
    characters, no `.`/`..`, no leading dots or spaces."""
    part = _UNSAFE_CHARS.sub("_", part.replace("/", "_")).strip().lstrip(".").strip()
    return part or "_"


def member_name(datafile: Datafile) -> str:
    """`<proposal>/<dataset>/<path inside the dataset>`: relative, clean, readable."""
    dataset = datafile.dataset
    prefix = dataset.location.strip("/") + "/" if dataset.location.strip("/") else ""
    location = datafile.location.strip("/")
    inner = location[len(prefix) :] if prefix and location.startswith(prefix) else datafile.name
    parts = [p for p in inner.split("/") if p not in ("", ".")]
    return "/".join(
        clean_component(p)
        for p in [dataset.investigation.name, dataset.name, *(parts or [datafile.name])]
    )


def unique_names(names: Iterable[str]) -> Iterator[str]:
    """The names again, with `~2`, `~3`... before the extension of repeats."""
    seen: set[str] = set()
    for name in names:
        yield unique_name(name, seen)


def unique_name(name: str, seen: set[str]) -> str:
    """The name, or with `~2`, `~3`... before its extension if `seen` holds it; added to seen."""
    candidate, n = name, 1
    while candidate in seen:
        n += 1
        stem, dot, ext = name.rpartition(".")
        candidate = f"{stem}~{n}.{ext}" if dot and "/" not in ext else f"{name}~{n}"
    seen.add(candidate)
    return candidate


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


# Download jobs ----------------------------------------------------------------------------------


def download_job_create(
    *, owner, datafiles: list[Datafile], label: str = ""
) -> tuple[DownloadJob, bool]:
    """The job for these files, reusing the owner's job for the same selection. (job, created)."""
    ids = sorted({f.pk for f in datafiles})
    key = selection_key(ids)
    existing = DownloadJob.objects.active().filter(owner=owner, selection_key=key).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            job = DownloadJob.objects.create(
                owner=owner,
                selection_key=key,
                datafile_ids=ids,
                name=archive_name(datafiles),
                label=label[:255],
                file_count=len(ids),
                total_bytes=sum(f.size for f in datafiles),
            )
    except IntegrityError:  # the same selection, asked twice at the same moment
        return DownloadJob.objects.active().get(owner=owner, selection_key=key), False
    _enqueue_build(job.pk, job.kind)
    return job, True


def _enqueue_build(job_id, kind: str) -> None:
    from .tasks import download_build

    # Zips have their own queue (CELERY_TASK_ROUTES); a PDF of a few minutes at most must not
    # wait behind an hour-long zip.
    queue = None if kind == DownloadJobKind.ZIP else settings.CELERY_TASK_DEFAULT_QUEUE
    transaction.on_commit(lambda: download_build.apply_async(args=[str(job_id)], queue=queue))


# Kinds built by other apps ----------------------------------------------------------------------


@dataclass(frozen=True)
class JobKind:
    """How another app builds its kind of job: `build(job, out=path, progress=report)` writes the
    file to `out`, calling `report(done, total)` as it goes (it raises when the job was given to
    another worker: let it through), and raises DownloadError with a reason for people."""

    build: Callable[..., None]
    too_long: str


_KINDS: dict[str, JobKind] = {}


def download_job_kind_register(kind: str, *, build: Callable[..., None], too_long: str) -> None:
    """Called from the registering app's `ready()`, in web and worker processes alike."""
    _KINDS[kind] = JobKind(build=build, too_long=too_long)


def download_job_request(
    *, owner, kind: str, params: dict, name: str, label: str
) -> tuple[DownloadJob, bool]:
    """A job of a registered kind: the owner's pending or running one for the same params is
    reused; a ready one is replaced (what it was built from may have changed since). (job,
    created)."""
    key = hashlib.sha256(f"{kind}:{json.dumps(params, sort_keys=True)}".encode()).hexdigest()
    mine = DownloadJob.objects.filter(owner=owner, selection_key=key)
    existing = mine.filter(
        status__in=[DownloadJobStatus.PENDING, DownloadJobStatus.RUNNING]
    ).first()
    if existing:
        return existing, False
    for old in mine.filter(status=DownloadJobStatus.READY):
        _expire(old)
    try:
        with transaction.atomic():
            job = DownloadJob.objects.create(
                owner=owner,
                kind=kind,
                selection_key=key,
                params=params,
                name=name,
                label=label[:255],
            )
    except IntegrityError:  # the same export, asked twice at the same moment
        return DownloadJob.objects.active().get(owner=owner, selection_key=key), False
    _enqueue_build(job.pk, kind)
    return job, True


def download_job_claim(*, job_id) -> DownloadJob | None:
    """Take the job for this worker (`lease.lease_claim`); None when another attempt has it."""
    if not lease_claim(DownloadJob, pk=job_id, done_bytes=0, error=""):
        return None
    return DownloadJob.objects.select_related("owner").get(pk=job_id)


def _partial_dir() -> Path:
    folder = Path(settings.DOWNLOAD_ROOT) / ".partial"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def download_job_build(*, job_id, on_chunk: Callable[[], None] | None = None) -> DownloadJob | None:
    """Build the job's file (its zip, or its kind's): write `<job>-<attempt>.part`, rename it
    when complete, mark the job ready.

    Idempotent by job id: a finished or taken job is left alone; a killed attempt is started over
    (its partial file is removed) by the next claim."""
    job = download_job_claim(job_id=job_id)
    if job is None:
        return None
    attempt = job.attempt
    mine = lease_mine(DownloadJob, pk=job.pk, attempt=attempt)
    partial = _partial_dir()
    for old in partial.glob(f"{job.pk}-*.part"):
        if old.name != f"{job.pk}-{attempt}.part":
            old.unlink(missing_ok=True)
    tmp = partial / f"{job.pk}-{attempt}.part"
    try:
        if job.kind == DownloadJobKind.ZIP:
            _zip_write(job, tmp, mine=mine, on_chunk=on_chunk)
        elif job.kind in _KINDS:
            _KINDS[job.kind].build(
                job, out=tmp, progress=lambda done, total: _report(mine, done, total)
            )
        else:
            raise DownloadError("This kind of download cannot be built any more.")
        size = tmp.stat().st_size
        final = Path(settings.DOWNLOAD_ROOT) / str(job.pk) / job.name
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, final)
        now = timezone.now()
        if not mine.update(
            status=DownloadJobStatus.READY,
            done_bytes=size,
            total_bytes=size,
            archive=f"{job.pk}/{job.name}",
            finished_at=now,
            expires_at=now + timedelta(days=settings.DOWNLOAD_EXPIRY_DAYS),
        ):
            return None
        job.refresh_from_db()
        _notify_ready(job)
        return job
    except Superseded:
        return None
    except _WaitForSpace:
        pass
    except OSError as error:
        if error.errno != errno.ENOSPC:
            raise
        log.error(
            "Download job %s: no space left writing %s (%s free in DOWNLOAD_ROOT %s)",
            job.pk,
            tmp,
            filesizeformat(shutil.disk_usage(settings.DOWNLOAD_ROOT).free),
            settings.DOWNLOAD_ROOT,
        )
        _fail(
            mine,
            "The download area is full; try again later"
            + (", or use the metalink." if job.kind == DownloadJobKind.ZIP else "."),
        )
    except DownloadError as error:
        _fail(mine, str(error))
    except SoftTimeLimitExceeded:
        kind = _KINDS.get(job.kind)
        _fail(
            mine,
            kind.too_long
            if kind
            else "Building the zip took too long. Please use the metalink or Globus.",
        )
        return None
    finally:
        tmp.unlink(missing_ok=True)
    job.refresh_from_db()
    return job


def _report(mine: QuerySet, done: int, total: int) -> None:
    lease_beat(mine, done_bytes=done, total_bytes=total)


def _zip_write(
    job: DownloadJob, tmp: Path, *, mine: QuerySet, on_chunk: Callable[[], None] | None
) -> None:
    datafiles = list(
        access.visible_datafiles(job.owner)
        .filter(id__in=job.datafile_ids)
        .select_related("dataset__investigation")
        .order_by("dataset_id", "name", "id")
    )
    if len(datafiles) != len(set(job.datafile_ids)):
        raise DownloadError("Some of the files are no longer available to you.")
    offline = sorted(
        {f.dataset.name for f in datafiles if f.dataset.archive_status != ArchiveStatus.ONLINE}
    )
    if offline:
        raise DownloadError(f"Dataset {', '.join(offline)} is on tape: restore it first.")
    stream = zip_stream(entries=zip_entries(datafiles))
    total = len(stream)
    mine.update(total_bytes=total)
    _take_space(job, total, mine=mine)
    free = shutil.disk_usage(settings.DOWNLOAD_ROOT).free
    if free < total:
        raise DownloadError(
            f"Not enough space in the download area ({filesizeformat(total)} needed, "
            f"{filesizeformat(free)} free). Please try again later or use the metalink."
        )
    _write(stream, tmp, mine=mine, on_chunk=on_chunk)


def _write(
    stream: ZipStream, tmp: Path, *, mine: QuerySet, on_chunk: Callable[[], None] | None
) -> None:
    throttle = settings.DOWNLOAD_THROTTLE_BPS
    started = last_beat = time.monotonic()
    done = 0
    with open(tmp, "wb") as out:
        for chunk in stream:
            out.write(chunk)
            done += len(chunk)
            if on_chunk:
                on_chunk()
            if throttle:  # demos and the kill test: a job slow enough to watch
                time.sleep(max(0.0, started + done / throttle - time.monotonic()))
            if time.monotonic() - last_beat >= HEARTBEAT_SECONDS:
                last_beat = time.monotonic()
                lease_beat(mine, done_bytes=done)
        out.flush()
        os.fsync(out.fileno())


# The download area's quota (DOWNLOAD_ROOT_QUOTA) ------------------------------------------------


QUOTA_LOCK_KEY = 0x5D15C  # any constant no other advisory lock of the project uses


class _WaitForSpace(Exception):
    """The job was put back to wait for room under the quota: stop, nothing written."""


def _space_used(job: DownloadJob) -> int:
    """Bytes the archives take or are about to take, as `job` sees them: ready files of every
    kind, running zips (a running PDF's total counts events, not bytes), and the zips asked for
    before it that have not started yet (first come, first served). Read from the rows, not the
    disk, so that a zip being written counts in full from its start."""
    zip_ = DownloadJobKind.ZIP
    rows = DownloadJob.objects.filter(
        Q(status=DownloadJobStatus.READY)
        | Q(kind=zip_, status=DownloadJobStatus.RUNNING)
        | Q(kind=zip_, status=DownloadJobStatus.PENDING, created_at__lt=job.created_at)
    ).exclude(pk=job.pk)
    return rows.aggregate(n=Sum("total_bytes"))["n"] or 0


def _expired_oldest_first() -> QuerySet[DownloadJob]:
    return DownloadJob.objects.filter(
        status=DownloadJobStatus.READY, expires_at__lte=timezone.now()
    ).order_by("expires_at", "created_at")


def _take_space(job: DownloadJob, size: int, *, mine: QuerySet) -> None:
    """Let the zip be written if `size` more bytes fit under the quota, removing expired archives
    (oldest first) until they do; otherwise the job waits. Jobs waiting longer go first."""
    quota = settings.DOWNLOAD_ROOT_QUOTA
    if not quota:
        return
    if size > quota:
        raise DownloadError(
            f"This zip ({filesizeformat(size)}) is larger than the download area "
            f"({filesizeformat(quota)}). Please use the metalink or Globus."
        )
    with transaction.atomic():
        _quota_lock()
        older_waiting = DownloadJob.objects.filter(
            status=DownloadJobStatus.WAITING, created_at__lt=job.created_at
        ).exists()
        if not older_waiting and _make_room(job, size, quota=quota):
            return
        if not mine.update(status=DownloadJobStatus.WAITING, done_bytes=0):
            raise Superseded
    log.info("Download job %s (%s) waits for space under the quota", job.pk, size)
    raise _WaitForSpace


def _quota_lock() -> None:
    """One admission at a time (until the transaction ends), or two workers could both see the
    same free bytes. SQLite (development) serializes writers anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [QUOTA_LOCK_KEY])


def _make_room(job: DownloadJob, size: int, *, quota: int) -> bool:
    used = _space_used(job)
    for old in _expired_oldest_first().iterator():
        if used + size <= quota:
            break
        if _expire(old):
            used -= old.total_bytes
    return used + size <= quota


def download_jobs_admit_waiting() -> int:
    """Queue the waiting zips again, oldest first, as long as each fits under the quota; the first
    one that does not fit keeps its place and the ones behind it wait too."""
    quota = settings.DOWNLOAD_ROOT_QUOTA
    admitted = 0
    waiting = DownloadJob.objects.filter(status=DownloadJobStatus.WAITING).order_by("created_at")
    for job in waiting:
        with transaction.atomic():
            _quota_lock()
            # The zips admitted before it count: the next one must fit beside them.
            if quota and not _make_room(job, job.total_bytes, quota=quota):
                break
            if DownloadJob.objects.filter(pk=job.pk, status=DownloadJobStatus.WAITING).update(
                status=DownloadJobStatus.PENDING, heartbeat_at=timezone.now()
            ):
                admitted += 1
                _enqueue_build(job.pk, job.kind)
    return admitted


def _fail(mine: QuerySet, message: str) -> None:
    mine.update(status=DownloadJobStatus.FAILED, error=message, finished_at=timezone.now())


def _notify_ready(job: DownloadJob) -> None:
    mail_send(to=[job.owner.email], template="download_ready", context={"job": job})


def download_jobs_sweep(*, stale_after: timedelta | None = None) -> int:
    """Put jobs and restores whose worker went quiet (killed, or their message lost) back in the
    queue, and the zips waiting for space that now fit."""
    swept = lease_sweep(DownloadJob, enqueue=_enqueue_build, fields=("kind",), older=stale_after)
    swept += lease_sweep(DatasetRestore, enqueue=_enqueue_restore, older=stale_after)
    return swept + download_jobs_admit_waiting()


def download_jobs_expire(*, now=None) -> int:
    """Remove the archives of jobs past their expiry date, then start the zips waiting for the
    space they took."""
    now = now or timezone.now()
    count = 0
    for job in DownloadJob.objects.filter(status=DownloadJobStatus.READY, expires_at__lte=now):
        count += _expire(job)
    download_jobs_admit_waiting()
    return count


def _expire(job: DownloadJob) -> int:
    shutil.rmtree(safe_path(str(job.pk), root=settings.DOWNLOAD_ROOT), ignore_errors=True)
    return DownloadJob.objects.filter(pk=job.pk, status=DownloadJobStatus.READY).update(
        status=DownloadJobStatus.EXPIRED, archive=""
    )


def download_job_path(job: DownloadJob) -> Path:
    if job.status != DownloadJobStatus.READY or not job.archive:
        raise DownloadError("This download is not ready.")
    return safe_path(job.archive, root=settings.DOWNLOAD_ROOT)


# Tape restores ----------------------------------------------------------------------------------


def dataset_restore_request(*, dataset: Dataset, by=None, email: str = "") -> DatasetRestore | None:
    """Ask for the dataset back from tape; None when it is not archived (already on its way).
    `email` is who to tell when it is back (default: the requester's address)."""
    address = email or (by.email if by is not None else "")
    with transaction.atomic():
        if not Dataset.objects.filter(pk=dataset.pk, archive_status=ArchiveStatus.ARCHIVED).update(
            archive_status=ArchiveStatus.RESTORING
        ):
            return None
        restore = DatasetRestore.objects.create(
            dataset=dataset,
            requested_by=by,
            total_bytes=dataset.size,
            notify=[address] if address else [],
        )
    _enqueue_restore(restore.pk)
    return restore


def _enqueue_restore(restore_id: int) -> None:
    from .tasks import restore_dataset

    transaction.on_commit(lambda: restore_dataset.delay(restore_id))


def dataset_restore(*, restore_id: int) -> DatasetRestore | None:
    """Copy the dataset's files from ARCHIVE_ROOT back to DATA_ROOT (slowly, like a tape), then
    mark it online. Claimed like a download job; idempotent: files already back are skipped and
    each copy goes to a temporary name first. A file missing from the archive fails the restore,
    names the file, and leaves the dataset archived."""
    if not lease_claim(DatasetRestore, pk=restore_id):
        return None
    restore = DatasetRestore.objects.select_related("dataset", "requested_by").get(pk=restore_id)
    mine = lease_mine(DatasetRestore, pk=restore_id, attempt=restore.attempt)
    dataset = restore.dataset
    done = 0
    try:
        for datafile in dataset.datafiles.order_by("id").iterator():
            target = safe_path(datafile.location)
            source = safe_path(datafile.location, root=settings.ARCHIVE_ROOT)
            if not source.exists():
                if target.exists():
                    continue
                raise MissingFile(f"The file {datafile.location} is missing from the archive.")
            size = source.stat().st_size
            if not (target.exists() and target.stat().st_size == size):
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_name(f".{target.name}.restore-{os.getpid()}")
                try:
                    _slow_copy(source, tmp, progress=lambda n, base=done: _beat(mine, base + n))
                    os.replace(tmp, target)
                finally:
                    tmp.unlink(missing_ok=True)
            done += size
            _beat(mine, done)
    except Superseded:
        return None
    except (DownloadError, OSError) as error:
        message = str(error) if isinstance(error, DownloadError) else f"Copy failed: {error}"
        if mine.update(status=DownloadJobStatus.FAILED, error=message, finished_at=timezone.now()):
            Dataset.objects.filter(pk=dataset.pk).update(archive_status=ArchiveStatus.ARCHIVED)
        restore.refresh_from_db()
        return restore
    with transaction.atomic():
        if not mine.update(
            status=DownloadJobStatus.READY, done_bytes=done, finished_at=timezone.now()
        ):
            return None
        Dataset.objects.filter(pk=dataset.pk).update(archive_status=ArchiveStatus.ONLINE)
    restore.refresh_from_db()
    _notify_restored(restore)
    return restore


def dataset_restore_report(
    *, dataset: Dataset, restored: bool, message: str = ""
) -> list[DatasetRestore]:
    """What the facility's archive reports about a dataset it was asked to bring back (ICAT+'s
    `dataacquisition/{apiKey}/dataset/restore`): online again, or not. The restores still
    pending or running end as the archive says, their requesters are told by e-mail, and a
    worker still copying the same files finds its restore superseded. Returns those restores."""
    active = DatasetRestore.objects.filter(
        dataset=dataset, status__in=[DownloadJobStatus.PENDING, DownloadJobStatus.RUNNING]
    )
    with transaction.atomic():
        restores = list(
            active.select_for_update(of=("self",)).select_related("dataset", "requested_by")
        )
        now = timezone.now()
        status = DownloadJobStatus.READY if restored else DownloadJobStatus.FAILED
        error = "" if restored else message or "The archive could not restore this dataset."
        active.filter(pk__in=[r.pk for r in restores]).update(
            status=status, error=error, finished_at=now
        )
        if restored:
            Dataset.objects.filter(pk=dataset.pk).update(archive_status=ArchiveStatus.ONLINE)
        else:
            Dataset.objects.filter(pk=dataset.pk, archive_status=ArchiveStatus.RESTORING).update(
                archive_status=ArchiveStatus.ARCHIVED
            )
        for restore in restores:
            restore.status, restore.error, restore.finished_at = status, error, now
            _notify(restore, template="dataset_restored" if restored else "dataset_restore_failed")
    return restores


def _beat(mine: QuerySet, done: int) -> None:
    lease_beat(mine, done_bytes=done)


def _slow_copy(source: Path, target: Path, *, progress: Callable[[int], None]) -> None:
    rate = settings.RESTORE_THROTTLE_BPS
    started = last_beat = time.monotonic()
    done = 0
    with open(source, "rb") as src, open(target, "wb") as out:
        while chunk := src.read(CHUNK):
            out.write(chunk)
            done += len(chunk)
            if rate:  # the demo's tape drive
                time.sleep(max(0.0, started + done / rate - time.monotonic()))
            if time.monotonic() - last_beat >= HEARTBEAT_SECONDS:
                last_beat = time.monotonic()
                progress(done)


def _notify_restored(restore: DatasetRestore) -> None:
    _notify(restore, template="dataset_restored")


def _notify(restore: DatasetRestore, *, template: str) -> None:
    """One message per address: the people waiting for a dataset do not learn each other's."""
    recipients = {*restore.notify}
    if restore.requested_by and restore.requested_by.email:  # rows from before `notify`
        recipients.add(restore.requested_by.email)
    for address in sorted(recipients):
        mail_send(to=[address], template=template, context={"restore": restore})


# Metalink, aria2, Globus ------------------------------------------------------------------------

_HASH_TYPES = {
    "sha256": "sha-256",
    "sha-256": "sha-256",
    "sha1": "sha-1",
    "sha-1": "sha-1",
    "md5": "md5",
    "sha512": "sha-512",
    "sha-512": "sha-512",
}


def checksum_parts(checksum: str) -> tuple[str, str] | None:
    """("sha-256", "ab12...") from the catalogue's "sha256:ab12...", or None for other kinds."""
    kind, _, digest = checksum.partition(":")
    kind = _HASH_TYPES.get(kind.strip().lower())
    return (
        (kind, digest.strip().lower())
        if kind and re.fullmatch(r"[0-9a-fA-F]+", digest.strip())
        else None
    )


def named_per_dataset(datafiles: Iterable[Datafile]) -> Iterator[tuple[Datafile, str]]:
    """Each datafile with its member name, reading the datafiles as they come (ordered by
    dataset, as Selection.datafiles is): names are made unique within each dataset, so only that
    dataset's names are held, and a dataset named like an earlier one of its investigation gets
    its own folder (`<dataset>~2`). Memory grows with the datasets, not with the files."""
    folders: dict[str, int] = {}  # "<proposal>/<dataset>" -> how many datasets took it
    current, seen, folder = None, set(), ""
    for datafile in datafiles:
        proposal, dataset, rest = member_name(datafile).split("/", 2)
        if datafile.dataset_id != current:
            current, seen = datafile.dataset_id, set()
            folder = f"{proposal}/{dataset}"
            folders[folder] = taken = folders.get(folder, 0) + 1
            folder += f"~{taken}" if taken > 1 else ""
        yield datafile, f"{folder}/{unique_name(rest, seen)}"


def file_list_too_long(file_count: int) -> str:
    """Why a metalink/aria2 list is refused, or "" when it is short enough (the zips' cap)."""
    if file_count <= settings.DOWNLOAD_MAX_FILES:
        return ""
    return (
        f"This selection has {file_count:,} files, more than the "
        f"{settings.DOWNLOAD_MAX_FILES:,} one download list can hold: choose fewer datasets, "
        "or use Globus."
    )


def metalink_lines(
    *, datafiles: Iterable[Datafile], url_for: Callable[[Datafile], str]
) -> Iterator[str]:
    """RFC 5854 (.meta4): every file with its size, checksum and URL, written as it is read."""
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield '<metalink xmlns="urn:ietf:params:xml:ns:metalink">\n'
    yield f"  <generator>{escape(settings.FACILITY_NAME)} data portal</generator>\n"
    yield f"  <published>{timezone.now().strftime('%Y-%m-%dT%H:%M:%SZ')}</published>\n"
    for datafile, name in named_per_dataset(datafiles):
        yield f"  <file name={quoteattr(name)}>\n    <size>{datafile.size}</size>\n"
        if parts := checksum_parts(datafile.checksum):
            yield f"    <hash type={quoteattr(parts[0])}>{parts[1]}</hash>\n"
        yield f"    <url>{escape(url_for(datafile))}</url>\n  </file>\n"
    yield "</metalink>\n"


def aria2_lines(
    *, datafiles: Iterable[Datafile], url_for: Callable[[Datafile], str]
) -> Iterator[str]:
    """An aria2c input file (`aria2c -i`): URL, then indented options for that file."""
    for datafile, name in named_per_dataset(datafiles):
        yield f"{url_for(datafile)}\n  out={name}\n"
        if parts := checksum_parts(datafile.checksum):
            yield f"  checksum={parts[0]}={parts[1]}\n"


def globus_url(dataset: Dataset) -> str:
    """The Globus web app at the dataset's folder on the facility endpoint, or "" when unset."""
    if not settings.GLOBUS_ENDPOINT_ID or not dataset.location:
        return ""
    path = (
        "/"
        + "/".join(
            p for p in (settings.GLOBUS_PATH_PREFIX.strip("/"), dataset.location.strip("/")) if p
        )
        + "/"
    )
    return "https://app.globus.org/file-manager?" + urlencode(
        {"origin_id": settings.GLOBUS_ENDPOINT_ID, "origin_path": path}, quote_via=quote
    )
