"""Tape restores: a dataset archived on tape is copied back to disk by a worker holding its
restore's lease; the people waiting are told by e-mail."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from catalogue.models import (
    ArchiveStatus,
    Dataset,
    DatasetRestore,
    DownloadJobStatus,
)
from portal.mail import mail_send

from .lease import Superseded, lease_beat, lease_claim, lease_mine
from .names import DownloadError, MissingFile, safe_path
from .selection import CHUNK

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 0.5  # how often a restore's worker reports progress (and proves it is alive)


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
    from catalogue.tasks import restore_dataset

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
