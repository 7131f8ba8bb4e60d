from __future__ import annotations

from django.urls import path, re_path

from . import api

urlpatterns = [
    path("doi-collections/", api.CollectionList.as_view(), name="api-doi-collection-list"),
    path(
        "doi-collections/<int:pk>/",
        api.CollectionDetail.as_view(),
        name="api-doi-collection-detail",
    ),
    path(
        "doi-collections/<int:pk>/reserve/",
        api.CollectionReserve.as_view(),
        name="api-doi-collection-reserve",
    ),
    path(
        "doi-collections/<int:pk>/mint/",
        api.CollectionMint.as_view(),
        name="api-doi-collection-mint",
    ),
    path("dois/", api.DoiList.as_view(), name="api-doi-list"),
    re_path(
        r"^dois/(?P<prefix>10\.[0-9.]+)/(?P<suffix>[^/]+)/$",
        api.DoiDetail.as_view(),
        name="api-doi-detail",
    ),
]
