"""ICAT+'s `logbook` routes that take a session (`/icatplus/logbook/{sessionId}/...`): the e-logbook
of ESRF's web client and scripts, on the portal's logbooks.

The caller is the session's user, with the rights the logbook pages give (`logbook.scopes`, from
`catalogue.access`): an investigation's logbook is read by whoever sees the investigation and
written by its team (scientists and staff included); a beamline's (`instrumentName`) by the
beamline's scientists and staff. A logbook or event the caller may not read is answered exactly
as one that does not exist (404); a reader who may not write gets 403. Edits keep the previous
version (`previousVersionEvent`) and refuse, with 409, one started from a replaced version;
removal is the pages' soft delete, undone by restore.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from catalogue import access
from catalogue.icat.mapping import relative_location
from portal.icatplus import IcatPlusView, validated

from . import icatplus_session_serializers as s
from .icatplus import split_content
from .models import EventType, Tag
from .scopes import Scope, beamline_scope, event_scope, investigation_scope
from .services import (
    TAG_PALETTE,
    EventInvalid,
    attachment_event_create,
    decode_data_uri_typed,
    event_create,
    event_update,
    is_image,
    stale_edit_message,
    tags_ensure,
)
from .store import EventQuery, StaleEdit, get_store, version_of
from .text import content_html

MAX_STATS_INVESTIGATIONS = 500


def _logbook(user, investigation_id, instrument_name, *, across: bool = False) -> Scope:
    """The logbook a request names; a beamline by its name in any case (BLISS sends `id23-1`)."""
    if investigation_id:
        return investigation_scope(user, investigation_id)
    if instrument_name:
        instrument = access.logbook_beamlines(user).filter(name__iexact=instrument_name).first()
        if instrument is None:
            raise Http404("No such beamline logbook")
        return beamline_scope(user, instrument.name, across=across)
    raise exceptions.ValidationError(
        {"investigationId": "give an investigationId or an instrumentName"}
    )


def _writer(scope: Scope) -> Scope:
    if not scope.can_write:
        raise exceptions.PermissionDenied("Only the team and staff write in this logbook.")
    return scope


def _invalid(error: EventInvalid) -> exceptions.ValidationError:
    return exceptions.ValidationError({error.field: error.message})


class FilteredEvents(IcatPlusView):
    """A route reading the events of one logbook through ICAT+'s filters."""

    removed = False

    def filtered(self, request: Request) -> tuple[s.EventFilterQuery, Scope, EventQuery]:
        query = validated(s.EventFilterQuery, request.query_params)
        scope = self.scope_of(request, query)
        return query, scope, query.event_query(scope.base_query(), removed=self.removed)

    def scope_of(self, request: Request, query: s.EventFilterQuery) -> Scope:
        data = query.validated_data
        return _logbook(
            request.user,
            data.get("investigationId"),
            data.get("instrumentName"),
            across=not data["filterInvestigation"],
        )

    def page(self, request: Request) -> tuple[Scope, list[dict]]:
        query, scope, events = self.filtered(request)
        data = query.validated_data
        docs = get_store().find_skip(events, skip=data["skip"], limit=data["limit"])
        return scope, docs


class EventList(FilteredEvents):
    """`GET` a logbook's events (filters, `sortOrder`, `limit`/`skip`; `format=pdf` as a PDF);
    `POST` an annotation (or, for staff, a broadcast); `PUT` an edit of one."""

    def get(self, request: Request, session_id: str) -> Response | HttpResponse:
        scope, docs = self.page(request)
        if request.query_params.get("format") == "pdf":
            response = HttpResponse(content_type="application/pdf")
            response["Content-Disposition"] = 'attachment; filename="logbook.pdf"'
            from .pdf import logbook_pdf  # WeasyPrint takes seconds to import: only when used

            logbook_pdf(user=request.user, scope=scope, docs=docs, out=response)
            return response
        return Response(s.EventSerializer(docs, many=True).data)

    def post(self, request: Request, session_id: str) -> Response:
        data = validated(s.EventWriteSerializer, request.data).validated_data
        broadcast = data["type"] == EventType.BROADCAST
        if broadcast and not access.can_broadcast(request.user):
            raise exceptions.PermissionDenied("Only staff broadcast.")
        named = validated(s.LogbookQuery, request.query_params).validated_data
        scope = None
        if not broadcast:
            scope = _writer(
                _logbook(
                    request.user,
                    named.get("investigationId") or data.get("investigationId"),
                    data.get("instrumentName"),
                )
            )
        html, text = split_content(data["content"])
        try:
            doc = event_create(
                investigation=scope.investigation if scope else None,
                instrument=scope.instrument if scope else None,
                type=data["type"],
                category=data["category"],
                by=request.user.username,
                title=data["title"],
                html=html or None,
                text=text or None,
                tags=[] if broadcast else data["tag"],
            )
        except EventInvalid as error:
            raise _invalid(error) from None
        return Response(s.EventSerializer(doc).data)

    def put(self, request: Request, session_id: str) -> Response:
        edit = validated(s.EventPutSerializer, request.data).validated_data["event"]
        doc, scope = _event(request, edit["_id"])
        _writer(scope)
        if doc.get("type") not in (EventType.ANNOTATION, EventType.BROADCAST):
            # What the beamline software recorded stays as recorded (as on the pages).
            raise exceptions.PermissionDenied("Only annotations and broadcasts can be edited.")
        html, text = split_content(edit["content"]) if "content" in edit else ("", "")
        if not html:  # ICAT+ sends the words as plainText and html alike; HTML is kept
            html = "".join(f"<p>{escape(line)}</p>" for line in text.splitlines() if line.strip())
        try:
            updated = event_update(
                event=doc,
                by=request.user.username,
                title=edit.get("title", doc.get("title") or ""),
                html=html if "content" in edit else content_html(doc),
                tags=edit["tag"] if "tag" in edit else (doc.get("tag") or []),
                investigation=scope.investigation,
                instrument=scope.instrument,
                # An event not yet edited comes without one: its version is the original.
                version=edit.get("previousVersionEvent", "original"),
            )
        except EventInvalid as error:
            raise _invalid(error) from None
        except StaleEdit as stale:
            return Response(
                {
                    "message": stale_edit_message(stale.current),
                    "previousVersionEvent": {"_id": version_of(stale.current)},
                },
                status=status.HTTP_409_CONFLICT,
            )
        return Response(s.EventSerializer(updated).data)


def _event(request: Request, event_id: str) -> tuple[dict, Scope]:
    """The event and its logbook; 404 for one the caller may not read, as for a missing one,
    and for one outside the logbook `?investigationId=` names."""
    doc = get_store().get(event_id)
    if doc is None:
        raise Http404("No such event")
    scope = event_scope(request.user, doc)
    named = validated(s.LogbookQuery, request.query_params).validated_data.get("investigationId")
    if named and doc.get("investigationId") != named:
        raise Http404("No such event")
    return doc, scope


class EventCount(FilteredEvents):
    """`GET /event/count`: how many events the filters select (a bare number)."""

    def get(self, request: Request, session_id: str) -> Response:
        _, _, events = self.filtered(request)
        return Response(get_store().count(events))


class EventDates(FilteredEvents):
    """`GET /event/dates`: the days (local, `YYYY-MM-DD`) with events, oldest first."""

    def get(self, request: Request, session_id: str) -> Response:
        _, _, events = self.filtered(request)
        days = sorted(get_store().day_counts(events))
        return Response([day.isoformat() for day in days])


class EventPage(FilteredEvents):
    """`GET /event/page?_id=`: the page (of `limit`) the event is on in the filtered timeline
    (of its own logbook if none is named); an event the timeline does not show is answered as a
    missing one."""

    def scope_of(self, request: Request, query: s.EventFilterQuery) -> Scope:
        data = query.validated_data
        if data.get("_id") and not (data.get("investigationId") or data.get("instrumentName")):
            # No logbook named: the event's own.
            doc = get_store().get(data["_id"])
            if doc is None:
                raise Http404("No such event")
            return event_scope(request.user, doc)
        return super().scope_of(request, query)

    def get(self, request: Request, session_id: str) -> Response:
        query, _, events = self.filtered(request)
        data = query.validated_data
        store = get_store()
        position = 0
        if data.get("_id"):
            doc = store.get(data["_id"])
            if doc is None or not _shows(events, doc):
                raise Http404("No such event")
            position = store.count(events, before=doc)
        meta = {"total": store.count(events), "limit": data["limit"], "position": position}
        return Response(s.PageMetaSerializer(meta).data)


def _shows(events: EventQuery, doc: dict) -> bool:
    """Whether the timeline holds the event: the one right after the events before it."""
    store = get_store()
    found = store.find_skip(events, skip=store.count(events, before=doc), limit=1)
    return bool(found) and found[0]["_id"] == doc["_id"]


class EventRemoval(FilteredEvents):
    """`PUT /event/remove` (and `/event/restore`): ICAT+ flags the events the filters select
    (a page of them, `limit`/`skip`) as removed, or back; the team and staff only."""

    def put(self, request: Request, session_id: str) -> Response:
        scope, docs = self.page(request)
        _writer(scope)
        store = get_store()
        with transaction.atomic():
            changed = [store.set_removed(doc["_id"], not self.removed) for doc in docs]
        return Response(s.EventSerializer(changed, many=True).data)


class EventRestore(EventRemoval):
    removed = True


class EventsTags(IcatPlusView):
    """`PATCH /events`: set the tags of events of one logbook (each edit kept in its history);
    one event the caller may not read there makes the whole request a 404 and changes nothing."""

    def patch(self, request: Request, session_id: str) -> Response:
        params = validated(s.LogbookQuery, request.query_params).validated_data
        scope = _writer(
            _logbook(request.user, params.get("investigationId"), params.get("instrumentName"))
        )
        data = validated(s.EventsTagPatchSerializer, request.data).validated_data
        store = get_store()
        found = store.get_many(data["eventIds"])
        docs = access.readable_events(request.user, list(found.values()))
        here = scope.base_query()
        if len(docs) != len(set(data["eventIds"])) or not all(_in_logbook(d, here) for d in docs):
            raise Http404("No such event")
        try:
            with transaction.atomic():
                names = tags_ensure(
                    names=[t["name"] for t in data["tags"]],
                    investigation=scope.investigation,
                    instrument=scope.instrument,
                )
                updated = [
                    store.update(d["_id"], {"tag": names}, by=request.user.username) for d in docs
                ]
        except EventInvalid as error:
            raise _invalid(error) from None
        return Response(s.EventSerializer(updated, many=True).data)


def _in_logbook(doc: dict, here: EventQuery) -> bool:
    if here.investigation_id is not None:
        return doc.get("investigationId") == here.investigation_id
    return doc.get("instrumentName") == here.instrument_name and (
        not here.beamline_only or doc.get("investigationId") is None
    )


class EventFromBase64(IcatPlusView):
    """`POST /event/createfrombase64`: an image (or PDF, text) posted as a data URI, stored as
    an attachment event in the logbook named, as the API-key route does."""

    def post(self, request: Request, session_id: str) -> Response:
        params = validated(s.LogbookQuery, request.query_params).validated_data
        scope = _writer(
            _logbook(request.user, params.get("investigationId"), params.get("instrumentName"))
        )
        data = validated(s.Base64Serializer, request.data).validated_data
        try:
            content_type, raw = decode_data_uri_typed(data["base64"])
            default = "image" if is_image(content_type) else "file"
            doc = attachment_event_create(
                data=raw,
                content_type=content_type,
                filename=data.get("filename") or default,
                investigation=scope.investigation,
                instrument=scope.instrument,
                by=request.user.username,
                tags=[],
                when=timezone.now(),
                extra={},
            )
        except EventInvalid as error:
            raise _invalid(error) from None
        return Response(s.EventSerializer(doc).data)


# Tags -----------------------------------------------------------------------------------------


def _tags_of(user, scope: Scope):
    """The tags a logbook offers: its own, and for an investigation its beamline's too where
    the policy shows them (to the beamline's scientists and staff)."""
    if scope.investigation is not None:
        mine = Q(investigation=scope.investigation) | Q(
            investigation=None, instrument=scope.instrument
        )
    else:
        mine = Q(investigation=None, instrument=scope.instrument)
    return access.visible_tags(user).filter(mine).select_related("instrument")


@extend_schema(exclude=True)  # the same operation: listed once, at the client's spelling
class EventFromBase64LegacySpelling(EventFromBase64):
    """`POST /event/createFrombase64`, as older software spells it."""


class TagList(IcatPlusView):
    """`GET` the tags of a logbook; `POST` a new one there (the team and staff); `PUT
    ?tagId=` a new colour for one (a tag is named on its events, so it keeps its name)."""

    def get(self, request: Request, session_id: str) -> Response:
        params = validated(s.LogbookQuery, request.query_params).validated_data
        scope = _logbook(request.user, params.get("investigationId"), params.get("instrumentName"))
        return Response(s.TagSerializer(_tags_of(request.user, scope), many=True).data)

    def post(self, request: Request, session_id: str) -> Response:
        params = validated(s.LogbookQuery, request.query_params).validated_data
        scope = _writer(
            _logbook(request.user, params.get("investigationId"), params.get("instrumentName"))
        )
        data = validated(s.TagWriteSerializer, request.data).validated_data
        owner = {**scope.tag_filter(), "instrument": scope.instrument}
        count = Tag.objects.filter(**scope.tag_filter()).count()
        tag = Tag(
            name=data["name"].strip(),
            colour=data.get("color") or TAG_PALETTE[count % len(TAG_PALETTE)],
            **owner,
        )
        try:
            with transaction.atomic():
                tag.save()
        except IntegrityError:
            raise exceptions.ValidationError(
                {"name": "this logbook has a tag of that name"}
            ) from None
        return Response(s.TagSerializer(tag).data)

    def put(self, request: Request, session_id: str) -> Response:
        params = validated(s.TagUpdateQuery, request.query_params).validated_data
        tag = access.visible_tags(request.user).select_related("instrument", "investigation")
        tag = tag.filter(pk=params["tagId"]).first()
        named = params.get("investigationId")
        if tag is None or (named and tag.investigation_id != named):
            raise Http404("No such tag")
        if tag.investigation is not None:
            _writer(investigation_scope(request.user, tag.investigation_id))
        data = validated(s.TagWriteSerializer, request.data).validated_data
        if data["name"].strip() != tag.name:
            raise exceptions.ValidationError(
                {"name": "a tag keeps its name (events name it): create a new tag instead"}
            )
        if data.get("color"):
            tag.colour = data["color"]
            tag.save(update_fields=["colour"])
        return Response(s.TagSerializer(tag).data)


# Statistics (ICAT+'s administrators' pages) ---------------------------------------------------


def _administrator(request: Request) -> None:
    if not access.is_administrator(request.user):
        raise exceptions.PermissionDenied("Logbook statistics are for administrators.")


def _period(request: Request) -> dict:
    return validated(s.StatsQuery, request.query_params).validated_data


def _dated(query: EventQuery, period: dict) -> EventQuery:
    return replace(query, date_from=period.get("startDate"), date_to=period.get("endDate"))


class StatsCount(IcatPlusView):
    """`GET /stats/count`: annotations and notifications written in the period, facility-wide."""

    def get(self, request: Request, session_id: str) -> Response:
        _administrator(request)
        period = _period(request)
        store = get_store()
        out = [
            {"_id": kind, "count": store.count(_dated(EventQuery(types=(kind,)), period))}
            for kind in (EventType.ANNOTATION, EventType.NOTIFICATION)
        ]
        return Response(out)


class StatsInvestigation(IcatPlusView):
    """`GET /stats/investigation`: the investigations of the period (the latest
    MAX_STATS_INVESTIGATIONS), each with its logbook's annotations and notifications."""

    def get(self, request: Request, session_id: str) -> Response:
        _administrator(request)
        period = _period(request)
        qs = access.visible_investigations(request.user).select_related("instrument")
        if period.get("startDate"):
            qs = qs.filter(end_date__gte=period["startDate"])
        if period.get("endDate"):
            qs = qs.filter(start_date__lte=period["endDate"])
        qs = qs.annotate(sample_count=Count("samples")).order_by("-start_date", "-id")
        qs = qs[:MAX_STATS_INVESTIGATIONS]
        investigations = list(qs)
        counts = get_store().type_counts([inv.pk for inv in investigations])
        serializer = s.InvestigationStatSerializer(
            investigations, many=True, context={"counts": counts}
        )
        return Response(serializer.data)


# Opening a file ---------------------------------------------------------------------------------


class DatafileOpen(IcatPlusView):
    """`GET /datafile/open?investigationId=&path=`: ICAT+ sends the browser to its HDF5 viewer;
    the portal sends it to the file's page in its own (the dataset page, file selected). A path
    outside the investigation, or in one the caller may not see, is a 404."""

    def get(self, request: Request, session_id: str) -> HttpResponseRedirect:
        data = validated(s.DatafileOpenQuery, request.query_params).validated_data
        investigation = access.get_investigation_or_404(request.user, data["investigationId"])
        # ICAT+'s clients send the facility's path; the mirror keeps it under DATA_ROOT.
        location = relative_location(data["path"].strip())
        datafile = (
            access.visible_datafiles(request.user)
            .filter(dataset__investigation=investigation, location=location)
            .first()
        )
        if datafile is None:
            raise Http404("No such file")
        query = {"h5": datafile.pk}
        if scan := data.get("scan"):
            # A BLISS scan number is the HDF5 group `/<number>.1`.
            query["path"] = f"/{scan}.1" if scan.isdigit() else f"/{scan.lstrip('/')}"
        url = reverse("catalogue:dataset-detail", args=[datafile.dataset_id])
        return HttpResponseRedirect(f"{url}?{urlencode(query)}#hdf5")
