"""`/healthz` for load balancers: 200 when the database and the broker answer, 503 naming the one
that does not; one query, no session. Sessions live in the cache only when Redis is there."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError
from django.urls import reverse

from portal import health
from tests.settings_probe import settings_in_fresh_process

URL = "/healthz"


def test_healthy_is_200_json_with_one_query_and_no_session(
    client, db, django_assert_num_queries
) -> None:
    assert reverse("portal:healthz") == URL
    with django_assert_num_queries(1):
        response = client.get(URL)
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}
    assert "sessionid" not in response.cookies
    assert "no-cache" in response["Cache-Control"]


def test_a_database_that_does_not_answer_is_a_503(client, db) -> None:
    def down() -> None:
        raise OperationalError("connection refused")

    with mock.patch.dict(health.CHECKS, database=(down, health.DatabaseError)):
        response = client.get(URL)
    assert response.status_code == 503
    assert response.json() == {"database": "failed", "broker": "ok"}


@pytest.mark.parametrize("broker", ["redis://127.0.0.1:1/0", "filesystem://"])
def test_a_broker_that_does_not_answer_is_a_503(client, db, settings, tmp_path, broker) -> None:
    settings.CELERY_BROKER_URL = broker
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path / "missing")}
    response = client.get(URL)
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "failed"}


def test_the_filesystem_broker_of_development_is_checked_by_its_folder(
    client, db, settings, tmp_path
) -> None:
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path)}
    assert client.get(URL).json() == {"database": "ok", "broker": "ok"}


def test_post_is_refused(client, db) -> None:
    assert client.post(URL).status_code == 405


def _session_engine(**env: str) -> str:
    code = "import json, portal.settings as s; print(json.dumps(s.SESSION_ENGINE))"
    return settings_in_fresh_process(code, drop_prefix="REDIS_", **env)


def test_sessions_are_cached_with_redis_and_in_the_database_without() -> None:
    assert _session_engine(REDIS_URL="redis://cache:6379/0") == (
        "django.contrib.sessions.backends.cached_db"
    )
    assert _session_engine() == "django.contrib.sessions.backends.db"
