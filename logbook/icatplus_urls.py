"""ICAT+-compatible acquisition API, mounted at /icatplus/ (paths as in ICAT+'s OpenAPI)."""

from __future__ import annotations

from django.urls import path
from django.views.decorators.cache import cache_control

from . import icatplus, icatplus_acquisition

urlpatterns = [
    path(
        "dataacquisition/<str:api_key>/notification",
        icatplus.Notification.as_view(),
        name="icatplus-notification",
    ),
    path(
        "dataacquisition/<str:api_key>/base64",
        icatplus.Base64File.as_view(),
        name="icatplus-base64",
    ),
    path(
        "dataacquisition/<str:api_key>/investigation",
        icatplus.Investigations.as_view(),
        name="icatplus-investigation",
    ),
    path(
        "dataacquisition/<str:api_key>/dataset",
        icatplus.Datasets.as_view(),
        name="icatplus-dataset",
    ),
    path(
        "dataacquisition/<str:api_key>/dataset/restore",
        icatplus_acquisition.DatasetRestoreReport.as_view(),
        name="icatplus-dataset-restore",
    ),
    path(
        "dataacquisition/<str:api_key>/events/move",
        icatplus_acquisition.EventsMove.as_view(),
        name="icatplus-events-move",
    ),
    path(
        "logbook/<str:api_key>/investigation/name/<str:investigation_name>/instrument/name/<str:instrument_name>/event",
        icatplus.LogbookEvent.as_view(),
        name="icatplus-logbook-event",
    ),
    # ICAT+ (Express) matches paths case-insensitively: the client sends `createfrombase64`,
    # older beamline software `createFrombase64`; both spellings are taken.
    path(
        "logbook/<str:api_key>/investigation/name/<str:investigation_name>/instrument/name/<str:instrument_name>/event/createfrombase64",
        icatplus.LogbookBase64.as_view(),
        name="icatplus-logbook-base64",
    ),
    path(
        "logbook/<str:api_key>/investigation/name/<str:investigation_name>/instrument/name/<str:instrument_name>/event/createFrombase64",
        icatplus.LogbookBase64LegacySpelling.as_view(),
        name="icatplus-logbook-base64",
    ),
]


# Every answer here depends on who asks (or on the API key): no shared cache may keep one.
for pattern in urlpatterns:
    pattern.callback = cache_control(private=True)(pattern.callback)
