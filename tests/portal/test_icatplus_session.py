"""ICAT+'s session group (`/icatplus/session...`): log in as a portal user, read the session,
refresh it, log out; ids unguessable, stored hashed, expiring, revocable."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.throttling import SimpleRateThrottle

from portal.models import IcatPlusSession
from tests import factories

pytestmark = pytest.mark.django_db

LOGIN = "/icatplus/session"


def _login(client, username: str, password: str = "password", **extra):
    body = json.dumps({"username": username, "password": password, "plugin": "db"})
    return client.post(LOGIN, body, content_type="application/json", **extra)


def test_login_answers_icat_plus_session_info_with_the_users_roles(client, settings) -> None:
    settings.ICATPLUS_SESSION_MINUTES = 90
    scientist = factories.UserFactory(username="jdoe", full_name="Jane Doe")
    factories.InstrumentFactory(name="ID23-1").scientists.add(scientist)

    response = _login(client, "jdoe")

    assert response.status_code == 200
    info = response.json()
    assert info["username"] == info["name"] == "jdoe"
    assert info["fullName"] == "Jane Doe"
    assert info["isInstrumentScientist"] is True
    assert info["isAdministrator"] is False and info["isMinter"] is False
    assert 89.9 < info["lifeTimeMinutes"] <= 90
    assert info["expirationTime"]
    assert "no-store" in response["Cache-Control"]
    session = IcatPlusSession.objects.get()
    assert session.user == scientist
    # Only the hash is stored: the database does not hold a usable id.
    assert session.id_hash == hashlib.sha256(info["sessionId"].encode()).hexdigest()
    assert info["sessionId"] not in session.id_hash


def test_staff_session_says_administrator_and_minter(client) -> None:
    factories.UserFactory(username="boss", is_staff=True)

    info = _login(client, "boss").json()

    assert info["isAdministrator"] is True and info["isMinter"] is True
    assert info["isInstrumentScientist"] is False


def test_wrong_password_gets_403_and_opens_no_session(client) -> None:
    factories.UserFactory(username="jdoe")

    response = _login(client, "jdoe", password="wrong")

    assert response.status_code == 403
    assert response.json() == {"message": "Authentication failed: wrong username or password"}
    assert not IcatPlusSession.objects.exists()


def test_login_without_username_gets_400_naming_the_field(client) -> None:
    response = client.post(LOGIN, json.dumps({"password": "x"}), content_type="application/json")

    assert response.status_code == 400
    assert response.json()["field"] == "username"


def test_deactivated_user_cannot_log_in(client) -> None:
    factories.UserFactory(username="gone", is_active=False)

    assert _login(client, "gone").status_code == 403


def test_ten_wrong_passwords_pause_the_login_with_json_429(client) -> None:
    factories.UserFactory(username="jdoe")

    statuses = [_login(client, "jdoe", password="wrong").status_code for _ in range(10)]
    response = _login(client, "jdoe")

    assert statuses == [403] * 9 + [429]
    assert response.status_code == 429
    assert response["Retry-After"] == str(15 * 60)
    assert "Too many requests" in response.json()["message"]
    assert not IcatPlusSession.objects.exists()


def test_session_info_names_the_user(client) -> None:
    factories.UserFactory(username="jdoe", full_name="Jane Doe", affiliation="ESRF")
    session_id = _login(client, "jdoe").json()["sessionId"]

    response = client.get(f"{LOGIN}/{session_id}")

    assert response.status_code == 200
    info = response.json()
    assert info["userName"] == "jdoe"
    assert info["fullName"] == "Jane Doe"
    assert info["affiliation"] == "ESRF"
    assert info["email"] == "jdoe@example.org"
    assert 0 < info["remainingMinutes"] <= 720
    assert info["user"]["sessionId"] == session_id


def test_expired_and_unknown_sessions_get_the_same_403(client) -> None:
    factories.UserFactory(username="jdoe")
    session_id = _login(client, "jdoe").json()["sessionId"]
    IcatPlusSession.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    expired = client.get(f"{LOGIN}/{session_id}")
    unknown = client.get(f"{LOGIN}/00000000-0000-4000-8000-000000000000")

    assert expired.status_code == unknown.status_code == 403
    assert expired.json() == unknown.json() == {"message": "Session not found or expired"}


def test_a_deactivated_users_session_stops_working(client) -> None:
    user = factories.UserFactory(username="jdoe")
    session_id = _login(client, "jdoe").json()["sessionId"]
    user.is_active = False
    user.save()

    assert client.get(f"{LOGIN}/{session_id}").status_code == 403


def test_refresh_gives_the_session_its_full_length_again(client, settings) -> None:
    factories.UserFactory(username="jdoe")
    session_id = _login(client, "jdoe").json()["sessionId"]
    IcatPlusSession.objects.update(expires_at=timezone.now() + timedelta(minutes=5))

    response = client.put(f"{LOGIN}/{session_id}")

    assert response.status_code == 204
    assert IcatPlusSession.objects.get().remaining_minutes > 719


def test_logout_ends_the_session(client) -> None:
    factories.UserFactory(username="jdoe")
    session_id = _login(client, "jdoe").json()["sessionId"]

    response = client.delete(f"{LOGIN}/{session_id}")

    assert response.status_code == 200
    assert not IcatPlusSession.objects.exists()
    assert client.get(f"{LOGIN}/{session_id}").status_code == 403


def test_a_signed_in_browser_cookie_is_not_a_session(client) -> None:
    client.force_login(factories.UserFactory(username="jdoe"))

    assert client.get(f"{LOGIN}/not-a-session").status_code == 403


def test_a_new_login_clears_the_users_expired_sessions(client) -> None:
    factories.UserFactory(username="jdoe")
    _login(client, "jdoe")
    IcatPlusSession.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    _login(client, "jdoe")

    assert IcatPlusSession.objects.count() == 1
    assert IcatPlusSession.objects.live().count() == 1


def test_session_routes_are_throttled_per_user(client, settings, monkeypatch) -> None:
    # DRF's throttle classes read the rates at import.
    small = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "user": "2/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", small)
    factories.UserFactory(username="jdoe")
    session_id = _login(client, "jdoe").json()["sessionId"]

    statuses = [client.get(f"{LOGIN}/{session_id}").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    assert int(client.get(f"{LOGIN}/{session_id}")["Retry-After"]) > 0


def test_login_with_a_body_that_is_not_json_gets_400_and_opens_no_session(client) -> None:
    factories.UserFactory(username="jdoe")

    response = client.post(LOGIN, "username=jdoe", content_type="application/json")

    assert response.status_code == 400
    assert "JSON" in response.json()["message"]
    assert not IcatPlusSession.objects.exists()
