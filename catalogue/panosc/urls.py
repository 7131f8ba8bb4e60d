from __future__ import annotations

from django.urls import path

from . import views

app_name = "panosc"

# PaNOSC clients (the federated search, the portal's peers) use Loopback's capitalised names.
NAMES = ("Documents", "Datasets", "Instruments", "Samples", "Files")
urlpatterns = (
    [path(f"{name}", views.search, {"things": name}, name=f"{name.lower()}") for name in NAMES]
    + [
        path(f"{name}/count", views.count, {"things": name}, name=f"{name.lower()}-count")
        for name in NAMES
    ]
    + [
        path(f"{name}/<path:pid>", views.detail, {"things": name}, name=f"{name.lower()}-detail")
        for name in NAMES
    ]
)
