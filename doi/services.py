"""DOI workflows: what views, the API, admin, commands and tasks all call.

Two halves. The request half (`collection_reserve`, `collection_mint`, ...) validates, writes the
DOI identifier (the idempotency key) and moves the collection to a pending state, then enqueues a
task on commit. The task half (`collection_register_draft`, `collection_publish`, ...) talks to the
provider without holding a lock and only acts when the collection is still in the state that asked
for it, so a task delivered twice does nothing the second time.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.urls import reverse
from django.utils import timezone

from catalogue import access
from catalogue.audit import audit_record
from catalogue.models import (
    AccessEventKind,
    Dataset,
    Investigation,
    InvestigationUser,
    Role,
    released_q,
)
from portal.models import User

from . import metadata as md
from .models import (
    EDITABLE_STATES,
    PENDING_STATES,
    Author,
    CollectionState,
    Contributor,
    DataCollection,
    Doi,
    DoiKind,
    DoiState,
)
from .providers import DoiProvider, ProviderRejected, RemoteDoi, get_provider


def _ensure_remote(provider: DoiProvider, doi: Doi, attributes: dict) -> tuple[RemoteDoi, bool]:
    """The provider's record of `doi`, created as a draft if missing: look up before create, so a
    retry after a lost answer (timeout) never makes a second DOI. Returns (record, created)."""
    remote = provider.lookup(doi.identifier)
    if remote is not None:
        return remote, False
    try:
        return provider.create_draft(attributes, suffix=doi.suffix), True
    except ProviderRejected:
        # A concurrent delivery of the same task may have created it since our lookup.
        remote = provider.lookup(doi.identifier)
        if remote is None:
            raise
        return remote, False


# Session DOIs -----------------------------------------------------------------------------------


def session_doi_register(
    *, investigation_id: int, provider: DoiProvider | None = None
) -> Doi | None:
    """Register (findable) the session DOI of one investigation; safe to call again. A proprietary
    session never gets one (None). A withdrawn DOI whose session is no longer proprietary gets
    its record and landing page back."""
    provider = provider or get_provider()
    investigation = Investigation.objects.select_related("instrument").get(pk=investigation_id)
    if investigation.proprietary:
        return None
    identifier = md.session_identifier(investigation)
    doi, _ = Doi.objects.get_or_create(
        investigation=investigation, defaults={"identifier": identifier, "kind": DoiKind.SESSION}
    )
    if doi.state != DoiState.FINDABLE:
        attributes = md.session_metadata(
            investigation,
            identifier=doi.identifier,
            url=doi.landing_url,
            registered=doi.registered_at,
        )
        errors = md.schema_errors(attributes)
        if errors:
            raise ProviderRejected("; ".join(errors))
        try:
            remote, _ = _ensure_remote(provider, doi, attributes)
            # A withdrawn DOI is findable at DataCite, but pointing at the tombstone.
            if remote.state != "findable" or doi.state == DoiState.WITHDRAWN:
                provider.publish(doi.identifier, attributes, url=doi.landing_url)
        except ProviderRejected as exc:
            Doi.objects.filter(pk=doi.pk).update(error=str(exc))
            raise
        now = timezone.now()
        doi.state, doi.metadata, doi.provider, doi.error = (
            DoiState.FINDABLE,
            attributes,
            provider.name,
            "",
        )
        doi.registered_at = doi.minted_at = doi.checked_at = now
        doi.withdrawn_at = None
        with transaction.atomic():
            doi.save()
            audit_record(
                kind=AccessEventKind.DOI_MINTED,
                actor=None,
                investigation=investigation,
                summary=f"Session DOI {doi.identifier} registered",
                details={"doi": doi.identifier},
            )
    # update(), not save(): the investigation's post_save would enqueue registration again.
    Investigation.objects.filter(pk=investigation.pk).exclude(doi=doi.identifier).update(
        doi=doi.identifier
    )
    return doi


def session_doi_update(*, investigation_id: int, provider: DoiProvider | None = None) -> Doi | None:
    """Send a findable session DOI's current record to the provider if it differs from the one
    last sent (release, title, summary, team, licence, linked papers); safe to call again: an
    unchanged record sends nothing. None when there is nothing to update."""
    doi = (
        Doi.objects.select_related("investigation__instrument")
        .filter(investigation_id=investigation_id, state=DoiState.FINDABLE)
        .first()
    )
    if doi is None or doi.investigation.proprietary:  # a proprietary one is withdrawn instead
        return None
    attributes = md.session_metadata(
        doi.investigation,
        identifier=doi.identifier,
        url=doi.landing_url,
        registered=doi.registered_at,
    )
    checked = timezone.now()
    if attributes == doi.metadata:
        Doi.objects.filter(pk=doi.pk).update(checked_at=checked)
        return None
    errors = md.schema_errors(attributes)
    if errors:
        raise ProviderRejected("; ".join(errors))
    provider = provider or get_provider()
    try:
        provider.update(doi.identifier, attributes)
    except ProviderRejected as exc:
        Doi.objects.filter(pk=doi.pk).update(error=str(exc))
        raise
    Doi.objects.filter(pk=doi.pk).update(
        metadata=attributes, provider=provider.name, error="", checked_at=checked
    )
    doi.metadata = attributes
    return doi


def session_dois_to_refresh():
    """Findable session DOIs whose record may have changed with no signal to say so: the release
    date has passed, DOI_LICENSE is another licence now, or the ICAT sync (bulk writes) changed
    the investigation or its team since the record was last checked."""
    licence = md.licence_rights(settings.DOI_LICENSE)["rightsIdentifier"]
    # Modification times are ICAT's, and reach us with the next sync: a change made up to two
    # sync intervals before the last check may have been missed by it.
    synced_since = F("checked_at") - timedelta(minutes=2 * settings.ICAT_SYNC_INTERVAL_MINUTES)
    stale = (
        Q(checked_at=None)
        | Q(investigation__mod_time__gt=synced_since)
        | Q(investigation__members__mod_time__gt=synced_since)
        | ~Q(metadata__rightsList__contains=[{"rightsIdentifier": licence}])
        | (
            released_q(prefix="investigation__")
            & ~Q(metadata__rightsList__contains=[{"rightsUri": md.OPEN_ACCESS}])
        )
    )
    return Doi.objects.filter(
        stale, kind=DoiKind.SESSION, state=DoiState.FINDABLE, investigation__proprietary=False
    ).distinct()


def investigations_without_session_doi():
    return (
        Investigation.objects.exclude(session_doi__state=DoiState.FINDABLE)
        .exclude(proprietary=True)
        .order_by("id")
    )


def session_dois_to_withdraw():
    """Session DOIs of sessions made proprietary since registration (e.g. by the data-policy
    office, or by an ICAT sync that no signal sees)."""
    return Doi.objects.filter(kind=DoiKind.SESSION, investigation__proprietary=True).exclude(
        state=DoiState.WITHDRAWN
    )


def tombstone_url() -> str:
    return settings.SITE_URL + reverse("doi:withdrawn")


def session_doi_withdraw(*, doi_id: int, provider: DoiProvider | None = None) -> Doi | None:
    """Withdraw the session DOI of a proprietary session; safe to call again.

    A registered DOI is never deleted (DataCite does not allow it, and citations must resolve):
    its DataCite record is replaced by one naming only the facility, pointing at a tombstone
    page that names nothing. The investigation forgets the identifier, so no page links to it."""
    doi = Doi.objects.select_related("investigation").get(pk=doi_id)
    if doi.state == DoiState.WITHDRAWN or not doi.investigation.proprietary:
        return None
    provider = provider or get_provider()
    attributes = md.withdrawn_metadata(identifier=doi.identifier, url=tombstone_url())
    try:
        if provider.lookup(doi.identifier) is not None:
            provider.update(doi.identifier, attributes)
    except ProviderRejected as exc:
        Doi.objects.filter(pk=doi.pk).update(error=str(exc))
        raise
    with transaction.atomic():
        doi.state, doi.metadata, doi.provider, doi.error = (
            DoiState.WITHDRAWN,
            attributes,
            provider.name,
            "",
        )
        doi.withdrawn_at = timezone.now()
        doi.save()
        audit_record(
            kind=AccessEventKind.DOI_WITHDRAWN,
            actor=None,
            investigation=doi.investigation,
            summary=f"Session DOI {doi.identifier} withdrawn (the session is proprietary)",
            details={"doi": doi.identifier},
        )
        # update(), not save(): no post_save signal for a change the task itself makes.
        Investigation.objects.filter(pk=doi.investigation_id, doi=doi.identifier).update(doi="")
    return doi


# Collections: editing -------------------------------------------------------------------------


ROLE_ORDER = Case(
    When(role=Role.PRINCIPAL_INVESTIGATOR, then=Value(0)),
    When(role=Role.PARTICIPANT, then=Value(1)),
    When(role=Role.COLLABORATOR, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


def _prefill_people(collection: DataCollection, investigation_ids: Iterable[int]) -> None:
    """Append the teams of newly involved investigations: principal investigators first, then
    participants and collaborators as authors; local contacts as contributors (DataCite
    `DataCollector`s, as in session DOIs: they collected the data, the team wrote it up).
    Someone already named, in either list, is not added again."""
    named = {
        *collection.authors.exclude(user=None).values_list("user_id", flat=True),
        *collection.contributors.exclude(user=None).values_list("user_id", flat=True),
    }
    positions = {Author: collection.authors.count(), Contributor: collection.contributors.count()}
    members = (
        InvestigationUser.objects.filter(investigation_id__in=investigation_ids)
        .select_related("user")
        .annotate(rank=ROLE_ORDER)
        .order_by("rank", "user__last_name", "id")
    )
    people = []
    for member in members:
        if member.user_id in named:
            continue
        named.add(member.user_id)
        model = Contributor if member.role == Role.LOCAL_CONTACT else Author
        given, family = md.split_name(member.user)
        people.append(
            model(
                collection=collection,
                position=positions[model],
                given_name=given,
                family_name=family,
                orcid=member.user.orcid,
                # Like a session DOI's DataCollector: a local contact works for the facility.
                affiliation=settings.DOI_PUBLISHER
                if model is Contributor
                else member.user.affiliation,
                user=member.user,
            )
        )
        positions[model] += 1
    for model in (Author, Contributor):
        model.objects.bulk_create(p for p in people if isinstance(p, model))


def _require_editable(collection: DataCollection) -> None:
    if collection.state not in EDITABLE_STATES:
        raise ValidationError(
            {
                "datasets": f"This collection is {collection.get_state_display().lower()}: "
                "its datasets cannot change."
            }
        )


@transaction.atomic
def collection_create(*, by: User, datasets: Iterable[Dataset] = (), **fields) -> DataCollection:
    collection = DataCollection.objects.create(created_by=by, **fields)
    collection_add_datasets(collection=collection, datasets=datasets, by=by)
    return collection


def current_draft(*, by: User) -> DataCollection | None:
    """The collection an "Add to DOI draft" button adds to: the user's latest editable one."""
    return (
        DataCollection.objects.filter(created_by=by, state__in=EDITABLE_STATES)
        .order_by("-updated_at", "-id")
        .first()
    )


@transaction.atomic
def collection_add_datasets(
    *, collection: DataCollection, datasets: Iterable[Dataset], by: User
) -> int:
    datasets = list(datasets)
    if not datasets:
        return 0
    _require_editable(collection)
    allowed = set(
        access.mintable_datasets(by)
        .filter(pk__in=[d.pk for d in datasets])
        .values_list("pk", flat=True)
    )
    if len(allowed) != len({d.pk for d in datasets}):
        raise ValidationError(
            {"datasets": "You may only add datasets of experiments you are a member of."}
        )
    involved = set(collection.datasets.values_list("investigation_id", flat=True))
    before = collection.datasets.count()
    collection.datasets.add(*datasets)
    _prefill_people(collection, {d.investigation_id for d in datasets} - involved)
    DataCollection.objects.filter(pk=collection.pk).update(updated_at=timezone.now())
    return collection.datasets.count() - before


@transaction.atomic
def collection_remove_dataset(*, collection: DataCollection, dataset: Dataset, by: User) -> None:
    if collection.is_minted:
        raise ValidationError({"datasets": "The datasets of a minted DOI cannot be removed."})
    _require_editable(collection)
    collection.datasets.remove(dataset)


class EditConflict(Exception):
    """Someone saved the collection's metadata since this edit's form or request was made."""

    def __init__(self, collection: DataCollection) -> None:
        self.collection = collection
        who = collection.updated_by.display_name if collection.updated_by else "someone"
        when = timezone.localtime(collection.updated_at).strftime("%Y-%m-%d %H:%M")
        super().__init__(
            f"This collection was changed by {who} at {when} since you started editing it. "
            "Reload to see their version; nothing was saved from this edit."
        )


def collection_claim_edit(
    *, collection: DataCollection, base_version: int | None, by: User
) -> None:
    """Take the next version for an edit that started from `base_version` (None: whatever is
    current), or raise EditConflict. One conditional UPDATE, so two edits from the same version
    can never both win, on any database. Call inside the transaction that saves the edit."""
    rows = DataCollection.objects.filter(pk=collection.pk)
    if base_version is not None:
        rows = rows.filter(version=base_version)
    if not rows.update(version=F("version") + 1, updated_by=by, updated_at=timezone.now()):
        raise EditConflict(
            DataCollection.objects.select_related("updated_by").get(pk=collection.pk)
        )
    collection.refresh_from_db(fields=["version", "updated_by", "updated_at"])


def collection_check(*, collection: DataCollection, by: User) -> None:
    """Refuse, field by field, what DataCite would refuse or what must hold before sending."""
    errors: dict[str, list[str]] = {}
    if not collection.title.strip():
        errors.setdefault("title", []).append("A title is required.")
    if not collection.abstract.strip():
        errors.setdefault("abstract", []).append("An abstract is required.")
    if not collection.authors.exists():
        errors.setdefault("authors", []).append("At least one author is required.")
    investigations = Investigation.objects.filter(datasets__doi_collections=collection).distinct()
    if not investigations:
        errors.setdefault("datasets", []).append("Add at least one dataset.")
    for investigation in investigations:
        if not access.can_mint_doi(by, investigation):
            errors.setdefault("datasets", []).append(
                f"You are not a member of {investigation.name}: only its team can publish its data."
            )
    if not errors:
        identifier = collection.doi.identifier if collection.doi else md.collection_identifier("X")
        problems = md.schema_errors(
            md.collection_metadata(collection, identifier=identifier, url="https://example.org/")
        )
        if problems:
            errors["__all__"] = [f"DataCite schema 4.5: {p}" for p in problems]
    if errors:
        raise ValidationError(errors)


def _ensure_identifier(collection: DataCollection) -> Doi:
    """Choose and store the DOI before any call: it is the key that makes retries idempotent."""
    if collection.doi is None:
        collection.doi = Doi.objects.create(
            identifier=md.collection_identifier(secrets.token_hex(4)), kind=DoiKind.COLLECTION
        )
    return collection.doi


def _enqueue(task_name: str, collection_id: int) -> None:
    from . import tasks

    task = getattr(tasks, task_name)
    transaction.on_commit(lambda: task.delay(collection_id))


def _lock(collection: DataCollection) -> DataCollection:
    return (
        DataCollection.objects.select_for_update(of=("self",))
        .select_related("doi")
        .get(pk=collection.pk)
    )


@transaction.atomic
def collection_reserve(*, collection: DataCollection, by: User) -> DataCollection:
    collection = _lock(collection)
    if collection.state not in {CollectionState.DRAFT, CollectionState.FAILED} or (
        collection.doi and collection.doi.state != DoiState.PENDING
    ):
        raise ValidationError(
            f"A {collection.get_state_display().lower()} collection cannot be reserved again."
        )
    collection_check(collection=collection, by=by)
    _ensure_identifier(collection)
    collection.state, collection.failure = CollectionState.RESERVING, ""
    collection.save()
    _enqueue("reserve_collection", collection.pk)
    return collection


@transaction.atomic
def collection_mint(*, collection: DataCollection, by: User, confirmed: bool) -> DataCollection:
    collection = _lock(collection)
    if collection.state not in EDITABLE_STATES:
        raise ValidationError(
            f"A {collection.get_state_display().lower()} collection cannot be minted."
        )
    if not confirmed:
        raise ValidationError({"confirm": "Confirm that minting makes these datasets public now."})
    collection_check(collection=collection, by=by)
    _ensure_identifier(collection)
    collection.state, collection.failure = CollectionState.MINTING, ""
    collection.mint_confirmed_by, collection.mint_confirmed_at = by, timezone.now()
    collection.save()
    _enqueue("mint_collection", collection.pk)
    return collection


@transaction.atomic
def collection_send_corrections(*, collection: DataCollection, by: User) -> DataCollection:
    """Re-send a minted DOI's descriptive metadata (its datasets stay as they are)."""
    collection = _lock(collection)
    if collection.state != CollectionState.FINDABLE:
        raise ValidationError("Only a minted DOI's metadata can be corrected.")
    collection_check(collection=collection, by=by)
    collection.state, collection.failure = CollectionState.UPDATING, ""
    collection.save()
    _enqueue("update_collection", collection.pk)
    return collection


def collection_delete(*, collection: DataCollection, by: User) -> DataCollection | None:
    """Delete a collection nobody can cite yet: a draft, or a reserved DOI never made findable.
    Without a DOI it is gone at once (None). With one, the provider's draft must go first: the
    collection waits in DELETING for the task (returned), so the identifier is never reused
    while DataCite still holds it."""
    with transaction.atomic():
        collection = _lock(collection)
        if collection.deletion_refused:
            raise ValidationError(collection.deletion_refused)
        if collection.doi is None:
            collection.delete()
            return None
        collection.state, collection.failure = CollectionState.DELETING, ""
        collection.save()
        _enqueue("delete_collection", collection.pk)
        return collection


# Collections: the task half -------------------------------------------------------------------


def _claim(collection_id: int, state: str) -> DataCollection | None:
    collection = DataCollection.objects.select_related("doi").get(pk=collection_id)
    return collection if collection.state == state else None


def _attributes(collection: DataCollection) -> dict:
    doi = collection.doi
    # A minted DOI keeps the day it was minted; anything else is published (if at all) today.
    published = timezone.localtime(doi.minted_at).date() if collection.is_minted else None
    return md.collection_metadata(
        collection, identifier=doi.identifier, url=doi.landing_url, published=published
    )


def _finish(collection_id: int, expected: str, apply) -> DataCollection | None:
    with transaction.atomic():
        collection = (
            DataCollection.objects.select_for_update(of=("self",))
            .select_related("doi")
            .get(pk=collection_id)
        )
        if collection.state != expected:
            return None
        apply(collection)
        collection.failure = ""
        collection.save()
        collection.doi.save()
        return collection


def collection_register_draft(
    *, collection_id: int, provider: DoiProvider | None = None
) -> DataCollection | None:
    """RESERVING -> RESERVED: a DataCite draft exists under the identifier chosen earlier."""
    provider = provider or get_provider()
    collection = _claim(collection_id, CollectionState.RESERVING)
    if collection is None:
        return None
    attributes, doi = _attributes(collection), collection.doi
    _, created = _ensure_remote(provider, doi, attributes)
    if not created:  # an earlier attempt created it: bring its metadata up to date
        provider.update(doi.identifier, attributes)

    def apply(c: DataCollection) -> None:
        c.state = CollectionState.RESERVED
        c.doi.state, c.doi.metadata, c.doi.provider = DoiState.DRAFT, attributes, provider.name
        c.doi.registered_at = timezone.now()

    return _finish(collection_id, CollectionState.RESERVING, apply)


def collection_publish(
    *, collection_id: int, provider: DoiProvider | None = None
) -> DataCollection | None:
    """MINTING -> FINDABLE, and the datasets become public at once."""
    provider = provider or get_provider()
    collection = _claim(collection_id, CollectionState.MINTING)
    if collection is None:
        return None
    doi = collection.doi
    attributes = _attributes(collection)
    remote, _ = _ensure_remote(provider, doi, attributes)
    if remote.state != "findable":
        provider.publish(doi.identifier, attributes, url=doi.landing_url)

    def apply(c: DataCollection) -> None:
        now = timezone.now()
        c.state = CollectionState.FINDABLE
        c.doi.state, c.doi.metadata, c.doi.provider = DoiState.FINDABLE, attributes, provider.name
        c.doi.registered_at = c.doi.registered_at or now
        c.doi.minted_at, c.doi.minted_by = now, c.mint_confirmed_by
        Dataset.objects.filter(doi_collections=c).update(released_by_doi=True)
        audit_record(
            kind=AccessEventKind.DOI_MINTED,
            actor=c.mint_confirmed_by,
            summary=f"Data collection DOI {c.doi.identifier} minted: its datasets are public",
            details={"doi": c.doi.identifier, "collection": c.pk},
        )

    return _finish(collection_id, CollectionState.MINTING, apply)


def collection_push_update(
    *, collection_id: int, provider: DoiProvider | None = None
) -> DataCollection | None:
    """UPDATING -> FINDABLE: corrected metadata re-sent; DataCite keeps the DOI findable."""
    provider = provider or get_provider()
    collection = _claim(collection_id, CollectionState.UPDATING)
    if collection is None:
        return None
    attributes = _attributes(collection)
    attributes["publicationYear"] = collection.doi.metadata.get(
        "publicationYear", attributes["publicationYear"]
    )
    provider.update(collection.doi.identifier, attributes)

    def apply(c: DataCollection) -> None:
        c.state = CollectionState.FINDABLE
        c.doi.metadata = attributes

    return _finish(collection_id, CollectionState.UPDATING, apply)


def collection_delete_draft(
    *, collection_id: int, provider: DoiProvider | None = None
) -> DataCollection | None:
    """DELETING -> gone: the provider's draft DOI deleted (if it has one), then the collection
    and its DOI row. A DOI the provider holds as registered or findable is never deleted: the
    step fails and the collection stays, with the provider's answer for its owner."""
    provider = provider or get_provider()
    collection = _claim(collection_id, CollectionState.DELETING)
    if collection is None:
        return None
    identifier = collection.doi.identifier
    remote = provider.lookup(identifier)
    if remote is not None and remote.state != "draft":
        raise ProviderRejected(
            f"{identifier} is {remote.state} at the registration agency: it is permanent and "
            "cannot be deleted."
        )
    if remote is not None:
        provider.delete_draft(identifier)
    with transaction.atomic():
        collection = (
            DataCollection.objects.select_for_update(of=("self",))
            .filter(pk=collection_id, state=CollectionState.DELETING)
            .first()
        )
        if collection is not None:
            doi = collection.doi
            collection.delete()
            doi.delete()
    return None


def stalled_collections(*, older_than: timedelta) -> list[tuple[int, str]]:
    """Pending collections whose task seems lost (e.g. a flushed broker): (id, state)."""
    return list(
        DataCollection.objects.filter(
            state__in=PENDING_STATES, updated_at__lt=timezone.now() - older_than
        ).values_list("id", "state")
    )


def collection_fail(*, collection_id: int, reason: str) -> None:
    """Stop a pending step with the reason shown to the user. A minted DOI stays minted."""
    with transaction.atomic():
        collection = DataCollection.objects.select_for_update().get(pk=collection_id)
        if collection.state == CollectionState.UPDATING:
            collection.state = CollectionState.FINDABLE
        elif collection.state == CollectionState.DELETING:
            reserved = collection.doi.state == DoiState.DRAFT
            collection.state = CollectionState.RESERVED if reserved else CollectionState.FAILED
            reason = f"The collection was not deleted. {reason}"
        elif collection.state in {CollectionState.RESERVING, CollectionState.MINTING}:
            collection.state = CollectionState.FAILED
        else:
            return
        collection.failure = reason
        collection.save()
