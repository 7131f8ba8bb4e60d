"""A task goes through the configured broker to a real worker process and back.

With REDIS_URL set this runs on Redis; otherwise on kombu's filesystem transport under VAR_DIR.
"""

from __future__ import annotations

from django.conf import settings

from portal.tasks import catalogue_census
from tests import factories
from tests.workers import wait_for


def test_task_runs_in_a_real_worker_against_the_test_database(celery_worker) -> None:
    factories.InvestigationFactory.create_batch(3)

    result = catalogue_census.delay()

    wait_for(
        result.ready, timeout=90, message=f"the worker to run the task; log:\n{celery_worker.log()}"
    )
    assert result.get(timeout=5) == {"investigations": 3}
    expected_broker = "redis" if settings.REDIS_URL else "filesystem"
    assert settings.CELERY_BROKER_URL.startswith(expected_broker)
