from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import factories
from tests.oidc_provider.harness import oidc_provider, oidc_provider_process  # noqa: F401
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
def mail_worker(transactional_db, tmp_path: Path) -> Iterator[tuple[CeleryWorker, Path]]:
    """A real worker whose e-mails are written to files in the returned folder; creating
    `<folder>/server-down` (tests.mail_backends.OUTAGE_MARKER) makes sending fail as with an
    unreachable SMTP server. Retries are one second apart instead of MAIL_RETRY_BACKOFF."""
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    purge_queues()
    worker = CeleryWorker(
        tmp_path / "worker.log",
        extra_env={
            "PORTAL_TEST_EMAIL_BACKEND": "tests.mail_backends.OutageFileBackend",
            "PORTAL_TEST_EMAIL_FILE_PATH": str(outbox),
            "MAIL_RETRY_BACKOFF": "1",
        },
    ).start()
    yield worker, outbox
    worker.stop()


@pytest.fixture(autouse=True)
def mail_in_process(request, monkeypatch) -> None:
    """E-mails queued by portal.mail are delivered in this process by the mail task itself
    (Celery's `apply`, retries included), so `mail.outbox` shows them once the on-commit
    callbacks run. Tests with a real worker keep the broker."""
    if {"celery_worker", "mail_worker"} & set(request.fixturenames):
        return
    from portal import mail
    from portal.tasks import mail_deliver

    monkeypatch.setattr(
        mail, "_deliver_later", lambda message: mail_deliver.apply(kwargs=message, throw=True)
    )


@pytest.fixture
def team(db) -> factories.Team:
    """An embargoed investigation with one user of each role, and an outsider."""
    return factories.make_team()


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    """Rate-limit counters and cached pages must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
