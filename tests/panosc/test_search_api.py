"""The PaNOSC search API on the demo facility: the example queries of panosc-eu/search-api's
documentation (doc/dataset-example-queries.md, document-example-queries.md,
instrument-example-queries.md), written with the demo's names, answer what the catalogue holds;
units convert; nothing embargoed leaks; bad filters are a 400; includes cost no query per row."""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from catalogue import access
from catalogue.models import DatasetParameter, Investigation

pytestmark = pytest.mark.usefixtures("demo")

XAS = "x-ray absorption spectroscopy"


def _get(client, path: str, **params) -> object:
    encoded = {k: json.dumps(v) if not isinstance(v, str) else v for k, v in params.items()}
    response = client.get(f"/panosc/{path}", encoded)
    assert response.status_code == 200, response.content
    return response.json()


def _public_datasets_with(**lookups) -> set[str]:
    rows = access.panosc_datasets().filter(**lookups).values_list("pk", flat=True).distinct()
    return {f"dataset-{pk}" for pk in rows}


def _energy_between_kev(low: float, high: float) -> set[str]:
    return _public_datasets_with(
        parameters__type__name="energy", parameters__numeric_value__range=(low, high)
    )


# Dataset example queries ------------------------------------------------------------------------


def test_datasets_acquired_with_a_technique_carry_its_panet_id(client) -> None:
    include = [{"relation": "techniques", "scope": {"where": {"name": XAS}}}]
    found = _get(client, "Datasets", filter={"include": include, "limit": 1000})
    assert {d["pid"] for d in found} == _public_datasets_with(techniques__name=XAS)
    assert found and all(
        d["techniques"] == [{"pid": "http://purl.org/pan-science/PaNET/PaNET01196", "name": XAS}]
        for d in found
    )


def test_datasets_in_a_photon_energy_range_given_in_ev_match_values_stored_in_kev(client) -> None:
    where = {"and": [{"name": "photon_energy"}, {"value": {"between": [8000, 9000]}},
                     {"unit": "eV"}]}  # fmt: skip
    include = [{"relation": "parameters", "scope": {"where": where}}]
    found = _get(client, "Datasets", filter={"include": include, "limit": 1000})
    expected = _energy_between_kev(8.0, 9.0)
    assert expected and {d["pid"] for d in found} == expected
    for dataset in found:  # only the matching parameter is shown, in its stored unit
        [parameter] = dataset["parameters"]
        assert parameter["name"] == "energy" and parameter["unit"] == "keV"
        assert 8.0 <= parameter["value"] <= 9.0


def test_datasets_matching_either_of_two_text_parameters(client) -> None:
    where = {"or": [{"and": [{"name": "definition"}, {"value": "NXxas"}]},
                    {"and": [{"name": "detector"}, {"value": "EIGER2 X 9M"}]}]}  # fmt: skip
    include = [{"relation": "parameters", "scope": {"where": where}}]
    found = _get(client, "Datasets", filter={"include": include, "limit": 1000})
    expected = _public_datasets_with(
        parameters__type__name="definition", parameters__string_value="NXxas"
    ) | _public_datasets_with(
        parameters__type__name="detector", parameters__string_value="EIGER2 X 9M"
    )
    assert expected and {d["pid"] for d in found} == expected


def test_datasets_below_a_temperature_in_celsius_match_values_stored_in_kelvin(client) -> None:
    where = {"and": [{"name": "temperature"}, {"value": {"lt": 80}}, {"unit": "celsius"}]}
    include = [{"relation": "parameters", "scope": {"where": where}}]
    found = _get(client, "Datasets", filter={"include": include, "limit": 1000})
    expected = _public_datasets_with(
        parameters__type__name="sample temperature", parameters__numeric_value__lt=353.15
    )
    assert expected and {d["pid"] for d in found} == expected
    above = {"variable": "temperature", "operator": "gt", "value": 80, "unit": "celsius"}
    warm = _get(client, "Datasets/count", where={"and": [above]})
    assert warm["count"] == len(
        _public_datasets_with(
            parameters__type__name="sample temperature", parameters__numeric_value__gt=353.15
        )
    )


def test_datasets_with_files_matching_a_text(client) -> None:
    include = [{"relation": "files", "scope": {"where": {"text": "_0002."}}}]
    found = _get(client, "Datasets", filter={"include": include, "limit": 1000})
    expected = _public_datasets_with(datafiles__name__contains="_0002.")
    assert expected and {d["pid"] for d in found} == expected
    assert all("_0002." in f["name"] for d in found for f in d["files"])


# Document example queries -----------------------------------------------------------------------


def _wavelength(key: str, operator: str, nanometres: float) -> dict:
    return {key: "wavelength", "operator": operator, "value": nanometres, "unit": "nm"}


def test_proposals_of_a_principal_investigator_with_their_datasets(client) -> None:
    person = {"relation": "person", "scope": {"where": {"name": "Marie Dubois"}}}
    pi = {"where": {"role": "principal investigator"}, "include": [person]}
    members = {"relation": "members", "scope": pi}
    query = {"where": {"type": "proposal"}, "include": [members, {"relation": "datasets"}]}
    found = _get(client, "Documents", filter=query)
    expected = access.panosc_sessions().filter(
        members__user__username="mdubois", members__role="principal_investigator"
    )
    assert {d["pid"] for d in found} == {i.doi for i in expected} and found
    for document in found:
        assert document["type"] == "proposal"
        assert document["members"] == [
            {"role": "principal investigator", "person": document["members"][0]["person"]}
        ]
        assert document["members"][0]["person"]["fullName"] == "Dr Marie Dubois"
        session = expected.get(doi=document["pid"])
        assert {d["pid"] for d in document["datasets"]} == {
            f"dataset-{pk}" for pk in session.datasets.values_list("pk", flat=True)
        }


def test_documents_with_a_wavelength_range_in_nm_match_datasets_stored_in_angstrom(
    client,
) -> None:
    where = {"and": [_wavelength("variable", "gt", 0.1), _wavelength("variable", "lt", 0.11)]}
    found = _get(client, "Documents", filter={"where": where})
    in_range = DatasetParameter.objects.filter(
        type__name="wavelength", numeric_value__gt=1.0, numeric_value__lt=1.1
    ).values("dataset")
    sessions = access.panosc_sessions().filter(datasets__in=in_range).distinct()
    collections = access.panosc_collections().filter(datasets__in=in_range).distinct()
    expected = {i.doi for i in sessions} | {c.doi.identifier for c in collections}
    assert expected and {d["pid"] for d in found} == expected


def test_documents_containing_datasets_with_a_wavelength_range(client) -> None:
    where = {"and": [_wavelength("name", "gt", 0.1), _wavelength("name", "lt", 0.11)]}
    include = [{"relation": "datasets", "scope": {"where": where}}]
    found = _get(client, "Documents", filter={"include": include})
    assert found
    for document in found:
        assert document["datasets"]
        for dataset in document["datasets"]:
            params = DatasetParameter.objects.filter(
                dataset_id=int(dataset["pid"].removeprefix("dataset-")), type__name="wavelength"
            )
            assert 1.0 < params.get().numeric_value < 1.1


def test_documents_investigating_a_sample_with_a_technique(client) -> None:
    session = access.panosc_sessions().filter(techniques__name=XAS).order_by("pk").first()
    sample = session.samples.filter(datasets__isnull=False).order_by("pk").first()
    datasets_scope = {"include": [
        {"relation": "techniques", "scope": {"where": {"name": "X-Ray Absorption Spectroscopy"}}},
        {"relation": "samples", "scope": {"where": {"name": sample.name}}},
    ]}  # fmt: skip
    found = _get(client, "Documents", filter={"include": [
        {"relation": "datasets", "scope": datasets_scope}]})  # fmt: skip
    assert session.doi in {d["pid"] for d in found}
    for document in found:
        for dataset in document["datasets"]:
            assert [t["name"] for t in dataset["techniques"]] == [XAS]
            assert [s["name"] for s in dataset["samples"]] == [sample.name]


# Instrument example queries ---------------------------------------------------------------------


def test_instruments_by_name_and_by_facility(client) -> None:
    assert _get(client, "Instruments", filter={"where": {"name": "BM23"}}) == [
        {"pid": "BM23", "name": "BM23", "facility": settings.FACILITY_NAME}
    ]
    by_facility = _get(
        client, "Instruments", filter={"where": {"facility": settings.FACILITY_NAME}}
    )
    assert len(by_facility) == 7
    assert _get(client, "Instruments", filter={"where": {"facility": "ESS"}}) == []


# Units, counts, details, paging -----------------------------------------------------------------


def test_a_wavelength_in_metres_finds_the_parameter_stored_in_angstrom(client) -> None:
    stored = (
        DatasetParameter.objects.filter(
            type__name="wavelength", dataset__in=access.panosc_datasets()
        )
        .order_by("pk")
        .first()
    )
    for value, unit in ((stored.numeric_value * 1e-10, "m"), (stored.numeric_value / 10, "nm")):
        where = {"name": "wavelength", "value": value, "unit": unit}
        include = [{"relation": "parameters", "scope": {"where": where}}]
        found = _get(client, "Datasets", filter={"include": include, "limit": 1000})
        assert f"dataset-{stored.dataset_id}" in {d["pid"] for d in found}
        assert all(p["value"] == stored.numeric_value for d in found for p in d["parameters"])
    elsewhere = {"name": "wavelength", "value": stored.numeric_value, "unit": "s"}
    assert _get(client, "Datasets/count", where=elsewhere) == {"count": 0}


def test_counts_are_those_of_public_data(client) -> None:
    assert _get(client, "Documents/count") == {
        "count": access.panosc_sessions().count() + access.panosc_collections().count()
    }
    assert _get(client, "Datasets/count") == {"count": access.panosc_datasets().count()}
    assert _get(client, "Samples/count") == {"count": access.panosc_samples().count()}
    assert _get(client, "Documents/count", where={"type": "publication"}) == {"count": 1}
    technique = {"techniques.pid": "http://purl.org/pan-science/PaNET/PaNET01196"}
    assert _get(client, "Datasets/count", where=technique) == {
        "count": len(_public_datasets_with(techniques__name=XAS))
    }


def test_details_by_pid_include_their_children(client) -> None:
    collection = access.panosc_collections().get()
    document = _get(client, f"Documents/{collection.doi.identifier}")
    assert document["type"] == "publication" and document["license"] == "CC-BY-4.0"
    assert {d["pid"] for d in document["datasets"]} == {
        f"dataset-{pk}" for pk in collection.datasets.values_list("pk", flat=True)
    }
    assert document["members"][0]["person"]["familyName"] == "Dubois"
    dataset = _get(client, document["datasets"][0]["pid"].join(["Datasets/", ""]))
    assert dataset["parameters"] and dataset["techniques"] and dataset["instrument"]["name"]
    session = access.panosc_sessions().order_by("pk").first()
    assert _get(client, f"Documents/{session.doi.lower()}")["title"] == session.title


def test_paging_runs_from_sessions_on_to_collections(client) -> None:
    sessions = access.panosc_sessions().count()
    everything = _get(client, "Documents", filter={"limit": 1000})
    assert [d["type"] for d in everything] == ["proposal"] * sessions + ["publication"]
    last_two = _get(client, "Documents", filter={"skip": sessions - 1, "limit": 5})
    assert [d["pid"] for d in last_two] == [d["pid"] for d in everything[-2:]]
    assert _get(client, "Documents", filter={"skip": sessions + 1}) == []


def test_includes_cost_the_same_queries_for_two_rows_or_a_hundred(
    client, django_assert_max_num_queries
) -> None:
    include = [{"relation": "datasets", "scope": {"include": ["parameters", "techniques",
                                                              "samples", "instrument"]}},
               {"relation": "members", "scope": {"include": ["person"]}}, "parameters"]  # fmt: skip
    # Per backend: the page, then datasets, (their collections), parameters, techniques (2
    # paths), samples, instrument, members, people, parameters.
    for limit in (2, 100):
        with django_assert_max_num_queries(26):
            found = _get(client, "Documents", filter={"include": include, "limit": limit})
        assert any(d["datasets"] and d["datasets"][0]["parameters"] for d in found)


# Public data only -------------------------------------------------------------------------------


def test_embargoed_sessions_and_their_datasets_do_not_exist(client) -> None:
    embargoed = (  # a proposal with no released session: its title is nowhere public
        Investigation.objects.embargoed()
        .exclude(doi="")
        .exclude(name__in=access.panosc_sessions().values("name"))
        .exclude(datasets__released_by_doi=True)
        .order_by("pk")
        .first()
    )
    dataset = embargoed.datasets.filter(released_by_doi=False).order_by("pk").first()
    missing = client.get("/panosc/Documents/10.5072/NO-SUCH-DOI")
    for path in (f"Documents/{embargoed.doi}", f"Documents/session-{embargoed.pk}"):
        hidden = client.get(f"/panosc/{path}")
        assert hidden.status_code == 404 and hidden.content == missing.content
    hidden = client.get(f"/panosc/Datasets/dataset-{dataset.pk}")
    assert hidden.status_code == 404 and hidden.content == client.get(
        "/panosc/Datasets/dataset-99999999").content  # fmt: skip
    everything = _get(client, "Documents", filter={"limit": 1000})
    assert embargoed.doi not in {d["pid"] for d in everything}
    titled = _get(client, "Documents/count", where={"title": embargoed.title})
    assert titled == {"count": 0}
    datasets = _get(client, "Datasets", filter={"where": {"title": dataset.name}})
    assert f"dataset-{dataset.pk}" not in {d["pid"] for d in datasets}


def test_a_dataset_public_only_through_a_data_collection_points_at_it(client) -> None:
    collection = access.panosc_collections().get()
    through_doi = (
        collection.datasets.filter(investigation__in=Investigation.objects.embargoed())
        .order_by("pk")
        .first()
    )
    dataset = _get(client, f"Datasets/dataset-{through_doi.pk}")
    assert dataset["documentId"] == collection.doi.identifier


# Bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "message"),
    [
        ("Documents", {"filter": "{bad"}, "not valid JSON"),
        ("Documents", {"filter": "[1]"}, "must be a JSON object"),
        ("Documents", {"filter": '{"limit": 5000}'}, "at most 1000"),
        ("Documents", {"filter": '{"skip": -1}'}, "`skip`"),
        ("Documents", {"filter": '{"wher": {}}'}, "unknown keys: wher"),
        ("Documents", {"filter": '{"where": {"colour": "red"}}'}, "no field `colour`"),
        ("Documents", {"filter": '{"include": ["pets"]}'}, "no relation `pets`"),
        ("Datasets", {"filter": '{"where": {"size": {"about": 3}}}'}, "unknown operator"),
        ("Datasets", {"filter": '{"where": {"size": "big"}}'}, "takes a number"),
        ("Datasets", {"filter": '{"where": {"creationDate": {"gt": "soon"}}}'}, "ISO 8601"),
        ("Datasets", {"filter": '{"where": {"and": []}}'}, "non-empty list"),
        ("Datasets", {"filter": '{"where": {"size": {"between": [1]}}}'}, "takes 2 values"),
        ("Datasets/count", {"where": '{"variable": "wavelength", "unit": 3}'}, "`unit`"),
        ("Documents/count", {"where": "nope"}, "not valid JSON"),
        ("Datasets", {"filter": "[" * 100_000}, "nested too deep"),
        (
            "Datasets",
            {"filter": '{"include": [{"relation": "files", "scope": {"wher": {}}}]}'},
            "the scope of `files` has unknown keys: wher",
        ),  # fmt: skip
        ("Datasets/count", {"where": '{"creationDate": {"gt": "2021-02-30"}}'}, "ISO 8601"),
    ],
)
def test_bad_filters_are_a_400_that_says_why(client, path, params, message) -> None:
    response = client.get(f"/panosc/{path}", params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["statusCode"] == 400 and message in error["message"]


def test_a_bad_include_on_a_detail_is_a_400(client) -> None:
    dataset = access.panosc_datasets().order_by("pk").first()
    response = client.get(
        f"/panosc/Datasets/dataset-{dataset.pk}", {"filter": '{"include": ["pets"]}'}
    )
    assert response.status_code == 400
    assert "no relation `pets`" in response.json()["error"]["message"]


def test_only_get_is_allowed(client) -> None:
    assert client.post("/panosc/Documents").status_code == 405


def test_an_include_too_large_to_answer_is_a_400(client, monkeypatch) -> None:
    from catalogue.panosc import load

    monkeypatch.setattr(load, "MAX_INCLUDED", 3)  # a session's files, at facility scale
    response = client.get("/panosc/Datasets", {"filter": '{"limit": 4, "include": ["files"]}'})
    assert response.status_code == 400
    assert "`files` would include more than 3 rows" in response.json()["error"]["message"]
