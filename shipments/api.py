"""JSON API for shipments (ICAT+'s tracking resources as a guide). Querysets come from
`Shipment/Parcel.objects.for_user` (the access policy); status changes go through the workflow."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from rest_framework import generics, permissions, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from catalogue import access

from . import workflow
from .models import Address, Item, Parcel, ParcelStatus, Shipment
from .serializers import (
    AddressSerializer,
    ItemSerializer,
    ParcelSerializer,
    ParcelStatusSerializer,
    ShipmentSerializer,
)


def _require_manage(request: Request, investigation) -> None:
    if not access.can_manage_shipments(request.user, investigation):
        raise PermissionDenied("Only the experiment team changes its shipments.")


def _require_editable(request: Request, parcel: Parcel) -> None:
    reason = workflow.edit_refusal(parcel, request.user)
    if reason:
        raise serializers.ValidationError({"detail": reason})


class AddressList(generics.ListCreateAPIView):
    """The caller's address book."""

    serializer_class = AddressSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self) -> QuerySet[Address]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return Address.objects.none()
        return Address.objects.filter(owner=self.request.user)

    def perform_create(self, serializer) -> None:
        serializer.save(owner=self.request.user)


class AddressDetail(generics.RetrieveUpdateDestroyAPIView):
    serializer_class = AddressSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self) -> QuerySet[Address]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return Address.objects.none()
        return Address.objects.filter(owner=self.request.user)


class ShipmentList(generics.ListCreateAPIView):
    """Shipments the caller sees; `?investigation=<id>` narrows to one experiment."""

    serializer_class = ShipmentSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_fields = ["investigation"]

    def get_queryset(self) -> QuerySet[Shipment]:
        return Shipment.objects.for_user(self.request.user).select_related("investigation")

    def perform_create(self, serializer) -> None:
        investigation = serializer.validated_data["investigation"]
        _require_manage(self.request, investigation)
        serializer.save(created_by=self.request.user)


class ShipmentDetail(generics.RetrieveUpdateAPIView):
    serializer_class = ShipmentSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self) -> QuerySet[Shipment]:
        return Shipment.objects.for_user(self.request.user).select_related("investigation")

    def perform_update(self, serializer) -> None:
        _require_manage(self.request, serializer.instance.investigation)
        serializer.save()


class ParcelList(generics.ListCreateAPIView):
    """Parcels the caller sees; filter with `?shipment=<id>` and `?status=READY`."""

    serializer_class = ParcelSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_fields = ["shipment", "status", "is_dangerous"]

    def get_queryset(self) -> QuerySet[Parcel]:
        return Parcel.objects.for_user(self.request.user)

    def perform_create(self, serializer) -> None:
        shipment = serializer.validated_data["shipment"]
        _require_manage(self.request, shipment.investigation)
        with transaction.atomic():
            parcel = serializer.save(created_by=self.request.user)
            workflow.start(parcel, by=self.request.user)


class ParcelDetail(generics.RetrieveUpdateAPIView):
    serializer_class = ParcelSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self) -> QuerySet[Parcel]:
        return Parcel.objects.for_user(self.request.user).select_related("shipment__investigation")

    def perform_update(self, serializer) -> None:
        _require_editable(self.request, serializer.instance)
        serializer.save()


def _parcel(request: Request, pk: int) -> Parcel:
    return get_object_or_404(
        Parcel.objects.for_user(request.user).select_related("shipment__investigation"), pk=pk
    )


class ItemList(generics.ListCreateAPIView):
    """The content of one parcel."""

    serializer_class = ItemSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no parcel
            return context
        return {**context, "parcel": _parcel(self.request, self.kwargs["pk"])}

    def get_queryset(self) -> QuerySet[Item]:
        if getattr(self, "swagger_fake_view", False):
            return Item.objects.none()
        return _parcel(self.request, self.kwargs["pk"]).items.all()

    def perform_create(self, serializer) -> None:
        parcel = serializer.context["parcel"]
        _require_editable(self.request, parcel)
        serializer.save(parcel=parcel)


class ItemDetail(generics.RetrieveUpdateDestroyAPIView):
    serializer_class = ItemSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self) -> QuerySet[Item]:
        return Item.objects.filter(
            parcel__in=Parcel.objects.for_user(self.request.user)
        ).select_related("parcel__shipment__investigation")

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        if "pk" in self.kwargs and not getattr(self, "swagger_fake_view", False):
            context["parcel"] = self.get_object().parcel
        return context

    def perform_update(self, serializer) -> None:
        _require_editable(self.request, serializer.instance.parcel)
        serializer.save()

    def perform_destroy(self, instance: Item) -> None:
        _require_editable(self.request, instance.parcel)
        instance.delete()


class ParcelStatusList(generics.ListCreateAPIView):
    """A parcel's history; POST a status change (`status`, `comment`, `location`,
    `tracking_number`, `forwarder`): refused with 400 and the workflow's reason."""

    serializer_class = ParcelStatusSerializer
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = None  # a parcel has a dozen steps at most

    def get_queryset(self) -> QuerySet[ParcelStatus]:
        if getattr(self, "swagger_fake_view", False):
            return ParcelStatus.objects.none()
        parcel = _parcel(self.request, self.kwargs["pk"])
        return parcel.history.select_related("created_by").order_by("created_at", "id")

    def create(self, request: Request, *args, **kwargs) -> Response:
        parcel = _parcel(request, kwargs["pk"])
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            entry = parcel.move_to(
                data["status"],
                by=request.user,
                location=data.get("location", ""),
                comment=data.get("comment", ""),
                tracking_number=data.get("tracking_number", ""),
                forwarder=data.get("forwarder", ""),
            )
        except workflow.TransitionRefused as refused:
            return Response({"status": [str(refused)]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(self.get_serializer(entry).data, status=status.HTTP_201_CREATED)
