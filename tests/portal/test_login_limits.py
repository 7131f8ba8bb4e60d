"""Sign-in limits (django-axes): failures count per username and client address together."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tests import factories

LOGIN = "/login/"
ADMIN_LOGIN = "/admin/login/"


def _fail(client, url: str, username: str, times: int, **extra) -> list[int]:
    return [
        client.post(url, {"username": username, "password": "wrong"}, **extra).status_code
        for _ in range(times)
    ]


def test_ten_failures_lock_that_user_from_that_address_even_with_the_right_password(
    client, db
) -> None:
    alice = factories.UserFactory(username="alice")

    statuses = _fail(client, LOGIN, alice.username, 10)
    response = client.post(LOGIN, {"username": alice.username, "password": "password"})

    assert statuses == [200] * 9 + [429]
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_locked_out_page_says_when_to_try_again(client, db, settings) -> None:
    factories.UserFactory(username="alice")
    _fail(client, LOGIN, "alice", 10)

    response = client.post(LOGIN, {"username": "alice", "password": "password"})

    assert response.status_code == 429
    assert response["Retry-After"] == str(15 * 60)
    assert "Too many login attempts" in response.text
    assert "Try again after" in response.text and "15 minutes" in response.text
    assert "navbar" in response.text  # the site's page, not a bare error


def test_another_user_behind_the_same_address_still_logs_in(client, db) -> None:
    factories.UserFactory(username="alice")
    bob = factories.UserFactory(username="bob")
    _fail(client, LOGIN, "alice", 10)

    response = client.post(LOGIN, {"username": bob.username, "password": "password"})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(bob.pk)


def test_the_locked_user_still_logs_in_from_another_address(client, db) -> None:
    alice = factories.UserFactory(username="alice")
    _fail(client, LOGIN, "alice", 10, REMOTE_ADDR="10.0.0.1")

    response = client.post(
        LOGIN, {"username": "alice", "password": "password"}, REMOTE_ADDR="10.0.0.2"
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_admin_login_is_limited_too(client, db) -> None:
    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)

    statuses = _fail(client, ADMIN_LOGIN, admin.username, 10)
    response = client.post(
        ADMIN_LOGIN, {"username": admin.username, "password": "password", "next": "/admin/"}
    )

    assert statuses == [200] * 9 + [429]
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_failures_on_both_login_pages_add_up(client, db) -> None:
    factories.UserFactory(username="alice")
    _fail(client, LOGIN, "alice", 5)
    _fail(client, ADMIN_LOGIN, "alice", 5)

    response = client.post(LOGIN, {"username": "alice", "password": "password"})

    assert response.status_code == 429


def test_a_success_before_the_limit_clears_the_count(client, db) -> None:
    factories.UserFactory(username="alice")
    _fail(client, LOGIN, "alice", 9)
    assert client.post(LOGIN, {"username": "alice", "password": "password"}).status_code == 302
    client.post(reverse("portal:logout"))

    assert _fail(client, LOGIN, "alice", 9) == [200] * 9


@pytest.mark.parametrize(
    "proxies,forwarded_for,counted_as",
    [
        (0, "203.0.113.9", "127.0.0.1"),  # no proxy: a sent X-Forwarded-For is ignored
        (1, "198.51.100.7, 203.0.113.9", "203.0.113.9"),  # what nginx appended, not the spoof
    ],
)
def test_the_client_address_comes_from_trusted_proxies_only(
    client, db, settings, proxies: int, forwarded_for: str, counted_as: str
) -> None:
    settings.AXES_IPWARE_PROXY_COUNT = proxies or None
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = (
        ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if proxies else ("REMOTE_ADDR",)
    )
    factories.UserFactory(username="alice")

    _fail(client, LOGIN, "alice", 1, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for)

    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [counted_as]
