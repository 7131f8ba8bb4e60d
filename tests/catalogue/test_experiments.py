"""My experiments: the user's sessions, filters in the URL, HTMX fragment, keyset pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalogue.models import Investigation
from tests import factories
from tests.catalogue.test_page_costs import _rows_read

pytestmark = pytest.mark.django_db
URL = reverse("catalogue:experiments")


def _rows(response) -> list[str]:
    return [inv.name for inv in response.context["page"].rows]


def test_member_sees_own_sessions_and_not_others(client, team) -> None:
    other = factories.InvestigationFactory()
    client.force_login(team.participant)
    response = client.get(URL)
    assert response.status_code == 200
    assert team.investigation.name in response.content.decode()
    assert other.name not in _rows(response)


@pytest.mark.parametrize(
    "who", ["principal_investigator", "participant", "collaborator", "local_contact", "scientist"]
)
def test_every_role_sees_the_session(client, team, who) -> None:
    client.force_login(getattr(team, who))
    assert _rows(client.get(URL)) == [team.investigation.name]


def test_outsider_sees_an_empty_list(client, team) -> None:
    client.force_login(team.outsider)
    response = client.get(URL)
    assert _rows(response) == []
    assert "No experiments to show." in response.content.decode()


def test_anonymous_is_sent_to_login(client) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("portal:login") in response["Location"]


def test_post_is_not_allowed(client, team) -> None:
    client.force_login(team.participant)
    assert client.post(URL).status_code == 405


def test_htmx_request_gets_only_the_results_fragment(client, team) -> None:
    client.force_login(team.participant)
    response = client.get(URL, {"sort": "proposal"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "<html" not in body
    assert 'id="results"' in body
    assert team.investigation.name in body
    assert "HX-Request" in response["Vary"]


def test_history_restore_gets_the_full_page(client, team) -> None:
    client.force_login(team.participant)
    response = client.get(URL, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in response.content.decode()


@pytest.fixture
def pi_with_sessions(db):
    pi = factories.UserFactory(username="pi")
    beamlines = [factories.InstrumentFactory(name=name) for name in ("BM29", "ID23-1")]
    technique = factories.TechniqueFactory(name="SAXS")
    now = timezone.now()
    sessions = []
    for i in range(7):
        inv = factories.InvestigationFactory(
            name=f"MX-{100 + i}",
            instrument=beamlines[i % 2],
            title=f"Session {i} lysozyme" if i == 3 else f"Session {i}",
            start_date=now - timedelta(days=100 - i * 10),
            end_date=now - timedelta(days=99 - i * 10),
        )
        if i % 3 == 0:
            inv.techniques.add(technique)
        factories.InvestigationUserFactory(
            investigation=inv, user=pi, role="principal_investigator"
        )
        sessions.append(inv)
    return pi, sessions


def test_filters_by_beamline_technique_keyword_and_dates(client, pi_with_sessions) -> None:
    pi, sessions = pi_with_sessions
    client.force_login(pi)
    assert set(_rows(client.get(URL, {"beamline": "BM29"}))) == {s.name for s in sessions[::2]}
    assert set(_rows(client.get(URL, {"technique": "SAXS"}))) == {"MX-100", "MX-103", "MX-106"}
    assert _rows(client.get(URL, {"q": "lysozyme"})) == ["MX-103"]
    day = timezone.localdate(sessions[2].start_date).isoformat()  # the filter's days are local
    assert _rows(client.get(URL, {"start": day, "end": day})) == ["MX-102"]


def test_sorts_by_proposal_beamline_and_date(client, pi_with_sessions) -> None:
    pi, sessions = pi_with_sessions
    client.force_login(pi)
    names = [s.name for s in sessions]
    assert _rows(client.get(URL)) == names[::-1]  # newest first by default
    assert _rows(client.get(URL, {"sort": "date"})) == names
    assert _rows(client.get(URL, {"sort": "proposal"})) == sorted(names)
    assert _rows(client.get(URL, {"sort": "-proposal"})) == sorted(names, reverse=True)
    by_beamline = _rows(client.get(URL, {"sort": "beamline"}))
    assert by_beamline[:4] == ["MX-106", "MX-104", "MX-102", "MX-100"]  # BM29, newest first


def test_bad_filter_values_show_a_message_and_are_ignored(client, pi_with_sessions) -> None:
    pi, sessions = pi_with_sessions
    client.force_login(pi)
    response = client.get(URL, {"start": "notadate", "sort": "sideways", "beamline": "NOPE"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Enter the start date as YYYY-MM-DD." in body
    assert "Unknown sort order" in body
    assert "Unknown beamline." in body
    assert len(_rows(response)) == 7


def test_end_before_start_is_reported(client, pi_with_sessions) -> None:
    client.force_login(pi_with_sessions[0])
    body = client.get(URL, {"start": "2024-05-01", "end": "2024-01-01"}).content.decode()
    assert "The end date is before the start date." in body


def test_keyset_pages_walk_forward_and_back_without_gaps(
    client, pi_with_sessions, monkeypatch
) -> None:
    monkeypatch.setattr("catalogue.views.browse.PAGE_SIZE", 3)
    pi, sessions = pi_with_sessions
    client.force_login(pi)
    seen, cursor, pages = [], None, []
    for _ in range(10):  # bounded: a cursor bug must fail, not hang
        response = client.get(URL, {"sort": "proposal", **({"cursor": cursor} if cursor else {})})
        pages.append(response.context["page"])
        seen += _rows(response)
        cursor = response.context["page"].next_cursor
        if not cursor:
            break
    assert seen == sorted(s.name for s in sessions)
    assert len(pages) == 3
    back = client.get(URL, {"sort": "proposal", "cursor": pages[-1].previous_cursor})
    assert _rows(back) == ["MX-103", "MX-104", "MX-105"]
    assert 'rel="next"' in back.content.decode() and "sort=proposal" in back.content.decode()


def test_tampered_cursor_shows_the_first_page_with_a_message(client, pi_with_sessions) -> None:
    client.force_login(pi_with_sessions[0])
    for cursor in (
        "garbage",
        "eyJ2IjpbIngiLCJ5Il0sImQiOiJuIn0",
    ):  # the second is valid base64 json, wrong types
        response = client.get(URL, {"cursor": cursor})
        assert response.status_code == 200
        assert "That page link is no longer valid" in response.content.decode()
        assert len(_rows(response)) == 7


def test_query_count_does_not_grow_with_page_size(client, django_assert_max_num_queries) -> None:
    pi = factories.UserFactory()
    for _ in range(30):
        inv = factories.InvestigationFactory()
        inv.techniques.add(factories.TechniqueFactory())
        factories.InvestigationUserFactory(investigation=inv, user=pi)
    client.force_login(pi)
    with django_assert_max_num_queries(8):
        response = client.get(URL)
    assert len(_rows(response)) == 25


def test_embargo_badge_and_doi_link(client, team) -> None:
    team.investigation.doi = "10.5072/ESRF-MX-1"
    team.investigation.save()
    client.force_login(team.participant)
    body = client.get(URL).content.decode()
    assert "embargoed" in body and team.investigation.release_date.strftime("%Y") in body
    assert 'href="/doi/10.5072/ESRF-MX-1"' in body


def test_scientist_sees_the_beamline_sessions_and_their_own_elsewhere(client, team) -> None:
    elsewhere = factories.InvestigationFactory()  # another beamline
    factories.InvestigationUserFactory(investigation=elsewhere, user=team.scientist)
    foreign = factories.InvestigationFactory(instrument=elsewhere.instrument)
    client.force_login(team.scientist)
    rows = _rows(client.get(URL))
    assert sorted(rows) == sorted([team.investigation.name, elsewhere.name])
    assert foreign.name not in rows


def _sessions(instrument, n: int) -> None:
    now = timezone.now()
    Investigation.objects.bulk_create(
        factories.InvestigationFactory.build(
            instrument=instrument,
            start_date=now - timedelta(days=i),
            end_date=now,
            release_date=now + timedelta(days=3 * 365),  # save() would set it; bulk_create not
        )
        for i in range(n)
    )


def _list_rows_read(client) -> tuple[int, int]:
    """Rows shown on the first page, and rows the page's query read (EXPLAIN ANALYZE)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalogue_investigation")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL)
    (sql,) = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith('SELECT "catalogue_investigation"."id"') and "LIMIT" in q["sql"]
    ]
    return len(_rows(response)), _rows_read(sql)


@pytest.mark.parametrize("member_elsewhere", [False, True])
# The sessions of a scientist's beamlines were gathered as ids into an array, all of them read
# and sorted to show 25; now one page of the beamline's date index is read (or, with sessions
# elsewhere, the date index filtered: a page divided by the beamline's share of sessions).
def test_scientist_list_reads_a_page_not_the_whole_beamline(client, team, member_elsewhere) -> None:
    _sessions(team.investigation.instrument, 300)
    _sessions(factories.InstrumentFactory(name="BM99"), 300)
    if member_elsewhere:
        factories.InvestigationUserFactory(
            investigation=factories.InvestigationFactory(), user=team.scientist
        )
    client.force_login(team.scientist)
    shown, read = _list_rows_read(client)
    assert shown == 25
    assert read <= (80 if member_elsewhere else 30)
