"""The logged-in home page: each role's first screen after login shows that user's work, for the
same number of queries whatever the facility holds."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalogue.models import AccessRequest, Role
from portal.models import User
from shipments.workflow import Status
from tests import factories
from tests.portal.facility import session
from tests.shipments.factories import ParcelFactory, ShipmentFactory

# Every role's page stays under this, and does not grow with the data (see the last tests).
MAX_QUERIES = 18  # staff's, with a cold navbar cache: the most blocks


def _first_screen(client, user: User, django_assert_max_num_queries) -> str:
    """Log in through the form, follow where it sends the user, and read that page."""
    response = client.post(
        reverse("portal:login"), {"username": user.username, "password": "password"}
    )
    assert response.status_code == 302 and response.url == "/"
    with django_assert_max_num_queries(MAX_QUERIES):
        page = client.get(response.url)
    assert page.status_code == 200 and page.templates[0].name == "portal/dashboard.html"
    assert "private" in page["Cache-Control"]
    return page.content.decode()


def test_pi_sees_their_session_and_the_access_request_to_answer(
    client, facility, django_assert_max_num_queries
) -> None:
    page = _first_screen(client, facility.pi, django_assert_max_num_queries)
    assert "Lysozyme soaking with gold compounds" in page and "Ongoing" in page
    assert "Thaumatin at room temperature" in page  # recent experiments
    assert 'data-requester="rbrown"' in page and "Robert Brown" in page
    team_tab = reverse("catalogue:investigation-team", args=[facility.ongoing.pk])
    assert f'href="{team_tab}#access-requests"' in page
    assert "Dewar A" in page and "Ready for safety check" in page  # the team's parcels


def test_participant_sees_sessions_downloads_restores_and_doi_drafts_but_no_requests(
    client, facility, django_assert_max_num_queries
) -> None:
    page = _first_screen(client, facility.participant, django_assert_max_num_queries)
    assert "Lysozyme soaking with gold compounds" in page
    assert "Thaumatin" in page and "Restore of thau_0001" in page
    assert "Thaumatin structures" in page and "DOIs in preparation" in page
    assert 'id="access-requests"' not in page  # the participant does not answer them


def test_scientist_sees_this_weeks_sessions_and_the_beamline_logbook(
    client, facility, django_assert_max_num_queries
) -> None:
    page = _first_screen(client, facility.scientist, django_assert_max_num_queries)
    assert 'id="beamline-sessions"' in page
    assert "MX-2468" in page and "Lysozyme soaking with gold compounds" in page
    assert "MX-2301" not in page  # forty days ago: not this week
    assert reverse("logbook:beamline", args=["ID23-1"]) in page
    assert 'href="/beamlines/ID23-1/"' in page


def test_safety_sees_the_queue_size_and_a_link_to_it(
    client, facility, django_assert_max_num_queries
) -> None:
    page = _first_screen(client, facility.safety, django_assert_max_num_queries)
    assert 'data-figure="safety-queue">1<' in page and "Oldest waiting since" in page
    assert "1 with dangerous goods" in page
    assert 'href="/safety/"' in page
    assert "Lysozyme soaking" not in page  # safety never sees titles
    assert 'id="my-sessions"' not in page  # no team of their own: no empty team blocks


def test_stores_see_parcels_expected_today_and_the_scan_page(
    client, facility, django_assert_max_num_queries
) -> None:
    page = _first_screen(client, facility.stores, django_assert_max_num_queries)
    assert 'data-figure="expected-today">1<' in page
    assert 'data-figure="expected-week">1<' in page
    assert f'href="{reverse("shipments:scan")}"' in page
    assert "Lysozyme soaking" not in page


def test_staff_see_facility_figures(client, facility, django_assert_max_num_queries) -> None:
    page = _first_screen(client, facility.staff, django_assert_max_num_queries)
    assert 'data-figure="sessions">3<' in page
    assert 'data-figure="ongoing">1<' in page
    assert 'data-figure="safety-queue">1<' in page
    assert 'data-figure="users">7<' in page  # the six roles and the requester


def test_a_newcomer_sees_the_access_request_they_sent(
    client, facility, django_assert_max_num_queries
) -> None:
    requester = User.objects.get(username="rbrown")
    page = _first_screen(client, requester, django_assert_max_num_queries)
    assert 'id="my-access-requests"' in page and 'data-proposal="MX-2468"' in page
    assert "No session of yours is running or planned" in page
    AccessRequest.objects.filter(requester=requester).update(status="approved")
    assert 'id="my-access-requests"' not in client.get("/").content.decode()


def test_visitors_keep_the_public_home_page(client, facility) -> None:
    page = client.get("/")
    assert page.templates[0].name == "portal/home.html"
    assert "Lysozyme soaking" not in page.content.decode()


def _queries_for(client, user: User) -> int:
    """Queries of the dashboard with the navbar's cache cold, as after a login."""
    cache.clear()
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["pi", "scientist", "staff"])
def test_the_query_count_does_not_grow_with_the_data(client, facility, role) -> None:
    user = getattr(facility, role)
    before = _queries_for(client, user)
    instrument = facility.ongoing.instrument
    for n in range(8):
        more = session(instrument, f"MX-{3000 + n}", f"More work {n}", days_from_now=n % 3 - 1)
        factories.InvestigationUserFactory(
            investigation=more, user=facility.pi, role=Role.PRINCIPAL_INVESTIGATOR
        )
        AccessRequest.objects.create(requester=facility.participant, proposal=more.name)
        ParcelFactory(shipment=ShipmentFactory(investigation=more), status=Status.READY)
    assert _queries_for(client, user) == before
