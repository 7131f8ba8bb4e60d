"""Download jobs: a job's row is its state machine (see `DownloadJob` and `download_job_claim`),
held by one worker through the lease helper (lease.py). Other apps build other kinds of file with
the same jobs (claim, heartbeat, sweep, expiry, the downloads page): they register a builder for
their kind (`download_job_kind_register`). The download area's quota admits jobs or makes them
wait for space."""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet, Sum
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from zipstream import ZipStream

from catalogue import access
from catalogue.models import (
    ArchiveStatus,
    Datafile,
    DownloadJob,
    DownloadJobKind,
    DownloadJobStatus,
)
from portal.mail import mail_send

from .lease import Superseded, lease_beat, lease_claim, lease_mine
from .names import DownloadError, safe_path
from .selection import archive_name, selection_key, zip_entries, zip_stream

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 0.5  # how often a job's worker reports progress (and proves it is alive)


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
    from catalogue.tasks import download_build

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
