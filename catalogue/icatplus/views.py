"""ICAT+'s `catalogue` routes. The caller is the ICAT+ session's user (`request.user`), and every
list starts from `catalogue.access`, as the portal's pages do: an investigation, dataset or
sample the caller may not see is answered exactly as one that does not exist."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpResponse
from rest_framework import exceptions, permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from catalogue import access
from catalogue import downloads as download_services
from catalogue.downloads.serving import serve_file, x_accel
from catalogue.icat.mapping import relative_location
from catalogue.models import (
    ArchiveStatus,
    DatasetParameter,
    Instrument,
    InvestigationParameter,
    InvestigationUser,
    SampleParameter,
    Technique,
)
from catalogue.names import normalise_proposal, proposal_q
from portal.icatplus import IcatPlusView, validated

from . import serializers as s


def _query(query_class: type[serializers.Serializer], request: Request) -> serializers.Serializer:
    """The route's query parameters, validated: a 400 naming the first bad one."""
    return validated(query_class, request.query_params)


def _named(field: str, names: list[str]) -> Q:
    """Any of the names, case-insensitively (BLISS sends `id23-1` for ID23-1)."""
    wanted = Q(pk__in=[])
    for name in names:
        wanted |= Q(**{f"{field}__iexact": name})
    return wanted


class PublicView(IcatPlusView):
    """A route ICAT+ answers without a session: facility-wide lists, name normalisation."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]


# Investigations -------------------------------------------------------------------------------


def _investigations(user, data: dict) -> QuerySet:
    """ICAT+'s `filter`: none, the user's own experiments (team and beamlines); `participant`
    the same; `instrumentscientist` those of the user's beamlines; `released`/`embargoed` what
    the user may see in that state. Asking by `ids` reaches any investigation the user may see."""
    chosen = data.get("filter")
    if chosen == "released":
        qs = access.visible_investigations(user).released()
    elif chosen == "embargoed":
        qs = access.visible_investigations(user).embargoed()
    elif chosen == "instrumentscientist":
        qs = access.visible_investigations(user).filter(
            instrument__in=Instrument.objects.filter(scientists=user)
        )
    elif data.get("ids"):
        qs = access.visible_investigations(user)
    else:
        qs = access.my_investigations(user)
    if data.get("ids"):
        qs = qs.filter(pk__in=data["ids"])
    if data.get("instrumentName"):
        qs = qs.filter(_named("instrument__name", data["instrumentName"]))
    if data.get("investigationName"):
        qs = qs.filter(proposal_q(data["investigationName"]))
    if data.get("username"):
        members = InvestigationUser.objects.filter(user__username__startswith=data["username"])
        qs = qs.filter(pk__in=members.values("investigation_id"))
    if data.get("startDate"):
        qs = qs.filter(end_date__gte=data["startDate"])
    if data.get("endDate"):
        qs = qs.filter(start_date__lte=data["endDate"])
    if search := data.get("search"):
        qs = qs.filter(
            proposal_q(search)
            | Q(title__icontains=search)
            | Q(summary__icontains=search)
            | Q(visit_id__icontains=search)
            | Q(doi__icontains=search)
            | Q(instrument__name__icontains=search)
        )
    return qs


def _with_investigation_details(qs: QuerySet) -> QuerySet:
    return qs.select_related("instrument").prefetch_related(
        Prefetch("members", queryset=InvestigationUser.objects.select_related("user")),
        Prefetch("parameters", queryset=InvestigationParameter.objects.select_related("type")),
    )


class InvestigationList(IcatPlusView):
    """`GET /catalogue/{sessionId}/investigation` (instrumentName, investigationName, ids,
    filter, startDate, endDate, username, search, sortBy, sortOrder, limit, skip,
    withHasAccess). Each item carries ICAT+'s `meta.page.total`."""

    def get(self, request: Request, session_id: str) -> Response:
        query = _query(s.InvestigationQuery, request)
        data = query.validated_data
        qs = _investigations(request.user, data)
        total = qs.count()
        rows = query.page(
            _with_investigation_details(qs).order_by(*query.ordering(["-start_date", "-id"]))
        )
        context = {
            "total": total,
            "limit": data["limit"],
            "skip": data["skip"],
            "with_has_access": data["withHasAccess"],
        }
        return Response(s.InvestigationSerializer(rows, many=True, context=context).data)


class InvestigationNameNormalize(PublicView):
    """`GET /catalogue/investigation/name/{investigationName}/normalize`: the catalogue's spelling
    of a proposal name as typed (`mx2590` -> `MX-2590`); nothing is looked up."""

    def get(self, request: Request, investigation_name: str) -> Response:
        if len(investigation_name) > 100:
            raise serializers.ValidationError({"investigationName": "at most 100 characters"})
        return Response(normalise_proposal(investigation_name))


class InvestigationUsers(IcatPlusView):
    """`GET /catalogue/{sessionId}/investigation/id/{investigationId}/investigationusers`: the
    team, to whoever sees the investigation; e-mails only to those who manage the team."""

    def get(self, request: Request, session_id: str, investigation_id: int) -> Response:
        investigation = access.get_investigation_or_404(request.user, investigation_id)
        members = access.team_members(request.user, investigation).select_related(
            "user", "investigation"
        )
        context = {"with_email": access.can_manage_team(request.user, investigation)}
        return Response(s.InvestigationUserSerializer(members, many=True, context=context).data)


class InvestigationPeople(IcatPlusView):
    """`GET /catalogue/{sessionId}/investigation/{investigationId}/user`: the team as persons."""

    def get(self, request: Request, session_id: str, investigation_id: int) -> Response:
        investigation = access.get_investigation_or_404(request.user, investigation_id)
        members = access.team_members(request.user, investigation).select_related("user")
        return Response(s.UserSerializer(members, many=True).data)


# Datasets and files ---------------------------------------------------------------------------


def _with_dataset_details(qs: QuerySet) -> QuerySet:
    return qs.select_related("investigation__instrument", "sample").prefetch_related(
        Prefetch("parameters", queryset=DatasetParameter.objects.select_related("type")),
        "techniques",
    )


def _datasets(user, query: s.DatasetQuery, *, within: QuerySet | None = None) -> QuerySet:
    """A page of the datasets the user may see (or of `within`, already narrowed from them)."""
    data = query.validated_data
    qs = access.visible_datasets(user) if within is None else within
    if data.get("investigationIds"):
        qs = qs.filter(investigation_id__in=data["investigationIds"])
    if data.get("datasetIds"):
        qs = qs.filter(pk__in=data["datasetIds"])
    if data.get("sampleId"):
        qs = qs.filter(sample_id=data["sampleId"])
    if data.get("instrumentName"):
        qs = qs.filter(_named("investigation__instrument__name", data["instrumentName"]))
    if data.get("datasetType"):
        qs = qs.filter(type=data["datasetType"])
    if search := data.get("search"):
        qs = qs.filter(Q(name__icontains=search) | Q(sample__name__icontains=search))
    ordered = _with_dataset_details(qs).order_by(*query.ordering(["start_date", "id"]))
    return query.page(ordered)


class DatasetList(IcatPlusView):
    """`GET /catalogue/{sessionId}/dataset` (investigationIds, datasetIds, sampleId,
    instrumentName, datasetType, search, sortBy, sortOrder, limit, skip)."""

    def get(self, request: Request, session_id: str) -> Response:
        query = _query(s.DatasetQuery, request)
        return Response(s.DatasetSerializer(_datasets(request.user, query), many=True).data)


class DatasetsById(IcatPlusView):
    """`GET /catalogue/{sessionId}/dataset/id/{datasetIds}/dataset`: those the user may see."""

    def get(self, request: Request, session_id: str, dataset_ids: str) -> Response:
        ids = s.IdListField().run_validation(dataset_ids)
        qs = _with_dataset_details(access.visible_datasets(request.user).filter(pk__in=ids))
        return Response(s.DatasetSerializer(qs.order_by("start_date", "id"), many=True).data)


def _datafiles(request: Request, query: s.DatafileQuery, dataset_id: int | None) -> Response:
    data = query.validated_data
    if dataset_id is not None:
        dataset = access.get_dataset_or_404(request.user, dataset_id)
        qs = access.visible_datafiles_of(request.user, dataset)
    else:
        qs = access.visible_datafiles(request.user)
    if data.get("datafileIds"):
        qs = qs.filter(pk__in=data["datafileIds"])
    if data.get("location"):
        qs = qs.filter(location=relative_location(data["location"]))
    if search := data.get("search"):
        qs = qs.filter(name__icontains=search)
    rows = query.page(qs.order_by("name", "id"))
    return Response(s.DatafileSerializer(rows, many=True).data)


class DatasetDatafiles(IcatPlusView):
    """`GET /catalogue/{sessionId}/dataset/id/{datasetId}/datafile` (search, limit, skip)."""

    def get(self, request: Request, session_id: str, dataset_id: int) -> Response:
        return _datafiles(request, _query(s.DatafileQuery, request), dataset_id)


class DatafileList(IcatPlusView):
    """`GET /catalogue/{sessionId}/datafile` (datasetId or datafileIds; location, search,
    limit, skip)."""

    def get(self, request: Request, session_id: str) -> Response:
        query = _query(s.DatafileQuery, request)
        data = query.validated_data
        if not data.get("datasetId") and not data.get("datafileIds"):
            raise serializers.ValidationError({"datasetId": "datasetId or datafileIds is required"})
        return _datafiles(request, query, data.get("datasetId"))


def _mirror_location(filepath: str) -> str:
    """A facility path as `facility_location` wrote it (ICAT's prefix, else DATA_ROOT) back to
    the mirror's location under DATA_ROOT."""
    root = str(settings.DATA_ROOT).rstrip("/") + "/"
    if not settings.ICAT_LOCATION_PREFIX and filepath.startswith(root):
        return filepath[len(root) :]
    return relative_location(filepath)


class Archived(exceptions.APIException):
    status_code = 409
    default_detail = "This file's dataset is archived on tape: restore it first"


class DatafileDownload(IcatPlusView):
    """`GET /catalogue/{sessionId}/datafile/download?investigationId=&datasetId=&filepath=`:
    one file of a dataset by its facility path (as the file lists give it), served as the
    portal's own download serves it (Range, X-Accel-Redirect). A file of a hidden dataset, a
    path outside the dataset and a file missing from storage are one and the same 404."""

    def get(self, request: Request, session_id: str) -> HttpResponse:
        data = _query(s.DownloadQuery, request).validated_data
        try:
            dataset = access.get_dataset_or_404(request.user, data["datasetId"])
        except Http404:
            raise exceptions.NotFound("No such file") from None
        datafile = (
            access.visible_datafiles_of(request.user, dataset)
            .filter(location=_mirror_location(data["filepath"]))
            .first()
        )
        if datafile is None or dataset.investigation_id != data["investigationId"]:
            raise exceptions.NotFound("No such file")
        if dataset.archive_status != ArchiveStatus.ONLINE:
            raise Archived()
        try:
            path = download_services.safe_path(datafile.location)
        except download_services.UnsafePath:
            raise exceptions.NotFound("No such file") from None
        if settings.DOWNLOAD_X_ACCEL_PREFIX:
            return x_accel(settings.DOWNLOAD_X_ACCEL_PREFIX, datafile.location, datafile.name)
        if not path.is_file():
            raise exceptions.NotFound("No such file")
        return serve_file(request._request, path, filename=datafile.name)


def _dataset_parameters(user, data: dict) -> QuerySet:
    """Parameters of the visible datasets the query names (investigationId: one id or a list)."""
    datasets = access.visible_datasets(user)
    if data.get("investigationId"):
        ids = data["investigationId"]
        datasets = datasets.filter(investigation_id__in=ids if isinstance(ids, list) else [ids])
    if data.get("sampleId"):
        datasets = datasets.filter(sample_id=data["sampleId"])
    if data.get("instrumentName"):
        datasets = datasets.filter(
            _named("investigation__instrument__name", data["instrumentName"])
        )
    if data.get("datasetType"):
        datasets = datasets.filter(type=data["datasetType"])
    if data.get("startDate"):
        datasets = datasets.filter(start_date__gte=data["startDate"])
    if data.get("endDate"):
        datasets = datasets.filter(start_date__lte=data["endDate"])
    qs = DatasetParameter.objects.filter(dataset__in=datasets.values("pk"))
    if data.get("name"):
        qs = qs.filter(type__name__iexact=data["name"])
    return qs


class DatasetParameterList(IcatPlusView):
    """`GET /catalogue/{sessionId}/datasetparameter` (investigationId, sampleId or
    instrumentName; name, datasetType, startDate, endDate): parameters of visible datasets."""

    def get(self, request: Request, session_id: str) -> Response:
        data = _query(s.DatasetParameterQuery, request).validated_data
        qs = _dataset_parameters(request.user, data)
        qs = qs.select_related("type", "dataset__sample").order_by("dataset_id", "id")
        return Response(s.DatasetParameterSerializer(qs[: s.MAX_LIMIT * 10], many=True).data)


# Samples --------------------------------------------------------------------------------------


def _samples(user, data: dict) -> QuerySet:
    """The visible samples a sample query names (the list, and the page a sample is on)."""
    qs = access.visible_samples(user)
    if data.get("investigationId"):
        qs = qs.filter(investigation_id=data["investigationId"])
    if data.get("sampleIds"):
        qs = qs.filter(pk__in=data["sampleIds"])
    if data.get("instrumentName"):
        qs = qs.filter(_named("investigation__instrument__name", data["instrumentName"]))
    if data.get("startDate"):
        qs = qs.filter(investigation__end_date__gte=data["startDate"])
    if data.get("endDate"):
        qs = qs.filter(investigation__start_date__lte=data["endDate"])
    if data.get("havingAcquisitionDatasets") or data.get("datasetType"):
        wanted = {"type": data.get("datasetType") or s.DatasetType.RAW}
        with_datasets = access.visible_datasets(user).filter(**wanted)
        qs = qs.filter(pk__in=with_datasets.values("sample_id"))
    if search := data.get("search"):
        qs = qs.filter(name__icontains=search)
    return qs


class SampleList(IcatPlusView):
    """`GET /catalogue/{sessionId}/samples` (investigationId, sampleIds, instrumentName,
    startDate, endDate, havingAcquisitionDatasets, datasetType, search, sortBy, sortOrder,
    limit, skip): samples with their parameters. Each item carries `meta.page.total`."""

    def get(self, request: Request, session_id: str) -> Response:
        query = _query(s.SampleQuery, request)
        data = query.validated_data
        qs = _samples(request.user, data)
        total = qs.count()
        rows = query.page(
            qs.select_related("investigation__instrument")
            .prefetch_related(
                Prefetch("parameters", queryset=SampleParameter.objects.select_related("type"))
            )
            .order_by(*query.ordering(["name", "id"]))
        )
        out = s.SampleSerializer(rows, many=True).data
        limit = data["limit"]
        meta = {
            "page": {
                "total": total,
                "totalPages": -(-total // limit),
                "currentPage": data["skip"] // limit + 1,
            }
        }
        return Response([{**sample, "meta": meta} for sample in out])


# Instruments and techniques -------------------------------------------------------------------


class InstrumentList(PublicView):
    """`GET /catalogue/instruments`: the facility's beamlines."""

    def get(self, request: Request) -> Response:
        return Response(s.InstrumentSerializer(Instrument.objects.order_by("name"), many=True).data)


class SessionInstrumentList(IcatPlusView):
    """`GET /catalogue/{sessionId}/instruments?filter=`: every beamline; `instrumentscientist`
    the user's beamlines, `participant` those of the user's experiments."""

    def get(self, request: Request, session_id: str) -> Response:
        chosen = _query(s.InstrumentQuery, request).validated_data.get("filter")
        qs = Instrument.objects.all()
        if chosen == "instrumentscientist":
            qs = qs.filter(scientists=request.user)
        elif chosen == "participant":
            mine = access.my_investigations(request.user).values("instrument_id")
            qs = qs.filter(pk__in=mine)
        return Response(s.InstrumentSerializer(qs.order_by("name"), many=True).data)


class TechniqueList(PublicView):
    """`GET /catalogue/techniques`."""

    def get(self, request: Request) -> Response:
        return Response(s.TechniqueSerializer(Technique.objects.order_by("name"), many=True).data)
