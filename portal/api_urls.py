"""The JSON API: each app contributes its routes from its own `api_urls.py`."""

from __future__ import annotations

from django.urls import include, path

urlpatterns = [
    path("", include("catalogue.api_urls")),
]
