"""JSON API for shipments (ICAT+'s tracking resources as a guide). Querysets come from the
models' `for_user` (catalogue/access.py's `visible_*`); status changes go through the workflow.
An id the caller may not use is answered exactly like one that does not exist."""

from __future__ import annotations

from django import forms
from django.db import transaction
from django.db.models import QuerySet
from django.utils.cache import patch_cache_control
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import generics, permissions, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from catalogue import access
from portal.api import query_filters, query_parameter
from portal.fields import LARGEST_ID, IdField

from . import workflow
from .models import Address, Item, Parcel, ParcelStatus, Shipment, StaleEdit
from .serializers import (
    AddressSerializer,
    ItemSerializer,
    ParcelSerializer,
    ParcelStatusSerializer,
    ShipmentSerializer,
)


def _investigation_of(obj: Shipment | Parcel | Item):
    if isinstance(obj, Item):
        obj = obj.parcel
    if isinstance(obj, Parcel):
        obj = obj.shipment
    return obj.investigation


class ChangedByTheTeam(permissions.IsAuthenticated):
    """Reading is for whoever sees the object (the querysets decide); changing it, for the team
    and staff (`access.can_manage_shipments`). DRF asks when the view fetches the object, before
    the body is read, so safety and stores, who see it, get 403 whatever they send."""

    message = "Only the experiment team changes its shipments."

    def has_object_permission(self, request: Request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return access.can_manage_shipments(request.user, _investigation_of(obj))


def _refuse_unmanaged_target(request: Request, visible: QuerySet, field: str) -> None:
    """A create names its target in the body (the shipment of a parcel, the investigation of a
    shipment). One the caller sees but may not change is refused with 403 before the rest of
    the body is looked at, as for an update; one they do not see is left to the serializer,
    whose "Invalid pk" is the same as for an id that does not exist."""
    pk = request.data.get(field) if hasattr(request.data, "get") else None
    if isinstance(pk, str) and pk.isascii() and pk.isdigit():
        pk = int(pk)
    if not isinstance(pk, int) or isinstance(pk, bool) or not 0 < pk <= LARGEST_ID:
        return
    target = visible.filter(pk=pk).first()
    if target is not None and not access.can_manage_shipments(
        request.user, getattr(target, "investigation", target)
    ):
        raise PermissionDenied(ChangedByTheTeam.message)


def _require_editable(request: Request, parcel: Parcel) -> None:
    reason = workflow.edit_refusal(parcel, request.user)
    if reason:
        raise serializers.ValidationError({"detail": reason})


class Private:
    """Every answer carries someone's shipping data: no shared cache keeps it."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_cache_control(response, private=True)
        return response


class ShipmentFilter(forms.Form):
    # An id, not a choice of investigations: a hidden id and a nonexistent one both give [].
    investigation = IdField(required=False)


class ParcelFilter(forms.Form):
    shipment = IdField(required=False)
    status = forms.ChoiceField(choices=workflow.Status.choices, required=False)
    # Read as text: true/false/1/0; anything else does not filter.
    is_dangerous = forms.NullBooleanField(required=False, widget=forms.TextInput)


class AddressList(Private, generics.ListCreateAPIView):
    """The caller's address book."""

    serializer_class = AddressSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self) -> QuerySet[Address]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return Address.objects.none()
        return Address.objects.for_user(self.request.user)

    def perform_create(self, serializer) -> None:
        serializer.save(owner=self.request.user)


class AddressDetail(Private, generics.RetrieveUpdateDestroyAPIView):
    serializer_class = AddressSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self) -> QuerySet[Address]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return Address.objects.none()
        return Address.objects.for_user(self.request.user)


@extend_schema_view(get=extend_schema(parameters=[query_parameter("investigation", int, "id")]))
class ShipmentList(Private, generics.ListCreateAPIView):
    """Shipments the caller sees; `?investigation=<id>` narrows to one experiment."""

    serializer_class = ShipmentSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self) -> QuerySet[Shipment]:
        shipments = Shipment.objects.for_user(self.request.user).select_related("investigation")
        data = query_filters(ShipmentFilter, self.request)
        if data["investigation"]:
            shipments = shipments.filter(investigation_id=data["investigation"])
        return shipments

    def create(self, request: Request, *args, **kwargs) -> Response:
        _refuse_unmanaged_target(
            request, access.visible_investigations(request.user), "investigation"
        )
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer) -> None:
        serializer.save(created_by=self.request.user)


class ShipmentDetail(Private, generics.RetrieveUpdateAPIView):
    serializer_class = ShipmentSerializer
    permission_classes = [ChangedByTheTeam]

    def get_queryset(self) -> QuerySet[Shipment]:
        return Shipment.objects.for_user(self.request.user).select_related("investigation")


@extend_schema_view(
    get=extend_schema(
        parameters=[
            query_parameter("shipment", int, "shipment id"),
            query_parameter("status", str, "e.g. READY"),
            query_parameter("is_dangerous", bool, "true or false"),
        ]
    )
)
class ParcelList(Private, generics.ListCreateAPIView):
    """Parcels the caller sees; filter with `?shipment=<id>` and `?status=READY`."""

    serializer_class = ParcelSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self) -> QuerySet[Parcel]:
        parcels = Parcel.objects.for_user(self.request.user)
        data = query_filters(ParcelFilter, self.request)
        if data["shipment"]:
            parcels = parcels.filter(shipment_id=data["shipment"])
        if data["status"]:
            parcels = parcels.filter(status=data["status"])
        if data["is_dangerous"] is not None:
            parcels = parcels.filter(is_dangerous=data["is_dangerous"])
        return parcels

    def create(self, request: Request, *args, **kwargs) -> Response:
        _refuse_unmanaged_target(
            request,
            Shipment.objects.for_user(request.user).select_related("investigation"),
            "shipment",
        )
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer) -> None:
        with transaction.atomic():
            parcel = serializer.save(created_by=self.request.user)
            workflow.start(parcel, by=self.request.user)


_STALE_PARCEL = OpenApiResponse(
    inline_serializer(
        "StaleParcelEdit",
        {"detail": serializers.CharField(), "version": serializers.IntegerField()},
    ),
    description="`version` is older than the parcel's: nothing was changed.",
)


@extend_schema_view(
    put=extend_schema(responses={200: ParcelSerializer, 409: _STALE_PARCEL}),
    patch=extend_schema(responses={200: ParcelSerializer, 409: _STALE_PARCEL}),
)
class ParcelDetail(Private, generics.RetrieveUpdateAPIView):
    """PATCH or PUT may name the `version` the edit started from: if someone saved the parcel
    since, the answer is 409 naming who and when, and nothing changes."""

    serializer_class = ParcelSerializer
    permission_classes = [ChangedByTheTeam]

    def get_queryset(self) -> QuerySet[Parcel]:
        return Parcel.objects.for_user(self.request.user).select_related("shipment__investigation")

    def update(self, request: Request, *args, **kwargs) -> Response:
        # Refused before the input is validated, so validation tells nobody else anything.
        _require_editable(request, self.get_object())
        try:
            return super().update(request, *args, **kwargs)
        except StaleEdit as stale:
            # The logbook API's 409: what happened, and the version to start again from.
            return Response(
                {"detail": str(stale), "version": stale.current.version},
                status=status.HTTP_409_CONFLICT,
            )


def _parcel(request: Request, pk: int) -> Parcel:
    return get_object_or_404(
        Parcel.objects.for_user(request.user).select_related("shipment__investigation"), pk=pk
    )


class ItemList(Private, generics.ListCreateAPIView):
    """The content of one parcel."""

    serializer_class = ItemSerializer
    permission_classes = [ChangedByTheTeam]

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no parcel
            return context
        return {**context, "parcel": _parcel(self.request, self.kwargs["pk"])}

    def get_queryset(self) -> QuerySet[Item]:
        if getattr(self, "swagger_fake_view", False):
            return Item.objects.none()
        parcel = _parcel(self.request, self.kwargs["pk"])
        return Item.objects.for_user(self.request.user).filter(parcel=parcel)

    def create(self, request: Request, *args, **kwargs) -> Response:
        parcel = _parcel(request, kwargs["pk"])
        self.check_object_permissions(request, parcel)
        _require_editable(request, parcel)
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer) -> None:
        serializer.save(parcel=serializer.context["parcel"])


class ItemDetail(Private, generics.RetrieveUpdateDestroyAPIView):
    serializer_class = ItemSerializer
    permission_classes = [ChangedByTheTeam]

    def get_queryset(self) -> QuerySet[Item]:
        return Item.objects.for_user(self.request.user).select_related(
            "parcel__shipment__investigation"
        )

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        if "pk" in self.kwargs and not getattr(self, "swagger_fake_view", False):
            context["parcel"] = self.get_object().parcel
        return context

    def update(self, request: Request, *args, **kwargs) -> Response:
        _require_editable(request, self.get_object().parcel)
        return super().update(request, *args, **kwargs)

    def perform_destroy(self, instance: Item) -> None:
        _require_editable(self.request, instance.parcel)
        instance.delete()


class ParcelStatusList(Private, generics.ListCreateAPIView):
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
