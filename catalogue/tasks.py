"""Celery tasks of the catalogue. Thin: each takes ids or names and calls one service."""

from __future__ import annotations

import logging

from celery import shared_task

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
