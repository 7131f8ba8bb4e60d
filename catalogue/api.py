from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from . import access, keyset
from .forms import InvestigationFilterForm
from .models import Investigation
from .serializers import InvestigationSerializer

API_PAGE_SIZE = 50


class InvestigationList(generics.GenericAPIView):
    """Investigations the caller may see, with the filters and sorts of the web pages:
    `q`, `beamline`, `technique`, `start`, `end` (YYYY-MM-DD), `sort` (-date, date, proposal,
    -proposal, beamline, -beamline), `scope` (mine, public; default everything visible),
    `page_size` (1-500). Keyset pagination: follow `next`/`previous`. Bad values answer 400."""

    serializer_class = InvestigationSerializer
    pagination_class = None

    @extend_schema(parameters=[
        OpenApiParameter(name, str, description=text) for name, text in (
            ("q", "words in proposal, title or summary"), ("beamline", "e.g. ID23-1"),
            ("technique", "technique name"), ("start", "YYYY-MM-DD"), ("end", "YYYY-MM-DD"),
            ("sort", "-date, date, proposal, -proposal, beamline, -beamline"),
            ("scope", "mine or public"), ("page_size", "1-500"), ("cursor", "from next/previous"),
        )
    ])
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
        try:
            page = keyset.paginate(
                queryset, ordering=form.ordering, cursor=params.get("cursor"), size=int(size)
            )
        except keyset.BadCursor:
            return Response({"cursor": ["This cursor is not valid for this list."]}, status=400)

        def link(cursor: str | None) -> str | None:
            if not cursor:
                return None
            return replace_query_param(request.build_absolute_uri(), "cursor", cursor)

        return Response({
            "next": link(page.next_cursor),
            "previous": link(page.previous_cursor),
            "results": self.get_serializer(page.rows, many=True).data,
        })


class InvestigationDetail(generics.RetrieveAPIView):
    serializer_class = InvestigationSerializer

    def get_queryset(self) -> QuerySet[Investigation]:
        visible = access.visible_investigations(self.request.user)
        return visible.select_related("instrument").prefetch_related("techniques")
