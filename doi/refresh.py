"""Something public about a DOI changed: send its record to DataCite again.

Callers (signals on the investigation and its team, linked publications) call `metadata_changed`
inside the transaction that made the change; the update is enqueued once it commits, and the
task sends nothing when the record built then equals the one last sent."""

from __future__ import annotations

from django.db import transaction

from .models import CollectionState, DataCollection, Doi, DoiKind, DoiState


def metadata_changed(
    *, investigation_id: int | None = None, collection_id: int | None = None
) -> None:
    """Call inside the transaction that made the change; the update is sent after commit. Only
    registered (findable) session DOIs and minted collections are updated: a pending session
    DOI is registered with the record of the moment, and a draft collection sends its metadata
    when it is reserved or minted."""
    from . import tasks

    if investigation_id is not None and (
        Doi.objects.filter(
            kind=DoiKind.SESSION, investigation_id=investigation_id, state=DoiState.FINDABLE
        ).exists()
    ):
        transaction.on_commit(lambda: tasks.update_session_doi.delay(investigation_id))
    if collection_id is not None:
        # The corrections path of minted collections: UPDATING, then the task sends it.
        if DataCollection.objects.filter(pk=collection_id, state=CollectionState.FINDABLE).update(
            state=CollectionState.UPDATING
        ):
            transaction.on_commit(lambda: tasks.update_collection.delay(collection_id))
