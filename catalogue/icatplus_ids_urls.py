"""ICAT+'s `ids` group, at /icatplus/ (paths as in ICAT+'s OpenAPI)."""

from __future__ import annotations

from django.urls import path

from . import icatplus_h5grove, icatplus_ids
from .h5grove import ROUTES as H5GROVE_ROUTES

urlpatterns = [
    path("ids/data/download", icatplus_ids.DataDownload.as_view(), name="icatplus-ids-download"),
    path("ids/data/metalink", icatplus_ids.DataMetalink.as_view(), name="icatplus-ids-metalink"),
    # Deprecated by ICAT+ for the route above, still called by older clients.
    path(
        "ids/<str:session_id>/data/download",
        icatplus_ids.DataDownload.as_view(),
        name="icatplus-ids-session-download",
    ),
    path(
        "ids/<str:session_id>/datasets/restore",
        icatplus_ids.DatasetsRestore.as_view(),
        name="icatplus-ids-restore",
    ),
    path(
        "ids/<str:session_id>/datasets/status",
        icatplus_ids.DatasetsStatus.as_view(),
        name="icatplus-ids-status",
    ),
    path("ids/<str:session_id>/path", icatplus_ids.DataPath.as_view(), name="icatplus-ids-path"),
]

# ICAT+'s `h5grove` group (catalogue/icatplus_h5grove.py).
urlpatterns += [
    path(
        f"h5grove/{route}",
        icatplus_h5grove.H5Grove.as_view(route=route),
        name=f"icatplus-h5grove-{route}",
    )
    for route in H5GROVE_ROUTES
]
