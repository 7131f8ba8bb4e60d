"""The investigation summary tab: facts, counts, team overview; hidden sessions are 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalogue.models import InvestigationParameter
from tests import factories

pytestmark = pytest.mark.django_db


def _url(investigation) -> str:
    return reverse("catalogue:investigation-detail", args=[investigation.pk])


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
def test_team_sees_embargoed_summary(client, team, who) -> None:
    client.force_login(getattr(team, who))
    response = client.get(_url(team.investigation))
    assert response.status_code == 200
    assert team.investigation.title in response.content.decode()


@pytest.mark.parametrize("who", ["outsider", "other_scientist"])
def test_outsiders_get_404_for_embargoed(client, team, who) -> None:
    client.force_login(getattr(team, who))
    response = client.get(_url(team.investigation))
    assert response.status_code == 404
    assert team.investigation.title not in response.content.decode()


def test_anonymous_gets_404_for_embargoed_and_200_for_released(client, team) -> None:
    assert client.get(_url(team.investigation)).status_code == 404
    released = factories.InvestigationFactory(released=True)
    assert client.get(_url(released)).status_code == 200


def test_unknown_id_is_404(client, team) -> None:
    client.force_login(team.staff)
    assert client.get("/investigations/999999/").status_code == 404


def test_post_is_not_allowed(client, team) -> None:
    client.force_login(team.participant)
    assert client.post(_url(team.investigation)).status_code == 405


def test_summary_shows_facts_parameters_and_team(client, team) -> None:
    investigation = team.investigation
    investigation.doi = "10.5072/ESRF-ES-42"
    investigation.save()
    investigation.techniques.add(factories.TechniqueFactory(name="SAXS"))
    InvestigationParameter.objects.create(
        investigation=investigation,
        numeric_value=12.7,
        type=factories.ParameterTypeFactory(name="energy", units="keV"),
    )
    factories.DatasetFactory.create_batch(2, investigation=investigation)
    investigation.__class__.objects.filter(pk=investigation.pk).refresh_totals()
    client.force_login(team.participant)
    body = client.get(_url(investigation)).content.decode()
    for text in (
        investigation.summary[:40],
        investigation.visit_id,
        investigation.instrument.name,
        "SAXS",
        "12.7",
        "keV",
        'href="/doi/10.5072/ESRF-ES-42"',
        "embargoed until",
        team.principal_investigator.display_name,
        "Principal investigator",
        "Collaborator",
    ):
        assert text in body, text
    assert 'id="investigation-counts"' in body and ">2<" in body


def test_summary_links_to_team_tab_and_json(client, team) -> None:
    client.force_login(team.principal_investigator)
    body = client.get(_url(team.investigation)).content.decode()
    assert reverse("catalogue:investigation-team", args=[team.investigation.pk]) in body
    assert reverse("api-investigation-detail", args=[team.investigation.pk]) in body
    assert "Manage" in body


def test_query_count_is_small_and_fixed(client, team, django_assert_max_num_queries) -> None:
    for _ in range(10):
        factories.InvestigationUserFactory(investigation=team.investigation)
    client.force_login(team.participant)
    with django_assert_max_num_queries(14):
        assert client.get(_url(team.investigation)).status_code == 200
