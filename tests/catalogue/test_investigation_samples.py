"""The samples tab of an investigation: who sees it, what it lists, paging and query counts."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from catalogue.models import ParameterType, SampleParameter
from tests import factories

pytestmark = pytest.mark.django_db


def url(investigation) -> str:
    return reverse("catalogue:investigation-samples", args=[investigation.pk])


@pytest.fixture
def crystal(team):
    sample = factories.SampleFactory(
        investigation=team.investigation,
        name="lysozyme-crystal-1",
        type="protein crystal",
        description="Grown in 20% PEG",
    )
    ph, _ = ParameterType.objects.get_or_create(name="pH", units="")
    SampleParameter.objects.create(sample=sample, type=ph, numeric_value=4.5)
    for _ in range(2):
        factories.DatasetFactory(investigation=team.investigation, sample=sample)
    return sample


@pytest.mark.parametrize(
    "who",
    [
        "principal_investigator",
        "participant",
        "collaborator",
        "local_contact",
        "scientist",
        "staff",
    ],
)
def test_team_sees_samples_with_parameters_and_dataset_counts(client, team, crystal, who) -> None:
    client.force_login(getattr(team, who))
    response = client.get(url(team.investigation))
    assert response.status_code == 200
    html = response.content.decode()
    assert "lysozyme-crystal-1" in html and "protein crystal" in html and "pH = 4.5" in html
    assert response.context["samples"][0].n_datasets == 2
    assert reverse("catalogue:sample-detail", args=[crystal.pk]) in html


@pytest.mark.parametrize("who", ["outsider", "other_scientist", None])
def test_outsiders_and_anonymous_get_404_on_embargoed(client, team, crystal, who) -> None:
    if who:
        client.force_login(getattr(team, who))
    response = client.get(url(team.investigation))
    assert response.status_code == 404
    assert "lysozyme" not in response.content.decode()


def test_released_samples_are_public_and_unknown_ids_404(client) -> None:
    released = factories.InvestigationFactory(released=True)
    factories.SampleFactory(investigation=released, name="public-sample")
    assert "public-sample" in client.get(url(released)).content.decode()
    assert client.get(reverse("catalogue:investigation-samples", args=[99999])).status_code == 404
    assert client.post(url(released)).status_code == 405


def test_the_samples_tab_is_active_in_the_header(client, team, crystal) -> None:
    client.force_login(team.participant)
    html = client.get(url(team.investigation)).content.decode()
    assert f'class="nav-link active" href="{url(team.investigation)}"' in html


def test_keyset_pages_and_htmx_fragment(client, team, monkeypatch) -> None:
    monkeypatch.setattr("catalogue.views.dataset.PAGE_SIZE", 3)
    for n in range(7):
        factories.SampleFactory(investigation=team.investigation, name=f"s{n}")
    client.force_login(team.participant)
    seen, query = [], ""
    for _ in range(5):
        response = client.get(url(team.investigation) + "?" + query, headers={"HX-Request": "true"})
        html = response.content.decode()
        assert "<html" not in html and html.strip().startswith('<div id="sample-results">')
        seen += re.findall(r'class="fw-semibold" href="/samples/\d+/">([^<]+)</a>', html)
        found = re.search(r'rel="next" href="\?([^"]+)"', html)
        if not found:
            break
        query = found.group(1).replace("&amp;", "&")
    assert seen == [f"s{n}" for n in range(7)]


def test_a_broken_page_link_shows_the_first_page(client, team, crystal) -> None:
    client.force_login(team.participant)
    response = client.get(url(team.investigation) + "?after=banana")
    assert response.status_code == 200
    assert [s.name for s in response.context["samples"]] == ["lysozyme-crystal-1"]


def test_query_count_does_not_grow_with_page_size(client, team, django_assert_max_num_queries):
    ph, _ = ParameterType.objects.get_or_create(name="pH", units="")

    def fill(count: int) -> None:
        for _ in range(count):
            sample = factories.SampleFactory(investigation=team.investigation)
            SampleParameter.objects.create(sample=sample, type=ph, numeric_value=7)
            factories.DatasetFactory(investigation=team.investigation, sample=sample)

    client.force_login(team.participant)
    fill(2)
    with django_assert_max_num_queries(8) as few:
        client.get(url(team.investigation))
    fill(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url(team.investigation))
    assert len(response.context["samples"]) == 32
