"""The read API for datasets, datafiles and samples: the access policy, the page filters
(parameter ranges with units), bad values answered 400 with the field, cursor pagination."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalogue.models import DatasetType, ParameterType, SampleParameter
from tests import factories
from tests.catalogue.dataset_files import datafile, set_parameter

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(team):
    """An embargoed investigation (the team's) and a released one, with parameters."""
    embargoed = team.investigation
    released = factories.InvestigationFactory(released=True)
    crystal = factories.SampleFactory(investigation=embargoed, name="crystal")
    ph, _ = ParameterType.objects.get_or_create(name="pH", units="")
    SampleParameter.objects.create(sample=crystal, type=ph, numeric_value=4.5)
    hidden = factories.DatasetFactory(investigation=embargoed, sample=crystal, name="hidden_scan")
    set_parameter(hidden, "energy", "keV", 11.0)
    processed = factories.DatasetFactory(
        investigation=embargoed, name="hidden_processed", type=DatasetType.PROCESSED
    )
    processed.derived_from.add(hidden)
    public = factories.DatasetFactory(investigation=released, name="public_scan")
    set_parameter(public, "energy", "keV", 8.0)
    set_parameter(public, "temperature", "K", 100.0)
    datafile(hidden, "hidden.h5", size=10, checksum="sha256:00")
    datafile(public, "public.h5", size=20)
    return {
        "team": team,
        "hidden": hidden,
        "processed": processed,
        "public": public,
        "crystal": crystal,
        "released": released,
    }


def names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["results"]}


def test_anonymous_lists_only_released_datasets(client, world) -> None:
    assert names(client.get(reverse("api-dataset-list"))) == {"public_scan"}


@pytest.mark.parametrize("who", ["participant", "scientist", "staff"])
def test_team_lists_its_datasets_too(client, world, who) -> None:
    client.force_login(getattr(world["team"], who))
    assert names(client.get(reverse("api-dataset-list"))) == {
        "public_scan",
        "hidden_scan",
        "hidden_processed",
    }


@pytest.mark.parametrize("who", ["outsider", "other_scientist", None])
def test_hidden_dataset_datafile_and_sample_are_404(client, world, who) -> None:
    if who:
        client.force_login(getattr(world["team"], who))
    hidden_file = world["hidden"].datafiles.get()
    assert client.get(reverse("api-dataset-detail", args=[world["hidden"].pk])).status_code == 404
    assert client.get(reverse("api-datafile-detail", args=[hidden_file.pk])).status_code == 404
    assert client.get(reverse("api-sample-detail", args=[world["crystal"].pk])).status_code == 404
    assert names(client.get(reverse("api-datafile-list"))) == {"public.h5"}
    assert "crystal" not in names(client.get(reverse("api-sample-list")))


def test_unknown_ids_are_404(client, world) -> None:
    client.force_login(world["team"].staff)
    for name in ("api-dataset-detail", "api-datafile-detail", "api-sample-detail"):
        assert client.get(reverse(name, args=[99999])).status_code == 404


def test_dataset_detail_has_parameters_and_visible_provenance(client, world) -> None:
    client.force_login(world["team"].participant)
    body = client.get(reverse("api-dataset-detail", args=[world["hidden"].pk])).json()
    assert body["parameters"] == [{"name": "energy", "value": 11.0, "units": "keV"}]
    assert body["derivatives"] == [world["processed"].pk] and body["derived_from"] == []
    assert body["sample_name"] == "crystal" and body["url"] == world["hidden"].get_absolute_url()


def test_provenance_never_names_a_hidden_dataset(client, world) -> None:
    world["public"].derivatives.add(world["processed"])
    body = client.get(reverse("api-dataset-detail", args=[world["public"].pk])).json()
    assert body["derivatives"] == []  # anonymous may not know of the embargoed reprocessing


def test_filters_investigation_sample_type(client, world) -> None:
    client.force_login(world["team"].participant)
    listing = reverse("api-dataset-list")
    team_investigation = world["team"].investigation.pk
    assert names(client.get(listing, {"investigation": team_investigation})) == {
        "hidden_scan",
        "hidden_processed",
    }
    assert names(client.get(listing, {"sample": world["crystal"].pk})) == {"hidden_scan"}
    assert names(client.get(listing, {"type": "processed"})) == {"hidden_processed"}


def test_parameter_range_with_units(client, world) -> None:
    client.force_login(world["team"].participant)
    listing = reverse("api-dataset-list")
    query = {"parameter": "energy", "minimum": 10, "maximum": 12}
    assert names(client.get(listing, query)) == {"hidden_scan"}
    assert names(
        client.get(listing, {**query, "minimum": 10000, "maximum": 12000, "units": "eV"})
    ) == {"hidden_scan"}
    assert names(client.get(listing, {"parameter": "temperature", "maximum": 100})) == {
        "public_scan"
    }
    energy = ParameterType.objects.get(name="energy")
    assert names(client.get(listing, {"parameter": energy.pk, "maximum": 9})) == {"public_scan"}


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"minimum": "ten", "parameter": "energy"}, "minimum", "Enter a number."),
        ({"parameter": "flux capacitance"}, "parameter", "Unknown parameter 'flux capacitance'."),
        (
            {"parameter": "energy", "minimum": 1, "units": "K"},
            "units",
            "K cannot be converted to keV.",
        ),
        ({"type": "cooked"}, "type", "Select a valid choice."),
        ({"investigation": "abc"}, "investigation", "Enter a whole number."),
        (
            {"minimum": 3, "maximum": 1, "parameter": "energy"},
            "non_field_errors",
            "The lower bound of the range is above the upper bound.",
        ),
    ],
)
def test_bad_filters_are_400_naming_the_field(client, world, query, field, message) -> None:
    response = client.get(reverse("api-dataset-list"), query)
    assert response.status_code == 400
    assert any(message in error for error in response.json()[field])


def test_bad_datafile_and_sample_filters_are_400(client, world) -> None:
    response = client.get(reverse("api-datafile-list"), {"dataset": "x"})
    assert response.status_code == 400 and "dataset" in response.json()
    response = client.get(reverse("api-sample-list"), {"investigation": "-1"})
    assert response.status_code == 400 and "investigation" in response.json()


def test_datafiles_and_samples_filtered_by_their_parent(client, world) -> None:
    client.force_login(world["team"].participant)
    files = client.get(reverse("api-datafile-list"), {"dataset": world["hidden"].pk}).json()
    assert [(f["name"], f["size"], f["checksum"]) for f in files["results"]] == [
        ("hidden.h5", 10, "sha256:00")
    ]
    hidden_file = world["hidden"].datafiles.get()
    assert files["results"][0]["download_url"] == reverse(
        "catalogue:datafile-download", args=[hidden_file.pk]
    )
    samples = client.get(
        reverse("api-sample-list"), {"investigation": world["team"].investigation.pk}
    ).json()
    rows = {s["name"]: s for s in samples["results"]}
    assert rows["crystal"]["parameters"] == [{"name": "pH", "value": 4.5, "units": ""}]
    assert {s["investigation"] for s in samples["results"]} == {world["team"].investigation.pk}


@pytest.mark.parametrize("name", ["api-dataset-list", "api-datafile-list", "api-sample-list"])
def test_cursor_pagination_walks_everything_once(client, world, name) -> None:
    for n in range(5):
        dataset = factories.DatasetFactory(investigation=world["released"], name=f"extra_{n}")
        datafile(dataset, f"extra_{n}.h5")
    client.force_login(world["team"].staff)
    seen, next_url = [], reverse(name) + "?page_size=2"
    while next_url:
        body = client.get(next_url).json()
        assert len(body["results"]) <= 2
        seen += [row["id"] for row in body["results"]]
        next_url = body["next"]
    assert len(seen) == len(set(seen)) and len(seen) >= 5


def test_list_query_count_does_not_grow_with_page_size(
    client, world, django_assert_max_num_queries
) -> None:
    def fill(count: int) -> None:
        for n in range(count):
            dataset = factories.DatasetFactory(investigation=world["released"])
            set_parameter(dataset, "energy", "keV", n)

    fill(2)
    with django_assert_max_num_queries(6) as few:
        client.get(reverse("api-dataset-list"))
    fill(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("api-dataset-list"))
    assert len(response.json()["results"]) == 33


HUGE = "99999999999999999999"  # beyond 64 bits: the database driver overflows


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("api-dataset-list", "investigation"),
        ("api-dataset-list", "sample"),
        ("api-datafile-list", "dataset"),
        ("api-datafile-list", "investigation"),
        ("api-sample-list", "investigation"),
    ],
)
def test_ids_beyond_64_bits_answer_400_naming_the_field(client, world, name, field) -> None:
    response = client.get(reverse(name), {field: HUGE})

    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("api-dataset-list", "investigation"),
        ("api-datafile-list", "investigation"),
        ("api-sample-list", "investigation"),
    ],
)
def test_hidden_and_nonexistent_investigation_filters_answer_alike(
    client, world, name, field
) -> None:
    client.force_login(world["team"].outsider)
    hidden = client.get(reverse(name), {field: world["team"].investigation.pk})
    missing = client.get(reverse(name), {field: 10**9})

    assert hidden.status_code == missing.status_code == 200
    assert hidden.json() == missing.json() == {"next": None, "previous": None, "results": []}
