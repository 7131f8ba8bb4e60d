"""Thin Celery tasks around doi.services (routed to the `doi` queue by CELERY_TASK_ROUTES).

A timeout or 5xx is retried with exponential backoff; a 4xx stops at once and the reason is
stored on the collection for the user to read. The collection's state, not the task, decides what
is left to do, so a re-delivered task (late acknowledgement after a killed worker) is harmless.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings

from catalogue.models import Investigation

from . import services
from .models import CollectionState, DataCollection, Doi
from .providers import ProviderRejected, ProviderUnavailable

log = logging.getLogger(__name__)


def _backoff(retries: int) -> int:
    return min(settings.DOI_RETRY_BACKOFF * 2**retries, 600)


def _run_collection_step(task, step, collection_id: int) -> str | None:
    try:
        collection = step(collection_id=collection_id)
    except DataCollection.DoesNotExist:  # deleted (admin) since it was enqueued: nothing to do
        return None
    except ProviderRejected as exc:
        services.collection_fail(collection_id=collection_id, reason=str(exc))
        return "failed"
    except ProviderUnavailable as exc:
        if task.request.retries >= settings.DOI_MAX_RETRIES:
            services.collection_fail(
                collection_id=collection_id,
                reason=f"{exc} (gave up after {task.request.retries + 1} attempts; try later)",
            )
            return "failed"
        log.warning("DOI step for collection %s will be retried: %s", collection_id, exc)
        raise task.retry(
            exc=exc, countdown=_backoff(task.request.retries), max_retries=settings.DOI_MAX_RETRIES
        ) from exc
    return collection.state if collection else None


@shared_task(bind=True, soft_time_limit=120, time_limit=180)
def reserve_collection(self, collection_id: int) -> str | None:
    return _run_collection_step(self, services.collection_register_draft, collection_id)


@shared_task(bind=True, soft_time_limit=120, time_limit=180)
def mint_collection(self, collection_id: int) -> str | None:
    return _run_collection_step(self, services.collection_publish, collection_id)


@shared_task(bind=True, soft_time_limit=120, time_limit=180)
def update_collection(self, collection_id: int) -> str | None:
    return _run_collection_step(self, services.collection_push_update, collection_id)


@shared_task(bind=True, soft_time_limit=120, time_limit=180)
def delete_collection(self, collection_id: int) -> str | None:
    return _run_collection_step(self, services.collection_delete_draft, collection_id)


def _run_session_step(task, send, *, refused: str, gone: tuple = ()) -> str | None:
    """Send one session DOI change: the DOI's identifier, or None when there was nothing to send
    (the object was deleted since it was enqueued, or DataCite refused it: logged, not retried)."""
    try:
        doi = send()
    except gone:
        return None
    except ProviderRejected:
        log.exception(refused)
        return None
    except ProviderUnavailable as exc:
        raise task.retry(
            exc=exc, countdown=_backoff(task.request.retries), max_retries=settings.DOI_MAX_RETRIES
        ) from exc
    return doi.identifier if doi else None


@shared_task(bind=True, soft_time_limit=120, time_limit=180)
def register_session_doi(self, investigation_id: int) -> str | None:
    # None also for a proprietary session: it gets no DOI.
    return _run_session_step(
        self,
        lambda: services.session_doi_register(investigation_id=investigation_id),
        refused=f"DataCite refused the session DOI of investigation {investigation_id}",
        gone=(Investigation.DoesNotExist,),
    )


@shared_task(bind=True, soft_time_limit=120, time_limit=180)
def withdraw_session_doi(self, doi_id: int) -> str | None:
    return _run_session_step(
        self,
        lambda: services.session_doi_withdraw(doi_id=doi_id),
        refused=f"DataCite refused to withdraw session DOI {doi_id}",
        gone=(Doi.DoesNotExist,),
    )


@shared_task(bind=True, soft_time_limit=120, time_limit=180)
def update_session_doi(self, investigation_id: int) -> str | None:
    # None also when nothing changed, or the session has no findable DOI.
    return _run_session_step(
        self,
        lambda: services.session_doi_update(investigation_id=investigation_id),
        refused=f"DataCite refused the update of investigation {investigation_id}'s DOI",
    )


@shared_task(soft_time_limit=300, time_limit=360)
def update_stale_session_dois() -> int:
    """Enqueue an update of every session DOI whose record may have changed with no signal:
    released since it was sent (release dates pass by themselves), sent under another
    DOI_LICENSE, or changed by the ICAT sync since it was last checked."""
    ids = list(services.session_dois_to_refresh().values_list("investigation_id", flat=True))
    for investigation_id in ids:
        update_session_doi.delay(investigation_id)
    return len(ids)


@shared_task(soft_time_limit=3000, time_limit=3300)
def register_missing_session_dois() -> int:
    """Enqueue one registration per investigation that has no findable session DOI yet, and one
    withdrawal per session DOI whose session has become proprietary."""
    for doi_id in services.session_dois_to_withdraw().values_list("id", flat=True):
        withdraw_session_doi.delay(doi_id)
    if not settings.DOI_REGISTER_SESSIONS:
        return 0
    ids = list(services.investigations_without_session_doi().values_list("id", flat=True))
    for investigation_id in ids:
        register_session_doi.delay(investigation_id)
    return len(ids)


@shared_task(soft_time_limit=300, time_limit=360)
def resume_stalled_collections() -> int:
    """Enqueue again the step of collections pending for long: harmless if the first is still
    queued, because the step does nothing once the state has moved on."""
    stalled = services.stalled_collections(older_than=timedelta(seconds=settings.DOI_STALE_SECONDS))
    step = {
        CollectionState.RESERVING: reserve_collection,
        CollectionState.MINTING: mint_collection,
        CollectionState.UPDATING: update_collection,
        CollectionState.DELETING: delete_collection,
    }
    for collection_id, state in stalled:
        step[state].delay(collection_id)
    return len(stalled)
