"""The site shell: home, login, logout, profile and API token, error pages."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from tests import factories


def test_home_lists_released_investigations_and_hides_embargoed_ones(client, db) -> None:
    released = factories.InvestigationFactory(released=True, title="Ferritin cages at 100 K")
    embargoed = factories.InvestigationFactory(title="Secret industrial catalyst")

    response = client.get("/")

    assert response.status_code == 200
    assert released.title in response.text
    assert embargoed.title not in response.text
    assert "Log in" in response.text


def test_login_sends_a_member_to_their_dashboard(client, team) -> None:
    response = client.post(
        reverse("portal:login"), {"username": team.participant.username, "password": "password"}
    )
    assert response.status_code == 302
    assert response.url == reverse("portal:home")


def test_wrong_password_says_so_and_logs_nobody_in(client, team) -> None:
    response = client.post(
        reverse("portal:login"), {"username": team.participant.username, "password": "nope"}
    )
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.text
    assert "_auth_user_id" not in client.session


def test_logout_needs_post(client, team) -> None:
    client.force_login(team.participant)
    assert client.get(reverse("portal:logout")).status_code == 405
    assert client.post(reverse("portal:logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_profile_needs_login(client, db) -> None:
    response = client.get(reverse("portal:profile"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("portal:login"))


def test_user_creates_and_replaces_an_api_token(client, team) -> None:
    client.force_login(team.participant)
    client.post(reverse("portal:regenerate-token"))
    first = Token.objects.get(user=team.participant).key

    page = client.get(reverse("portal:profile"))
    assert first in page.text

    client.post(reverse("portal:regenerate-token"))
    second = Token.objects.get(user=team.participant).key
    assert second != first
    assert client.get(reverse("portal:regenerate-token")).status_code == 405


def test_unknown_page_is_a_styled_404(client, db) -> None:
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "This page does not exist" in response.text
    assert "navbar" in response.text


@pytest.mark.parametrize("path", ["/", "/public/", "/login/", "/api/docs/", "/api/schema/"])
def test_public_pages_answer_without_login(client, db, path: str) -> None:
    assert client.get(path).status_code == 200
