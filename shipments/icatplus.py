"""ICAT+'s `tracking` group on the shipments app (`/icatplus/tracking/{sessionId}/...`): addresses,
shipments, parcels with their items, status changes, labels, barcodes and the setup.

The caller is the ICAT+ session's user; what they see and may change is decided by
catalogue/access.py as for the shipment pages, status changes go through `parcel.move_to` (the
workflow's rules and e-mails), and writes go through the shipments API's serializers, so that
ICAT+ refuses what the pages refuse. An investigation, shipment, parcel, item or address the
caller may not see answers 404 with the same message as one that does not exist.

ICAT+ names things its own way (`storageConditions`, `sampleContainerPosition`): the output
serializers below produce `icat-plus-client`'s models; input is renamed into the portal's field
names (`_renamed`) and its errors named back, so a refused field reads as the client sent it.
MXCuBE loads the samples of the containers (`content`) that have a `sampleChangerLocation`.
"""

from __future__ import annotations

import json

from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import HttpResponse
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from catalogue import access
from catalogue.icatplus.serializers import IdField
from catalogue.models import Investigation, InvestigationUser, Role
from portal.fields import EARLIEST_DATE, LARGEST_ID, LATEST_DATE
from portal.icatplus import IcatPlusView, validated

from . import workflow
from .labels import parcel_barcodes_pdf, parcel_label_pdf
from .models import (
    Address,
    ContainerType,
    Item,
    ItemKind,
    Parcel,
    ParcelStatus,
    ReturnInstructions,
    Shipment,
    StaleEdit,
    StorageCondition,
)
from .serializers import AddressSerializer, ItemSerializer, ParcelSerializer, ShipmentSerializer
from .views.parcels import _tree

NOT_FOUND = {
    "investigation": "Investigation not found",
    "shipment": "Shipment not found",
    "parcel": "Parcel not found",
    "item": "Item not found",
    "address": "Address not found",
}
ONLY_THE_TEAM = "Only the experiment team changes its shipments."
# ICAT+'s return types: the facility sends it back (the user prepares the papers), or the user's
# forwarder picks it up.
RETURN_TYPES = {
    ReturnInstructions.FACILITY: "USER_MANAGE_PAPERS",
    ReturnInstructions.USER: "USER_ORGANIZE_RETURN",
}


# --- output: icat-plus-client's models ----------------------------------------------------------


def _iso(value) -> str | None:
    return value.isoformat() if value else None


class AddressOut(serializers.Serializer):
    def to_representation(self, address: Address) -> dict:
        return {
            "_id": str(address.pk),
            "name": address.name,
            "surname": "",
            "companyName": address.company,
            "address": address.street,
            "city": address.city,
            "region": address.region,
            "postalCode": address.postal_code,
            "country": address.country,
            "email": address.email,
            "phoneNumber": address.phone,
            "defaultCourierAccount": address.courier_account,
            "defaultCourierCompany": address.courier_company,
        }


class StatusOut(serializers.Serializer):
    def to_representation(self, entry: ParcelStatus) -> dict:
        by = entry.created_by
        return {
            "_id": str(entry.pk),
            "status": entry.status,
            "location": entry.location,
            "comments": entry.comment,
            "createdBy": by.username if by else None,
            "createdByFullName": by.display_name if by else None,
            "createdByEmail": by.email if by else None,
            "createdAt": _iso(entry.created_at),
            "updatedAt": _iso(entry.created_at),
        }


def _plan(plan: dict) -> list[dict]:
    """ICAT+ keeps a plan as key/value pairs whose values are strings, numbers or booleans."""
    pairs = []
    for key, value in plan.items():
        if not isinstance(value, str | int | float | bool):
            value = json.dumps(value)
        pairs.append({"key": key, "value": value})
    return pairs


class ItemOut(serializers.Serializer):
    """One item; `children` (in the context) maps a container's id to what it holds."""

    def to_representation(self, item: Item) -> dict:
        out = {
            "_id": str(item.pk),
            "id": str(item.pk),
            "name": item.name,
            "type": item.kind.upper(),
            "description": item.description,
            "sampleId": item.sample_id,
            "experimentPlan": _plan(item.experiment_plan),
            "processingPlan": [],
        }
        if item.container_type:
            out["containerType"] = item.container_type.upper()
        if item.position is not None:
            out["sampleContainerPosition"] = str(item.position)
        # Only when set: MXCuBE loads the containers that have the key.
        if item.sample_changer_location is not None:
            out["sampleChangerLocation"] = item.sample_changer_location
        if item.kind == ItemKind.CONTAINER:
            children = self.context["children"].get(item.pk, [])
            out["content"] = [self.to_representation(child) for child in children]
        return out


class ParcelOut(serializers.Serializer):
    """A parcel with its history and, for who may see it (not stores), its content; the
    investigation as proposal name and id only, never its title."""

    def to_representation(self, parcel: Parcel) -> dict:
        shipment = parcel.shipment
        investigation = shipment.investigation
        contacts = [m.user for m in investigation.local_contacts]
        out = {
            "_id": str(parcel.pk),
            "id": str(parcel.pk),
            "shipmentId": str(shipment.pk),
            "name": parcel.name,
            "description": parcel.description,
            "investigationId": investigation.pk,
            "investigationName": investigation.name,
            "code": parcel.code,
            "storageConditions": parcel.get_storage_condition_display(),
            "isReimbursed": parcel.reimbursement_requested,
            "returnInstructions": parcel.get_return_instructions_display(),
            "comments": parcel.comments,
            "containsDangerousGoods": parcel.is_dangerous,
            "dangerousGoods": parcel.dangerous_goods,
            "status": parcel.status,
            "currentStatus": parcel.status,
            "location": parcel.location,
            "statuses": StatusOut(parcel.history.all(), many=True).data,
            "shippingTrackingInformation": {
                "trackingNumber": parcel.tracking_number,
                "forwarder": parcel.forwarder,
            },
            "returnTrackingInformation": {"trackingNumber": parcel.return_tracking_number},
            "localContactNames": [user.username for user in contacts],
            "localContactFullnames": [user.display_name for user in contacts],
            "createdAt": _iso(parcel.created_at),
            "updatedAt": _iso(parcel.edited_at or parcel.status_changed_at),
        }
        return_type = RETURN_TYPES.get(parcel.return_instructions)
        if return_type:
            out["returnParcelInformation"] = {
                "returnType": return_type,
                "forwarderName": parcel.return_forwarder,
                "forwarderAccount": parcel.return_account,
                "plannedPickupDate": _iso(parcel.return_pickup_date),
            }
        for name, address in (
            ("shippingAddress", shipment.shipping_address),
            ("returnAddress", shipment.return_address),
        ):
            if address is not None:
                out[name] = AddressOut(address).data
        if investigation.pk in self.context["contents_of"]:
            items = list(parcel.items.all())
            children: dict[int, list[Item]] = {}
            for item in items:
                if item.container_id:
                    children.setdefault(item.container_id, []).append(item)
            out["content"] = ItemOut(
                [item for item in items if not item.container_id],
                many=True,
                context={"children": children},
            ).data
        return out


class ShipmentOut(serializers.Serializer):
    def to_representation(self, shipment: Shipment) -> dict:
        out = {
            "_id": str(shipment.pk),
            "investigationId": shipment.investigation.pk,
            "investigationName": shipment.investigation.name,
            "name": shipment.name,
            "comments": shipment.comments,
            "parcels": [str(parcel.pk) for parcel in shipment.parcels.all()],
        }
        for name, address in (
            ("defaultShippingAddress", shipment.shipping_address),
            ("defaultReturnAddress", shipment.return_address),
        ):
            if address is not None:
                out[name] = AddressOut(address).data
        return out


def _parcels_for(user, parcels: QuerySet[Parcel]) -> QuerySet[Parcel]:
    """Everything a parcel's answer shows, in a fixed number of queries whatever the page size."""
    return parcels.select_related(
        "shipment__investigation",
        "shipment__shipping_address",
        "shipment__return_address",
    ).prefetch_related(
        Prefetch("history", ParcelStatus.objects.select_related("created_by")),
        Prefetch(
            "items",
            Item.objects.for_user(user).order_by("container_id", "position", "id"),
        ),
        Prefetch(
            "shipment__investigation__members",
            InvestigationUser.objects.filter(role=Role.LOCAL_CONTACT).select_related("user"),
            to_attr="local_contacts",
        ),
    )


def _parcels_data(user, parcels: list[Parcel]) -> list[dict]:
    investigations = {parcel.shipment.investigation_id for parcel in parcels}
    contents_of = set(
        access.parcel_contents_investigations(user)
        .filter(pk__in=investigations)
        .values_list("pk", flat=True)
    )
    return ParcelOut(parcels, many=True, context={"contents_of": contents_of}).data


def _parcel_data(user, parcel: Parcel) -> dict:
    return _parcels_data(user, list(_parcels_for(user, Parcel.objects.filter(pk=parcel.pk))))[0]


# --- input --------------------------------------------------------------------------------------


class BoundedDateTimeField(serializers.DateTimeField):
    def __init__(self, **kwargs) -> None:
        super().__init__(input_formats=["iso-8601", "%Y-%m-%d"], **kwargs)

    def to_internal_value(self, value):
        moment = super().to_internal_value(value)
        if not EARLIEST_DATE <= moment.date() <= LATEST_DATE:
            self.fail("invalid", format=f"a date from {EARLIEST_DATE} to {LATEST_DATE}")
        return moment


def _query(serializer_class: type[serializers.Serializer], request: Request, **extra) -> dict:
    return validated(serializer_class, {**request.query_params.dict(), **extra}).validated_data


class InvestigationQuery(serializers.Serializer):
    investigationId = IdField()


class OptionalInvestigationQuery(serializers.Serializer):
    investigationId = IdField(required=False)


class ParcelQuery(serializers.Serializer):
    investigationId = IdField(required=False)
    shipmentId = IdField(required=False)
    parcelId = IdField(required=False)
    status = serializers.CharField(required=False, max_length=1000)
    search = serializers.CharField(required=False, max_length=255)
    format = serializers.ChoiceField(["json"], required=False)
    skip = serializers.IntegerField(required=False, min_value=0, max_value=10**9, default=0)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=1000, default=100)
    startDate = BoundedDateTimeField(required=False)
    endDate = BoundedDateTimeField(required=False)
    startStatus = serializers.CharField(required=False, max_length=32)
    endStatus = serializers.CharField(required=False, max_length=32)
    investigationStartDate = BoundedDateTimeField(required=False)
    investigationEndDate = BoundedDateTimeField(required=False)


class BarcodesQuery(serializers.Serializer):
    instrumentName = serializers.CharField(required=False, max_length=1000)
    status = serializers.CharField(required=False, max_length=1000)


class ShipmentQuery(serializers.Serializer):
    investigationId = IdField()
    shipmentId = IdField(required=False)


class ParcelTarget(serializers.Serializer):
    shipmentId = IdField()
    investigationId = IdField(required=False)


class IdsInPath(serializers.Serializer):
    investigationId = IdField(required=False)
    parcelId = IdField(required=False)
    itemId = IdField(required=False)
    shipmentId = IdField(required=False)


class BodyId(serializers.Serializer):
    """The id of the object a body names (ICAT+ sends the whole object): `_id`, or `id` as
    `icat-plus-client`'s Parcel sends it."""

    _id = serializers.CharField(max_length=20)

    def to_internal_value(self, data):
        if isinstance(data, dict) and "_id" not in data and "id" in data:
            data = {"_id": data["id"]}
        return super().to_internal_value(data)

    def validate__id(self, value: str) -> int:
        if not value.isascii() or not value.isdigit() or not 0 < int(value) <= LARGEST_ID:
            raise serializers.ValidationError("Not a valid id.")
        return int(value)


def _body(request: Request) -> dict:
    if not isinstance(request.data, dict):
        raise exceptions.ValidationError("The body must be a JSON object.")
    return request.data


def _body_id(request: Request) -> int:
    body = BodyId(data=_body(request))
    body.is_valid(raise_exception=True)
    return body.validated_data["_id"]


ADDRESS_FIELDS = {
    "name": "name",
    "companyName": "company",
    "address": "street",
    "city": "city",
    "region": "region",
    "postalCode": "postal_code",
    "country": "country",
    "email": "email",
    "phoneNumber": "phone",
    "defaultCourierCompany": "courier_company",
    "defaultCourierAccount": "courier_account",
}
SHIPMENT_FIELDS = {"name": "name", "comments": "comments"}
PARCEL_FIELDS = {
    "name": "name",
    "description": "description",
    "storageConditions": "storage_condition",
    "containsDangerousGoods": "is_dangerous",
    "dangerousGoods": "dangerous_goods",
    "returnInstructions": "return_instructions",
    "comments": "comments",
    "isReimbursed": "reimbursement_requested",
}
RETURN_FIELDS = {
    "forwarderName": "return_forwarder",
    "forwarderAccount": "return_account",
    "plannedPickupDate": "return_pickup_date",
}
PARCEL_ERRORS = {**PARCEL_FIELDS, **RETURN_FIELDS}
ITEM_FIELDS = {
    "name": "name",
    "type": "kind",
    "containerType": "container_type",
    "description": "description",
    "sampleId": "sample",
    "sampleContainerPosition": "position",
    "sampleChangerLocation": "sample_changer_location",
    "experimentPlan": "experiment_plan",
}


def _renamed(body: dict, fields: dict[str, str]) -> dict:
    """The body's known fields under the portal's names; the rest (ids, dates, what ICAT+ keeps
    and the portal does not) is left out, as ICAT+ clients send whole objects back."""
    return {ours: body[theirs] for theirs, ours in fields.items() if theirs in body}


def _validate(serializer: serializers.Serializer, fields: dict[str, str]) -> dict:
    """Validate with the shipments API's serializer; its errors named as ICAT+'s."""
    theirs = {ours: name for name, ours in fields.items()}
    try:
        serializer.is_valid(raise_exception=True)
    except exceptions.ValidationError as error:
        detail = error.detail
        if isinstance(detail, dict):
            detail = {theirs.get(key, key): value for key, value in detail.items()}
        raise exceptions.ValidationError(detail) from None
    return serializer.validated_data


def _save(serializer: serializers.Serializer, fields: dict[str, str], **extra):
    _validate(serializer, fields)
    return serializer.save(**extra)


def _choice(value, choices: type, field: str):
    """A portal choice from its value or its label, any case (ICAT+ stores free text)."""
    if not isinstance(value, str):
        return value  # the model serializer says what is wrong with it
    for choice in choices:
        if value.strip().lower() in (choice.value.lower(), choice.label.lower()):
            return choice.value
    raise exceptions.ValidationError({field: f"One of: {', '.join(choices.values)}."})


def _parcel_input(body: dict) -> dict:
    data = _renamed(body, PARCEL_FIELDS)
    if "storage_condition" in data:
        data["storage_condition"] = _choice(
            data["storage_condition"], StorageCondition, "storageConditions"
        )
    info = body.get("returnParcelInformation")
    if isinstance(info, dict):
        kind = {v: k for k, v in RETURN_TYPES.items()}.get(info.get("returnType"))
        if kind is None:
            kinds = ", ".join(RETURN_TYPES.values())
            raise exceptions.ValidationError(
                {"returnParcelInformation": f"returnType is one of {kinds}."}
            )
        data["return_instructions"] = kind
        data.update(_renamed(info, RETURN_FIELDS))
    elif "return_instructions" in data:
        data["return_instructions"] = _choice(
            data["return_instructions"], ReturnInstructions, "returnInstructions"
        )
    return data


def _item_input(body: dict, *, new: bool) -> dict:
    data = _renamed(body, ITEM_FIELDS)
    if "kind" in data:
        data["kind"] = _choice(data["kind"], ItemKind, "type")
    if "container_type" in data:
        value = data["container_type"]
        if isinstance(value, str) and value.upper().replace("_", "").startswith("SPINE"):
            value = ContainerType.SPINE  # SPINEPUCK
        elif isinstance(value, str) and value.upper().endswith("PUCK"):  # UNIPUCK
            value = ContainerType.PUCK
        data["container_type"] = _choice(value, ContainerType, "containerType")
    elif new and data.get("kind") == ItemKind.CONTAINER:
        data["container_type"] = ContainerType.PUCK  # what ICAT+'s clients ship
    if isinstance(body.get("experimentPlan"), list):
        # ICAT+'s key/value pairs, the portal's object.
        pairs = body["experimentPlan"]
        if not all(isinstance(p, dict) and isinstance(p.get("key"), str) for p in pairs):
            raise exceptions.ValidationError({"experimentPlan": "A list of {key, value} pairs."})
        data["experiment_plan"] = {p["key"]: p.get("value") for p in pairs}
    return data


# --- lookups: a hidden object answers as a nonexistent one ---------------------------------------


def _investigation(request: Request, pk: int, *, manage: bool = False) -> Investigation:
    """An investigation whose shipments the caller sees (to change them, when `manage`: seeing
    but not managing is 403, as on the shipments API)."""
    investigation = (
        access.shipment_investigations(request.user).select_related("instrument").filter(pk=pk)
    ).first()
    if investigation is None:
        raise exceptions.NotFound(NOT_FOUND["investigation"])
    if manage and not access.can_manage_shipments(request.user, investigation):
        raise exceptions.PermissionDenied(ONLY_THE_TEAM)
    return investigation


def _shipment(request: Request, investigation: Investigation, pk: int) -> Shipment:
    shipment = (
        Shipment.objects.for_user(request.user)
        .filter(investigation=investigation, pk=pk)
        .select_related("investigation", "shipping_address", "return_address")
        .first()
    )
    if shipment is None:
        raise exceptions.NotFound(NOT_FOUND["shipment"])
    return shipment


def _parcel(request: Request, investigation: Investigation, pk: int) -> Parcel:
    parcel = (
        Parcel.objects.for_user(request.user)
        .filter(shipment__investigation=investigation, pk=pk)
        .select_related(
            "shipment__investigation__instrument",
            "shipment__shipping_address",
            "shipment__return_address",
        )
        .first()
    )
    if parcel is None:
        raise exceptions.NotFound(NOT_FOUND["parcel"])
    return parcel


def _item(request: Request, parcel: Parcel, pk: int) -> Item:
    item = Item.objects.for_user(request.user).filter(parcel=parcel, pk=pk).first()
    if item is None:
        raise exceptions.NotFound(NOT_FOUND["item"])
    return item


def _address(request: Request, pk: int) -> Address:
    address = Address.objects.for_user(request.user).filter(pk=pk).first()
    if address is None:
        raise exceptions.NotFound(NOT_FOUND["address"])
    return address


def _path(**kwargs) -> dict:
    ids = IdsInPath(data={k: v for k, v in kwargs.items() if v is not None})
    ids.is_valid(raise_exception=True)
    return ids.validated_data


def _require_team(request: Request, investigation: Investigation) -> None:
    """Changes are the team's (and staff's): safety and stores, who see the parcels, get 403
    before their body is read, as on the shipments API."""
    if not access.can_manage_shipments(request.user, investigation):
        raise exceptions.PermissionDenied(ONLY_THE_TEAM)


def _require(reason: str | None) -> None:
    """What the workflow says of the parcel's state: 400 with its reason."""
    if reason:
        raise exceptions.ValidationError(reason)


# --- addresses ----------------------------------------------------------------------------------


class MyAddresses(IcatPlusView):
    """`GET /tracking/{sessionId}/address`: the caller's address book."""

    def get(self, request: Request, session_id: str) -> Response:
        addresses = Address.objects.for_user(request.user)
        return Response(AddressOut(addresses, many=True).data)


class InvestigationAddresses(IcatPlusView):
    """`/tracking/{sessionId}/investigation/id/{investigationId}/address`: the caller's
    addresses to use in this investigation's shipments; POST adds one, PUT and DELETE change
    or remove the one the body's `_id` names (the caller's own only)."""

    def get(self, request: Request, session_id: str, investigation_id: str) -> Response:
        _investigation(request, _path(investigationId=investigation_id)["investigationId"])
        return Response(AddressOut(Address.objects.for_user(request.user), many=True).data)

    def post(self, request: Request, session_id: str, investigation_id: str) -> Response:
        pk = _path(investigationId=investigation_id)["investigationId"]
        _investigation(request, pk, manage=True)
        data = _renamed(_body(request), ADDRESS_FIELDS)
        if isinstance(data.get("name"), str) and isinstance(request.data.get("surname"), str):
            data["name"] = f"{data['name']} {request.data['surname']}".strip()
        address = _save(AddressSerializer(data=data), ADDRESS_FIELDS, owner=request.user)
        return Response(AddressOut(address).data)

    def put(self, request: Request, session_id: str, investigation_id: str) -> Response:
        pk = _path(investigationId=investigation_id)["investigationId"]
        _investigation(request, pk, manage=True)
        address = _address(request, _body_id(request))
        data = _renamed(request.data, ADDRESS_FIELDS)
        address = _save(AddressSerializer(address, data=data, partial=True), ADDRESS_FIELDS)
        return Response(AddressOut(address).data)

    def delete(self, request: Request, session_id: str, investigation_id: str) -> Response:
        pk = _path(investigationId=investigation_id)["investigationId"]
        _investigation(request, pk, manage=True)
        address = _address(request, _body_id(request))
        data = AddressOut(address).data
        address.delete()  # shipments that used it keep no address (SET_NULL)
        return Response(data)


# --- shipments ----------------------------------------------------------------------------------


def _shipment_input(request: Request, body: dict) -> dict:
    data = _renamed(body, SHIPMENT_FIELDS)
    for theirs, ours in (
        ("defaultShippingAddress", "shipping_address"),
        ("defaultReturnAddress", "return_address"),
    ):
        if theirs in body:
            address = body[theirs]
            data[ours] = address.get("_id") if isinstance(address, dict) else address
    return data


SHIPMENT_ERRORS = {
    **SHIPMENT_FIELDS,
    "defaultShippingAddress": "shipping_address",
    "defaultReturnAddress": "return_address",
}


class Shipments(IcatPlusView):
    """`/tracking/{sessionId}/shipment?investigationId=`: GET lists the investigation's
    shipments (`shipmentId` one of them); POST creates one, PUT changes and DELETE removes the
    one the body's `_id` names (only while none of its parcels is on its way)."""

    def _shipments(self, request: Request, investigation: Investigation) -> QuerySet[Shipment]:
        return (
            Shipment.objects.for_user(request.user)
            .filter(investigation=investigation)
            .select_related("investigation", "shipping_address", "return_address")
            .prefetch_related(Prefetch("parcels", Parcel.objects.only("pk", "shipment_id")))
        )

    def get(self, request: Request, session_id: str) -> Response:
        query = _query(ShipmentQuery, request)
        investigation = _investigation(request, query["investigationId"])
        shipments = self._shipments(request, investigation)
        if "shipmentId" in query:
            shipments = shipments.filter(pk=query["shipmentId"])
        return Response(ShipmentOut(shipments, many=True).data)

    def post(self, request: Request, session_id: str) -> Response:
        investigation = _investigation(
            request, _query(InvestigationQuery, request)["investigationId"], manage=True
        )
        data = {**_shipment_input(request, _body(request)), "investigation": investigation.pk}
        serializer = ShipmentSerializer(data=data, context={"request": request})
        shipment = _save(serializer, SHIPMENT_ERRORS, created_by=request.user)
        return Response(
            ShipmentOut(self._shipments(request, investigation).get(pk=shipment.pk)).data
        )

    def put(self, request: Request, session_id: str) -> Response:
        investigation = _investigation(
            request, _query(InvestigationQuery, request)["investigationId"], manage=True
        )
        shipment = _shipment(request, investigation, _body_id(request))
        data = _shipment_input(request, request.data)
        serializer = ShipmentSerializer(
            shipment, data=data, partial=True, context={"request": request}
        )
        _save(serializer, SHIPMENT_ERRORS)
        return Response(
            ShipmentOut(self._shipments(request, investigation).get(pk=shipment.pk)).data
        )

    def delete(self, request: Request, session_id: str) -> Response:
        investigation = _investigation(
            request, _query(InvestigationQuery, request)["investigationId"], manage=True
        )
        shipment = _shipment(request, investigation, _body_id(request))
        if shipment.parcels.exclude(status=workflow.Status.REMOVED).exists():
            raise exceptions.ValidationError(
                "The shipment has parcels: cancel them first, then remove the shipment."
            )
        shipment.delete()
        return Response(status=200)


# --- parcels ------------------------------------------------------------------------------------


def _statuses(raw: str, field: str) -> list[str]:
    statuses = [s.strip().upper() for s in raw.split(",") if s.strip()]
    unknown = [s for s in statuses if s not in workflow.Status.values]
    if unknown:
        raise exceptions.ValidationError({field: f"Not a parcel status: {unknown[0][:40]}."})
    return statuses


class Parcels(IcatPlusView):
    """`/tracking/{sessionId}/parcel`: GET lists the parcels the caller sees (of an
    investigation, a shipment, or one parcel; by status, text, dates), with their items; POST
    creates a parcel in `shipmentId` (or changes the one the body's `_id` names), PUT changes
    one."""

    def get(self, request: Request, session_id: str) -> Response:
        query = _query(ParcelQuery, request)
        parcels = Parcel.objects.for_user(request.user)
        if "investigationId" in query:
            parcels = parcels.filter(shipment__investigation_id=query["investigationId"])
        if "shipmentId" in query:
            parcels = parcels.filter(shipment_id=query["shipmentId"])
        if "parcelId" in query:
            parcels = parcels.filter(pk=query["parcelId"])
        if query.get("status"):
            parcels = parcels.filter(status__in=_statuses(query["status"], "status"))
        if query.get("search"):
            text = query["search"]
            parcels = parcels.filter(
                Q(name__icontains=text)
                | Q(description__icontains=text)
                | Q(shipment__name__icontains=text)
                | Q(shipment__investigation__name__icontains=text)
            )
        for bound, lookup, status_field in (
            ("startDate", "gte", "startStatus"),
            ("endDate", "lte", "endStatus"),
        ):
            if bound in query:
                steps = ParcelStatus.objects.filter(
                    parcel=OuterRef("pk"), **{f"created_at__{lookup}": query[bound]}
                )
                if query.get(status_field):
                    steps = steps.filter(status__in=_statuses(query[status_field], status_field))
                parcels = parcels.filter(Exists(steps))
        if "investigationStartDate" in query:
            parcels = parcels.filter(
                shipment__investigation__start_date__gte=query["investigationStartDate"]
            )
        if "investigationEndDate" in query:
            parcels = parcels.filter(
                shipment__investigation__end_date__lte=query["investigationEndDate"]
            )
        skip, limit = query["skip"], query["limit"]
        page = list(_parcels_for(request.user, parcels.order_by("-id"))[skip : skip + limit])
        return Response(_parcels_data(request.user, page))

    def post(self, request: Request, session_id: str) -> Response:
        body = _body(request)
        if body.get("_id") or body.get("id"):
            return self.put(request, session_id)
        shipment = self._shipment(request)
        data = {**_parcel_input(body), "shipment": shipment.pk}
        serializer = ParcelSerializer(data=data, context={"request": request})
        with transaction.atomic():
            parcel = _save(serializer, PARCEL_ERRORS, created_by=request.user)
            workflow.start(parcel, by=request.user)
        return Response(_parcel_data(request.user, parcel))

    def put(self, request: Request, session_id: str) -> Response:
        shipment = self._shipment(request)
        parcel = _parcel(request, shipment.investigation, _body_id(request))
        if parcel.shipment_id != shipment.pk:
            raise exceptions.NotFound(NOT_FOUND["parcel"])
        _require(workflow.edit_refusal(parcel, request.user))
        serializer = ParcelSerializer(
            parcel, data=_parcel_input(request.data), partial=True, context={"request": request}
        )
        try:
            _save(serializer, PARCEL_ERRORS)
        except StaleEdit as stale:  # someone saved it between our read and our write
            raise exceptions.ValidationError(str(stale)) from None
        return Response(_parcel_data(request.user, parcel))

    def _shipment(self, request: Request) -> Shipment:
        """The shipment `shipmentId` names, in `investigationId` when given; changed by the
        team only."""
        query = _query(ParcelTarget, request)
        shipment = (
            Shipment.objects.for_user(request.user)
            .filter(pk=query["shipmentId"])
            .select_related("investigation")
            .first()
        )
        if shipment is None or query.get("investigationId", shipment.investigation_id) != (
            shipment.investigation_id
        ):
            raise exceptions.NotFound(NOT_FOUND["shipment"])
        _require_team(request, shipment.investigation)
        return shipment


class ShipmentParcel(IcatPlusView):
    """`DELETE /tracking/{sessionId}/shipment/id/{shipmentId}/parcel`: cancels the parcel the
    body's `_id` names (status REMOVED, through the workflow: a parcel on its way stays)."""

    def delete(self, request: Request, session_id: str, shipment_id: str) -> Response:
        ids = _path(shipmentId=shipment_id)
        query = _query(OptionalInvestigationQuery, request)
        shipment = (
            Shipment.objects.for_user(request.user)
            .filter(pk=ids["shipmentId"])
            .select_related("investigation")
            .first()
        )
        if shipment is None or query.get("investigationId", shipment.investigation_id) != (
            shipment.investigation_id
        ):
            raise exceptions.NotFound(NOT_FOUND["shipment"])
        parcel = _parcel(request, shipment.investigation, _body_id(request))
        if parcel.shipment_id != shipment.pk:
            raise exceptions.NotFound(NOT_FOUND["parcel"])
        _require_team(request, shipment.investigation)
        try:
            parcel.move_to(workflow.Status.REMOVED, by=request.user)
        except workflow.TransitionRefused as refused:
            raise exceptions.ValidationError(str(refused)) from None
        return Response(status=200)


class StatusIn(serializers.Serializer):
    status = serializers.CharField(max_length=32)
    location = serializers.CharField(max_length=255, required=False, allow_blank=True)
    comments = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    shippingTrackingInformation = serializers.DictField(required=False)
    returnTrackingInformation = serializers.DictField(required=False)

    def validate_status(self, value: str) -> str:
        return value.strip().upper()

    def tracking(self) -> tuple[str, str]:
        """(tracking number, forwarder) of the leg the new status starts."""
        data = self.validated_data
        leg = (
            data.get(
                "returnTrackingInformation"
                if data["status"] == workflow.Status.BACK_USER
                else "shippingTrackingInformation"
            )
            or {}
        )
        number, forwarder = leg.get("trackingNumber") or "", leg.get("forwarder") or ""
        if not isinstance(number, str) or not isinstance(forwarder, str):
            raise exceptions.ValidationError({"trackingNumber": "Text, please."})
        if len(number) > 255 or len(forwarder) > 255:
            raise exceptions.ValidationError({"trackingNumber": "At most 255 characters."})
        return number, forwarder


class ParcelStatusChange(IcatPlusView):
    """`PUT /tracking/{sessionId}/investigation/id/{investigationId}/parcel/id/{parcelId}/parcel/
    status`: moves the parcel through the workflow (same rules and e-mails as the pages); a
    change it refuses is 400 with the workflow's reason."""

    def put(self, request: Request, session_id: str, investigation_id: str, parcel_id: str):
        ids = _path(investigationId=investigation_id, parcelId=parcel_id)
        parcel = _parcel(request, _investigation(request, ids["investigationId"]), ids["parcelId"])
        change = StatusIn(data=_body(request))
        change.is_valid(raise_exception=True)
        number, forwarder = change.tracking()
        data = change.validated_data
        try:
            parcel.move_to(
                data["status"],
                by=request.user,
                location=data.get("location", ""),
                comment=data.get("comments", ""),
                tracking_number=number,
                forwarder=forwarder,
            )
        except workflow.TransitionRefused as refused:
            raise exceptions.ValidationError({"status": str(refused)}) from None
        return Response(_parcel_data(request.user, parcel))


# --- items --------------------------------------------------------------------------------------


class ParcelItems(IcatPlusView):
    """`POST .../investigation/id/{investigationId}/parcel/id/{parcelId}/item`: adds an item (a
    container with its `content`, each at its `sampleContainerPosition`); answers the parcel."""

    def post(self, request: Request, session_id: str, investigation_id: str, parcel_id: str):
        ids = _path(investigationId=investigation_id, parcelId=parcel_id)
        investigation = _investigation(request, ids["investigationId"])
        parcel = _parcel(request, investigation, ids["parcelId"])
        _require_team(request, investigation)
        _require(workflow.edit_refusal(parcel, request.user))
        body = _body(request)
        content = body.get("content") or []
        if not isinstance(content, list) or not all(isinstance(c, dict) for c in content):
            raise exceptions.ValidationError({"content": "A list of items."})
        context = {"request": request, "parcel": parcel}
        with transaction.atomic():
            data = _item_input(body, new=True)
            item = _save(ItemSerializer(data=data, context=context), ITEM_FIELDS, parcel=parcel)
            for child in content:
                data = {**_item_input(child, new=True), "container": item.pk}
                _save(ItemSerializer(data=data, context=context), ITEM_FIELDS, parcel=parcel)
        return Response(_parcel_data(request.user, parcel))


class ParcelItem(IcatPlusView):
    """`PUT` (change) and `DELETE` `.../parcel/id/{parcelId}/item/{itemId}`. The content may
    change while the parcel is being prepared; a container's `sampleChangerLocation` also at
    the beamline, where it is loaded (`workflow.loading_refusal`)."""

    def _item(self, request: Request, investigation_id: str, parcel_id: str, item_id: str):
        ids = _path(investigationId=investigation_id, parcelId=parcel_id, itemId=item_id)
        investigation = _investigation(request, ids["investigationId"])
        parcel = _parcel(request, investigation, ids["parcelId"])
        item = _item(request, parcel, ids["itemId"])
        _require_team(request, investigation)
        return item

    def put(
        self, request: Request, session_id: str, investigation_id: str, parcel_id: str, item_id: str
    ) -> Response:
        item = self._item(request, investigation_id, parcel_id, item_id)
        body = _body(request)
        if body.get("content"):
            raise exceptions.ValidationError(
                {"content": "Change a container's content item by item."}
            )
        before = {name: getattr(item, name) for name in ITEM_FIELDS.values()}
        context = {"request": request, "parcel": item.parcel}
        data = _item_input(body, new=False)
        serializer = ItemSerializer(item, data=data, partial=True, context=context)
        # ICAT+ clients send the whole item back: what decides is what they change.
        validated = _validate(serializer, ITEM_FIELDS)
        changed = {k for k, v in validated.items() if before.get(k) != v}
        if changed <= {"sample_changer_location"}:
            _require(workflow.loading_refusal(item.parcel, request.user))
        else:
            _require(workflow.edit_refusal(item.parcel, request.user))
        _save(serializer, ITEM_FIELDS)
        return Response(_parcel_data(request.user, item.parcel))

    def delete(
        self, request: Request, session_id: str, investigation_id: str, parcel_id: str, item_id: str
    ) -> Response:
        item = self._item(request, investigation_id, parcel_id, item_id)
        _require(workflow.edit_refusal(item.parcel, request.user))
        parcel = item.parcel
        item.delete()
        return Response(_parcel_data(request.user, parcel))


# --- papers and set-up --------------------------------------------------------------------------


class ParcelLabels(IcatPlusView):
    """`GET .../parcel/id/{parcelId}/labels`: the label and content list as one PDF (the
    content list only for who may see it), as the parcel page prints them."""

    def get(self, request: Request, session_id: str, investigation_id: str, parcel_id: str):
        ids = _path(investigationId=investigation_id, parcelId=parcel_id)
        parcel = _parcel(request, _investigation(request, ids["investigationId"]), ids["parcelId"])
        pdf = parcel_label_pdf(parcel=parcel, tree=_tree(parcel, request.user), viewer=request.user)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{parcel.code}-label.pdf"'
        return response


MAX_BARCODES = 500


class Barcodes(IcatPlusView):
    """`GET /tracking/{sessionId}/barcodes?instrumentName=&status=`: a PDF sheet of the
    barcodes of the parcels the caller sees (stores print them for the parcels they expect)."""

    def get(self, request: Request, session_id: str):
        query = _query(BarcodesQuery, request)
        parcels = Parcel.objects.for_user(request.user).select_related(
            "shipment__investigation__instrument"
        )
        if query.get("instrumentName"):
            names = [n.strip() for n in query["instrumentName"].split(",") if n.strip()]
            parcels = parcels.filter(
                shipment__investigation__instrument__name__in=[n.upper() for n in names]
            )
        if query.get("status"):
            parcels = parcels.filter(status__in=_statuses(query["status"], "status"))
        page = list(parcels.order_by("id")[: MAX_BARCODES + 1])
        if len(page) > MAX_BARCODES:
            raise exceptions.ValidationError(
                f"More than {MAX_BARCODES} parcels: choose a beamline or a status."
            )
        response = HttpResponse(parcel_barcodes_pdf(parcels=page), content_type="application/pdf")
        response["Content-Disposition"] = 'inline; filename="barcodes.pdf"'
        return response


class Setup(IcatPlusView):
    """`GET /tracking/{sessionId}/setup?investigationId=`: the containers the portal knows,
    with their capacity; experiment plans are free key/value pairs here, so no fields."""

    def get(self, request: Request, session_id: str) -> Response:
        query = _query(OptionalInvestigationQuery, request)
        out = {
            "sampleChangerType": [],
            "containerHeaders": [],
            "containerTypes": [
                {"name": kind.value.upper(), "capacity": kind.capacity} for kind in ContainerType
            ],
            "experimentPlan": [],
            "processingPlan": [],
            "sampleDescription": [],
        }
        if "investigationId" in query:
            investigation = _investigation(request, query["investigationId"])
            out["instrumentName"] = investigation.instrument.name
        return Response(out)
