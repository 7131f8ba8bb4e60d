from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import factories
from tests.workers import CeleryWorker, purge_queues


@pytest.fixture(autouse=True)
def isolated_roots(settings, tmp_path: Path) -> Path:
    """Each test gets its own data, download and media folders."""
    settings.DATA_ROOT = tmp_path / "data"
    settings.DOWNLOAD_ROOT = tmp_path / "downloads"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ARCHIVE_ROOT = tmp_path / "archive"  # the demo "tape" of archived datasets
    for folder in (settings.DATA_ROOT, settings.DOWNLOAD_ROOT, settings.MEDIA_ROOT):
        folder.mkdir(parents=True, exist_ok=True)
    settings.PREVIEW_CACHE_DIR = tmp_path / "previews"
    return tmp_path


@pytest.fixture
def celery_worker(transactional_db, tmp_path: Path) -> Iterator[CeleryWorker]:
    """A real worker process on the configured broker (Redis or the filesystem transport)."""
    purge_queues()
    worker = CeleryWorker(tmp_path / "worker.log").start()
    yield worker
    worker.stop()


@pytest.fixture
def team(db) -> factories.Team:
    """An embargoed investigation with one user of each role, and an outsider."""
    return factories.make_team()


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    """Rate-limit counters and cached pages must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
