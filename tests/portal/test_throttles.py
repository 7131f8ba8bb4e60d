"""API throttles: anonymous, per user and per API key; a bad token is a 401 that says so."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle

from tests import factories

API = "/api/investigations/"


@pytest.fixture
def rates(monkeypatch, settings) -> None:
    """Three requests a minute for every scope (DRF's classes read the rates at import)."""
    small = {"anon": "3/min", "user": "3/min", "apikey": "3/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", small)
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": small}


def test_anonymous_api_client_gets_429_with_retry_after_past_the_rate(client, db, rates) -> None:
    statuses = [client.get(API).status_code for _ in range(4)]
    over = client.get(API)

    assert statuses == [200, 200, 200, 429]
    assert over.status_code == 429
    assert 0 < int(over["Retry-After"]) <= 60
    # Another address has its own allowance.
    assert client.get(API, REMOTE_ADDR="192.0.2.44").status_code == 200


def test_each_user_has_their_own_allowance(client, db, rates) -> None:
    first = Token.objects.create(user=factories.UserFactory()).key
    second = Token.objects.create(user=factories.UserFactory()).key

    statuses = [client.get(API, HTTP_AUTHORIZATION=f"Token {first}").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    over = client.get(API, HTTP_AUTHORIZATION=f"Token {first}")
    assert int(over["Retry-After"]) > 0
    assert client.get(API, HTTP_AUTHORIZATION=f"Token {second}").status_code == 200


def test_an_invalid_token_gets_401_naming_the_scheme(client, db) -> None:
    response = client.get(API, HTTP_AUTHORIZATION="Token not-a-real-token")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_session_login_still_works_for_the_api(client, team) -> None:
    client.force_login(team.participant)

    response = client.get(API)

    assert [row["name"] for row in response.json()["results"]] == [team.investigation.name]
