"""The DOI tasks in a real Celery worker process (on Redis or the filesystem transport), with the
local provider or the DataCite stand-in (a local HTTP server, not DataCite)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db.models.signals import post_save
from factory.django import mute_signals

from catalogue.models import Dataset, Investigation
from doi import services
from doi.models import CollectionState, DataCollection
from tests import factories
from tests.doi.conftest import filled_collection
from tests.doi.datacite_standin import PASSWORD, REPOSITORY_ID, DataCiteStandIn
from tests.workers import CeleryWorker, purge_queues, wait_for


@pytest.fixture
def datacite_worker(
    transactional_db, datacite: DataCiteStandIn, tmp_path
) -> Iterator[CeleryWorker]:
    """A worker whose provider is the DataCite stand-in, retrying at once (no backoff)."""
    purge_queues()
    worker = CeleryWorker(
        tmp_path / "worker.log",
        extra_env={
            "DATACITE_API_URL": datacite.url,
            "DATACITE_REPOSITORY_ID": REPOSITORY_ID,
            "DATACITE_PASSWORD": PASSWORD,
            "DATACITE_TIMEOUT": "1",
            "DOI_RETRY_BACKOFF": "0",
            "DOI_MAX_RETRIES": "3",
        },
    ).start()
    yield worker
    worker.stop()


def _collection() -> DataCollection:
    # Without the session-DOI signal: only the collection's requests reach the provider.
    with mute_signals(post_save):
        first = factories.make_team()
        second = factories.make_team()
    factories.InvestigationUserFactory(investigation=second.investigation, user=first.participant)
    datasets = [factories.DatasetFactory(investigation=t.investigation) for t in (first, second)]
    return filled_collection(first.participant, datasets)


def _state_is(collection: DataCollection, state: str, worker: CeleryWorker):
    def check() -> bool:
        collection.refresh_from_db()
        return collection.state == state

    # Generous: the machine is shared, and a worker may take a while to start under load.
    try:
        wait_for(check, timeout=180, message=f"state {state}")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; it is {collection.state}; log:\n{worker.log()}") from None


def test_worker_reserves_then_mints_with_the_local_provider(celery_worker) -> None:
    collection = _collection()

    services.collection_reserve(collection=collection, by=collection.created_by)
    _state_is(collection, CollectionState.RESERVED, celery_worker)
    assert not Dataset.objects.filter(released_by_doi=True).exists()

    services.collection_mint(collection=collection, by=collection.created_by, confirmed=True)
    _state_is(collection, CollectionState.FINDABLE, celery_worker)
    assert Dataset.objects.filter(released_by_doi=True).count() == 2


def test_worker_registers_the_session_doi_of_a_new_investigation(celery_worker) -> None:
    investigation = factories.InvestigationFactory(name="HC-1234", visit_id="id1")

    wait_for(
        lambda: Investigation.objects.get(pk=investigation.pk).doi,
        timeout=90,
        message=f"the session DOI; worker log:\n{celery_worker.log()}",
    )
    assert Investigation.objects.get(pk=investigation.pk).doi == "10.5072/SLS-HC-1234-ID1"


def test_worker_retries_a_datacite_standin_500_and_then_mints_once(
    datacite, datacite_worker
) -> None:
    collection = _collection()
    datacite.script = [500, 503]  # DataCite is down for two requests

    services.collection_mint(collection=collection, by=collection.created_by, confirmed=True)

    _state_is(collection, CollectionState.FINDABLE, datacite_worker)
    assert len(datacite.calls("POST")) == 1
    assert datacite.dois[collection.doi.identifier]["state"] == "findable"


def test_worker_retries_after_a_datacite_standin_timeout_without_a_second_doi(
    datacite, datacite_worker
) -> None:
    collection = _collection()
    datacite.script = [None, "timeout-after"]  # the create succeeds, its answer never comes

    services.collection_reserve(collection=collection, by=collection.created_by)

    _state_is(collection, CollectionState.RESERVED, datacite_worker)
    assert len(datacite.calls("POST")) == 1 and len(datacite.dois) == 1


def test_worker_stops_at_a_datacite_standin_422_with_the_reason(datacite, datacite_worker) -> None:
    collection = _collection()
    datacite.script = [None, 422]

    services.collection_reserve(collection=collection, by=collection.created_by)

    _state_is(collection, CollectionState.FAILED, datacite_worker)
    assert "DataCite refused the request (422)" in collection.failure
    assert len(datacite.calls("POST")) == 1  # no retry of a refusal


def test_worker_gives_up_after_the_last_retry_with_a_message(datacite, datacite_worker) -> None:
    collection = _collection()
    datacite.script = [500] * 10

    services.collection_reserve(collection=collection, by=collection.created_by)

    _state_is(collection, CollectionState.FAILED, datacite_worker)
    assert "gave up after 4 attempts" in collection.failure
