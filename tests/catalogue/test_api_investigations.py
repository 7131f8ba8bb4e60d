"""GET /api/investigations/: the page filters and sorts, keyset pages, the access policy, 400s."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db
LIST = reverse("api-investigation-list")


def _names(response) -> list[str]:
    return [row["name"] for row in response.json()["results"]]


def test_anonymous_sees_only_released(client, team) -> None:
    released = factories.InvestigationFactory(released=True)
    response = client.get(LIST)
    assert response.status_code == 200
    assert _names(response) == [released.name]


def test_member_sees_embargoed_and_scope_mine(client, team) -> None:
    released = factories.InvestigationFactory(released=True)
    client.force_login(team.participant)
    assert set(_names(client.get(LIST))) == {released.name, team.investigation.name}
    assert _names(client.get(LIST, {"scope": "mine"})) == [team.investigation.name]
    assert _names(client.get(LIST, {"scope": "public"})) == [released.name]


def test_detail_is_404_for_outsiders(client, team) -> None:
    url = reverse("api-investigation-detail", args=[team.investigation.pk])
    client.force_login(team.outsider)
    assert client.get(url).status_code == 404
    client.force_login(team.participant)
    data = client.get(url).json()
    assert data["name"] == team.investigation.name and data["released"] is False


def test_filters_and_sort_match_the_page(client) -> None:
    bm29 = factories.InstrumentFactory(name="BM29")
    saxs = factories.TechniqueFactory(name="SAXS")
    a = factories.InvestigationFactory(
        released=True, instrument=bm29, name="SC-2", title="Protein in solution"
    )
    a.techniques.add(saxs)
    factories.InvestigationFactory(released=True, name="SC-1")
    assert _names(client.get(LIST, {"beamline": "BM29"})) == ["SC-2"]
    assert _names(client.get(LIST, {"technique": "SAXS"})) == ["SC-2"]
    assert _names(client.get(LIST, {"q": "solution"})) == ["SC-2"]
    assert _names(client.get(LIST, {"sort": "proposal"})) == ["SC-1", "SC-2"]
    assert client.get(LIST, {"technique": "SAXS"}).json()["results"][0]["techniques"] == ["SAXS"]


def test_bad_values_answer_400_with_the_field(client) -> None:
    response = client.get(
        LIST, {"start": "notadate", "sort": "up", "scope": "all", "page_size": "0"}
    )
    assert response.status_code == 400
    assert set(response.json()) == {"start", "sort", "scope", "page_size"}
    assert client.get(LIST, {"cursor": "bogus"}).status_code == 400


def test_keyset_pages_follow_next_links(client) -> None:
    names = {factories.InvestigationFactory(released=True).name for _ in range(5)}
    seen, url = [], f"{LIST}?page_size=2&sort=proposal"
    for _ in range(10):  # bounded
        data = client.get(url).json()
        seen += [row["name"] for row in data["results"]]
        if not data["next"]:
            break
        url = data["next"]
    assert seen == sorted(names)


def test_query_count_does_not_grow_with_page_size(client, django_assert_max_num_queries) -> None:
    for _ in range(20):
        factories.InvestigationFactory(released=True).techniques.add(factories.TechniqueFactory())
    with django_assert_max_num_queries(4):
        assert len(_names(client.get(LIST, {"page_size": 20}))) == 20


def test_post_is_not_allowed(client, team) -> None:
    client.force_login(team.participant)
    assert client.post(LIST).status_code == 405


@pytest.mark.parametrize("field", ["start", "end"])
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_far_dates_answer_400_naming_the_field(client, field, day) -> None:
    response = client.get(LIST, {field: day})

    assert response.status_code == 400
    assert response.json() == {field: ["Enter a date between 1900-01-01 and 2200-12-31."]}
