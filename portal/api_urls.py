"""The JSON API: each app contributes its routes from its own `api_urls.py`."""

from __future__ import annotations

from django.urls import include, path

urlpatterns = [
    path("", include("catalogue.api_urls")),
    path("", include("logbook.api_urls")),
    path("", include("shipments.api_urls")),
    path("", include("doi.api_urls")),
]
