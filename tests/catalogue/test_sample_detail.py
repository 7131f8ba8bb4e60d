"""The sample page: parameters, its datasets (paged), the spots for parcels and logbook events."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalogue.models import ParameterType, SampleParameter
from tests import factories
from tests.catalogue.dataset_files import set_parameter

pytestmark = pytest.mark.django_db


def url(sample) -> str:
    return reverse("catalogue:sample-detail", args=[sample.pk])


@pytest.fixture
def crystal(team):
    sample = factories.SampleFactory(
        investigation=team.investigation, name="lysozyme-crystal-1", description="Grown in 20% PEG"
    )
    ph, _ = ParameterType.objects.get_or_create(name="pH", units="")
    SampleParameter.objects.create(sample=sample, type=ph, numeric_value=4.5)
    scan = factories.DatasetFactory(investigation=team.investigation, sample=sample, name="scan_1")
    set_parameter(scan, "energy", "keV", 12.7)
    factories.DatasetFactory(investigation=team.investigation, name="other_sample_scan")
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
def test_team_sees_the_sample_its_parameters_and_datasets(client, team, crystal, who) -> None:
    client.force_login(getattr(team, who))
    response = client.get(url(crystal))
    assert response.status_code == 200
    html = response.content.decode()
    assert "lysozyme-crystal-1" in html and "Grown in 20% PEG" in html and "pH" in html
    assert [d.name for d in response.context["datasets"]] == ["scan_1"]
    assert "12.7" in html  # the key parameter column
    assert team.investigation.name in html


@pytest.mark.parametrize("who", ["outsider", "other_scientist", None])
def test_outsiders_and_anonymous_get_404_on_embargoed(client, team, crystal, who) -> None:
    if who:
        client.force_login(getattr(team, who))
    response = client.get(url(crystal))
    assert response.status_code == 404
    assert "lysozyme" not in response.content.decode()


def test_unknown_sample_is_404_and_post_405(client, team, crystal) -> None:
    client.force_login(team.staff)
    assert client.get(reverse("catalogue:sample-detail", args=[424242])).status_code == 404
    assert client.post(url(crystal)).status_code == 405


def test_released_sample_is_public(client) -> None:
    sample = factories.SampleFactory(investigation=factories.InvestigationFactory(released=True))
    assert client.get(url(sample)).status_code == 200


def test_datasets_page_with_htmx(client, team, crystal, monkeypatch) -> None:
    monkeypatch.setattr("catalogue.views.dataset.PAGE_SIZE", 2)
    for n in range(3):
        factories.DatasetFactory(investigation=team.investigation, sample=crystal, name=f"more_{n}")
    client.force_login(team.participant)
    first = client.get(url(crystal))
    next_cursor = first.context["page"].next_cursor
    assert len(first.context["datasets"]) == 2 and next_cursor
    second = client.get(url(crystal), {"cursor": next_cursor}, headers={"HX-Request": "true"})
    html = second.content.decode()
    assert "<html" not in html and html.strip().startswith('<div id="sample-datasets">')
    names = [d.name for d in first.context["datasets"]] + [
        d.name for d in second.context["datasets"]
    ]
    assert len(set(names)) == 4


def test_no_parcel_or_logbook_panel_until_those_apps_exist(client, team, crystal) -> None:
    """The spots are there for the shipments and logbook apps; they appear with their URL names."""
    client.force_login(team.participant)
    html = client.get(url(crystal)).content.decode()
    assert 'id="sample-parcels"' not in html and 'id="sample-logbook"' not in html
