"""The data-collection state machine, idempotent retries and the rules around datasets.

Task steps run in-process here with the DataCite stand-in; test_tasks.py runs them in a worker."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from catalogue import access
from catalogue.models import Dataset
from doi import services
from doi.models import CollectionState, DataCollection, DoiState
from doi.providers import ProviderRejected, ProviderUnavailable
from tests import factories
from tests.doi.conftest import filled_collection


@pytest.fixture
def collection(two_teams) -> DataCollection:
    first, second = two_teams
    datasets = [first.investigation.datasets.first(), second.investigation.datasets.first()]
    return filled_collection(first.participant, datasets)


def test_team_members_of_both_investigations_are_prefilled_as_authors_pi_first(two_teams) -> None:
    first, second = two_teams
    collection = filled_collection(first.participant, Dataset.objects.all())

    authors = list(collection.authors.select_related("user"))
    users = [a.user for a in authors]
    assert users[0] == first.principal_investigator
    assert second.principal_investigator in users
    assert users.count(first.participant) == 1  # member of both teams, listed once
    assert [a.position for a in authors] == list(range(len(authors)))


def test_reserve_then_draft_registration_reaches_reserved_with_the_identifier_chosen_first(
    collection, datacite, datacite_provider
) -> None:
    services.collection_reserve(collection=collection, by=collection.created_by)
    collection.refresh_from_db()
    identifier = collection.doi.identifier
    assert collection.state == CollectionState.RESERVING
    assert datacite.requests == []  # nothing is sent on the request path

    services.collection_register_draft(collection_id=collection.pk, provider=datacite_provider)

    collection.refresh_from_db()
    assert collection.state == CollectionState.RESERVED
    assert collection.doi.state == DoiState.DRAFT and collection.doi.identifier == identifier
    assert identifier.startswith("10.5072/SLS-DC-")
    sent = datacite.calls("POST")[0]["body"]["data"]["attributes"]
    assert sent["doi"] == identifier and "event" not in sent
    assert sent["titles"] == [{"title": "Lysozyme at room temperature"}]
    assert sent["rightsList"][0]["rightsIdentifier"] == "cc-by-4.0"
    assert {"subject": "Beamline BM29"} in sent["subjects"]
    assert not Dataset.objects.filter(released_by_doi=True).exists()  # reserved: still embargoed


def test_retry_after_a_timeout_that_created_the_doi_does_not_create_a_second_one(
    collection, datacite, datacite_provider
) -> None:
    services.collection_reserve(collection=collection, by=collection.created_by)
    datacite.script = [None, "timeout-after"]  # lookup answers; the create is done, its answer lost

    with pytest.raises(ProviderUnavailable):
        services.collection_register_draft(collection_id=collection.pk, provider=datacite_provider)
    collection.refresh_from_db()
    assert collection.state == CollectionState.RESERVING  # still pending: the task will retry

    services.collection_register_draft(collection_id=collection.pk, provider=datacite_provider)

    collection.refresh_from_db()
    assert collection.state == CollectionState.RESERVED
    assert len(datacite.calls("POST")) == 1  # the retry looked the DOI up instead of creating it
    assert list(datacite.dois) == [collection.doi.identifier]


def test_mint_makes_the_doi_findable_and_the_datasets_public_at_once(
    collection, datacite, datacite_provider
) -> None:
    user = collection.created_by
    outsider = factories.UserFactory()
    dataset = collection.datasets.first()
    assert not access.can_view_dataset(outsider, dataset)

    services.collection_mint(collection=collection, by=user, confirmed=True)
    services.collection_publish(collection_id=collection.pk, provider=datacite_provider)

    collection.refresh_from_db()
    assert collection.state == CollectionState.FINDABLE
    assert collection.doi.state == DoiState.FINDABLE
    assert collection.doi.minted_by == user and collection.doi.minted_at is not None
    assert collection.mint_confirmed_by == user
    assert set(Dataset.objects.filter(released_by_doi=True)) == set(collection.datasets.all())
    dataset.refresh_from_db()
    assert access.can_view_dataset(outsider, dataset)
    put = datacite.calls("PUT")[0]["body"]["data"]["attributes"]
    assert put["event"] == "publish" and put["url"].endswith(f"/doi/{collection.doi.identifier}")


def test_a_reserved_doi_is_minted_later_under_the_same_identifier(
    collection, datacite, datacite_provider
) -> None:
    services.collection_reserve(collection=collection, by=collection.created_by)
    services.collection_register_draft(collection_id=collection.pk, provider=datacite_provider)
    reserved = DataCollection.objects.get(pk=collection.pk).doi.identifier

    services.collection_mint(collection=collection, by=collection.created_by, confirmed=True)
    services.collection_publish(collection_id=collection.pk, provider=datacite_provider)

    collection.refresh_from_db()
    assert collection.doi.identifier == reserved and collection.state == CollectionState.FINDABLE
    assert len(datacite.calls("POST")) == 1
    assert datacite.dois[reserved]["state"] == "findable"


def test_a_redelivered_task_does_nothing_once_the_state_has_moved_on(
    collection, datacite, datacite_provider
) -> None:
    services.collection_mint(collection=collection, by=collection.created_by, confirmed=True)
    services.collection_publish(collection_id=collection.pk, provider=datacite_provider)
    sent = len(datacite.requests)

    assert (
        services.collection_publish(collection_id=collection.pk, provider=datacite_provider) is None
    )
    assert (
        services.collection_register_draft(collection_id=collection.pk, provider=datacite_provider)
        is None
    )
    assert len(datacite.requests) == sent


def test_rejection_fails_the_collection_with_datacites_reason_and_releases_nothing(
    collection, datacite, datacite_provider
) -> None:
    services.collection_mint(collection=collection, by=collection.created_by, confirmed=True)
    datacite.script = [None, None, 422]  # lookup 404, create, then the publish is refused

    with pytest.raises(ProviderRejected) as info:
        services.collection_publish(collection_id=collection.pk, provider=datacite_provider)
    services.collection_fail(collection_id=collection.pk, reason=str(info.value))

    collection.refresh_from_db()
    assert collection.state == CollectionState.FAILED
    assert "DataCite refused the request (422)" in collection.failure
    assert not Dataset.objects.filter(released_by_doi=True).exists()
    # The user may try again after correcting: the same identifier is reused.
    services.collection_mint(collection=collection, by=collection.created_by, confirmed=True)
    services.collection_publish(collection_id=collection.pk, provider=datacite_provider)
    collection.refresh_from_db()
    assert collection.state == CollectionState.FINDABLE and len(datacite.dois) == 1


def test_missing_metadata_is_refused_field_by_field_before_anything_is_sent(two_teams) -> None:
    first, _ = two_teams
    collection = services.collection_create(by=first.participant)

    with pytest.raises(ValidationError) as info:
        services.collection_reserve(collection=collection, by=first.participant)

    assert set(info.value.message_dict) == {"title", "abstract", "authors", "datasets"}
    collection.refresh_from_db()
    assert collection.state == CollectionState.DRAFT and collection.doi is None


def test_minting_must_be_confirmed(collection) -> None:
    with pytest.raises(ValidationError) as info:
        services.collection_mint(collection=collection, by=collection.created_by, confirmed=False)
    assert "confirm" in info.value.message_dict
    collection.refresh_from_db()
    assert collection.state == CollectionState.DRAFT


def test_a_non_member_cannot_add_an_investigations_datasets(two_teams) -> None:
    first, second = two_teams
    only_first = first.principal_investigator  # not in the second team
    collection = services.collection_create(by=only_first)

    with pytest.raises(ValidationError, match="member"):
        services.collection_add_datasets(
            collection=collection, datasets=[second.investigation.datasets.first()], by=only_first
        )
    assert collection.datasets.count() == 0


def test_minting_rechecks_membership_of_every_involved_investigation(collection, two_teams) -> None:
    first, second = two_teams
    second.investigation.members.filter(user=first.participant).delete()

    with pytest.raises(ValidationError, match=f"not a member of {second.investigation.name}"):
        services.collection_mint(collection=collection, by=first.participant, confirmed=True)


def test_a_minted_dois_datasets_cannot_be_removed_but_its_metadata_can_be_corrected(
    collection, datacite, datacite_provider
) -> None:
    services.collection_mint(collection=collection, by=collection.created_by, confirmed=True)
    services.collection_publish(collection_id=collection.pk, provider=datacite_provider)
    collection.refresh_from_db()

    with pytest.raises(ValidationError, match="cannot be removed"):
        services.collection_remove_dataset(
            collection=collection, dataset=collection.datasets.first(), by=collection.created_by
        )

    collection.title = "Lysozyme at room temperature (corrected)"
    collection.save()
    services.collection_send_corrections(collection=collection, by=collection.created_by)
    services.collection_push_update(collection_id=collection.pk, provider=datacite_provider)

    collection.refresh_from_db()
    assert collection.state == CollectionState.FINDABLE and collection.datasets.count() == 2
    update = datacite.calls("PUT")[-1]["body"]["data"]["attributes"]
    assert update["titles"] == [{"title": "Lysozyme at room temperature (corrected)"}]
    assert "event" not in update
    assert datacite.dois[collection.doi.identifier]["state"] == "findable"


def test_a_refused_correction_leaves_the_doi_minted_with_the_reason(
    collection, datacite, datacite_provider
) -> None:
    services.collection_mint(collection=collection, by=collection.created_by, confirmed=True)
    services.collection_publish(collection_id=collection.pk, provider=datacite_provider)
    services.collection_send_corrections(collection=collection, by=collection.created_by)

    services.collection_fail(
        collection_id=collection.pk, reason="DataCite refused the request (422)"
    )

    collection.refresh_from_db()
    assert collection.state == CollectionState.FINDABLE and "422" in collection.failure


def test_a_concurrent_create_of_the_same_doi_is_taken_as_done(
    collection, datacite, datacite_provider
) -> None:
    """Two deliveries of one task both looked up (404); the second create is refused as taken."""
    services.collection_reserve(collection=collection, by=collection.created_by)
    identifier = DataCollection.objects.get(pk=collection.pk).doi.identifier
    datacite_provider.create_draft({"titles": [{"title": "x"}]}, suffix=identifier.split("/")[1])
    real_lookup = datacite_provider.lookup
    stale = [None]  # the first lookup ran before the other delivery's create

    def lookup(identifier: str):
        return stale.pop() if stale else real_lookup(identifier)

    datacite_provider.lookup = lookup

    services.collection_register_draft(collection_id=collection.pk, provider=datacite_provider)

    collection.refresh_from_db()
    assert collection.state == CollectionState.RESERVED and len(datacite.dois) == 1


def test_stalled_collections_are_found_for_resumption(collection) -> None:
    from datetime import timedelta

    services.collection_reserve(collection=collection, by=collection.created_by)

    assert services.stalled_collections(older_than=timedelta(minutes=30)) == []
    assert services.stalled_collections(older_than=timedelta(0)) == [
        (collection.pk, CollectionState.RESERVING)
    ]
