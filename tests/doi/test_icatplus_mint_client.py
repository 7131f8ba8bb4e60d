"""`POST /icatplus/dataacquisition/{apiKey}/mint` through `icat-plus-client` against a live
server: a pipeline's key mints a DOI for its beamline's datasets, in its owner's name, through
the editor's workflow (the local provider stands in for DataCite)."""

from __future__ import annotations

import json

import pytest
from icat_plus_client import ApiClient, Configuration
from icat_plus_client.api.data_acquisition_api import DataAcquisitionApi
from icat_plus_client.exceptions import ApiException
from icat_plus_client.models.dataacquisition_api_key_mint_post_request import (
    DataacquisitionApiKeyMintPostRequest as MintRequest,
)

from doi import services
from doi.models import CollectionState, DataCollection, DoiState
from doi.providers import LocalProvider
from logbook.models import ApiKey
from tests import factories


@pytest.fixture
def api(live_server) -> DataAcquisitionApi:
    return DataAcquisitionApi(ApiClient(Configuration(host=f"{live_server.url}/icatplus")))


def _error(call) -> tuple[int, dict]:
    with pytest.raises(ApiException) as error:
        call()
    return error.value.status, json.loads(error.value.body)


def test_key_mints_a_doi_for_its_beamlines_datasets_in_its_owners_name(
    transactional_db, api, monkeypatch
) -> None:
    enqueued = []
    monkeypatch.setattr("doi.tasks.mint_collection.delay", enqueued.append)
    staff = factories.UserFactory(is_staff=True)
    team = factories.make_team()  # on its own beamline
    datasets = factories.DatasetFactory.create_batch(2, investigation=team.investigation)
    other = factories.DatasetFactory(
        investigation=factories.InvestigationFactory(
            instrument=factories.InstrumentFactory(name="ID99-X")
        )
    )
    _, key = ApiKey.objects.create_key(
        name="pipeline", instrument=team.investigation.instrument, created_by=staff
    )
    request = MintRequest(
        title="Lysozyme, processed",
        abstract="Integrated and scaled data.",
        dataset_id_list=[d.pk for d in datasets],
        keywords=["lysozyme", "MX"],
        authors="Petra, Novak, 0000-0002-1825-0097; Jan, Dvorak",
        rights="Creative Commons Attribution 4.0, CC-BY-4.0, https://creativecommons.org/",
    )

    # Another beamline's dataset, even beside the key's own, is one that does not exist.
    hidden = _error(
        lambda: api.dataacquisition_api_key_mint_post(
            key, request.model_copy(update={"dataset_id_list": [datasets[0].pk, other.pk]})
        )
    )
    missing = _error(
        lambda: api.dataacquisition_api_key_mint_post(
            key, request.model_copy(update={"dataset_id_list": [datasets[0].pk, 987654321]})
        )
    )
    assert hidden[0] == missing[0] == 400 and hidden[1]["field"] == "datasetIdList"
    assert hidden[1]["message"].replace(str(other.pk), "?") == missing[1]["message"].replace(
        "987654321", "?"
    )
    assert not DataCollection.objects.exists()

    answer = api.dataacquisition_api_key_mint_post(key, request)
    collection = DataCollection.objects.select_related("doi").get()
    assert answer.message == collection.doi.identifier
    assert (collection.created_by, collection.state, collection.licence) == (
        staff,
        CollectionState.MINTING,
        "CC-BY-4.0",
    )
    assert set(collection.datasets.all()) == set(datasets)
    assert [(a.given_name, a.family_name, a.orcid) for a in collection.authors.all()] == [
        ("Petra", "Novak", "0000-0002-1825-0097"),
        ("Jan", "Dvorak", ""),
    ]
    assert enqueued == [collection.pk]
    # The worker's half, as for the editor's mint: findable, and the datasets public.
    services.collection_publish(
        collection_id=collection.pk, provider=LocalProvider(prefix="10.5072")
    )
    collection.refresh_from_db()
    assert collection.doi.state == DoiState.FINDABLE
    assert all(d.released_by_doi for d in collection.datasets.all())

    # A key nobody owns mints nothing.
    _, orphan = ApiKey.objects.create_key(name="orphan", instrument=team.investigation.instrument)
    assert _error(lambda: api.dataacquisition_api_key_mint_post(orphan, request))[0] == 403
    assert DataCollection.objects.count() == 1


@pytest.mark.django_db
def test_refused_mint_requests_name_the_field_and_create_nothing(client) -> None:
    staff = factories.UserFactory(is_staff=True)
    dataset = factories.DatasetFactory()
    _, key = ApiKey.objects.create_key(name="facility", created_by=staff)
    good = {"title": "T", "abstract": "A", "datasetIdList": [dataset.pk]}
    cases = [
        ({**good, "title": ""}, "title"),
        ({k: v for k, v in good.items() if k != "abstract"}, "abstract"),
        ({**good, "datasetIdList": []}, "datasetIdList"),
        ({**good, "datasetIdList": ["x"]}, "datasetIdList"),
        ({**good, "dataCollectionId": 5}, "datasetIdList"),
        ({"title": "T", "abstract": "A"}, "datasetIdList"),
        ({**good, "authors": "Novak"}, "authors"),
        ({**good, "rights": "all rights reserved"}, "rights"),
        ({**good, "citationPublicationDOI": "not a doi"}, "citationPublicationDOI"),
        ({"title": "T", "abstract": "A", "dataCollectionId": 987654321}, "dataCollectionId"),
    ]
    for body, field in cases:
        response = client.post(
            f"/icatplus/dataacquisition/{key}/mint",
            json.dumps(body),
            content_type="application/json",
        )
        assert (response.status_code, response.json().get("field")) == (400, field), body
    assert not DataCollection.objects.exists()


@pytest.mark.django_db
def test_key_mints_an_existing_collection_of_its_owner_only(client, monkeypatch) -> None:
    monkeypatch.setattr("doi.tasks.mint_collection.delay", lambda pk: None)
    staff = factories.UserFactory(is_staff=True)
    team = factories.make_team()
    dataset = factories.DatasetFactory(investigation=team.investigation)
    elsewhere = factories.DatasetFactory()  # another beamline's
    mine = services.collection_create(by=staff, datasets=[dataset], title="Draft")
    foreign = services.collection_create(by=staff, datasets=[dataset, elsewhere], title="Both")
    _, key = ApiKey.objects.create_key(
        name="pipeline", instrument=team.investigation.instrument, created_by=staff
    )

    def mint(pk):
        return client.post(
            f"/icatplus/dataacquisition/{key}/mint",
            json.dumps({"title": "Lysozyme", "abstract": "Scaled data.", "dataCollectionId": pk}),
            content_type="application/json",
        )

    refused = mint(foreign.pk)  # one of its datasets is not the key's: as if it did not exist
    assert (refused.status_code, refused.json()["field"]) == (400, "dataCollectionId")
    assert refused.json()["message"].replace(str(foreign.pk), "?") == mint(987654321).json()[
        "message"
    ].replace("987654321", "?")
    answer = mint(mine.pk)
    mine.refresh_from_db()
    assert answer.status_code == 200 and answer.json() == {"message": mine.doi.identifier}
    assert (mine.title, mine.state) == ("Lysozyme", CollectionState.MINTING)
    foreign.refresh_from_db()
    assert (foreign.title, foreign.state, foreign.doi) == ("Both", CollectionState.DRAFT, None)
