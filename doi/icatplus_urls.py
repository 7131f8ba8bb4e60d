"""ICAT+'s DOI route for beamline and pipeline software, mounted at /icatplus/."""

from __future__ import annotations

from django.urls import path

from . import icatplus

urlpatterns = [
    path("dataacquisition/<str:api_key>/mint", icatplus.Mint.as_view(), name="icatplus-mint"),
]
