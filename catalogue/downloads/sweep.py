"""The sweeper's one pass over the leased work of downloads (catalogue.tasks runs it on a beat)."""

from __future__ import annotations

from datetime import timedelta

from catalogue.models import DatasetRestore, DownloadJob

from .jobs import _enqueue_build, download_jobs_admit_waiting
from .lease import lease_sweep
from .restores import _enqueue_restore


def download_jobs_sweep(*, stale_after: timedelta | None = None) -> int:
    """Put jobs and restores whose worker went quiet (killed, or their message lost) back in the
    queue, and the zips waiting for space that now fit."""
    swept = lease_sweep(DownloadJob, enqueue=_enqueue_build, fields=("kind",), older=stale_after)
    swept += lease_sweep(DatasetRestore, enqueue=_enqueue_restore, older=stale_after)
    return swept + download_jobs_admit_waiting()
