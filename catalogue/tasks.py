"""Celery tasks of the catalogue: thin wrappers that take ids and call one service."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

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
