from __future__ import annotations

from django.urls import path

from . import api

urlpatterns = [
    path("addresses/", api.AddressList.as_view(), name="api-address-list"),
    path("addresses/<int:pk>/", api.AddressDetail.as_view(), name="api-address-detail"),
    path("shipments/", api.ShipmentList.as_view(), name="api-shipment-list"),
    path("shipments/<int:pk>/", api.ShipmentDetail.as_view(), name="api-shipment-detail"),
    path("parcels/", api.ParcelList.as_view(), name="api-parcel-list"),
    path("parcels/<int:pk>/", api.ParcelDetail.as_view(), name="api-parcel-detail"),
    path("parcels/<int:pk>/items/", api.ItemList.as_view(), name="api-item-list"),
    path("items/<int:pk>/", api.ItemDetail.as_view(), name="api-item-detail"),
    path(
        "parcels/<int:pk>/statuses/", api.ParcelStatusList.as_view(), name="api-parcelstatus-list"
    ),
]
