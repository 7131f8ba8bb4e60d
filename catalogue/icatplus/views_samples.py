"""ICAT+'s catalogue reads about samples and the files attached to an experiment, and the
facility-wide lists (users for administrators, investigation types, parameter types). Every
answer starts from `catalogue.access`: what the caller may not see is answered as missing."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from catalogue import access
from catalogue.models import ParameterType, SampleParameter
from portal.icatplus import IcatPlusView

from . import serializers as s
from . import serializers_reads as r
from .views import PublicView, _query, _samples

# Samples --------------------------------------------------------------------------------------


class InvestigationSamples(IcatPlusView):
    """`GET /catalogue/{sessionId}/investigation/id/{investigationId}/sample` (deprecated): the
    investigation's samples with their parameters (ICAT+'s OpenAPI calls the items datasets;
    they are samples, which the client's `Dataset` model reads)."""

    def get(self, request: Request, session_id: str, investigation_id: int) -> Response:
        investigation = access.get_investigation_or_404(request.user, investigation_id)
        qs = (
            access.visible_samples(request.user)
            .filter(investigation=investigation)
            .select_related("investigation__instrument")
            .prefetch_related(
                Prefetch("parameters", queryset=SampleParameter.objects.select_related("type"))
            )
            .order_by("name", "id")[: r.MAX_ROWS]
        )
        return Response(s.SampleSerializer(qs, many=True).data)


class SamplePage(IcatPlusView):
    """`GET /catalogue/{sessionId}/samples/{sampleId}/page` (the `/samples` filters, sort and
    `limit`): which page of that list the sample is on, as ICAT+'s `Meta`. A sample the list
    would not show (hidden, filtered out, missing) is a 404."""

    def get(self, request: Request, session_id: str, sample_id: int) -> Response:
        query = _query(r.SamplePageQuery, request)
        data = query.validated_data
        qs = _samples(request.user, data)
        column, _ = query.ordering(["name", "id"])
        descending = column.startswith("-")
        column = column.lstrip("-")
        here = qs.filter(pk=sample_id).values(column).first()
        if here is None:
            raise exceptions.NotFound("No such sample")
        before = "gt" if descending else "lt"
        position = qs.filter(
            Q(**{f"{column}__{before}": here[column]})
            | Q(**{column: here[column], f"pk__{before}": sample_id})
        ).count()
        total, limit = qs.count(), data["limit"]
        page = {
            "total": total,
            "totalPages": -(-total // limit),
            "currentPage": position // limit + 1,
        }
        return Response({"page": page})


# Files attached to an experiment --------------------------------------------------------------
# ICAT+ keeps files per sample (`Sampleinformation`); the portal keeps them in the experiment's
# logbook: those uploaded for a sample (`files/upload`) are tied to it, any other attachment of
# the logbook is the experiment's own and listed under sampleId 0.


class Files(IcatPlusView):
    """`GET /catalogue/{sessionId}/files?investigationId=|sampleId=&groupName=`: one entry per
    sample that has files (and one, sampleId 0, for the experiment's own)."""

    def get(self, request: Request, session_id: str) -> Response:
        data = _query(r.FilesQuery, request).validated_data
        attachments = access.visible_attachments(request.user).filter(investigation__isnull=False)
        if data.get("investigationId"):
            attachments = attachments.filter(investigation_id=data["investigationId"])
        if data.get("sampleId"):
            attachments = attachments.filter(sample_id=data["sampleId"])
        group = data.get("groupName")
        if group == r.LOGBOOK_GROUP:
            attachments = attachments.filter(group_name="")
        elif group:
            attachments = attachments.filter(group_name=group)
        entries: dict[tuple[int, int], list[dict]] = {}
        for attachment in attachments.order_by("created_at", "id")[: r.MAX_ROWS]:
            key = (attachment.investigation_id, attachment.sample_id or 0)
            entries.setdefault(key, []).append(r.resource(attachment))
        return Response(
            [
                {
                    "_id": f"investigation-{investigation_id}-sample-{sample_id}",
                    "investigationId": investigation_id,
                    "sampleId": sample_id,
                    "resources": resources,
                }
                for (investigation_id, sample_id), resources in entries.items()
            ]
        )


class FileDownload(IcatPlusView):
    """`GET /catalogue/{sessionId}/files/download?sampleId=&resourceId=<uuid>`: the bytes of a
    file `/files` lists under that sampleId, always as a download (nothing posted runs in the
    portal's origin)."""

    def get(self, request: Request, session_id: str) -> FileResponse:
        data = _query(r.FileDownloadQuery, request).validated_data
        try:
            attachment = access.get_attachment_or_404(request.user, data["resourceId"])
        except Http404:
            raise exceptions.NotFound("No such file") from None
        if attachment.investigation_id is None or data["sampleId"] != (attachment.sample_id or 0):
            raise exceptions.NotFound("No such file")
        try:
            handle = attachment.file.open("rb")
        except (FileNotFoundError, ValueError):
            raise exceptions.NotFound("No such file") from None
        response = FileResponse(
            handle,
            content_type=attachment.content_type,
            filename=attachment.filename,
            as_attachment=True,
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


# Facility-wide lists --------------------------------------------------------------------------


class UserList(IcatPlusView):
    """`GET /catalogue/{sessionId}/user`: the portal's active users, for administrators (staff)
    only; anyone else gets ICAT+'s 403."""

    def get(self, request: Request, session_id: str) -> Response:
        _query(r.UserQuery, request)
        if not access.is_administrator(request.user):
            raise exceptions.PermissionDenied("Restricted to administrators")
        users = get_user_model().objects.filter(is_active=True).order_by("username")
        return Response(r.PersonSerializer(users[: r.MAX_ROWS], many=True).data)


class InvestigationTypeList(PublicView):
    """`GET /catalogue/investigationtypes`: the mirror keeps no investigation types (every
    investigation here is an experiment session), so the list is empty."""

    def get(self, request: Request) -> Response:
        return Response([])


class ParameterList(PublicView):
    """`GET /catalogue/parameters?parameterTypeId=&name=`: the catalogue's parameter types."""

    def get(self, request: Request) -> Response:
        data = _query(r.ParameterQuery, request).validated_data
        qs = ParameterType.objects.order_by("name", "units")
        if data.get("parameterTypeId"):
            qs = qs.filter(pk=data["parameterTypeId"])
        if data.get("name"):
            qs = qs.filter(name__iexact=data["name"])
        return Response(r.ParameterTypeSerializer(qs[: r.MAX_ROWS], many=True).data)
