"""Search: one box over investigations, datasets and samples, through the access policy.
Runs on SQLite (icontains fallback) and PostgreSQL (tsvector, ranking, headlines) alike."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalogue import search as catalogue_search
from catalogue.models import DatasetParameter, ValueType
from tests import factories

pytestmark = pytest.mark.django_db
URL = reverse("catalogue:search")


def _sections(response) -> dict:
    return {s.kind: s for s in response.context["results"]}


@pytest.fixture
def catalogue(team):
    hidden = team.investigation
    hidden.title = "Secret thaumatin structure"
    hidden.save()
    factories.DatasetFactory(
        investigation=hidden,
        name="thaumatin_0001",
        sample=factories.SampleFactory(investigation=hidden, name="thaumatin crystal"),
    )
    public = factories.InvestigationFactory(
        released=True,
        name="MX-9001",
        title="Room temperature thaumatin",
        summary="Radiation damage of thaumatin crystals at room temperature.",
    )
    dataset = factories.DatasetFactory(
        investigation=public,
        name="rt_collect_0007",
        sample=factories.SampleFactory(investigation=public, name="thaumatin batch 2"),
    )
    DatasetParameter.objects.create(
        dataset=dataset,
        string_value="helical scan",
        type=factories.ParameterTypeFactory(
            name="scan_type", units="", value_type=ValueType.STRING
        ),
    )
    return team, hidden, public, dataset


def test_anonymous_finds_public_investigations_datasets_and_samples(client, catalogue) -> None:
    team, hidden, public, dataset = catalogue
    response = client.get(URL, {"q": "thaumatin"})
    sections = _sections(response)
    assert [i.name for i in sections["investigations"].rows] == [public.name]
    assert [d.name for d in sections["datasets"].rows] == [
        dataset.name
    ]  # through its sample's name
    assert [s.name for s in sections["samples"].rows] == ["thaumatin batch 2"]


def test_embargoed_data_never_leaks_not_even_in_counts(client, catalogue) -> None:
    team, hidden, public, dataset = catalogue
    for who in (None, team.outsider, team.other_scientist):
        client.logout()
        if who:
            client.force_login(who)
        response = client.get(URL, {"q": "thaumatin"})
        body = response.content.decode()
        assert (
            "Secret" not in body
            and "thaumatin_0001" not in body
            and "thaumatin crystal" not in body
        )
        assert {k: s.count for k, s in _sections(response).items()} == {
            "investigations": 1,
            "datasets": 1,
            "collections": 0,
            "samples": 1,
        }
        assert 'data-count="1"' in body


def test_team_members_find_their_embargoed_data(client, catalogue) -> None:
    team, hidden, public, dataset = catalogue
    client.force_login(team.participant)
    sections = _sections(client.get(URL, {"q": "thaumatin"}))
    assert {i.name for i in sections["investigations"].rows} == {public.name, hidden.name}
    assert sections["datasets"].count == 2 and sections["samples"].count == 2


def test_dataset_found_by_parameter_string_value(client, catalogue) -> None:
    dataset = catalogue[3]
    sections = _sections(client.get(URL, {"q": "helical"}))
    assert [d.name for d in sections["datasets"].rows] == [dataset.name]


def test_matches_are_highlighted_and_html_escaped(client) -> None:
    factories.InvestigationFactory(
        released=True, title="Lysozyme <script>alert(1)</script> soaking"
    )
    body = client.get(URL, {"q": "lysozyme"}).content.decode()
    assert "<mark>" in body and "ysozyme</mark>" in body.replace(
        "Lysozyme</mark>", "ysozyme</mark>"
    )
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body


def test_exact_proposal_name_goes_to_its_page(client, catalogue) -> None:
    public = catalogue[2]
    response = client.get(URL, {"q": public.name.lower()})
    assert response.status_code == 302 and response["Location"] == public.get_absolute_url()


def test_exact_proposal_name_over_htmx_redirects_the_whole_page(client, catalogue) -> None:
    public = catalogue[2]
    response = client.get(URL, {"q": public.name}, headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == public.get_absolute_url()


def test_exact_hidden_proposal_name_does_not_redirect(client, catalogue) -> None:
    team, hidden, public, dataset = catalogue
    client.force_login(team.outsider)
    response = client.get(URL, {"q": hidden.name})
    assert response.status_code == 200
    assert hidden.title not in response.content.decode()


def test_exact_beamline_name_in_any_case_goes_to_the_beamline_page(client, catalogue) -> None:
    team, hidden, public, dataset = catalogue
    page = reverse("catalogue:beamline", kwargs={"name": public.instrument.name})
    response = client.get(URL, {"q": public.instrument.name.lower()})
    assert response.status_code == 302 and response["Location"] == page
    client.force_login(team.participant)
    response = client.get(URL, {"q": hidden.instrument.name}, headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == hidden.instrument.get_absolute_url()


def test_htmx_gets_the_fragment(client, catalogue) -> None:
    response = client.get(URL, {"q": "thaumatin"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "<html" not in body and 'id="results"' in body


def test_post_is_not_allowed(client) -> None:
    assert client.post(URL, {"q": "x"}).status_code == 405


def test_bad_kind_and_long_query_are_messages(client) -> None:
    body = client.get(URL, {"q": "x", "kind": "secrets"}).content.decode()
    assert "Unknown kind of result" in body
    body = client.get(URL, {"q": "x" * 300}).content.decode()
    assert "Keep the search under 200 characters." in body


def test_one_kind_is_paginated_with_cursors(client, monkeypatch) -> None:
    monkeypatch.setattr(catalogue_search, "PAGE_SIZE", 3)
    investigation = factories.InvestigationFactory(released=True)
    names = {
        factories.DatasetFactory(investigation=investigation, name=f"lysozyme_{i:02d}").name
        for i in range(7)
    }
    first = client.get(URL, {"q": "lysozyme", "kind": "datasets"})
    (section,) = first.context["results"]
    assert section.count == 7 and len(section.rows) == 3
    seen, cursor = [d.name for d in section.rows], section.page.next_cursor
    for _ in range(10):  # bounded: a cursor bug must fail, not hang
        if not cursor:
            break
        (section,) = client.get(
            URL, {"q": "lysozyme", "kind": "datasets", "cursor": cursor}
        ).context["results"]
        seen += [d.name for d in section.rows]
        cursor = section.page.next_cursor
    assert sorted(seen) == sorted(names) and len(seen) == 7


def test_more_link_when_a_kind_has_more_than_the_top(client) -> None:
    investigation = factories.InvestigationFactory(released=True)
    for i in range(catalogue_search.TOP_PER_KIND + 2):
        factories.DatasetFactory(investigation=investigation, name=f"insulin_{i:02d}")
    body = client.get(URL, {"q": "insulin"}).content.decode()
    assert "kind=datasets" in body and "More datasets" in body


def test_query_count_does_not_grow_with_results(client, django_assert_max_num_queries) -> None:
    investigation = factories.InvestigationFactory(released=True, title="insulin")
    for i in range(12):
        factories.DatasetFactory(investigation=investigation, name=f"insulin_{i:02d}")
    with django_assert_max_num_queries(13):
        response = client.get(URL, {"q": "insulin"})
    assert _sections(response)["datasets"].count == 12


def test_previous_cursor_and_tampered_cursor(client, monkeypatch) -> None:
    monkeypatch.setattr(catalogue_search, "PAGE_SIZE", 2)
    investigation = factories.InvestigationFactory(released=True)
    for i in range(5):
        factories.DatasetFactory(investigation=investigation, name=f"ferritin_{i:02d}")
    params = {"q": "ferritin", "kind": "datasets"}
    (first,) = client.get(URL, params).context["results"]
    (second,) = client.get(URL, {**params, "cursor": first.page.next_cursor}).context["results"]
    (back,) = client.get(URL, {**params, "cursor": second.page.previous_cursor}).context["results"]
    assert [d.name for d in back.rows] == [d.name for d in first.rows]
    assert not set(d.name for d in first.rows) & set(d.name for d in second.rows)
    response = client.get(URL, {**params, "cursor": "not-a-cursor"})
    assert response.status_code == 200
    assert "That page link is no longer valid" in response.content.decode()
