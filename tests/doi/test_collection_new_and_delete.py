"""A collection exists from its first save (the "new" page is an unsaved form), and its owner may
delete it while nobody can cite it: a draft at once, a reserved DOI after the provider's draft
is deleted (by a task); a minted one never."""

from __future__ import annotations

import pytest
from django.urls import reverse

from doi import services
from doi.models import CollectionState, DataCollection, Doi, LocalRegistration
from doi.providers import ProviderRejected
from tests import factories
from tests.doi.conftest import filled_collection

NEW = reverse("doi:collection-new")


def _new_form(**data) -> dict:
    return {
        "title": "",
        "abstract": "",
        "keywords": "",
        "licence": "CC-BY-4.0",
        "authors-TOTAL_FORMS": "1",
        "authors-INITIAL_FORMS": "0",
        "authors-MIN_NUM_FORMS": "0",
        "authors-MAX_NUM_FORMS": "1000",
    } | data


def test_the_new_page_stores_nothing_until_saved_with_the_ticked_datasets(
    client, two_teams
) -> None:
    first, _ = two_teams
    client.force_login(first.participant)
    dataset = first.investigation.datasets.first()

    page = client.get(NEW)
    assert page.status_code == 200 and b'id="picker"' in page.content
    assert not DataCollection.objects.exists()

    response = client.post(NEW, _new_form(title="Lysozyme", dataset=[str(dataset.pk)]))

    (collection,) = DataCollection.objects.all()
    assert response.status_code == 302 and response["Location"] == collection.get_absolute_url()
    assert collection.title == "Lysozyme" and collection.created_by == first.participant
    assert list(collection.datasets.all()) == [dataset]
    assert collection.authors.filter(user=first.principal_investigator).exists()


def test_an_empty_new_form_or_a_foreign_dataset_saves_nothing(client, two_teams) -> None:
    first, _ = two_teams
    client.force_login(first.participant)

    empty = client.post(NEW, _new_form())
    foreign = client.post(NEW, _new_form(title="X", dataset=[str(factories.DatasetFactory().pk)]))

    assert empty.status_code == 400
    assert "Give the collection a title or tick a dataset" in empty.content.decode()
    assert foreign.status_code == 404
    assert not DataCollection.objects.exists()


def test_a_draft_is_deleted_after_confirmation_and_leaves_my_dois(client, two_teams) -> None:
    first, _ = two_teams
    draft = services.collection_create(by=first.participant, title="Untitled attempt")
    client.force_login(first.participant)
    url = reverse("doi:collection-delete", args=[draft.pk])

    confirm = client.get(url).content.decode()
    assert "Delete “Untitled attempt”?" in confirm and "cannot be undone" in confirm

    response = client.post(url, follow=True)

    body = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("doi:mine")
    assert "Deleted “Untitled attempt”." in body
    assert "Untitled attempt</a>" not in body
    assert not DataCollection.objects.filter(pk=draft.pk).exists()


def test_a_reserved_doi_is_deleted_at_the_provider_then_here(
    client, two_teams, local_provider, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    first, second = two_teams
    collection = filled_collection(first.participant, [first.investigation.datasets.first()])
    services.collection_reserve(collection=collection, by=first.participant)
    services.collection_register_draft(collection_id=collection.pk, provider=local_provider)
    identifier = Doi.objects.get().identifier
    assert LocalRegistration.objects.filter(identifier=identifier, state="draft").exists()
    enqueued = []
    monkeypatch.setattr("doi.tasks.delete_collection.delay", enqueued.append)
    client.force_login(first.participant)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("doi:collection-delete", args=[collection.pk]), follow=True)

    assert "is being withdrawn from the registration agency" in response.content.decode()
    assert enqueued == [collection.pk]
    assert DataCollection.objects.get(pk=collection.pk).state == CollectionState.DELETING

    services.collection_delete_draft(collection_id=collection.pk, provider=local_provider)

    assert not DataCollection.objects.filter(pk=collection.pk).exists()
    assert not Doi.objects.filter(identifier=identifier).exists()
    assert not LocalRegistration.objects.filter(identifier=identifier).exists()
    assert first.investigation.datasets.first().pk  # the datasets stay


def test_a_minted_doi_cannot_be_deleted_and_says_why(client, two_teams, local_provider) -> None:
    first, _ = two_teams
    collection = filled_collection(first.participant, [first.investigation.datasets.first()])
    services.collection_mint(collection=collection, by=first.participant, confirmed=True)
    services.collection_publish(collection_id=collection.pk, provider=local_provider)
    client.force_login(first.participant)
    url = reverse("doi:collection-delete", args=[collection.pk])

    assert "A minted DOI is permanent" in client.get(url).content.decode()
    assert b"Delete draft" not in client.get(collection.get_absolute_url()).content
    response = client.post(url, follow=True)

    assert "A minted DOI is permanent" in response.content.decode()
    collection.refresh_from_db()
    assert collection.state == CollectionState.FINDABLE


@pytest.mark.parametrize("provider", ["datacite_provider", "local_provider"])
def test_providers_delete_a_draft_but_refuse_a_findable_doi(request, two_teams, provider) -> None:
    provider = request.getfixturevalue(provider)
    draft = provider.create_draft({"titles": [{"title": "t"}]}, suffix="DRAFT-1")
    findable = provider.create_draft({"titles": [{"title": "t"}]}, suffix="FINDABLE-1")
    provider.publish(findable.identifier, {}, url="https://example.org/")

    provider.delete_draft(draft.identifier)
    provider.delete_draft(draft.identifier)  # a retry finds it gone: no error

    assert provider.lookup(draft.identifier) is None
    with pytest.raises(ProviderRejected):
        provider.delete_draft(findable.identifier)
    assert provider.lookup(findable.identifier).state == "findable"


def test_a_refused_deletion_leaves_the_collection_reserved_with_the_reason(
    two_teams, local_provider
) -> None:
    first, _ = two_teams
    collection = filled_collection(first.participant, [first.investigation.datasets.first()])
    services.collection_reserve(collection=collection, by=first.participant)
    services.collection_register_draft(collection_id=collection.pk, provider=local_provider)
    services.collection_delete(collection=collection, by=first.participant)
    # Made findable behind our back (e.g. in DataCite Fabrica): it is permanent now.
    LocalRegistration.objects.update(state="findable")

    with pytest.raises(ProviderRejected) as refused:
        services.collection_delete_draft(collection_id=collection.pk, provider=local_provider)
    services.collection_fail(collection_id=collection.pk, reason=str(refused.value))

    collection.refresh_from_db()
    assert collection.state == CollectionState.RESERVED
    assert "not deleted" in collection.failure and "permanent" in collection.failure
