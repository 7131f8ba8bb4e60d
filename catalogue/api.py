"""Read API of the catalogue: investigations, datasets, datafiles, samples, under the policy."""

from __future__ import annotations

from django import forms
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response

from portal.api import query_filters, query_parameter
from portal.fields import IdField

from . import access
from .dataset_forms import DatasetApiFilterForm, filter_datasets
from .forms import InvestigationFilterForm
from .models import Datafile, Dataset, DatasetParameter, Investigation, Sample, SampleParameter
from .serializers import (
    DatafileSerializer,
    DatasetDetailSerializer,
    DatasetSerializer,
    InvestigationPageSerializer,
    InvestigationSerializer,
    SampleSerializer,
)

API_PAGE_SIZE = 50


class InvestigationList(generics.GenericAPIView):
    """Investigations the caller may see, with the filters and sorts of the web pages:
    `q`, `beamline`, `technique`, `start`, `end` (YYYY-MM-DD), `sort` (-date, date, proposal,
    -proposal, beamline, -beamline), `scope` (mine, public; default everything visible),
    `page_size` (1-500). Keyset pagination: follow `next`/`previous`. Bad values answer 400."""

    serializer_class = InvestigationSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter(name, str, description=text)
            for name, text in (
                ("q", "words in proposal, title or summary"),
                ("beamline", "e.g. ID23-1"),
                ("technique", "technique name"),
                ("start", "YYYY-MM-DD"),
                ("end", "YYYY-MM-DD"),
                ("sort", "-date, date, proposal, -proposal, beamline, -beamline"),
                ("scope", "mine or public"),
                ("page_size", "1-500"),
                ("cursor", "from next/previous"),
            )
        ],
        responses=InvestigationPageSerializer,
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        form = InvestigationFilterForm(params)
        errors = dict(form.errors) if not form.is_valid() else {}
        scope = params.get("scope", "")
        if scope not in ("", "mine", "public"):
            errors["scope"] = ["Choose mine or public."]
        size = params.get("page_size", str(API_PAGE_SIZE))
        if not size.isdigit() or not 1 <= int(size) <= 500:
            errors["page_size"] = ["Give a number from 1 to 500."]
        if errors:
            return Response(errors, status=400)
        if scope == "mine":
            base = access.my_investigations(request.user)
        elif scope == "public":
            base = access.public_investigations()
        else:
            base = access.visible_investigations(request.user)
        queryset = form.filter(base.select_related("instrument").prefetch_related("techniques"))
        self.keyset_ordering = form.ordering
        rows = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)


class InvestigationDetail(generics.RetrieveAPIView):
    serializer_class = InvestigationSerializer

    def get_queryset(self) -> QuerySet[Investigation]:
        visible = access.visible_investigations(self.request.user)
        return visible.select_related("instrument").prefetch_related("techniques")


# Datasets, datafiles and samples ---------------------------------------------------------------


@extend_schema(
    parameters=[
        query_parameter("investigation", int, "investigation id"),
        query_parameter("sample", int, "sample id"),
        query_parameter("type", str, "raw or processed"),
        query_parameter("parameter", str, "parameter type id or name, for the range below"),
        query_parameter("minimum", float, "lowest value (inclusive)"),
        query_parameter("maximum", float, "highest value (inclusive)"),
        query_parameter(
            "units", str, "units of minimum/maximum, e.g. eV (default: the parameter's own)"
        ),
    ]
)
class DatasetList(generics.ListAPIView):
    """Datasets the caller may see. Filters: investigation, sample, type (raw/processed), and a
    parameter range: parameter (id or name), minimum, maximum, units (converted to the
    parameter's own units, e.g. `parameter=energy&minimum=10&maximum=12&units=keV`)."""

    serializer_class = DatasetSerializer

    def get_queryset(self) -> QuerySet[Dataset]:
        data = query_filters(DatasetApiFilterForm, self.request)
        datasets = access.visible_datasets(self.request.user).select_related("sample")
        return filter_datasets(datasets, data).prefetch_related(
            Prefetch("parameters", queryset=DatasetParameter.objects.select_related("type"))
        )


class DatasetDetail(generics.RetrieveAPIView):
    serializer_class = DatasetDetailSerializer

    def get_queryset(self) -> QuerySet[Dataset]:
        return (
            access.visible_datasets(self.request.user)
            .select_related("sample")
            .prefetch_related(
                Prefetch("parameters", queryset=DatasetParameter.objects.select_related("type"))
            )
        )

    def get_serializer_context(self) -> dict:
        return {
            **super().get_serializer_context(),
            "visible": access.visible_datasets(self.request.user),
        }


class _DatafileFilter(forms.Form):
    dataset = IdField(required=False)
    investigation = IdField(required=False)


@extend_schema(
    parameters=[
        query_parameter("dataset", int, "dataset id"),
        query_parameter("investigation", int, "investigation id"),
    ]
)
class DatafileList(generics.ListAPIView):
    """Datafiles the caller may see; filter by dataset or investigation."""

    serializer_class = DatafileSerializer

    def get_queryset(self) -> QuerySet[Datafile]:
        data = query_filters(_DatafileFilter, self.request)
        datafiles = access.visible_datafiles(self.request.user)
        if data["dataset"]:
            datafiles = datafiles.filter(dataset_id=data["dataset"])
        if data["investigation"]:
            datafiles = datafiles.filter(dataset__investigation_id=data["investigation"])
        return datafiles


class DatafileDetail(generics.RetrieveAPIView):
    serializer_class = DatafileSerializer

    def get_queryset(self) -> QuerySet[Datafile]:
        return access.visible_datafiles(self.request.user)


class _SampleFilter(forms.Form):
    investigation = IdField(required=False)


@extend_schema(parameters=[query_parameter("investigation", int, "investigation id")])
class SampleList(generics.ListAPIView):
    """Samples the caller may see; filter by investigation."""

    serializer_class = SampleSerializer

    def get_queryset(self) -> QuerySet[Sample]:
        data = query_filters(_SampleFilter, self.request)
        samples = access.visible_samples(self.request.user).prefetch_related(
            Prefetch("parameters", queryset=SampleParameter.objects.select_related("type"))
        )
        if data["investigation"]:
            samples = samples.filter(investigation_id=data["investigation"])
        return samples


class SampleDetail(generics.RetrieveAPIView):
    serializer_class = SampleSerializer

    def get_queryset(self) -> QuerySet[Sample]:
        return access.visible_samples(self.request.user).prefetch_related(
            Prefetch("parameters", queryset=SampleParameter.objects.select_related("type"))
        )
