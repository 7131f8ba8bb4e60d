"""ICAT+'s catalogue reads about datasets beyond the lists in views.py: DOI data collections,
dataset documents, timelines, parameter values, and `/catalogue/datasets`, which takes the
session as a bearer token and answers anonymous callers with released data only. Everything
starts from `catalogue.access`: what the caller may not see is answered as what does not exist."""

from __future__ import annotations

from django.db.models import Min, Prefetch, Q, QuerySet
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.response import Response

from catalogue import access
from catalogue.models import Dataset, DatasetParameter
from portal.icatplus import IcatPlusView

from . import serializers as s
from . import serializers_reads as r
from .views import _dataset_parameters, _datasets, _named, _query

# Data collections -----------------------------------------------------------------------------


def _collections(request: Request, qs: QuerySet) -> list[dict]:
    visible = access.visible_datasets(request.user).select_related("sample").order_by("id")
    qs = qs.select_related("created_by", "updated_by", "doi").prefetch_related(
        Prefetch("datasets", queryset=visible, to_attr="visible")
    )
    return r.DataCollectionSerializer(qs, many=True).data


class DataCollectionList(IcatPlusView):
    """`GET /catalogue/{sessionId}/datacollection` (datasetId, type, search, sortBy, sortOrder,
    limit, skip): the DOI data collections the user may read (`readable_doi_collections`:
    findable ones, and the user's own drafts), with the datasets of each the user may see.

    ICAT+'s OpenAPI declares one `Datacollection` here, but the route lists them, as its
    deprecated twin under `/dataset/id/{datasetId}/` does: the answer is a list."""

    def get(self, request: Request, session_id: str) -> Response:
        query = _query(r.DataCollectionQuery, request)
        data = query.validated_data
        qs = access.readable_doi_collections(request.user)
        if data.get("datasetId"):
            qs = qs.filter(datasets=data["datasetId"])
        if search := data.get("search"):
            qs = qs.filter(Q(title__icontains=search) | Q(doi__identifier__icontains=search))
        rows = query.page(qs.order_by(*query.ordering(["-id"])))
        return Response(_collections(request, rows))


class DatasetDataCollections(IcatPlusView):
    """`GET /catalogue/{sessionId}/dataset/id/{datasetId}/datacollection` (deprecated): the
    readable collections holding the dataset; a hidden dataset is a missing one (404)."""

    def get(self, request: Request, session_id: str, dataset_id: int) -> Response:
        dataset = access.get_dataset_or_404(request.user, dataset_id)
        qs = access.readable_doi_collections(request.user).filter(datasets=dataset)
        return Response(_collections(request, qs.order_by("-id")[: s.MAX_LIMIT]))


# Dataset documents ----------------------------------------------------------------------------


def _documents(qs: QuerySet) -> list[dict]:
    rows = qs.select_related("investigation", "sample").prefetch_related(
        Prefetch("parameters", queryset=DatasetParameter.objects.select_related("type"))
    )
    return [r.dataset_document(ds) for ds in rows]


class DatasetDocuments(IcatPlusView):
    """`GET /catalogue/{sessionId}/dataset/id/{datasetIds}/dataset_document`: those of the
    datasets the user may see, in the order of their ids."""

    def get(self, request: Request, session_id: str, dataset_ids: str) -> Response:
        ids = s.IdListField().run_validation(dataset_ids)
        qs = access.visible_datasets(request.user).filter(pk__in=ids).order_by("id")
        return Response(_documents(qs))


class OptionalSessionView(IcatPlusView):
    """A route taking the session as `Authorization: Bearer <sessionId>`, or none: an anonymous
    caller is answered as the public pages answer anyone (released data only). A bearer that is
    not a live session is still refused (403), never quietly read as anonymous."""

    permission_classes = [permissions.AllowAny]


class DatasetDocumentsByDate(OptionalSessionView):
    """`GET /catalogue/datasets/documents?startDate=&endDate=&limit=&skip=`: documents of the
    visible datasets that started in the range."""

    def get(self, request: Request) -> Response:
        query = _query(r.DatasetDocumentsQuery, request)
        data = query.validated_data
        qs = access.visible_datasets(request.user).filter(
            start_date__gte=data["startDate"], start_date__lte=data["endDate"]
        )
        return Response(_documents(query.page(qs.order_by("start_date", "id"))))


class Datasets(OptionalSessionView):
    """`GET /catalogue/datasets` (investigationIds, datasetIds, sampleId, instrumentName,
    techniquePids, startDate, endDate, datasetType, search, sortBy, sortOrder, limit, skip):
    as `/catalogue/{sessionId}/dataset`, at least one filter required."""

    def get(self, request: Request) -> Response:
        query = _query(r.PublicDatasetQuery, request)
        data = query.validated_data
        within = access.visible_datasets(request.user)
        if data.get("techniquePids"):
            # A subquery, not a join: no duplicates, so no DISTINCT to clash with the sort.
            tagged = Dataset.techniques.through.objects.filter(
                technique__pid__in=data["techniquePids"]
            )
            within = within.filter(pk__in=tagged.values("dataset_id"))
        if data.get("startDate"):
            within = within.filter(start_date__gte=data["startDate"])
        if data.get("endDate"):
            within = within.filter(start_date__lte=data["endDate"])
        rows = _datasets(request.user, query, within=within)
        return Response(s.DatasetSerializer(rows, many=True).data)


# Timelines ------------------------------------------------------------------------------------

_TIMELINE_FIELDS = ("id", "name", "type", "start_date", "end_date", "file_count", "size")
_TIMELINE_FIELDS += ("investigation_id", "investigation__name", "sample_id", "sample__name")


class DatasetTimeline(IcatPlusView):
    """`GET /catalogue/{sessionId}/dataset/timeline?investigationId=|sampleId=`: the visible
    datasets of the investigation or sample in time order, with ICAT+'s statistics. A hidden
    investigation or sample has no visible datasets: the empty list of a missing one."""

    def get(self, request: Request, session_id: str) -> Response:
        data = _query(r.DatasetTimelineQuery, request).validated_data
        qs = access.visible_datasets(request.user)
        if data.get("investigationId"):
            qs = qs.filter(investigation_id=data["investigationId"])
        if data.get("sampleId"):
            qs = qs.filter(sample_id=data["sampleId"])
        rows = qs.order_by("start_date", "id").values(*_TIMELINE_FIELDS)[: r.MAX_ROWS]
        return Response([r.dataset_timeline(row) for row in rows])


class InvestigationTimeline(IcatPlusView):
    """`GET /catalogue/{sessionId}/investigation/timeline?instrument=`: the visible sessions of
    a beamline (any case) in time order, the latest MAX_ROWS of them."""

    def get(self, request: Request, session_id: str) -> Response:
        data = _query(r.InvestigationTimelineQuery, request).validated_data
        qs = access.visible_investigations(request.user).filter(
            _named("instrument__name", [data["instrument"]])
        )
        rows = list(
            qs.order_by("-start_date", "-id").values("id", "name", "start_date", "end_date")[
                : r.MAX_ROWS
            ]
        )
        return Response([r.investigation_timeline(row) for row in reversed(rows)])


# Parameter values -----------------------------------------------------------------------------


class DatasetParameterValues(IcatPlusView):
    """`GET /catalogue/{sessionId}/datasetparameter/values` (investigationId list, sampleId or
    instrumentName; name, datasetType, startDate, endDate): each distinct value of each
    parameter among the visible datasets, once (what a filter's drop-down offers), with the
    lowest id of a parameter holding it."""

    def get(self, request: Request, session_id: str) -> Response:
        data = _query(r.ParameterValuesQuery, request).validated_data
        rows = (
            _dataset_parameters(request.user, data)
            .values(
                "type__name", "type__units", "type__value_type", "numeric_value", "string_value"
            )
            .annotate(first=Min("id"))
            .order_by("type__name", "numeric_value", "string_value")[: r.MAX_ROWS]
        )
        return Response([_parameter_value(row) for row in rows])


def _parameter_value(row: dict) -> dict:
    numeric = row["type__value_type"] == "numeric"
    value = s.parameter_value(row["numeric_value"] if numeric else row["string_value"])
    return s.without_none(
        {
            "id": row["first"],
            "name": row["type__name"],
            "value": value,
            "units": row["type__units"] or None,
        }
    )
