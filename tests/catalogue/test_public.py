"""Public data: released sessions for anyone, same table and filters as My experiments."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories

pytestmark = pytest.mark.django_db
URL = reverse("catalogue:public")


def _rows(response) -> list[str]:
    return [inv.name for inv in response.context["page"].rows]


def test_anonymous_sees_released_sessions_only(client, team) -> None:
    released = factories.InvestigationFactory(released=True)
    proprietary = factories.InvestigationFactory(released=True, proprietary=True)
    response = client.get(URL)
    assert response.status_code == 200
    assert _rows(response) == [released.name]
    body = response.content.decode()
    assert team.investigation.name not in body and proprietary.name not in body


@pytest.mark.parametrize("who", ["participant", "scientist", "outsider", "staff"])
def test_everyone_sees_the_same_public_list(client, team, who) -> None:
    released = factories.InvestigationFactory(released=True)
    client.force_login(getattr(team, who))
    assert _rows(client.get(URL)) == [released.name]


def test_post_is_not_allowed(client) -> None:
    assert client.post(URL).status_code == 405


def test_htmx_gets_the_fragment_with_filters_applied(client) -> None:
    bm29 = factories.InstrumentFactory(name="BM29")
    kept = factories.InvestigationFactory(released=True, instrument=bm29)
    factories.InvestigationFactory(released=True)
    response = client.get(URL, {"beamline": "BM29"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "<html" not in body
    assert _rows(response) == [kept.name]


def test_release_date_shown_as_public_since(client) -> None:
    released = factories.InvestigationFactory(released=True)
    body = client.get(URL).content.decode()
    assert "public" in body and released.release_date.strftime("%Y") in body


def test_bad_date_is_a_message_not_an_error(client) -> None:
    response = client.get(URL, {"end": "2020-13-45"})
    assert response.status_code == 200
    assert "Enter the end date as YYYY-MM-DD." in response.content.decode()


def test_deep_pages_follow_next_cursors(client, monkeypatch) -> None:
    monkeypatch.setattr("catalogue.views.browse.PAGE_SIZE", 4)
    start = timezone.now() - timedelta(days=5 * 365)
    same_day = [
        factories.InvestigationFactory(start_date=start, end_date=start + timedelta(days=1))
        for _ in range(6)
    ]
    others = [factories.InvestigationFactory(released=True) for _ in range(5)]
    seen, cursor = [], None
    for _ in range(10):  # bounded: a cursor bug must fail, not hang
        response = client.get(URL, {"cursor": cursor} if cursor else {})
        seen += _rows(response)
        cursor = response.context["page"].next_cursor
        if not cursor:
            break
    # Ties on the start date are broken by id: every row exactly once.
    assert sorted(seen) == sorted(i.name for i in same_day + others)
    assert len(seen) == len(set(seen)) == 11


def test_query_count_does_not_grow_with_page_size(client, django_assert_max_num_queries) -> None:
    for _ in range(30):
        factories.InvestigationFactory(released=True)
    with django_assert_max_num_queries(5):
        response = client.get(URL)
    assert len(_rows(response)) == 25


@pytest.mark.parametrize(
    "query",
    [
        {"start": "9999-12-31", "end": "9999-12-31"},
        {"start": "0001-01-01"},
        {"end": "0001-01-01"},
        {"end": "2201-01-01"},
    ],
)
def test_far_dates_are_a_message_not_an_error(client, query) -> None:
    released = factories.InvestigationFactory(released=True)

    response = client.get(URL, query)

    assert response.status_code == 200
    assert "Enter a date between 1900-01-01 and 2200-12-31." in response.text
    assert _rows(response) == [released.name]  # the bad filter is left out


@pytest.mark.parametrize("name", ["items", "urlencode", "sort"])
def test_a_parameter_named_like_a_dict_method_keeps_the_page_and_its_links(client, name) -> None:
    factories.InvestigationFactory(released=True)
    response = client.get(URL, {name: "abc", "q": "protein"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "sort=proposal" in body and "q=protein" in body
