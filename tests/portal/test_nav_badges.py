"""The navbar's work entries and pending counts (GET /nav/badges/, polled by HTMX every 60 s)."""

from __future__ import annotations

from django.urls import reverse

from catalogue.models import AccessRequest
from tests import factories

BADGES = reverse("portal:nav-badges")
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_pi_gets_the_number_of_access_requests_to_answer(client, facility) -> None:
    client.force_login(facility.pi)
    response = client.get(BADGES, **HTMX)
    assert response.status_code == 200 and "<html" not in response.text
    assert 'data-badge="access-requests">1<' in response.text
    assert "1 access request to answer" in response.text
    assert "no-store" in response["Cache-Control"]


def test_counts_are_cached_per_user_and_cost_at_most_two_counts(
    client, facility, django_assert_max_num_queries
) -> None:
    client.force_login(facility.pi)
    # Cold: session, user, groups, beamlines, one COUNT.
    with django_assert_max_num_queries(5):
        client.get(BADGES, **HTMX)
    AccessRequest.objects.create(requester=facility.participant, proposal="MX-2468")
    with django_assert_max_num_queries(2):  # session and user only: the counts come from the cache
        again = client.get(BADGES, **HTMX)
    assert 'data-badge="access-requests">1<' in again.text  # 30 s old at most
    client.force_login(facility.participant)  # another user has their own counts
    assert "data-badge" not in client.get(BADGES, **HTMX).text


def test_safety_and_stores_get_their_counts_out_of_band_into_their_entries(
    client, facility
) -> None:
    client.force_login(facility.safety)
    page = client.get("/").text
    assert 'href="/safety/"' in page and 'id="nav-badge-safety"' in page
    badges = client.get(BADGES, **HTMX).text
    assert 'id="nav-badge-safety" hx-swap-oob="true"' in badges
    assert 'data-badge="safety"' in badges and ">1</span>" in badges

    client.force_login(facility.stores)
    page = client.get("/").text
    assert f'href="{reverse("shipments:scan")}"' in page and 'id="nav-badge-safety"' not in page
    badges = client.get(BADGES, **HTMX).text
    assert 'id="nav-badge-stores" hx-swap-oob="true"' in badges and 'data-badge="stores"' in badges


def test_scientist_gets_their_beamline_in_the_navbar(client, facility) -> None:
    client.force_login(facility.scientist)
    page = client.get(reverse("catalogue:experiments")).text
    assert 'href="/beamlines/ID23-1/"' in page
    assert 'hx-get="/nav/badges/" hx-trigger="load, every 60s"' in page


def test_a_plain_member_gets_no_work_entries_and_no_badges(client, facility) -> None:
    client.force_login(factories.UserFactory())
    page = client.get(reverse("catalogue:experiments")).text
    assert 'href="/safety/"' not in page and "/beamlines/" not in page
    assert "data-badge" not in client.get(BADGES, **HTMX).text


def test_visitors_get_no_badges(client, facility) -> None:
    response = client.get(BADGES, **HTMX)
    assert response.status_code == 200 and response.text.strip() == ""
    assert 'hx-get="/nav/badges/"' not in client.get("/").text
