"""ICAT+-compatible acquisition endpoints for beamline software (`/icatplus/...`).

Paths, parameters and payloads follow ICAT+'s OpenAPI (the `icat-plus-client` package is generated
from it), so beamline software written against ICAT+ works unchanged. The API key in the path is
the only credential: unknown keys get 401, revoked ones 403, and nothing is stored. Bad input gets
400 naming the field or the unknown proposal/beamline; a session or beamline outside the key's
(`catalogue.access.api_key_*`) is unknown to it, answered exactly as one that does not exist.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request

from catalogue import access
from catalogue.icat.mapping import facility_location
from catalogue.icatplus.serializers import DatasetQuery, InvestigationQuery, dataset_parameters
from catalogue.models import DatasetParameter, Instrument, Investigation
from catalogue.names import proposal_q
from portal.fields import LARGEST_ID
from portal.icatplus import validated

from .dates import OUT_OF_RANGE, in_range
from .icatplus_apikey import ApiError, IcatPlusApiKeyView
from .icatplus_serializers import BeamlineEventSerializer, BeamlineFileSerializer, facility_time
from .models import ApiKey, EventType
from .services import (
    attachment_event_create,
    decode_data_uri_typed,
    event_create,
    is_image,
)
from .text import sanitise


def _parse_datetime(value: str) -> datetime | None:
    try:
        return parse_datetime(value)
    except ValueError:  # well formed but impossible, like month 13
        return None


def resolve_target(
    *,
    key: ApiKey,
    instrument_name: str | None,
    investigation_name: str | None,
    investigation_id=None,
    when: datetime,
) -> tuple[Investigation | None, Instrument]:
    """The logbook an event goes to: the proposal's session running on the beamline at `when`
    (or the nearest); with no proposal, the beamline logbook whatever session runs — that is how
    pyicat-plus sends `beamline_only=True` messages, which the session's team must not read."""
    investigation = None
    if investigation_id not in (None, ""):
        try:
            investigation = (
                access.api_key_investigations(key)
                .select_related("instrument")
                .get(pk=int(investigation_id))
            )
        except (ValueError, TypeError, OverflowError, Investigation.DoesNotExist):
            raise ApiError(
                400, f"Unknown investigation id '{investigation_id}'", "investigationId"
            ) from None
    name = (instrument_name or "").split(",")[0].strip()
    if not name:
        name = (
            investigation.instrument.name
            if investigation
            else (key.instrument.name if key.instrument else "")
        )
    if not name:
        raise ApiError(400, "instrumentName is required", "instrumentName")
    instrument = access.api_key_instruments(key).filter(name__iexact=name).first()
    if instrument is None:
        raise ApiError(400, f"Unknown beamline '{name}'", "instrumentName")
    if investigation is not None:
        if investigation.instrument_id != instrument.pk:
            raise ApiError(
                400,
                f"Investigation {investigation.pk} is not on beamline {instrument.name}",
                "investigationId",
            )
        return investigation, instrument
    if not investigation_name:
        return None, instrument
    sessions = access.api_key_investigations(key).filter(
        proposal_q(investigation_name), instrument=instrument
    )
    if not sessions.exists():
        raise ApiError(
            400,
            f"Unknown proposal '{investigation_name}' on beamline {instrument.name}",
            "investigationName",
        )
    nearest = (
        sessions.filter(start_date__lte=when, end_date__gte=when).first()
        or sessions.filter(start_date__lte=when).order_by("-start_date").first()
    )
    return nearest or sessions.order_by("start_date").first(), instrument


def _dataset(data: dict, investigation: Investigation | None) -> dict:
    dataset_id = data.get("datasetId")
    if dataset_id is None:
        return {"datasetName": data["datasetName"]} if data.get("datasetName") else {}
    # Only a dataset of the session the key may write to (resolved through the policy) is named;
    # any other id gets the caller's name, as one that does not exist.
    name = (
        investigation.datasets.filter(pk=dataset_id).values_list("name", flat=True).first()
        if investigation is not None
        else None
    )
    return {"datasetId": dataset_id, "datasetName": name or data.get("datasetName") or None}


def to_icat(doc: dict) -> dict:
    """A stored document as ICAT+ returns it."""
    out = {
        # Mongo ids are ObjectIds, the ORM's are numbers: clients only need a string (`Event._id`).
        "_id": str(doc["_id"]),
        "type": doc.get("type"),
        "category": doc.get("category"),
        "title": doc.get("title") or "",
        "content": doc.get("content") or [],
        "tag": [{"name": t} for t in doc.get("tag") or []],
        "username": doc.get("username") or "",
        "creationDate": doc["creationDate"].isoformat() if doc.get("creationDate") else None,
        "investigationId": doc.get("investigationId"),
        "investigationName": doc.get("investigationName"),
        "instrumentName": doc.get("instrumentName"),
        "datasetId": doc.get("datasetId"),
        "datasetName": doc.get("datasetName"),
        "software": doc.get("software"),
        "machine": doc.get("machine"),
        "source": doc.get("source"),
        "filename": doc.get("filename"),
        "contentType": doc.get("contentType"),
        "fileSize": doc.get("fileSize"),
        "file": doc.get("file") or None,
    }
    if doc.get("previousVersionEvent"):
        out["previousVersionEvent"] = {"_id": str(doc["previousVersionEvent"])}
    return {k: v for k, v in out.items() if v is not None}


def split_content(content: list[dict]) -> tuple[str, str]:
    """ICAT+'s `content` ([{format, text}], checked) as the HTML (sanitised) and the plain text
    `event_create` stores; Markdown is kept as the plain text it is written in."""
    html = "".join(sanitise(c.get("text", "")) for c in content if c.get("format") == "html")
    text = "\n".join(c.get("text", "") for c in content if c.get("format", "plainText") != "html")
    return html, text


def _create_event(
    key: ApiKey, data: dict, *, instrument_name, investigation_name, investigation_id
) -> JsonResponse:
    kind = data["type"]
    when = data["creationDate"] or timezone.now()
    investigation, instrument = resolve_target(
        key=key,
        instrument_name=instrument_name or data["instrumentName"],
        investigation_name=investigation_name or data["investigationName"],
        investigation_id=investigation_id or data.get("investigationId"),
        when=when,
    )
    if kind == EventType.BROADCAST and not access.api_key_may_broadcast(key):
        raise ApiError(403, "Only a facility-wide key may broadcast")
    html, text = split_content(data.get("content") or [])
    extra = {
        "software": data["software"] or None,
        "machine": data["machine"] or None,
        "source": data["source"] or None,
        **_dataset(data, investigation),
    }
    with transaction.atomic():
        doc = event_create(
            investigation=None if kind == EventType.BROADCAST else investigation,
            instrument=None if kind == EventType.BROADCAST else instrument,
            type=kind,
            category=data["category"],
            by=data["username"] or "",
            title=data["title"] or "",
            html=html or None,
            text=text or None,
            tags=data["tag"],
            when=when,
            extra={k: v for k, v in extra.items() if v is not None},
        )
    return JsonResponse(to_icat(doc))


class Notification(IcatPlusApiKeyView):
    """POST dataacquisition/{apiKey}/notification
    (query: investigationName, instrumentName, investigationId; body: an ICAT+ Event)."""

    request_serializer_class = BeamlineEventSerializer

    def post(self, request: Request, api_key: str) -> JsonResponse:
        return _create_event(
            request.auth,
            validated(BeamlineEventSerializer, request.data).validated_data,
            instrument_name=request.GET.get("instrumentName"),
            investigation_name=request.GET.get("investigationName"),
            investigation_id=request.GET.get("investigationId"),
        )


class LogbookEvent(IcatPlusApiKeyView):
    """POST logbook/{apiKey}/investigation/name/{investigationName}/instrument/name/
    {instrumentName}/event"""

    request_serializer_class = BeamlineEventSerializer

    def post(
        self, request: Request, api_key: str, investigation_name: str, instrument_name: str
    ) -> JsonResponse:
        return _create_event(
            request.auth,
            validated(BeamlineEventSerializer, request.data).validated_data,
            instrument_name=instrument_name,
            investigation_name=investigation_name,
            investigation_id=None,
        )


def _post_file(
    key: ApiKey, data: dict, *, instrument_name: str | None, investigation_name: str | None
) -> JsonResponse:
    """An image or file posted as a data URI, stored as an attachment event."""
    content_type, content = decode_data_uri_typed(data["base64"])
    when = data["creationDate"] or timezone.now()
    investigation, instrument = resolve_target(
        key=key,
        instrument_name=instrument_name,
        investigation_name=investigation_name,
        investigation_id=None,
        when=when,
    )
    # Everything is checked before the file is written, so a refused post leaves no file behind.
    origin = {field: data[field] for field in ("software", "machine") if data[field]}
    filename = data["filename"] or ("image" if is_image(content_type) else "file")
    doc = attachment_event_create(
        data=content,
        content_type=content_type,
        filename=filename,
        investigation=investigation,
        instrument=instrument,
        by=(data["usernames"] or "").split(",")[0].strip(),
        tags=data["tag"],
        when=when,
        extra={**_dataset(data, investigation), **origin},
    )
    return JsonResponse(to_icat(doc))


class Base64File(IcatPlusApiKeyView):
    """POST dataacquisition/{apiKey}/base64: an image, PDF or text file as a data URI
    (query: investigationName, instrumentName)."""

    request_serializer_class = BeamlineFileSerializer

    def post(self, request: Request, api_key: str) -> JsonResponse:
        return _post_file(
            request.auth,
            validated(BeamlineFileSerializer, request.data).validated_data,
            instrument_name=request.GET.get("instrumentName"),
            investigation_name=request.GET.get("investigationName"),
        )


class LogbookBase64(IcatPlusApiKeyView):
    """POST logbook/{apiKey}/investigation/name/{investigationName}/instrument/name/
    {instrumentName}/event/createfrombase64: the legacy route of the same (spec beamlines)."""

    request_serializer_class = BeamlineFileSerializer

    def post(
        self, request: Request, api_key: str, investigation_name: str, instrument_name: str
    ) -> JsonResponse:
        return _post_file(
            request.auth,
            validated(BeamlineFileSerializer, request.data).validated_data,
            instrument_name=instrument_name,
            investigation_name=investigation_name,
        )


@extend_schema(exclude=True)  # the same operation: listed once, at the client's spelling
class LogbookBase64LegacySpelling(LogbookBase64):
    """POST logbook/.../event/createFrombase64, as older beamline software spells it."""


def _paging(request: HttpRequest) -> tuple[int, int]:
    values = {}
    for field, default, low, high in (("limit", 100, 1, 1000), ("skip", 0, 0, 10**9)):
        raw = request.GET.get(field) or str(default)
        try:
            values[field] = int(raw)
        except ValueError:
            values[field] = None
        if values[field] is None or not low <= values[field] <= high:
            raise ApiError(400, f"{field} must be an integer from {low} to {high}", field)
    return values["limit"], values["skip"]


def _iso(value) -> str | None:
    return value.isoformat() if value else None


# ICAT+'s `sortBy` fields (matched case-insensitively: clients send `startDate` or `STARTDATE`)
# and the columns they sort; `sortOrder` is 1 (ascending, the default) or -1 (descending).
# Ordered the same way as the catalogue group's session routes (same fields, one map each).
INVESTIGATION_SORTS = InvestigationQuery.sorts
DATASET_SORTS = DatasetQuery.sorts


def _ordering(request: HttpRequest, fields: dict[str, str], default: list[str]) -> list[str]:
    order = (request.GET.get("sortOrder") or "1").strip().lower()
    if order not in ("1", "-1", "asc", "desc"):
        raise ApiError(400, "sortOrder must be 1 or -1", "sortOrder")
    sort_by = (request.GET.get("sortBy") or "").strip()
    if not sort_by:
        return default
    column = {name.lower(): column for name, column in fields.items()}.get(sort_by.lower())
    if column is None:
        raise ApiError(400, f"sortBy must be one of {', '.join(fields)}", "sortBy")
    sign = "-" if order in ("-1", "desc") else ""
    return [sign + column, sign + "id"]


def _search(request: HttpRequest) -> str:
    text = (request.GET.get("search") or "").strip()
    if len(text) > 255:
        raise ApiError(400, "search must be at most 255 characters", "search")
    return text


def _instrument_names(key: ApiKey, raw: str) -> list[str]:
    """The beamlines named in `instrumentName` (comma-separated, any case, as BLISS sends
    `id23-1`), in the catalogue's spelling; one the key may not use is unknown to it."""
    names = [n.strip() for n in raw.split(",") if n.strip()]
    wanted = Q()
    for name in names:
        wanted |= Q(name__iexact=name)
    known = {
        name.upper(): name
        for name in access.api_key_instruments(key).filter(wanted).values_list("name", flat=True)
    }
    if unknown := [n for n in names if n.upper() not in known]:
        raise ApiError(400, f"Unknown beamline '{unknown[0]}'", "instrumentName")
    return [known[n.upper()] for n in names]


class Investigations(IcatPlusApiKeyView):
    """GET dataacquisition/{apiKey}/investigation: sessions of the key's beamlines; by default the
    ones running now (filters: instrumentName, investigationName, ids, time, startDate, endDate,
    search; sortBy, sortOrder, limit, skip). A proposal or a search finds past sessions too."""

    def get(self, request: Request, api_key: str) -> JsonResponse:
        key = request.auth
        params = request.GET
        search = _search(request)
        qs = (
            access.api_key_investigations(key)
            .select_related("instrument")
            .order_by(*_ordering(request, INVESTIGATION_SORTS, ["-start_date", "-id"]))
        )
        if params.get("instrumentName"):
            qs = qs.filter(instrument__name__in=_instrument_names(key, params["instrumentName"]))
        if params.get("investigationName"):
            qs = qs.filter(proposal_q(params["investigationName"]))
        if search:
            qs = qs.filter(
                proposal_q(search)
                | Q(name__icontains=search)
                | Q(title__icontains=search)
                | Q(summary__icontains=search)
                | Q(visit_id__icontains=search)
                | Q(doi__icontains=search)
                | Q(instrument__name__icontains=search)
            )
        if params.get("ids"):
            try:
                ids = [int(i) for i in params["ids"].split(",") if i.strip()]
            except ValueError:
                ids = None
            # Beyond 64 bits the database driver fails: no id is out there.
            if ids is None or not all(1 <= i <= LARGEST_ID for i in ids):
                raise ApiError(400, "ids must be comma-separated integers", "ids")
            qs = qs.filter(pk__in=ids)
        dated = False
        for field, lookup in (("startDate", "end_date__gte"), ("endDate", "start_date__lte")):
            if params.get(field):
                qs = qs.filter(**{lookup: _parse_date_param(params[field], field)})
                dated = True
        selected = dated or params.get("ids") or params.get("investigationName") or search
        if params.get("time") or not selected:
            moment = (
                _parse_date_param(params["time"], "time") if params.get("time") else timezone.now()
            )
            qs = qs.filter(start_date__lte=moment, end_date__gte=moment)
        limit, skip = _paging(request)
        out = [
            {
                "id": inv.pk,
                "name": inv.name,
                "title": inv.title,
                "visitId": inv.visit_id,
                "summary": inv.summary,
                "startDate": _iso(inv.start_date),
                "endDate": _iso(inv.end_date),
                "releaseDate": _iso(inv.release_date),
                "doi": inv.doi or None,
                "instrument": {"id": inv.instrument.pk, "name": inv.instrument.name},
            }
            for inv in qs[skip : skip + limit]
        ]
        return JsonResponse(
            [{k: v for k, v in o.items() if v is not None} for o in out], safe=False
        )


def _parse_date_param(value: str, field: str) -> datetime:
    parsed = _parse_datetime(value) or (
        _parse_datetime(value + "T00:00:00") if len(value) == 10 else None
    )
    if parsed is None:
        raise ApiError(400, f"{field} '{value}' is not a date", field)
    if not in_range(parsed):
        raise ApiError(400, f"{field}: {OUT_OF_RANGE}", field)
    return facility_time(parsed)


class Datasets(IcatPlusApiKeyView):
    """GET dataacquisition/{apiKey}/dataset?investigationId=: the datasets of one session
    (search over dataset and sample names; sortBy, sortOrder, limit, skip)."""

    def get(self, request: Request, api_key: str) -> JsonResponse:
        key = request.auth
        raw_id = request.GET.get("investigationId")
        if not raw_id:
            raise ApiError(400, "investigationId is required", "investigationId")
        try:
            investigation = (
                access.api_key_investigations(key).select_related("instrument").get(pk=int(raw_id))
            )
        except (ValueError, OverflowError, Investigation.DoesNotExist):
            raise ApiError(400, f"Unknown investigation id '{raw_id}'", "investigationId") from None
        limit, skip = _paging(request)
        search = _search(request)
        qs = (
            investigation.datasets.select_related("sample")
            .prefetch_related(
                Prefetch("parameters", queryset=DatasetParameter.objects.select_related("type"))
            )
            .order_by(*_ordering(request, DATASET_SORTS, ["start_date", "id"]))
        )
        if search:
            qs = qs.filter(Q(name__icontains=search) | Q(sample__name__icontains=search))
        light = {
            "id": investigation.pk,
            "name": investigation.name,
            "title": investigation.title,
            "visitId": investigation.visit_id,
            "startDate": _iso(investigation.start_date),
            "endDate": _iso(investigation.end_date),
        }
        out = [
            {
                "id": ds.pk,
                "name": ds.name,
                "investigation": light,
                "startDate": _iso(ds.start_date),
                "endDate": _iso(ds.end_date),
                "location": facility_location(ds.location),
                "type": ds.type,
                "sampleName": ds.sample.name if ds.sample else None,
                "sampleId": ds.sample_id,
                "instrumentName": investigation.instrument.name,
                "parameters": dataset_parameters(ds),
            }
            for ds in qs[skip : skip + limit]
        ]
        return JsonResponse(
            [{k: v for k, v in o.items() if v is not None} for o in out], safe=False
        )
