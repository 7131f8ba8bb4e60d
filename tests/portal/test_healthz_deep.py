"""`/healthz/deep` for staff and monitoring: database, broker, a live worker per queue, beat,
free space of the roots; 503 when a required part is down; a 404 to everyone else. Heartbeats
come from real Celery worker and beat processes, and the admin lists them."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.heartbeat import heartbeat_record
from portal.models import Heartbeat
from tests import factories
from tests.workers import BASE_DIR, CeleryWorker, purge_queues, wait_for

URL = "/healthz/deep"
TOKEN = "monitoring-secret-token"


@pytest.fixture
def token(settings) -> str:
    settings.HEALTH_TOKEN = TOKEN
    return TOKEN


def bearer(value: str) -> dict:
    return {"Authorization": f"Bearer {value}"}


def everything_alive(settings) -> None:
    for queue in settings.CELERY_TASK_QUEUES:
        heartbeat_record(kind="worker", name=f"celery@{queue.name}", queues=queue.name)
    heartbeat_record(kind="beat", name="beat@test")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who, headers",
    [
        ("anonymous", {}),
        ("scientist", {}),
        ("anonymous", bearer("wrong-token")),
        ("anonymous", {"Authorization": f"Token {TOKEN}"}),
        ("anonymous", {"Authorization": "Bearer caf\u00e9"}),
    ],
)
def test_anyone_but_staff_and_the_token_gets_a_404(client, token, who, headers) -> None:
    assert reverse("portal:healthz-deep") == URL
    if who == "scientist":
        client.force_login(factories.UserFactory())
    response = client.get(URL, headers=headers)
    assert response.status_code == 404
    assert b"database" not in response.content


@pytest.mark.django_db
def test_without_a_configured_token_an_empty_bearer_gets_a_404(client, settings) -> None:
    settings.HEALTH_TOKEN = ""
    assert client.get(URL, headers=bearer("")).status_code == 404


@pytest.mark.django_db
def test_staff_sees_every_part_with_the_free_space_of_each_root(client, settings) -> None:
    everything_alive(settings)
    client.force_login(factories.UserFactory(is_staff=True))
    body = client.get(URL).json()
    assert body["status"] in ("ok", "warn")
    assert body["database"] == body["broker"] == {"status": "ok"}
    assert body["workers"]["status"] == "ok" and body["workers"]["queues_without_worker"] == []
    assert body["beat"]["status"] == "ok" and body["beat"]["seen_seconds_ago"] <= 1
    for root in ("DATA_ROOT", "DOWNLOAD_ROOT", "MEDIA_ROOT"):
        disk = body["disk"][root]
        assert 0 < disk["free_bytes"] <= disk["total_bytes"]
        assert disk["free_percent"] == round(100 * disk["free_bytes"] / disk["total_bytes"], 1)


@pytest.mark.django_db
def test_low_free_space_is_a_warning_not_a_failure(client, settings, token) -> None:
    everything_alive(settings)
    settings.HEALTH_DISK_WARN_PERCENT = 101  # every disk is "low"
    response = client.get(URL, headers=bearer(token))
    assert response.status_code == 200
    assert response.json()["status"] == "warn"
    assert response.json()["disk"]["DATA_ROOT"]["status"] == "warn"


@pytest.mark.django_db
def test_a_dead_broker_is_a_503(client, settings, token) -> None:
    everything_alive(settings)
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = client.get(URL, headers=bearer(token))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "failed" and body["broker"]["status"] == "failed"
    assert body["database"]["status"] == "ok"


@pytest.mark.django_db
def test_a_silent_worker_leaves_its_queues_without_a_worker_and_is_a_503(
    client, settings, token
) -> None:
    everything_alive(settings)
    Heartbeat.objects.filter(name="celery@zip").update(
        seen_at=timezone.now() - timedelta(seconds=settings.HEALTH_HEARTBEAT_STALE_SECONDS + 1)
    )
    response = client.get(URL, headers=bearer(token))
    assert response.status_code == 503
    workers = response.json()["workers"]
    assert workers["status"] == "failed" and workers["queues_without_worker"] == ["zip"]
    assert {"name": "celery@zip", "alive": False}.items() <= next(
        w for w in workers["workers"] if w["name"] == "celery@zip"
    ).items()


# Real processes ---------------------------------------------------------------------------------


@pytest.fixture
def worker_and_beat(transactional_db, tmp_path: Path) -> Iterator[CeleryWorker]:
    """A worker for every queue and a beat, as `make run` starts them."""
    purge_queues()
    worker = CeleryWorker(tmp_path / "worker.log").start()
    beat = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "beat", "--loglevel", "INFO"]
        + ["--schedule", str(tmp_path / "beat-schedule")],
        cwd=BASE_DIR,
        env=worker.environment(),
        stdout=open(tmp_path / "beat.log", "ab"),  # noqa: SIM115 - closed with the process
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    yield worker
    os.killpg(beat.pid, 15)
    beat.wait(timeout=30)
    worker.stop()


def test_a_live_worker_and_beat_make_the_deep_check_200_and_show_in_the_admin(
    client, settings, worker_and_beat
) -> None:
    settings.HEALTH_TOKEN = TOKEN
    wait_for(
        lambda: (
            Heartbeat.objects.filter(kind="worker").exists()
            and Heartbeat.objects.filter(kind="beat").exists()
        ),
        timeout=60,
        message=f"the worker's and beat's heartbeats; log:\n{worker_and_beat.log()}",
    )
    response = client.get(URL, headers=bearer(TOKEN))
    assert response.status_code == 200, response.json()
    body = response.json()
    (worker,) = body["workers"]["workers"]
    assert worker["alive"] and set(worker["queues"].split(",")) == {"default", "zip", "sync", "doi"}
    assert body["beat"]["status"] == "ok"

    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    admin = client.get(reverse("admin:portal_heartbeat_changelist")).content.decode()
    assert worker["name"] in admin and "beat@" in admin and "s ago" in admin
