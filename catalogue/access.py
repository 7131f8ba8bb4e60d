"""The access policy: the only place that decides who may see or do what.

Released data (release date passed and not proprietary, or a dataset in a findable DOI) is public.
Everything else is visible only to the investigation's users (any role), the scientists of its
beamline, and staff. A hidden object does not exist for anyone else: views answer 404, never 403.

Every queryset that lists things to a user starts from a `visible_*` helper below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import BooleanField, Case, F, Func, OuterRef, Q, QuerySet, Subquery, When
from django.http import Http404

from .models import (
    AccessRequest,
    AccessRequestStatus,
    Datafile,
    Dataset,
    DatasetParameter,
    DatasetRestore,
    DownloadJob,
    Instrument,
    Investigation,
    InvestigationParameter,
    InvestigationUser,
    Role,
    Sample,
    SampleFile,
    SampleParameter,
    Technique,
    released_q,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from portal.models import User

    AnyUser = User | AnonymousUser


def _is_staff(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_staff)


def _team_q(user: AnyUser, prefix: str = "") -> Q:
    """Q for investigations (reached through `prefix`) where the user is in the team or is a
    scientist of the beamline. Subqueries rather than joins, so lists need no DISTINCT."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    member_of = InvestigationUser.objects.filter(user=user).values("investigation_id")
    scientist_of = Instrument.scientists.through.objects.filter(user=user).values("instrument_id")
    return Q(**{f"{prefix}id__in": member_of}) | Q(**{f"{prefix}instrument_id__in": scientist_of})


def visible_investigations(user: AnyUser) -> QuerySet[Investigation]:
    qs = Investigation.objects.all()
    if _is_staff(user):
        return qs
    return qs.filter(released_q() | _team_q(user))


def my_investigations(user: AnyUser, *, listed: bool = False) -> QuerySet[Investigation]:
    """ "My experiments": the user's team memberships and their beamlines' sessions.

    `listed`: for a page of the list itself, which then costs a query or two more to build but
    reads one page for a beamline scientist; without it, no query until used (a subquery of
    parcels, API lists)."""
    if not user.is_authenticated:
        return Investigation.objects.none()
    member_of = InvestigationUser.objects.filter(user=user).order_by()
    if not listed:
        scientist_of = Instrument.scientists.through.objects.filter(user=user)
        beamline = Investigation.objects.filter(
            instrument_id__in=scientist_of.values("instrument_id")
        ).order_by()
        return Investigation.objects.filter(
            _IdAnyOf(
                F("id"),
                Subquery(member_of.values("investigation_id").union(beamline.values("id"))),
            )
        )
    beamlines = beamline_ids(user)
    if not beamlines:
        # Led by membership: the user's few rows joined to sessions by primary key, where
        # `_team_q`'s OR of two subqueries walks every session by date and discards foreign ones.
        # `id = ANY(ARRAY(...))` rather than `IN`: an IN over a subquery is estimated at hundreds
        # of rows and planned as a scan of every session.
        return Investigation.objects.filter(
            _IdAnyOf(F("id"), Subquery(member_of.values("investigation_id")))
        )
    # A beamline scientist: the beamlines' sessions (thousands) plus the few sessions elsewhere.
    # Given as literal ids the planner sees how many rows each beamline holds, and reads one
    # page: a beamline's (instrument, start date) index backwards, or the start-date index
    # filtered by beamline for several busy ones. Every id in an ARRAY read them all and sorted.
    elsewhere = list(
        member_of.exclude(investigation__instrument_id__in=beamlines).values_list(
            "investigation_id", flat=True
        )
    )
    mine = Q(instrument_id__in=beamlines)
    return Investigation.objects.filter(mine | Q(id__in=elsewhere) if elsewhere else mine)


class _IdAnyOf(Func):
    """`id = ANY(ARRAY(subquery))`: the subquery runs once, the ids are probed by index."""

    arg_joiner = " = ANY(ARRAY"
    template = "%(expressions)s)"
    output_field = BooleanField()


def public_investigations() -> QuerySet[Investigation]:
    # The stored flag walks a partial index; the computed rule is kept as a filter so a flag
    # can only ever lag a release (until the beat task), never publish early.
    return Investigation.objects.filter(released_q(), is_public=True)


def visible_datasets(user: AnyUser) -> QuerySet[Dataset]:
    qs = Dataset.objects.all()
    if _is_staff(user):
        return qs
    return qs.filter(
        released_q(prefix="investigation__")
        | Q(released_by_doi=True)
        | _team_q(user, "investigation__")
    )


def visible_datafiles(user: AnyUser) -> QuerySet[Datafile]:
    qs = Datafile.objects.all()
    if _is_staff(user):
        return qs
    return qs.filter(
        released_q(prefix="dataset__investigation__")
        | Q(dataset__released_by_doi=True)
        | _team_q(user, "dataset__investigation__")
    )


def visible_datafiles_of(user: AnyUser, dataset: Dataset) -> QuerySet[Datafile]:
    """The files of one dataset: all of them to whoever may see the dataset, none otherwise.
    Deciding once per dataset keeps a file list deep in a 100,000-file dataset on its index,
    where the per-row conditions of `visible_datafiles` would join investigations."""
    if not can_view_dataset(user, dataset):
        return Datafile.objects.none()
    return Datafile.objects.filter(dataset=dataset)


def visible_samples(user: AnyUser) -> QuerySet[Sample]:
    qs = Sample.objects.all()
    if _is_staff(user):
        return qs
    return qs.filter(released_q(prefix="investigation__") | _team_q(user, "investigation__"))


def visible_sample_files(user: AnyUser) -> QuerySet[SampleFile]:
    """Files attached to samples: seen by whoever sees the sample."""
    qs = SampleFile.objects.all()
    if _is_staff(user):
        return qs
    return qs.filter(sample__in=visible_samples(user).values("pk"))


# Object checks -------------------------------------------------------------------------------


# Per-user memo of team and beamline lookups: one page asks the same question several times
# (the dataset page: its lookup, its file list, its breadcrumb). The memo lives on the user
# object, which is loaded afresh for each request, so it never outlives the request; a change
# to any team or beamline staff bumps `_generation` so a memo taken before it is dropped (a view
# or test that changes a membership and asks again sees the change).
_generation = 0


def forget_memberships(*args: object, **kwargs: object) -> None:
    """Signal receiver (catalogue/apps.py): drop every memo taken before a membership changed."""
    global _generation
    _generation += 1


def _memo(user: AnyUser) -> dict[tuple[str, int], object]:
    memo = getattr(user, "_access_memo", None)  # request.user is a lazy proxy: no __dict__
    if memo is None or memo[0] != _generation:
        memo = (_generation, {})
        user._access_memo = memo
    return memo[1]


def role_in(user: AnyUser, investigation: Investigation) -> str | None:
    """The user's role in the investigation's team, or None."""
    if not user.is_authenticated:
        return None
    memo, key = _memo(user), ("role", investigation.pk)
    if key not in memo:
        memo[key] = (
            InvestigationUser.objects.filter(investigation=investigation, user=user)
            .values_list("role", flat=True)
            .first()
        )
    return memo[key]  # type: ignore[return-value]


def beamline_ids(user: AnyUser) -> list[int]:
    """The beamlines (instrument ids) this user is a scientist of."""
    if not user.is_authenticated:
        return []
    memo, key = _memo(user), ("beamlines", 0)
    if key not in memo:
        memo[key] = list(
            Instrument.scientists.through.objects.filter(user=user)
            .order_by("instrument_id")
            .values_list("instrument_id", flat=True)
        )
    return memo[key]  # type: ignore[return-value]


def is_beamline_scientist(user: AnyUser, instrument: Instrument) -> bool:
    if not user.is_authenticated:
        return False
    memo, key = _memo(user), ("scientist", instrument.pk)
    if key not in memo:
        memo[key] = instrument.scientists.filter(pk=user.pk).exists()
    return memo[key]  # type: ignore[return-value]


def is_in_team(user: AnyUser, investigation: Investigation) -> bool:
    """Team in the wide sense: members (any role), the beamline's scientists, and staff."""
    return (
        _is_staff(user)
        or role_in(user, investigation) is not None
        or is_beamline_scientist(user, investigation.instrument)
    )


def can_view_investigation(user: AnyUser, investigation: Investigation) -> bool:
    return investigation.is_released or is_in_team(user, investigation)


def can_view_dataset(user: AnyUser, dataset: Dataset) -> bool:
    return dataset.released_by_doi or can_view_investigation(user, dataset.investigation)


def can_write_logbook(user: AnyUser, investigation: Investigation) -> bool:
    """Released logbooks are readable by anyone but writable only by the team and staff."""
    return is_in_team(user, investigation)


def can_manage_team(user: AnyUser, investigation: Investigation) -> bool:
    """Add or remove collaborators, answer access requests: the principal investigator, staff."""
    return _is_staff(user) or role_in(user, investigation) == Role.PRINCIPAL_INVESTIGATOR


def can_edit_metadata(user: AnyUser, investigation: Investigation) -> bool:
    """Change the values of sample and dataset parameters (ICAT+'s catalogue writes): whoever
    works on the experiment, as for its logbook: the team, the beamline's scientists, staff.
    Readers of a released experiment may not."""
    return is_in_team(user, investigation)


def can_change_release_date(user: AnyUser, investigation: Investigation) -> bool:
    """Move the end of an embargo: staff, as in the admin's "release now" (a team asks them;
    extensions go through the data-policy office, which works in the admin too)."""
    return _is_staff(user)


# Data policy (catalogue/policy.py) ---------------------------------------------------------------

DATA_POLICY_GROUP = "Data policy"


def is_data_policy(user: AnyUser) -> bool:
    """The data-policy office: its group (staff or not) and superusers. Plain staff are not in
    it: deciding embargoes is a role, not a privilege of every administrator."""
    return bool(
        user.is_authenticated and (user.is_superuser or DATA_POLICY_GROUP in _group_names(user))
    )


def can_release_now(user: AnyUser, investigation: Investigation) -> bool:
    """End the embargo today: the principal investigator of an embargoed, non-proprietary
    session."""
    return (
        not investigation.proprietary
        and not investigation.is_released
        and role_in(user, investigation) == Role.PRINCIPAL_INVESTIGATOR
    )


def can_request_extension(user: AnyUser, investigation: Investigation) -> bool:
    return can_release_now(user, investigation)


def can_set_proprietary(user: AnyUser, investigation: Investigation) -> bool:
    return is_data_policy(user)


def can_view_audit(user: AnyUser) -> bool:
    """The facility-wide audit trail: staff and the data-policy office."""
    return _is_staff(user) or is_data_policy(user)


def can_view_history(user: AnyUser, investigation: Investigation) -> bool:
    """An investigation's audit trail names people: its team, staff, the data-policy office."""
    return is_in_team(user, investigation) or is_data_policy(user)


def get_investigation_for_policy_or_404(user: AnyUser, pk: int | str) -> Investigation:
    """The data-policy office decides about sessions it is not in the team of (and need not be
    staff to): every session, for the office's own pages only; the policy as usual for others."""
    if not is_data_policy(user):
        return get_investigation_or_404(user, pk)
    try:
        return Investigation.objects.select_related("instrument").get(pk=pk)
    except (Investigation.DoesNotExist, ValueError):
        raise Http404("No such investigation") from None


def visible_access_events(user: AnyUser):
    from .models.policy import AccessEvent

    if can_view_audit(user):
        return AccessEvent.objects.all()
    return AccessEvent.objects.none()


def visible_extensions(user: AnyUser):
    from .models.policy import EmbargoExtension

    if is_data_policy(user):
        return EmbargoExtension.objects.all()
    return EmbargoExtension.objects.none()


def get_extension_or_404(user: AnyUser, pk: int | str):
    try:
        return (
            visible_extensions(user)
            .select_related("investigation__instrument", "requested_by")
            .get(pk=pk)
        )
    except (ObjectDoesNotExist, ValueError):
        raise Http404("No such request") from None


def can_manage_shipments(user: AnyUser, investigation: Investigation) -> bool:
    return is_in_team(user, investigation)


def can_mint_doi(user: AnyUser, investigation: Investigation) -> bool:
    """Put the investigation's datasets in a DOI: members of its team (any role) and staff."""
    return _is_staff(user) or role_in(user, investigation) is not None


def is_public_dataset(dataset: Dataset) -> bool:
    """Released data: its investigation's embargo is over, or a findable DOI published it."""
    return dataset.released_by_doi or dataset.investigation.is_released


def under_embargo(datasets: QuerySet[Dataset]) -> QuerySet[Dataset]:
    """The datasets that are not public (to be filtered from what the user may see)."""
    return datasets.exclude(released_q(prefix="investigation__")).exclude(released_by_doi=True)


def may_request_restore(user: AnyUser, dataset: Dataset) -> bool:
    """Ask for an archived dataset back from tape: whoever may download it, so the public too once
    it is released or in a minted DOI (a DOI landing page must not offer a dead link). Anonymous
    visitors are asked for an e-mail address, which they verify first (catalogue/restores.py)."""
    return is_public_dataset(dataset) or is_in_team(user, dataset.investigation)


def can_edit_samples(user: AnyUser, investigation: Investigation) -> bool:
    """Declare, change or remove the investigation's samples (ICAT+'s sample sheets): the team
    in the wide sense; readers of released data may not."""
    return is_in_team(user, investigation)


def visible_download_jobs(user: AnyUser) -> QuerySet[DownloadJob]:
    """A download job belongs to its owner alone (not even staff: it is a private shopping list)."""
    if not user.is_authenticated:
        return DownloadJob.objects.none()
    return DownloadJob.objects.filter(owner=user)


def can_view_beamline(user: AnyUser, instrument: Instrument) -> bool:
    """The beamline logbook and parcel lists: the beamline's scientists and staff."""
    return _is_staff(user) or is_beamline_scientist(user, instrument)


def can_view_usage(user: AnyUser) -> bool:
    """The usage figures (/stats/): staff only; for everyone else the page does not exist."""
    return _is_staff(user)


def require_usage_viewer(user: AnyUser) -> None:
    if not can_view_usage(user):
        raise Http404("No such page")


def usage_total_for(user: AnyUser, investigation: Investigation):
    """ "Downloaded N times by M people" on a released session's page: for its team, else None
    (one query; zeros before the first roll-up counts anything)."""
    from .models.usage import UsageTotal

    if not (investigation.is_released and is_in_team(user, investigation)):
        return None
    found = UsageTotal.objects.filter(investigation=investigation).first()
    return found or UsageTotal(investigation=investigation)


def beamlines() -> QuerySet[Instrument]:
    return Instrument.objects.all()


def beamline_named(name: str) -> Instrument | None:
    """Beamlines are public whatever their sessions; names are matched in any case (ID23-1 is
    typed id23-1 as often as not)."""
    return Instrument.objects.filter(name__iexact=name).first()


def get_beamline_or_404(name: str) -> Instrument:
    instrument = beamline_named(name)
    if instrument is None:
        raise Http404("No such beamline")
    return instrument


def beamline_sessions(user: AnyUser, instrument: Instrument) -> QuerySet[Investigation]:
    """The beamline's sessions the user may see: what its page lists and counts (a hidden
    session is not even a number in a figure)."""
    return visible_investigations(user).filter(instrument=instrument)


def is_safety_officer(user: AnyUser) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or "Safety" in _group_names(user)))


# Lookups that answer 404 to anyone who may not see the object ---------------------------------


def get_investigation_or_404(user: AnyUser, pk: int | str) -> Investigation:
    try:
        return visible_investigations(user).select_related("instrument").get(pk=pk)
    except (Investigation.DoesNotExist, ValueError):
        raise Http404("No such investigation") from None


def get_dataset_or_404(user: AnyUser, pk: int | str) -> Dataset:
    try:
        return (
            visible_datasets(user).select_related("investigation__instrument", "sample").get(pk=pk)
        )
    except (Dataset.DoesNotExist, ValueError):
        raise Http404("No such dataset") from None


def get_datafile_or_404(user: AnyUser, pk: int | str) -> Datafile:
    try:
        return (
            visible_datafiles(user).select_related("dataset__investigation__instrument").get(pk=pk)
        )
    except (Datafile.DoesNotExist, ValueError):
        raise Http404("No such file") from None


def get_sample_or_404(user: AnyUser, pk: int | str) -> Sample:
    try:
        return visible_samples(user).select_related("investigation__instrument").get(pk=pk)
    except (Sample.DoesNotExist, ValueError):
        raise Http404("No such sample") from None


def get_sample_parameter_or_404(user: AnyUser, pk: int | str) -> SampleParameter:
    """A parameter of a sample the user may see (with its type, sample and investigation)."""
    try:
        return (
            SampleParameter.objects.filter(sample__in=visible_samples(user))
            .select_related("type", "sample__investigation__instrument")
            .get(pk=pk)
        )
    except (SampleParameter.DoesNotExist, ValueError):
        raise Http404("No such parameter") from None


def get_dataset_parameter_or_404(user: AnyUser, pk: int | str) -> DatasetParameter:
    """A parameter of a dataset the user may see (with its type, dataset and investigation)."""
    try:
        return (
            DatasetParameter.objects.filter(dataset__in=visible_datasets(user))
            .select_related("type", "dataset__investigation__instrument", "dataset__sample")
            .get(pk=pk)
        )
    except (DatasetParameter.DoesNotExist, ValueError):
        raise Http404("No such parameter") from None


def get_download_job_or_404(user: AnyUser, pk: object) -> DownloadJob:
    try:
        return visible_download_jobs(user).get(pk=pk)
    except (DownloadJob.DoesNotExist, ValueError, ValidationError):
        raise Http404("No such download") from None


# Logbook events, attachments, tags and acquisition API keys ----------------------------------
# (the logbook app asks here; models of other apps are reached by name, never imported)
#
# An event is an ICAT+-shaped document (a dict): it belongs to an investigation's logbook
# (`investigationId`), else to a beamline's (`instrumentName`), else it is a facility-wide
# broadcast, which everyone may read.


def _logbook_model(name: str):
    from django.apps import apps

    return apps.get_model("logbook", name)


def can_broadcast(user: AnyUser) -> bool:
    """Write to every logbook at once (beam loss, shutdowns): staff."""
    return _is_staff(user)


def _event_logbook(event: dict) -> tuple[str, str] | None:
    """Which logbook an event belongs to, as a comparable key; None for an orphan."""
    if event.get("investigationId") not in (None, ""):
        return ("investigation", str(event["investigationId"]))
    if event.get("instrumentName"):
        return ("beamline", str(event["instrumentName"]))
    if event.get("type") == "broadcast":
        return ("broadcast", "")
    return None


def readable_events(user: AnyUser, events: list[dict]) -> list[dict]:
    """The events among `events` the user may read, in two queries whatever their number: the
    timeline's parent excerpts and anything else that shows events it did not select itself."""
    logbooks = [_event_logbook(e) for e in events]
    investigation_ids = {key for kind, key in filter(None, logbooks) if kind == "investigation"}
    beamlines = {key for kind, key in filter(None, logbooks) if kind == "beamline"}
    readable_investigations = set()
    if investigation_ids:
        pks = [int(i) for i in investigation_ids if i.isdigit()]
        readable_investigations = {
            str(pk)
            for pk in visible_investigations(user).filter(pk__in=pks).values_list("pk", flat=True)
        }
    readable_beamlines = set()
    if beamlines:
        instruments = Instrument.objects.filter(name__in=beamlines)
        if not _is_staff(user):
            instruments = (
                instruments.filter(scientists=user) if user.is_authenticated else instruments.none()
            )
        readable_beamlines = set(instruments.values_list("name", flat=True))
    allowed = {
        "investigation": readable_investigations,
        "beamline": readable_beamlines,
        "broadcast": {""},
    }
    return [
        event
        for event, logbook in zip(events, logbooks, strict=True)
        if logbook is not None and logbook[1] in allowed[logbook[0]]
    ]


def can_read_event(user: AnyUser, event: dict) -> bool:
    return bool(readable_events(user, [event]))


def can_reply_to_event(
    user: AnyUser,
    parent: dict,
    *,
    investigation: Investigation | None,
    instrument: Instrument | None,
) -> bool:
    """A reply is written in one logbook and may only point at an event the writer can read in
    that same logbook (or at a broadcast, which every logbook shows): the timeline prints the
    parent's text, so any other parent would copy one team's words into another's logbook."""
    if investigation is not None:
        here = {"investigationId": investigation.pk}
    elif instrument is not None:
        here = {"instrumentName": instrument.name}
    else:
        here = {"type": "broadcast"}
    return is_in_logbook_of(parent, here) and can_read_event(user, parent)


def is_in_logbook_of(parent: dict, event: dict) -> bool:
    """Whether `parent` may be quoted beside `event`: it is in the same logbook, or it is a
    broadcast (every logbook shows those)."""
    there = _event_logbook(parent)
    return there is not None and there in (_event_logbook(event), ("broadcast", ""))


def _scientist_of(user: AnyUser) -> QuerySet:
    return (
        Instrument.objects.filter(scientists=user)
        if user.is_authenticated
        else Instrument.objects.none()
    )


def logbook_beamlines(user: AnyUser) -> QuerySet[Instrument]:
    """Beamlines whose logbook the user may read (and write): their scientists, and staff."""
    return Instrument.objects.all() if _is_staff(user) else _scientist_of(user)


def visible_attachments(user: AnyUser) -> QuerySet:
    """Images of the logbooks the user may read. Only a broadcast's images are public; an
    image that belongs to no logbook is nobody's (404)."""
    attachments = _logbook_model("Attachment").objects.all()
    if _is_staff(user):
        return attachments
    return attachments.filter(
        Q(broadcast=True)
        | Q(investigation__in=visible_investigations(user))
        | Q(
            investigation__isnull=True,
            instrument_name__gt="",
            instrument_name__in=_scientist_of(user).values("name"),
        )
    )


def get_attachment_or_404(user: AnyUser, uuid: object):
    try:
        return visible_attachments(user).get(uuid=uuid)
    except (_logbook_model("Attachment").DoesNotExist, ValueError, ValidationError):
        raise Http404("No such file") from None


def visible_tags(user: AnyUser) -> QuerySet:
    """Tags of the investigations the user may see, and beamline tags for its scientists."""
    tags = _logbook_model("Tag").objects.all()
    if _is_staff(user):
        return tags
    return tags.filter(
        Q(investigation__in=visible_investigations(user))
        | Q(investigation__isnull=True, instrument__in=_scientist_of(user))
    )


# An acquisition API key (`logbook.ApiKey`) belongs to one beamline, or to the whole facility
# when it names none. A key sees nothing outside its beamlines: a session or beamline it may not
# use answers exactly as one that does not exist.


def api_key_instruments(key) -> QuerySet[Instrument]:
    """Beamlines the key may read and write."""
    if key.instrument_id is None:
        return Instrument.objects.all()
    return Instrument.objects.filter(pk=key.instrument_id)


def api_key_investigations(key) -> QuerySet[Investigation]:
    """Sessions the key may see and write to: those of its beamlines."""
    if key.instrument_id is None:
        return Investigation.objects.all()
    return Investigation.objects.filter(instrument_id=key.instrument_id)


def api_key_datasets(key) -> QuerySet[Dataset]:
    """Datasets the key may act on (report restores of, mint DOIs for): its sessions'."""
    if key.instrument_id is None:
        return Dataset.objects.all()
    return Dataset.objects.filter(investigation__instrument_id=key.instrument_id)


def api_key_may_broadcast(key) -> bool:
    """Only a facility-wide key speaks to every logbook."""
    return key.instrument_id is None


# Shipments: the team, staff, the safety team and stores --------------------------------------
# Safety ("Safety" group) and stores ("Stores" group) are not staff: they see every shipment and
# parcel, but of the experiment only what their work needs (proposal name, beamline, dates) —
# never its title, summary, datasets, files or logbook, which stay behind `visible_investigations`.
# Safety also sees the content (items, sample names, hazards); stores only the shipping data.


def _shipments_model(name: str):
    from django.apps import apps  # by name: catalogue never imports the shipments app

    return apps.get_model("shipments", name)


def _group_names(user: AnyUser) -> frozenset[str]:
    """The user's groups, read once per user object (that is, per request): a page asks the
    safety and stores checks many times."""
    if not user.is_authenticated:
        return frozenset()
    if not hasattr(user, "_access_group_names"):
        user._access_group_names = frozenset(user.groups.values_list("name", flat=True))
    return user._access_group_names


def is_stores(user: AnyUser) -> bool:
    """Stores ("Stores" group) and facility staff receive parcels, take them to beamlines and
    send them back."""
    return bool(user.is_authenticated and (user.is_staff or "Stores" in _group_names(user)))


def can_enter_safety_admin(user: AnyUser) -> bool:
    """The safety team's admin site (/safety/): the safety team and staff."""
    return bool(user.is_authenticated and user.is_active) and (
        _is_staff(user) or is_safety_officer(user)
    )


def can_view_shipments(user: AnyUser, investigation: Investigation) -> bool:
    return can_manage_shipments(user, investigation) or is_safety_officer(user) or is_stores(user)


def _sees_all_shipments(user: AnyUser) -> bool:
    return _is_staff(user) or is_safety_officer(user) or is_stores(user)


def shipment_investigations(user: AnyUser) -> QuerySet[Investigation]:
    """Investigations whose shipments the user sees: their team's; all for staff, safety, stores.
    Only to filter shipments by: what safety and stores see of each is decided by the pages."""
    if _sees_all_shipments(user):
        return Investigation.objects.all()
    return my_investigations(user)


def shipment_investigations_to_manage(user: AnyUser) -> QuerySet[Investigation]:
    """Where the user may create shipments (`can_manage_shipments`): their team's, all for staff.
    Anything else, hidden or not, is answered like an id that does not exist."""
    if _is_staff(user):
        return Investigation.objects.all()
    return my_investigations(user)


def visible_shipments(user: AnyUser) -> QuerySet:
    Shipment = _shipments_model("Shipment")
    if _sees_all_shipments(user):
        return Shipment.objects.all()
    return Shipment.objects.filter(investigation__in=my_investigations(user))


def visible_parcels(user: AnyUser) -> QuerySet:
    Parcel = _shipments_model("Parcel")
    if _sees_all_shipments(user):
        return Parcel.objects.all()
    return Parcel.objects.filter(shipment__investigation__in=my_investigations(user))


def can_view_parcel_contents(user: AnyUser, investigation: Investigation) -> bool:
    """Items, sample names and experiment plans: the team, staff and safety; not stores."""
    return can_manage_shipments(user, investigation) or is_safety_officer(user)


def visible_items(user: AnyUser) -> QuerySet:
    """What is in the parcels: for the team, staff and safety (stores see the parcel, not this)."""
    Item = _shipments_model("Item")
    if _is_staff(user) or is_safety_officer(user):
        return Item.objects.all()
    return Item.objects.filter(parcel__shipment__investigation__in=my_investigations(user))


def parcel_contents_investigations(user: AnyUser) -> QuerySet[Investigation]:
    """Investigations whose parcels' contents the user sees (`can_view_parcel_contents`), to
    decide for a whole list of parcels at once."""
    if _is_staff(user) or is_safety_officer(user):
        return Investigation.objects.all()
    return my_investigations(user)


def visible_addresses(user: AnyUser) -> QuerySet:
    """An address book belongs to its owner alone; a shipment shows the addresses it uses."""
    Address = _shipments_model("Address")
    if not user.is_authenticated:
        return Address.objects.none()
    return Address.objects.filter(owner=user)


def expected_parcel_instruments(user: AnyUser) -> QuerySet[Instrument]:
    """Beamlines whose expected parcels the user sees: all for stores and staff, else the
    beamlines the user is a scientist of (as `can_view_beamline`)."""
    if is_stores(user):
        return Instrument.objects.all()
    if not user.is_authenticated:
        return Instrument.objects.none()
    return Instrument.objects.filter(scientists=user)


# DOIs (the doi app asks here; nothing in catalogue imports doi) ------------------------------
# Collections and DOIs:


def mintable_datasets(user: AnyUser) -> QuerySet[Dataset]:
    """Datasets the user may put in a DOI data collection: those of investigations where
    `can_mint_doi` holds (team members of any role, and staff)."""
    if _is_staff(user):
        return Dataset.objects.all()
    if not user.is_authenticated:
        return Dataset.objects.none()
    member_of = InvestigationUser.objects.filter(user=user).values("investigation_id")
    return Dataset.objects.filter(investigation_id__in=member_of)


def can_edit_doi_collection(user: AnyUser, collection) -> bool:
    """A data collection is edited (and reserved, minted) by the member who made it, or staff."""
    return _is_staff(user) or (user.is_authenticated and collection.created_by_id == user.pk)


def visible_doi_collections(user: AnyUser) -> QuerySet:
    """Data collections as things being edited (editor, "My DOIs", collections API): their maker's
    and, for staff, all. Anyone else meets a collection only through its DOI's landing page."""
    collections = apps.get_model("doi", "DataCollection").objects.all()
    if _is_staff(user):
        return collections
    if not user.is_authenticated:
        return collections.none()
    return collections.filter(created_by=user)


def readable_doi_collections(user: AnyUser) -> QuerySet:
    """Data collections as things to read (ICAT+'s data collection lists): those the user edits
    (`visible_doi_collections`) and those whose DOI the user may read (`visible_dois`: findable
    ones for everyone). Their datasets are still listed through `visible_datasets`."""
    collections = apps.get_model("doi", "DataCollection").objects.all()
    if _is_staff(user):
        return collections
    return collections.filter(
        Q(pk__in=visible_doi_collections(user).values("pk"))
        | Q(doi__in=visible_dois(user).values("pk"))
    )


# A DOI's state and kind as the doi app stores them (strings: catalogue never imports doi).
_DOI_FINDABLE, _DOI_HIDDEN_STATES = "findable", ("pending", "withdrawn")


def visible_dois(user: AnyUser) -> QuerySet:
    """DOIs whose landing page, citations, DataCite record and API entry the user may read.

    Findable DOIs are public. A reserved (draft) data-collection DOI describes an unpublished
    manuscript's data: only the collection's maker and staff see it. A session DOI of a
    proprietary session is withdrawn: it exists for nobody, staff included, on these routes
    (whatever the withdrawal task has done yet); staff manage it in the admin."""
    Doi = apps.get_model("doi", "Doi")  # noqa: N806 - a model class
    not_proprietary = Investigation.objects.filter(proprietary=False).values("id")
    dois = Doi.objects.exclude(state__in=_DOI_HIDDEN_STATES).filter(
        Q(investigation__isnull=True) | Q(investigation_id__in=not_proprietary)
    )
    if _is_staff(user):
        return dois
    findable = Q(state=_DOI_FINDABLE)
    if not user.is_authenticated:
        return dois.filter(findable)
    return dois.filter(findable | Q(collection__created_by=user))


def can_view_doi(user: AnyUser, doi) -> bool:
    """The object form of `visible_dois` (they must agree: tests check both)."""
    if doi.state in _DOI_HIDDEN_STATES:
        return False
    if doi.investigation_id is not None and doi.investigation.proprietary:
        return False
    if doi.state == _DOI_FINDABLE or _is_staff(user):
        return True
    collection = getattr(doi, "collection", None)
    return collection is not None and can_edit_doi_collection(user, collection)


def harvestable_dois() -> QuerySet:
    """DOIs an OAI-PMH harvester (anyone) sees, annotated `withdrawn`: findable session and
    collection DOIs as records, and withdrawn session DOIs (or findable ones of sessions made
    proprietary since, before the withdrawal task has run) as deleted records, which name nothing
    but the DOI. Pending and reserved DOIs do not exist here. How much of a session a record
    shows is `can_view_investigation` for an anonymous user: all when released, else the
    minimal metadata of an embargo."""
    Doi = apps.get_model("doi", "Doi")  # noqa: N806 - a model class
    withdrawn = Q(state="withdrawn") | Q(investigation__proprietary=True)
    return Doi.objects.filter(state__in=(_DOI_FINDABLE, "withdrawn")).annotate(
        withdrawn=Case(When(withdrawn, then=True), default=False, output_field=BooleanField())
    )


def get_doi_or_404(user: AnyUser, identifier: str) -> object:
    """The DOI `prefix/suffix` (any case), with what its pages need, or 404 "No such DOI": the
    same answer for a hidden DOI and one that was never registered."""
    if "\x00" in identifier:  # PostgreSQL refuses NUL in text: such a DOI cannot exist
        raise Http404("No such DOI")
    doi = (
        visible_dois(user)
        .select_related("investigation__instrument", "collection__created_by")
        .filter(identifier__iexact=identifier)
        .first()
    )
    if doi is None:
        raise Http404("No such DOI")
    return doi


# Linked publications: a paper linked to a session is part of the session (an embargoed
# session's papers are its team's until release); one linked to a data collection is read where
# the collection's DOI is.


def can_link_publication(user: AnyUser, investigation: Investigation) -> bool:
    """Link a paper to a session: whoever works on the experiment (team, beamline scientists,
    staff), as for its logbook. Collections: `can_edit_doi_collection`."""
    return is_in_team(user, investigation)


def visible_publications(user: AnyUser) -> QuerySet:
    links = apps.get_model("doi", "LinkedPublication").objects.all()
    if _is_staff(user):
        return links
    return links.filter(
        Q(investigation_id__in=visible_investigations(user).values("pk"))
        | Q(collection_id__in=readable_doi_collections(user).values("pk"))
    )


def can_unlink_publication(user: AnyUser, link) -> bool:
    """Remove a wrong link: staff, and whoever added it."""
    return _is_staff(user) or (user.is_authenticated and link.added_by_id == user.pk)


def get_publication_or_404(user: AnyUser, pk: object):
    link = (
        visible_publications(user)
        .select_related("investigation", "collection__doi")
        .filter(pk=pk)
        .first()
    )
    if link is None:
        raise Http404("No such publication link")
    return link


# Team lists and access requests ---------------------------------------------------------------
# A team list is part of its investigation: whoever sees the investigation sees who is in it. An
# access request names a proposal as typed (it may name none): its requester reads it, and the
# principal investigators of a session with that proposal name answer it while it is pending.


def team_members(user: AnyUser, investigation: Investigation) -> QuerySet[InvestigationUser]:
    if not can_view_investigation(user, investigation):
        return InvestigationUser.objects.none()
    return InvestigationUser.objects.filter(investigation=investigation)


def get_membership_or_404(user: AnyUser, investigation: Investigation, pk: object):
    """A membership of this investigation's team; one of another team is answered as missing."""
    try:
        return team_members(user, investigation).select_related("user").get(pk=pk)
    except (InvestigationUser.DoesNotExist, ValueError):
        raise Http404("No such member") from None


def visible_access_requests(user: AnyUser) -> QuerySet[AccessRequest]:
    """The requests the user made ("My requests"). Those the user answers are per investigation,
    in `access_requests_to_answer`."""
    if not user.is_authenticated:
        return AccessRequest.objects.none()
    return AccessRequest.objects.filter(requester=user)


def access_requests_to_answer(
    user: AnyUser, investigation: Investigation
) -> QuerySet[AccessRequest]:
    """Pending requests for the investigation's proposal, to whoever manages its team."""
    if not can_manage_team(user, investigation):
        return AccessRequest.objects.none()
    return AccessRequest.objects.filter(
        proposal__iexact=investigation.name, status=AccessRequestStatus.PENDING
    )


def get_access_request_or_404(user: AnyUser, investigation: Investigation, pk: object):
    """A pending request this user answers for this investigation; any other request (decided,
    for another proposal, someone else's) is answered as missing."""
    try:
        return access_requests_to_answer(user, investigation).select_related("requester").get(pk=pk)
    except (AccessRequest.DoesNotExist, ValueError):
        raise Http404("No such access request") from None


# ICAT+ sessions: the roles `POST /icatplus/session` reports to the field's clients, which show
# or hide features by them. They say what the user is; what each route lets them do is decided
# by the helpers above, as for pages.


def is_administrator(user: AnyUser) -> bool:
    """ICAT+'s administrators see and manage everything: the portal's staff."""
    return _is_staff(user)


def is_instrument_scientist(user: AnyUser) -> bool:
    """Scientist of at least one beamline (then sees every experiment on it)."""
    return _scientist_of(user).exists()


def is_minter(user: AnyUser) -> bool:
    """ICAT+'s minters mint a DOI for any data: staff. Team members mint their own sessions'
    (`can_mint_doi`), which ICAT+ does not count as being a minter."""
    return _is_staff(user)


# The PaNOSC search API (catalogue/panosc/): public data only, whoever asks (the protocol has no
# sign-in), so every helper answers what an anonymous visitor sees. Embargoed sessions are not
# there at all, not even the minimal metadata their DOI shows.


def _anonymous() -> AnyUser:
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


def panosc_sessions() -> QuerySet[Investigation]:
    return public_investigations()


def panosc_collections() -> QuerySet:
    """Minted (findable) data collections."""
    return readable_doi_collections(_anonymous())


def panosc_datasets() -> QuerySet[Dataset]:
    return visible_datasets(_anonymous())


def panosc_datafiles() -> QuerySet[Datafile]:
    return visible_datafiles(_anonymous())


def panosc_samples() -> QuerySet[Sample]:
    return visible_samples(_anonymous())


def panosc_instruments() -> QuerySet[Instrument]:
    """Beamlines are public whatever their sessions."""
    return Instrument.objects.all()


def panosc_techniques() -> QuerySet:
    return Technique.objects.all()


def panosc_memberships() -> QuerySet[InvestigationUser]:
    """Teams of released sessions (a team list is public with its session)."""
    return InvestigationUser.objects.filter(investigation__in=public_investigations())


def panosc_people() -> QuerySet:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(pk__in=panosc_memberships().values("user_id"))


def panosc_authors() -> QuerySet:
    Author = apps.get_model("doi", "Author")  # noqa: N806 - a model class
    return Author.objects.filter(collection__in=panosc_collections())


def panosc_dataset_parameters() -> QuerySet[DatasetParameter]:
    return DatasetParameter.objects.filter(dataset__in=panosc_datasets())


def panosc_session_parameters() -> QuerySet[InvestigationParameter]:
    return InvestigationParameter.objects.filter(investigation__in=public_investigations())


# The dashboard (home/dashboard.py): each user's own work, as lists to read. Pages reached from
# it still ask the helpers above; these only say what belongs on the user's front page.


def member_investigations(user: AnyUser) -> QuerySet[Investigation]:
    """Sessions where the user is in the team by name (any role), not by beamline."""
    if not user.is_authenticated:
        return Investigation.objects.none()
    member_of = InvestigationUser.objects.filter(user=user).values("investigation_id")
    return Investigation.objects.filter(id__in=member_of)


def scientist_beamlines(user: AnyUser) -> QuerySet[Instrument]:
    """Beamlines the user is a scientist of (staff included only where they are one)."""
    return _scientist_of(user)


def pending_access_requests_to_answer(user: AnyUser) -> QuerySet[AccessRequest]:
    """Pending requests for every proposal the user answers (`can_manage_team`): the proposals
    where they are principal investigator; all for staff. Each request carries `investigation_id`,
    the latest such session of that proposal, whose team tab answers it."""
    if not user.is_authenticated:
        return AccessRequest.objects.none()
    managed = Investigation.objects.all()
    if not _is_staff(user):
        led = InvestigationUser.objects.filter(user=user, role=Role.PRINCIPAL_INVESTIGATOR)
        managed = managed.filter(id__in=led.values("investigation_id"))
    same_proposal = managed.filter(name__iexact=OuterRef("proposal")).order_by("-start_date", "-id")
    return (
        AccessRequest.objects.filter(status=AccessRequestStatus.PENDING)
        .annotate(investigation_id=Subquery(same_proposal.values("id")[:1]))
        .filter(investigation_id__isnull=False)
    )


def visible_restores(user: AnyUser) -> QuerySet[DatasetRestore]:
    """Restores from tape the user asked for."""
    if not user.is_authenticated:
        return DatasetRestore.objects.none()
    return DatasetRestore.objects.filter(requested_by=user)


def facility_groups(user: AnyUser) -> frozenset[str]:
    """The user's groups by name ("Safety", "Stores"...), read once per request."""
    return _group_names(user)


def signed_link_user(user_id: int | None):
    """The active account a signed link stands for (a JupyterHub fetching a notebook has no
    session cookie), or None: a deactivated account's links stop working with it."""
    from django.contrib.auth import get_user_model

    if user_id is None:
        return None
    return get_user_model().objects.filter(pk=user_id, is_active=True).first()
