from __future__ import annotations

from django.urls import path

from .views import containers, parcels, shipments, stores

app_name = "shipments"

urlpatterns = [
    path("shipments/", shipments.index, name="index"),
    path(
        "investigations/<int:pk>/shipments/",
        shipments.investigation_shipments,
        name="investigation",
    ),
    path("investigations/<int:pk>/shipments/new/", shipments.shipment_new, name="shipment-new"),
    path("shipments/<int:pk>/", shipments.shipment_detail, name="shipment"),
    path("shipments/<int:pk>/edit/", shipments.shipment_edit, name="shipment-edit"),
    path("shipments/<int:pk>/parcels/new/", parcels.parcel_new, name="parcel-new"),
    path("shipments/addresses/", shipments.addresses, name="addresses"),
    path("shipments/addresses/new/", shipments.address_edit, name="address-new"),
    path("shipments/addresses/<int:pk>/edit/", shipments.address_edit, name="address-edit"),
    path("shipments/addresses/<int:pk>/delete/", shipments.address_delete, name="address-delete"),
    path("shipments/scan/", stores.scan, name="scan"),
    path("shipments/scan/undo/", stores.scan_undo, name="scan-undo"),
    path("shipments/expected/", stores.expected, name="expected"),
    path("parcels/<int:pk>/", parcels.parcel_detail, name="parcel"),
    path("parcels/<int:pk>/edit/", parcels.parcel_edit, name="parcel-edit"),
    path("parcels/<int:pk>/status/", parcels.parcel_move, name="parcel-move"),
    path("parcels/<int:pk>/label.pdf", parcels.parcel_label, name="parcel-label"),
    path("parcels/<int:pk>/contents/", parcels.parcel_contents, name="parcel-contents"),
    path("parcels/<int:parcel_pk>/items/new/", parcels.item_edit, name="item-new"),
    path("items/<int:pk>/edit/", parcels.item_edit, name="item-edit"),
    path("items/<int:pk>/delete/", parcels.item_delete, name="item-delete"),
    path("containers/<int:pk>/", containers.container_detail, name="container"),
    path(
        "containers/<int:pk>/positions/<int:position>/",
        containers.container_position,
        name="container-position",
    ),
    path("containers/<int:pk>/import/", containers.container_import, name="container-import"),
    path(
        "containers/<int:pk>/template.csv",
        containers.container_template,
        {"fmt": "csv"},
        name="container-template-csv",
    ),
    path(
        "containers/<int:pk>/template.xlsx",
        containers.container_template,
        {"fmt": "xlsx"},
        name="container-template-xlsx",
    ),
]
