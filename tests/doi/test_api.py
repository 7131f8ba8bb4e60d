"""JSON API for data collections and DOIs, under the access policy."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from doi import services
from doi.models import CollectionState, DataCollection
from tests import factories


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def _payload(datasets) -> dict:
    return {
        "title": "Lysozyme at room temperature",
        "abstract": "Diffraction data.",
        "keywords": ["lysozyme"],
        "related_publications": ["https://doi.org/10.1107/S1"],
        "datasets": [d.pk for d in datasets],
        "authors": [
            {"given_name": "Marie", "family_name": "Dubois", "orcid": "0000-0002-1825-0097"}
        ],
    }


def test_member_creates_a_collection_across_two_investigations(api, two_teams) -> None:
    first, second = two_teams
    datasets = [first.investigation.datasets.first(), second.investigation.datasets.first()]
    api.force_authenticate(first.participant)

    response = api.post(reverse("api-doi-collection-list"), _payload(datasets), format="json")

    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["state"] == "draft" and data["datasets"] == sorted(d.pk for d in datasets)
    assert data["authors"][0]["family_name"] == "Dubois"
    assert data["related_publications"] == ["10.1107/S1"]


def test_foreign_dataset_ids_are_refused_with_the_field_and_nothing_is_created(
    api, two_teams
) -> None:
    first, _ = two_teams
    foreign = factories.DatasetFactory()
    api.force_authenticate(first.participant)

    response = api.post(reverse("api-doi-collection-list"), _payload([foreign]), format="json")

    assert response.status_code == 400 and "datasets" in response.json()
    assert not DataCollection.objects.exists()


def test_bad_orcid_is_a_400_with_the_field(api, two_teams) -> None:
    first, _ = two_teams
    api.force_authenticate(first.participant)
    payload = _payload([first.investigation.datasets.first()])
    payload["authors"][0]["orcid"] = "1234"
    response = api.post(reverse("api-doi-collection-list"), payload, format="json")
    assert response.status_code == 400 and "orcid" in str(response.json()["authors"])


def test_collections_of_others_are_404_and_not_listed(api, two_teams) -> None:
    first, _ = two_teams
    collection = services.collection_create(by=first.principal_investigator, title="PI's")
    api.force_authenticate(first.participant)

    assert api.get(reverse("api-doi-collection-detail", args=[collection.pk])).status_code == 404
    assert api.get(reverse("api-doi-collection-list")).json()["results"] == []
    api.force_authenticate(None)
    assert api.get(reverse("api-doi-collection-list")).status_code in (401, 403)


def test_reserve_and_mint_through_the_api(api, two_teams, local_provider) -> None:
    first, _ = two_teams
    api.force_authenticate(first.participant)
    created = api.post(
        reverse("api-doi-collection-list"),
        _payload([first.investigation.datasets.first()]),
        format="json",
    ).json()

    reserved = api.post(reverse("api-doi-collection-reserve", args=[created["id"]]))
    assert reserved.status_code == 202 and reserved.json()["state"] == "reserving"

    services.collection_register_draft(collection_id=created["id"], provider=local_provider)
    refused = api.post(reverse("api-doi-collection-mint", args=[created["id"]]), {}, format="json")
    assert refused.status_code == 400 and "confirm" in refused.json()

    minted = api.post(
        reverse("api-doi-collection-mint", args=[created["id"]]), {"confirm": True}, format="json"
    )
    assert minted.status_code == 202 and minted.json()["state"] == "minting"
    services.collection_publish(collection_id=created["id"], provider=local_provider)

    doi = DataCollection.objects.get(pk=created["id"]).doi
    detail = api.get(reverse("api-doi-detail", args=doi.identifier.split("/")))
    assert detail.json()["state"] == "findable"
    assert detail.json()["datacite"]["titles"] == [{"title": "Lysozyme at room temperature"}]
    api.force_authenticate(None)
    listed = api.get(reverse("api-doi-list")).json()["results"]
    assert [d["identifier"] for d in listed] == [doi.identifier]


def test_missing_metadata_is_a_400_per_field(api, two_teams) -> None:
    first, _ = two_teams
    api.force_authenticate(first.participant)
    created = api.post(reverse("api-doi-collection-list"), {}, format="json").json()

    response = api.post(reverse("api-doi-collection-reserve", args=[created["id"]]))

    assert response.status_code == 400
    assert set(response.json()) == {"title", "abstract", "authors", "datasets"}


def test_reserved_doi_record_is_hidden_from_outsiders(api, two_teams, local_provider) -> None:
    first, _ = two_teams
    collection = services.collection_create(
        by=first.participant,
        datasets=[first.investigation.datasets.first()],
        title="T",
        abstract="A",
    )
    services.collection_reserve(collection=collection, by=first.participant)
    services.collection_register_draft(collection_id=collection.pk, provider=local_provider)
    url = reverse(
        "api-doi-detail",
        args=DataCollection.objects.get(pk=collection.pk).doi.identifier.split("/"),
    )

    api.force_authenticate(first.outsider)
    assert api.get(url).status_code == 404
    api.force_authenticate(first.participant)
    assert api.get(url).json()["state"] == "draft"


@pytest.mark.parametrize("body", [[{"confirm": True}], 1, "confirm"])
def test_mint_with_a_body_that_is_not_an_object_is_refused_not_a_500(
    api, two_teams, local_provider, body
) -> None:
    first, _ = two_teams
    api.force_authenticate(first.participant)
    collection = services.collection_create(
        by=first.participant, datasets=[first.investigation.datasets.first()], title="T"
    )

    response = api.post(
        reverse("api-doi-collection-mint", args=[collection.pk]), body, format="json"
    )

    assert response.status_code == 400
    assert DataCollection.objects.get(pk=collection.pk).state == CollectionState.DRAFT


def test_a_minted_collections_datasets_cannot_change_but_metadata_is_resent(
    api, two_teams, local_provider, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    first, _ = two_teams
    monkeypatch.setattr("doi.tasks.update_collection.delay", lambda pk: None)
    collection = services.collection_create(
        by=first.participant,
        datasets=[first.investigation.datasets.first()],
        title="T",
        abstract="A",
    )
    services.collection_mint(collection=collection, by=first.participant, confirmed=True)
    services.collection_publish(collection_id=collection.pk, provider=local_provider)
    api.force_authenticate(first.participant)
    url = reverse("api-doi-collection-detail", args=[collection.pk])

    refused = api.patch(url, {"datasets": []}, format="json")
    corrected = api.patch(url, {"title": "Corrected"}, format="json")

    assert refused.status_code == 400 and "datasets" in refused.json()
    assert corrected.status_code == 200 and corrected.json()["state"] == "updating"
    assert DataCollection.objects.get(pk=collection.pk).datasets.count() == 1
    assert CollectionState.UPDATING == DataCollection.objects.get(pk=collection.pk).state


def test_collection_list_has_no_n_plus_one(api, two_teams, django_assert_max_num_queries) -> None:
    first, _ = two_teams
    for n in range(6):
        services.collection_create(
            by=first.participant, title=f"C{n}", datasets=[first.investigation.datasets.first()]
        )
    api.force_authenticate(first.participant)

    with django_assert_max_num_queries(6):
        response = api.get(reverse("api-doi-collection-list"))

    assert len(response.json()["results"]) == 6


def _reserved_and_minted(first, local_provider):
    dois = []
    for action in ("reserve", "mint"):
        collection = services.collection_create(
            by=first.participant,
            datasets=[first.investigation.datasets.first()],
            title=f"{action}d",
            abstract="A",
        )
        if action == "reserve":
            services.collection_reserve(collection=collection, by=first.participant)
            services.collection_register_draft(collection_id=collection.pk, provider=local_provider)
        else:
            services.collection_mint(collection=collection, by=first.participant, confirmed=True)
            services.collection_publish(collection_id=collection.pk, provider=local_provider)
        dois.append(DataCollection.objects.get(pk=collection.pk).doi)
    return dois


def test_doi_list_shows_what_the_landing_pages_show(api, client, two_teams, local_provider) -> None:
    first, _ = two_teams
    reserved, minted = _reserved_and_minted(first, local_provider)
    session = services.session_doi_register(
        investigation_id=first.investigation.pk, provider=local_provider
    )
    withdrawn = services.session_doi_register(
        investigation_id=factories.InvestigationFactory().pk, provider=local_provider
    )
    withdrawn.investigation.proprietary = True
    withdrawn.investigation.save()

    for user, expected in (
        (None, {minted, session}),
        (first.outsider, {minted, session}),
        (first.principal_investigator, {minted, session}),
        (first.participant, {reserved, minted, session}),
        (first.staff, {reserved, minted, session}),
    ):
        api.force_authenticate(user)
        response = api.get(reverse("api-doi-list"))
        listed = {d["identifier"] for d in response.json()["results"]}
        assert listed == {d.identifier for d in expected}, user
        assert "private" in response["Cache-Control"]
        if user:
            client.force_login(user)
        else:
            client.logout()
        for doi in (reserved, minted, session, withdrawn):
            args = doi.identifier.split("/")
            api_status = api.get(reverse("api-doi-detail", args=args)).status_code
            page_status = client.get(doi.get_absolute_url()).status_code
            assert api_status == page_status == (200 if doi in expected else 404), (user, doi)


def test_doi_list_has_no_n_plus_one(api, two_teams, local_provider, django_assert_max_num_queries):
    first, _ = two_teams
    for _ in range(3):
        _reserved_and_minted(first, local_provider)
    api.force_authenticate(first.participant)

    with django_assert_max_num_queries(4):
        response = api.get(reverse("api-doi-list"))

    assert len(response.json()["results"]) == 6


def test_a_stale_patch_gets_409_and_changes_nothing(api, two_teams) -> None:
    first, _ = two_teams
    collection = services.collection_create(by=first.participant, title="First")
    url = reverse("api-doi-collection-detail", args=[collection.pk])
    api.force_authenticate(first.participant)
    version = api.get(url).json()["version"]

    assert api.patch(url, {"title": "Second", "version": version}, format="json").status_code == 200
    stale = api.patch(url, {"title": "Third", "version": version}, format="json")

    assert stale.status_code == 409
    assert "changed by" in stale.json()["detail"]
    assert DataCollection.objects.get(pk=collection.pk).title == "Second"
