from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import generics

from . import access
from .models import Investigation
from .serializers import InvestigationSerializer


class InvestigationList(generics.ListAPIView):
    """Investigations the caller may see, newest first."""

    serializer_class = InvestigationSerializer
    ordering = "-id"

    def get_queryset(self) -> QuerySet[Investigation]:
        return access.visible_investigations(self.request.user).select_related("instrument")


class InvestigationDetail(generics.RetrieveAPIView):
    serializer_class = InvestigationSerializer

    def get_queryset(self) -> QuerySet[Investigation]:
        return access.visible_investigations(self.request.user).select_related("instrument")
