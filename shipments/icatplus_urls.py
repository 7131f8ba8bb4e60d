"""ICAT+'s `tracking` group at /icatplus/, paths as in ICAT+'s OpenAPI (shipments/icatplus.py)."""

from __future__ import annotations

from django.urls import path

from . import icatplus

TRACKING = "tracking/<str:session_id>/"
PARCEL = TRACKING + "investigation/id/<str:investigation_id>/parcel/id/<str:parcel_id>/"

urlpatterns = [
    path(TRACKING + "address", icatplus.MyAddresses.as_view(), name="icatplus-tracking-addresses"),
    path(
        TRACKING + "investigation/id/<str:investigation_id>/address",
        icatplus.InvestigationAddresses.as_view(),
        name="icatplus-tracking-investigation-addresses",
    ),
    path(TRACKING + "shipment", icatplus.Shipments.as_view(), name="icatplus-tracking-shipments"),
    path(
        TRACKING + "shipment/id/<str:shipment_id>/parcel",
        icatplus.ShipmentParcel.as_view(),
        name="icatplus-tracking-shipment-parcel",
    ),
    path(TRACKING + "parcel", icatplus.Parcels.as_view(), name="icatplus-tracking-parcels"),
    path(
        PARCEL + "parcel/status",
        icatplus.ParcelStatusChange.as_view(),
        name="icatplus-tracking-parcel-status",
    ),
    path(PARCEL + "item", icatplus.ParcelItems.as_view(), name="icatplus-tracking-items"),
    path(
        PARCEL + "item/<str:item_id>",
        icatplus.ParcelItem.as_view(),
        name="icatplus-tracking-item",
    ),
    path(PARCEL + "labels", icatplus.ParcelLabels.as_view(), name="icatplus-tracking-labels"),
    path(TRACKING + "barcodes", icatplus.Barcodes.as_view(), name="icatplus-tracking-barcodes"),
    path(TRACKING + "setup", icatplus.Setup.as_view(), name="icatplus-tracking-setup"),
]
