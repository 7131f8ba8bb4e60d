from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction
from django.test import override_settings

from portal.heartbeat import heartbeat_record

from .world import World, build_world


@pytest.fixture(scope="module")
def matrix_world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[World]:
    """Built once per module inside a transaction that is rolled back at the end, so the
    thousands of cells share one set-up and leave nothing behind for other tests."""
    root = tmp_path_factory.mktemp("matrix")
    data_root, media_root = root / "data", root / "media"
    data_root.mkdir()
    media_root.mkdir()
    with django_db_blocker.unblock(), override_settings(DATA_ROOT=data_root, MEDIA_ROOT=media_root):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world(data_root, media_root)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def in_world(matrix_world, django_db_blocker, settings) -> Iterator[World]:
    """A test's access to the module's world (database unblocked, roots pointing at its files)."""
    settings.DATA_ROOT = matrix_world.data_root
    settings.MEDIA_ROOT = matrix_world.media_root
    with django_db_blocker.unblock():
        # A live worker for every queue and beat, so that `/healthz/deep` answers 200 to staff.
        for queue in settings.CELERY_TASK_QUEUES:
            heartbeat_record(kind="worker", name=f"celery@{queue.name}", queues=queue.name)
        heartbeat_record(kind="beat", name="beat@matrix")
        yield matrix_world


def pytest_terminal_summary(terminalreporter) -> None:
    from .test_url_fuzz import CASES
    from .test_url_matrix import CELLS

    if CELLS["count"]:
        terminalreporter.write_line(f"URL access matrix: {CELLS['count']} cells requested")
    if CASES["count"]:
        terminalreporter.write_line(f"URL fuzz: {CASES['count']} garbage requests sent")
