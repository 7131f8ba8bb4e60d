"""ICAT+-compatible acquisition endpoints for beamline software (`/icatplus/...`).

Paths, parameters and payloads follow ICAT+'s OpenAPI (the `icat-plus-client` package is generated
from it), so beamline software written against ICAT+ works unchanged. The API key in the path is
the only credential: unknown keys get 401, revoked ones 403, and nothing is stored. Bad input gets
400 naming the field or the unknown proposal/beamline; a session or beamline outside the key's
(`catalogue.access.api_key_*`) is unknown to it, answered exactly as one that does not exist.
"""

from __future__ import annotations

import json
from datetime import datetime

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from catalogue import access
from catalogue.models import Instrument, Investigation
from portal.fields import LARGEST_ID
from portal.throttles import throttled

from .dates import OUT_OF_RANGE, in_range
from .models import ApiKey, Category, EventType, hash_key
from .services import EventInvalid, decode_data_uri, event_create, image_store
from .text import sanitise

MAX_BODY = 30 * 1024 * 1024


class ApiError(Exception):
    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.field = status, message, field

    def response(self) -> JsonResponse:
        body = {"message": self.message}
        if self.field:
            body["field"] = self.field
        return JsonResponse(body, status=self.status)


def _api(view):
    """CSRF-exempt (no cookies here), limited to the "apikey" rate per key (counted before the key
    is looked up, so guessing keys is limited too), and every ApiError/EventInvalid becomes its
    JSON answer."""
    view = throttled("apikey", ident=lambda request, api_key, **kwargs: api_key)(view)

    @csrf_exempt
    def wrapped(request: HttpRequest, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ApiError as error:
            return error.response()
        except EventInvalid as error:
            return ApiError(400, f"{error.field} {error.message}", error.field).response()

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def authenticate(raw: str) -> ApiKey:
    key = ApiKey.objects.select_related("instrument").filter(key_hash=hash_key(raw or "")).first()
    if key is None:
        raise ApiError(401, "Unknown API key")
    if not key.is_active:
        raise ApiError(403, "This API key has been revoked")
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key


def _json_body(request: HttpRequest) -> dict:
    if len(request.body) > MAX_BODY:
        raise ApiError(400, "The request body is too large", "body")
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "The body is not valid JSON", "body") from None
    if not isinstance(body, dict):
        raise ApiError(400, "The body must be a JSON object", "body")
    return body


def _parse_datetime(value: str) -> datetime | None:
    try:
        return parse_datetime(value)
    except ValueError:  # well formed but impossible, like month 13
        return None


def _parse_when(value) -> datetime:
    if value in (None, ""):
        return timezone.now()
    parsed = _parse_datetime(str(value)) if isinstance(value, str) else None
    if parsed is None:
        raise ApiError(400, f"creationDate '{value}' is not an ISO 8601 date-time", "creationDate")
    if not in_range(parsed):
        raise ApiError(400, f"creationDate: {OUT_OF_RANGE}", "creationDate")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


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
        instrument=instrument, name__iexact=investigation_name.strip()
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


def _tag_names(value, field: str = "tag") -> list[str]:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ApiError(400, "tag must be a list of {name}", field)
    names = []
    for item in value:
        name = item.get("name") if isinstance(item, dict) else item
        if not isinstance(name, str):
            raise ApiError(400, "tag must be a list of {name}", field)
        names.append(name)
    return names


def _optional_str(body: dict, field: str, limit: int = 255) -> str:
    value = body.get(field)
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or len(value) > limit:
        raise ApiError(400, f"{field} must be a string of at most {limit} characters", field)
    return value


def _dataset(body: dict, investigation: Investigation | None) -> dict:
    dataset_id = body.get("datasetId")
    if dataset_id in (None, ""):
        return (
            {"datasetName": _optional_str(body, "datasetName") or None}
            if body.get("datasetName")
            else {}
        )
    if (
        not isinstance(dataset_id, int)
        or isinstance(dataset_id, bool)
        or not 0 < dataset_id < 2**63
    ):
        raise ApiError(400, "datasetId must be an integer", "datasetId")
    # Only a dataset of the session the key may write to (resolved through the policy) is named;
    # any other id gets the caller's name, as one that does not exist.
    name = (
        investigation.datasets.filter(pk=dataset_id).values_list("name", flat=True).first()
        if investigation is not None
        else None
    )
    return {
        "datasetId": dataset_id,
        "datasetName": name or _optional_str(body, "datasetName") or None,
    }


def to_icat(doc: dict) -> dict:
    """A stored document as ICAT+ returns it."""
    out = {
        "_id": doc["_id"],
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
        out["previousVersionEvent"] = {"_id": doc["previousVersionEvent"]}
    return {k: v for k, v in out.items() if v is not None}


def _create_event(
    key: ApiKey, body: dict, *, instrument_name, investigation_name, investigation_id
) -> JsonResponse:
    kind = body.get("type")
    if kind not in (EventType.NOTIFICATION, EventType.ANNOTATION, EventType.BROADCAST):
        raise ApiError(400, "type must be notification, annotation or broadcast", "type")
    category = str(body.get("category") or "").lower()
    if category not in Category.values:
        raise ApiError(400, f"Unknown category '{body.get('category')}'", "category")
    content = body.get("content") or []
    if not isinstance(content, list) or not all(
        isinstance(c, dict) and isinstance(c.get("text", ""), str) for c in content
    ):
        raise ApiError(400, "content must be a list of {format, text}", "content")
    for item in content:
        if item.get("format", "plainText") not in ("plainText", "html", "markdown"):
            raise ApiError(400, f"Unknown content format '{item.get('format')}'", "content")
    when = _parse_when(body.get("creationDate"))
    investigation, instrument = resolve_target(
        key=key,
        instrument_name=instrument_name or _optional_str(body, "instrumentName"),
        investigation_name=investigation_name or _optional_str(body, "investigationName"),
        investigation_id=investigation_id or body.get("investigationId"),
        when=when,
    )
    if kind == EventType.BROADCAST and not access.api_key_may_broadcast(key):
        raise ApiError(403, "Only a facility-wide key may broadcast")
    html = "".join(sanitise(c.get("text", "")) for c in content if c.get("format") == "html")
    text = "\n".join(c.get("text", "") for c in content if c.get("format", "plainText") != "html")
    extra = {
        "software": _optional_str(body, "software") or None,
        "machine": _optional_str(body, "machine") or None,
        "source": _optional_str(body, "source") or None,
        **_dataset(body, investigation),
    }
    with transaction.atomic():
        doc = event_create(
            investigation=None if kind == EventType.BROADCAST else investigation,
            instrument=None if kind == EventType.BROADCAST else instrument,
            type=kind,
            category=category,
            by=_optional_str(body, "username", 150),
            title=_optional_str(body, "title", 500),
            html=html or None,
            text=text or None,
            tags=_tag_names(body.get("tag")),
            when=when,
            extra={k: v for k, v in extra.items() if v is not None},
        )
    return JsonResponse(to_icat(doc))


@_api
@require_POST
def notification(request: HttpRequest, api_key: str) -> JsonResponse:
    """POST dataacquisition/{apiKey}/notification
    (query: investigationName, instrumentName, investigationId; body: an ICAT+ Event)."""
    key = authenticate(api_key)
    return _create_event(
        key,
        _json_body(request),
        instrument_name=request.GET.get("instrumentName"),
        investigation_name=request.GET.get("investigationName"),
        investigation_id=request.GET.get("investigationId"),
    )


@_api
@require_POST
def logbook_event(
    request: HttpRequest, api_key: str, investigation_name: str, instrument_name: str
) -> JsonResponse:
    """POST logbook/{apiKey}/investigation/name/{investigationName}/instrument/name/
    {instrumentName}/event"""
    key = authenticate(api_key)
    return _create_event(
        key,
        _json_body(request),
        instrument_name=instrument_name,
        investigation_name=investigation_name,
        investigation_id=None,
    )


@_api
@require_POST
def base64_image(request: HttpRequest, api_key: str) -> JsonResponse:
    """POST dataacquisition/{apiKey}/base64: an image as a data URI, stored as an attachment
    event."""
    key = authenticate(api_key)
    body = _json_body(request)
    if not isinstance(body.get("base64"), str) or not body["base64"]:
        raise ApiError(400, "base64 is required (a data:image/...;base64, URI)", "base64")
    data = decode_data_uri(body["base64"])
    investigation, instrument = resolve_target(
        key=key,
        instrument_name=request.GET.get("instrumentName"),
        investigation_name=request.GET.get("investigationName"),
        investigation_id=None,
        when=timezone.now(),
    )
    username = (_optional_str(body, "usernames") or "").split(",")[0].strip()
    # Everything is checked before the image is written, so a refused post leaves no file behind.
    dataset = _dataset(body, investigation)
    tags = _tag_names(body.get("tag"))
    origin = {field: body[field] for field in ("software", "machine") if _optional_str(body, field)}
    with transaction.atomic():
        attachment = image_store(
            data=data,
            filename="image",
            investigation=investigation,
            instrument_name=instrument.name,
            by=username,
            field="base64",
        )
        extra = {
            "filename": attachment.filename,
            "contentType": attachment.content_type,
            "fileSize": attachment.size,
            "file": [str(attachment.uuid)],
            **dataset,
            **origin,
        }
        doc = event_create(
            investigation=investigation,
            instrument=instrument,
            type=EventType.ATTACHMENT,
            category=Category.FILE,
            by=username,
            html=f'<p><img src="{attachment.get_absolute_url()}" alt="{attachment.filename}"></p>',
            tags=tags,
            extra=extra,
        )
    return JsonResponse(to_icat(doc))


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


@_api
@require_GET
def investigations(request: HttpRequest, api_key: str) -> JsonResponse:
    """GET dataacquisition/{apiKey}/investigation: sessions of the key's beamlines; by default the
    ones running now (filters: instrumentName, investigationName, ids, time, startDate, endDate)."""
    key = authenticate(api_key)
    qs = (
        access.api_key_investigations(key)
        .select_related("instrument")
        .order_by("-start_date", "-id")
    )
    params = request.GET
    if params.get("instrumentName"):
        names = [n.strip() for n in params["instrumentName"].split(",") if n.strip()]
        known = set(
            access.api_key_instruments(key).filter(name__in=names).values_list("name", flat=True)
        )
        if unknown := [n for n in names if n not in known]:
            raise ApiError(400, f"Unknown beamline '{unknown[0]}'", "instrumentName")
        qs = qs.filter(instrument__name__in=names)
    if params.get("investigationName"):
        qs = qs.filter(name__iexact=params["investigationName"])
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
    if params.get("time") or not (dated or params.get("ids") or params.get("investigationName")):
        moment = _parse_date_param(params["time"], "time") if params.get("time") else timezone.now()
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
    return JsonResponse([{k: v for k, v in o.items() if v is not None} for o in out], safe=False)


def _parse_date_param(value: str, field: str) -> datetime:
    parsed = _parse_datetime(value) or (
        _parse_datetime(value + "T00:00:00") if len(value) == 10 else None
    )
    if parsed is None:
        raise ApiError(400, f"{field} '{value}' is not a date", field)
    if not in_range(parsed):
        raise ApiError(400, f"{field}: {OUT_OF_RANGE}", field)
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


@_api
@require_GET
def datasets(request: HttpRequest, api_key: str) -> JsonResponse:
    """GET dataacquisition/{apiKey}/dataset?investigationId=: the datasets of one session."""
    key = authenticate(api_key)
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
    qs = investigation.datasets.select_related("sample").order_by("start_date", "id")
    if request.GET.get("search"):
        qs = qs.filter(name__icontains=request.GET["search"])
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
            "location": ds.location,
            "type": ds.type,
            "sampleName": ds.sample.name if ds.sample else None,
            "sampleId": ds.sample_id,
            "instrumentName": investigation.instrument.name,
        }
        for ds in qs[skip : skip + limit]
    ]
    return JsonResponse([{k: v for k, v in o.items() if v is not None} for o in out], safe=False)
