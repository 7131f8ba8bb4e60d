"""JSON API for logbook events, under the access policy (same rules as the pages)."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalogue import access

from .forms import FilterForm
from .icatplus import to_icat
from .scopes import Scope, beamline_scope, event_scope, investigation_scope
from .serializers import (
    EventPageSerializer,
    EventSerializer,
    EventWriteSerializer,
    StaleEditSerializer,
)
from .services import EventInvalid, event_create, event_update, reply_parent, stale_edit_message
from .store import InvalidCursor, StaleEdit, get_store, version_of
from .text import content_html


def _scope_from(user, data) -> Scope:
    if data.get("investigation"):
        return investigation_scope(user, data["investigation"])
    if data.get("beamline"):
        return beamline_scope(user, data["beamline"], across=data.get("scope") == "all")
    raise ValidationError({"investigation": "Give an investigation or a beamline."})


def _writer(scope: Scope) -> None:
    if not scope.can_write:
        raise PermissionDenied("Only the team and staff write in this logbook.")


class EventList(APIView):
    """GET: events of `?investigation=<id>` or `?beamline=<name>` with the page filters (type,
    category, tag, author, q, day, start, end, order), cursor paginated. POST: a new annotation."""

    @extend_schema(
        operation_id="logbook_events_list",
        parameters=[
            OpenApiParameter(name, str, description=text)
            for name, text in [
                ("investigation", "investigation id"),
                ("beamline", "beamline name (its scientists and staff)"),
                ("scope", "'all': a beamline's events across its investigations"),
                ("type", "annotation, notification, broadcast, attachment (repeatable)"),
                ("category", "commandline, comment, error, info, debug, file (repeatable)"),
                ("tag", "tag name (repeatable)"),
                ("author", "username"),
                ("q", "full-text search"),
                ("day", "YYYY-MM-DD"),
                ("start", "YYYY-MM-DD"),
                ("end", "YYYY-MM-DD"),
                ("order", "newest (default) or oldest"),
                ("cursor", "from the previous page's 'next'"),
                ("page_size", "1-500"),
            ]
        ],
        responses={
            200: EventPageSerializer,
            404: OpenApiResponse(
                description="No such investigation or beamline logbook (or not the caller's)."
            ),
        },
    )
    def get(self, request: Request) -> Response:
        scope = _scope_from(request.user, request.query_params)
        tags = access.visible_tags(request.user).filter(**scope.tag_filter())
        form = FilterForm(request.query_params, tags=list(tags))
        if not form.is_valid():
            raise ValidationError(form.errors)
        try:
            size = min(max(int(request.query_params.get("page_size", 50)), 1), 500)
            docs, cursor = get_store().find(
                form.query(scope.base_query(), can_restore=scope.can_write),
                after=request.query_params.get("cursor") or None,
                limit=size,
            )
        except (InvalidCursor, ValueError):
            raise ValidationError({"cursor": "Invalid cursor or page size."}) from None
        next_url = None
        if cursor:
            params = request.query_params.copy()
            params["cursor"] = cursor
            next_url = request.build_absolute_uri(
                f"{reverse('api-logbook-event-list')}?{params.urlencode()}"
            )
        return Response({"next": next_url, "results": [to_icat(d) for d in docs]})

    @extend_schema(
        request=EventWriteSerializer,
        responses={
            201: EventSerializer,
            404: OpenApiResponse(
                description="No such investigation or beamline logbook (or not the caller's)."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = EventWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if not request.user.is_authenticated:
            raise PermissionDenied("Log in to write.")
        scope = _scope_from(request.user, data)
        _writer(scope)
        try:
            parent = reply_parent(
                user=request.user,
                parent_id=data["parent"],
                investigation=scope.investigation,
                instrument=scope.instrument,
            )
            doc = event_create(
                investigation=scope.investigation,
                instrument=scope.instrument,
                type="annotation",
                category="comment",
                by=request.user.username,
                title=data["title"],
                html=data["content"],
                tags=data["tags"],
                parent_event_id=parent,
            )
        except EventInvalid as error:
            raise ValidationError({error.field: error.message}) from None
        return Response(to_icat(doc), status=status.HTTP_201_CREATED)


def _event(request: Request, event_id: str) -> tuple[dict, Scope]:
    doc = get_store().get(event_id)
    if doc is None:
        raise Http404("No such event")
    return doc, event_scope(request.user, doc)


class EventDetail(APIView):
    """GET one event; PATCH its title, content (HTML) or tags — the previous version is kept."""

    @extend_schema(responses=EventSerializer)
    def get(self, request: Request, event_id: str) -> Response:
        doc, _ = _event(request, event_id)
        return Response(to_icat(doc))

    @extend_schema(
        request=EventWriteSerializer,
        responses={
            200: EventSerializer,
            409: OpenApiResponse(
                StaleEditSerializer,
                description="`version` is older than the event's: nothing was changed.",
            ),
        },
    )
    def patch(self, request: Request, event_id: str) -> Response:
        doc, scope = _event(request, event_id)
        _writer(scope)
        if doc.get("type") not in ("annotation", "broadcast"):
            raise PermissionDenied("Only annotations and broadcasts can be edited.")
        serializer = EventWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            updated = event_update(
                event=doc,
                by=request.user.username,
                title=data.get("title", doc.get("title") or ""),
                html=data["content"] if "content" in data else content_html(doc),
                tags=data.get("tags", doc.get("tag") or []),
                investigation=scope.investigation,
                instrument=scope.instrument,
                version=data.get("version"),
            )
        except EventInvalid as error:
            raise ValidationError({error.field: error.message}) from None
        except StaleEdit as stale:
            return Response(
                {
                    "detail": stale_edit_message(stale.current),
                    "version": version_of(stale.current),
                },
                status=status.HTTP_409_CONFLICT,
            )
        return Response(to_icat(updated))


class EventHistory(APIView):
    @extend_schema(responses=EventSerializer(many=True))
    def get(self, request: Request, event_id: str) -> Response:
        doc, _ = _event(request, event_id)
        return Response([to_icat(v) for v in get_store().history(doc["_id"])])
