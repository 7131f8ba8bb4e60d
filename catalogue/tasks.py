"""Celery tasks of the catalogue. Thin: each takes ids or names and calls one service."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

log = logging.getLogger(__name__)


# --- ICAT sync (catalogue/icat/sync.py) ------------------------------------------------------
# Routed to the "sync" queue (CELERY_TASK_ROUTES: catalogue.tasks.sync_*). Late acknowledgement:
# a run killed with its worker is run again, and resumes from the cursors committed per batch.


@shared_task(soft_time_limit=3300, time_limit=3600)
def sync_icat(*, full: bool = False) -> str:
    """The beat-scheduled incremental run; skips (does nothing) while another run holds the lock."""
    from catalogue.icat.sync import SyncBusy, icat_sync

    try:
        run = icat_sync(full=full)
    except SyncBusy:
        log.info("ICAT sync skipped: a run is already going")
        return "skipped"
    return run.status


@shared_task(bind=True, soft_time_limit=1700, time_limit=1800, max_retries=20)
def sync_icat_investigation(self, *, name: str) -> str:
    """ "Resync now" from the admin: waits for a running sync rather than being lost."""
    from catalogue.icat.sync import SyncBusy, icat_sync

    try:
        run = icat_sync(investigation=name)
    except SyncBusy as busy:
        raise self.retry(countdown=30) from busy
    return run.status


@shared_task(acks_late=True, soft_time_limit=1700, time_limit=1800)
def sync_thumbnails(dataset_ids: list[int]) -> int:
    """Thumbnails of the galleries and technique previews of datasets a sync batch (or the
    demo) brought files for, made while the files are on disk (they outlive the move to tape)."""
    from catalogue.models import ArchiveStatus, Dataset
    from catalogue.previews import dataset_thumbnails_keep

    datasets = Dataset.objects.filter(pk__in=dataset_ids, archive_status=ArchiveStatus.ONLINE)
    return sum(dataset_thumbnails_keep(dataset=d) for d in datasets.iterator())


# Downloads and tape restores (queue "zip", see CELERY_TASK_ROUTES) ---------------------------
# Late acknowledgement (settings) + idempotent services: a killed worker's job is taken up again,
# by the broker's redelivery or by `download_sweep`.


@shared_task(
    acks_late=True,
    soft_time_limit=settings.DOWNLOAD_JOB_SOFT_TIME_LIMIT,
    time_limit=settings.DOWNLOAD_JOB_SOFT_TIME_LIMIT + 300,
)
def download_build(job_id: str) -> str | None:
    from catalogue.downloads import download_job_build

    job = download_job_build(job_id=job_id)
    return job.status if job else None


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180)
def release_due() -> int:
    """Publish the sessions whose release date has passed (Investigation.is_public)."""
    from catalogue.models import Investigation

    return Investigation.objects.release_due()


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180)
def download_sweep() -> int:
    from catalogue.downloads import download_jobs_sweep

    return download_jobs_sweep()


@shared_task(acks_late=True, soft_time_limit=600, time_limit=900)
def download_expire() -> int:
    from catalogue.downloads import download_jobs_expire

    return download_jobs_expire()


@shared_task(
    acks_late=True,
    soft_time_limit=settings.DOWNLOAD_JOB_SOFT_TIME_LIMIT,
    time_limit=settings.DOWNLOAD_JOB_SOFT_TIME_LIMIT + 300,
)
def restore_dataset(restore_id: int) -> str | None:
    from catalogue.downloads import dataset_restore

    restore = dataset_restore(restore_id=restore_id)
    return restore.status if restore else None


# End of downloads ----------------------------------------------------------------------------


@shared_task(acks_late=True, soft_time_limit=600, time_limit=900)
def usage_rollup() -> int:
    from catalogue.usage import usage_rollup as rollup

    return len(rollup())
