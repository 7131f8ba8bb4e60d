"""The datasets tab of an investigation: who sees it, filters (sample, type, parameter ranges in
any unit), bad filter values, keyset pagination, HTMX fragments and query counts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from catalogue.models import DatasetType
from tests import factories
from tests.catalogue.dataset_files import set_parameter

pytestmark = pytest.mark.django_db


def url(investigation, **query) -> str:
    base = reverse("catalogue:investigation-datasets", args=[investigation.pk])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.fixture
def scans(team):
    """Three datasets with energy/temperature/exposure parameters on two samples."""
    investigation = team.investigation
    crystal = factories.SampleFactory(investigation=investigation, name="lysozyme-crystal-1")
    powder = factories.SampleFactory(investigation=investigation, name="powder-B")
    now = timezone.now()
    low = factories.DatasetFactory(
        investigation=investigation,
        sample=crystal,
        name="scan_low",
        start_date=now - timedelta(hours=3),
    )
    mid = factories.DatasetFactory(
        investigation=investigation,
        sample=crystal,
        name="scan_mid",
        start_date=now - timedelta(hours=2),
    )
    processed = factories.DatasetFactory(
        investigation=investigation,
        sample=powder,
        name="integrated_mid",
        type=DatasetType.PROCESSED,
        start_date=now - timedelta(hours=1),
    )
    for dataset, energy, temperature in (
        (low, 8.0, 100.0),
        (mid, 11.2, 293.0),
        (processed, 12.5, 80.0),
    ):
        set_parameter(dataset, "energy", "keV", energy)
        set_parameter(dataset, "temperature", "K", temperature)
        set_parameter(dataset, "exposure time", "s", 0.05)
    return {"low": low, "mid": mid, "processed": processed, "crystal": crystal, "powder": powder}


def names(response) -> set[str]:
    return {d.name for d in response.context["datasets"]}


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
def test_team_members_and_beamline_staff_see_the_datasets_tab(client, team, scans, who) -> None:
    client.force_login(getattr(team, who))
    response = client.get(url(team.investigation))
    assert response.status_code == 200
    assert names(response) == {"scan_low", "scan_mid", "integrated_mid"}
    assert "Energy" in response.content.decode()


@pytest.mark.parametrize("who", ["outsider", "other_scientist"])
def test_outsiders_get_404_for_an_embargoed_investigation(client, team, scans, who) -> None:
    client.force_login(getattr(team, who))
    response = client.get(url(team.investigation))
    assert response.status_code == 404
    assert "scan_low" not in response.content.decode()


def test_anonymous_gets_404_for_embargoed_and_200_for_released(client, team, scans) -> None:
    assert client.get(url(team.investigation)).status_code == 404
    released = factories.InvestigationFactory(released=True)
    factories.DatasetFactory(investigation=released, name="public_scan")
    response = client.get(url(released))
    assert response.status_code == 200
    assert names(response) == {"public_scan"}


def test_unknown_investigation_is_404_and_post_is_405(client, team) -> None:
    client.force_login(team.staff)
    assert client.get(reverse("catalogue:investigation-datasets", args=[999999])).status_code == 404
    assert client.post(url(team.investigation)).status_code == 405


def test_table_shows_type_sample_files_size_and_key_parameters(client, team, scans) -> None:
    scans["mid"].file_count, scans["mid"].size = 12, 3 * 1024**3
    scans["mid"].save()
    client.force_login(team.participant)
    html = client.get(url(team.investigation)).content.decode()
    assert "lysozyme-crystal-1" in html and "processed" in html
    assert "3.0\xa0GB" in html  # filesizeformat
    # energy first, then temperature and exposure time, each with its unit in the header
    assert html.index("Energy") < html.index("Temperature") < html.index("Exposure time")
    assert "(keV)" in html and "11.2" in html and "293" in html
    assert 'class="dataset-row-actions' in html  # the spot other apps fill


def test_filter_by_sample_and_type(client, team, scans) -> None:
    client.force_login(team.participant)
    response = client.get(url(team.investigation, sample=scans["crystal"].pk))
    assert names(response) == {"scan_low", "scan_mid"}
    response = client.get(url(team.investigation, type="processed"))
    assert names(response) == {"integrated_mid"}


def test_energy_between_10_and_12_kev(client, team, scans) -> None:
    energy = scans["low"].parameters.get(type__name="energy").type
    client.force_login(team.participant)
    response = client.get(url(team.investigation, parameter=energy.pk, minimum=10, maximum=12))
    assert names(response) == {"scan_mid"}


def test_range_typed_in_another_unit_is_converted(client, team, scans) -> None:
    energy = scans["low"].parameters.get(type__name="energy").type
    temperature = scans["low"].parameters.get(type__name="temperature").type
    client.force_login(team.participant)
    in_ev = client.get(
        url(team.investigation, parameter=energy.pk, minimum=10000, maximum=12000, units="eV")
    )
    assert names(in_ev) == {"scan_mid"}
    # below 0 °C = below 273.15 K
    cold = client.get(url(team.investigation, parameter=temperature.pk, maximum=0, units="°C"))
    assert names(cold) == {"scan_low", "integrated_mid"}


def test_temperature_below_100_k_includes_the_bound(client, team, scans) -> None:
    temperature = scans["low"].parameters.get(type__name="temperature").type
    client.force_login(team.participant)
    response = client.get(url(team.investigation, parameter=temperature.pk, maximum=100))
    assert names(response) == {"scan_low", "integrated_mid"}


def test_only_parameters_measured_in_this_investigation_are_offered(client, team, scans) -> None:
    other = factories.DatasetFactory()  # another investigation, another beamline
    pressure = set_parameter(other, "pressure", "bar", 2.0).type
    client.force_login(team.participant)
    response = client.get(url(team.investigation))
    offered = {t.name for t in response.context["form"].fields["parameter"].queryset}
    assert offered == {"energy", "temperature", "exposure time"}
    response = client.get(url(team.investigation, parameter=pressure.pk, minimum=1))
    assert "This parameter is not measured in this experiment." in response.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"minimum": "ten", "parameter": "{energy}"}, "From: Enter a number."),
        (
            {"minimum": "12", "maximum": "10", "parameter": "{energy}"},
            "The lower bound of the range is above the upper bound.",
        ),
        ({"minimum": "1"}, "Choose a parameter for the range."),
        ({"minimum": "1", "parameter": "{energy}", "units": "K"}, "K cannot be converted to keV."),
        ({"type": "cooked"}, "The type is raw or processed."),
        ({"sample": "{foreign}"}, "This sample is not part of the experiment."),
        ({"sample": "abc"}, "This sample is not part of the experiment."),
    ],
)
def test_bad_filter_values_get_a_clear_message_and_no_rows(client, team, scans, query, message):
    energy = scans["low"].parameters.get(type__name="energy").type
    foreign = factories.SampleFactory()
    query = {k: v.format(energy=energy.pk, foreign=foreign.pk) for k, v in query.items()}
    client.force_login(team.participant)
    response = client.get(url(team.investigation, **query))
    assert response.status_code == 200
    html = response.content.decode()
    assert "These filters cannot be applied" in html
    assert message in html.replace("&#x27;", "'")
    assert response.context["datasets"] == []


def test_htmx_request_gets_the_results_fragment(client, team, scans) -> None:
    client.force_login(team.participant)
    response = client.get(url(team.investigation, type="raw"), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.strip().startswith('<div id="dataset-results">')
    assert "scan_low" in html and "integrated_mid" not in html


def test_filter_form_updates_with_htmx_and_pushes_the_url(client, team, scans) -> None:
    client.force_login(team.participant)
    html = client.get(url(team.investigation)).content.decode()
    assert 'hx-target="#dataset-results"' in html and 'hx-push-url="true"' in html


def test_keyset_pagination_walks_every_dataset_once(client, team, monkeypatch) -> None:
    monkeypatch.setattr("catalogue.views.dataset.PAGE_SIZE", 4)
    start = timezone.now()
    for n in range(9):
        factories.DatasetFactory(
            investigation=team.investigation,
            name=f"d{n}",
            start_date=start + timedelta(minutes=n % 3),
        )  # ties on start
    factories.DatasetFactory(investigation=team.investigation, name="undated", start_date=None)
    client.force_login(team.participant)
    seen: list[str] = []
    next_url = url(team.investigation, type="raw")
    while next_url:
        response = client.get(next_url, headers={"HX-Request": "true"})
        page = [d.name for d in response.context["datasets"]]
        assert len(page) <= 4
        seen += page
        found = re.search(r'rel="next" href="\?([^"]+)"', response.content.decode())
        query = found.group(1).replace("&amp;", "&") if found else ""
        assert not query or "type=raw" in query  # filters survive paging
        next_url = url(team.investigation) + "?" + query if query else ""
    assert sorted(seen) == sorted([f"d{n}" for n in range(9)] + ["undated"])
    assert len(seen) == len(set(seen))
    assert seen[-1] == "undated"  # no start time sorts last


def test_a_damaged_page_link_shows_the_first_page(client, team, scans) -> None:
    client.force_login(team.participant)
    first = client.get(url(team.investigation)).context["datasets"]
    response = client.get(url(team.investigation, cursor="-4"))
    assert response.status_code == 200
    assert response.context["datasets"] == first and len(first) == 3


def test_query_count_does_not_grow_with_page_size(client, team, django_assert_max_num_queries):
    def fill(count: int) -> None:
        for n in range(count):
            dataset = factories.DatasetFactory(investigation=team.investigation)
            set_parameter(dataset, "energy", "keV", 10 + n)
            set_parameter(dataset, "temperature", "K", 100)

    client.force_login(team.participant)
    fill(3)
    # 14: the page's own, plus the navbar's role entries (2, on a cold per-user cache).
    with django_assert_max_num_queries(14) as few:
        client.get(url(team.investigation))
    fill(40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url(team.investigation))
    assert len(response.context["datasets"]) == 43
