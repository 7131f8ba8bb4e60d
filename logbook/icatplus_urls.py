"""ICAT+-compatible acquisition API, mounted at /icatplus/ (paths as in ICAT+'s OpenAPI)."""

from __future__ import annotations

from django.urls import path
from django.views.decorators.cache import cache_control

from . import icatplus, icatplus_acquisition, icatplus_files
from . import icatplus_session as session

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
    # ICAT+'s catalogue group, but a logbook attachment here (icatplus_files.py says why).
    path(
        "catalogue/<str:session_id>/files/upload",
        icatplus_files.SampleFileUpload.as_view(),
        name="icatplus-catalogue-files-upload",
    ),
    # Session routes (`logbook/{sessionId}/...`): the caller is the ICAT+ session's user.
    path("logbook/<str:session_id>/event", session.EventList.as_view(), name="icatplus-events"),
    path(
        "logbook/<str:session_id>/event/count",
        session.EventCount.as_view(),
        name="icatplus-event-count",
    ),
    path(
        "logbook/<str:session_id>/event/dates",
        session.EventDates.as_view(),
        name="icatplus-event-dates",
    ),
    path(
        "logbook/<str:session_id>/event/page",
        session.EventPage.as_view(),
        name="icatplus-event-page",
    ),
    path(
        "logbook/<str:session_id>/event/createfrombase64",
        session.EventFromBase64.as_view(),
        name="icatplus-event-base64",
    ),
    path(
        "logbook/<str:session_id>/event/createFrombase64",
        session.EventFromBase64LegacySpelling.as_view(),
        name="icatplus-event-base64",
    ),
    path(
        "logbook/<str:session_id>/event/remove",
        session.EventRemoval.as_view(),
        name="icatplus-event-remove",
    ),
    path(
        "logbook/<str:session_id>/event/restore",
        session.EventRestore.as_view(),
        name="icatplus-event-restore",
    ),
    path(
        "logbook/<str:session_id>/events",
        session.EventsTags.as_view(),
        name="icatplus-events-tags",
    ),
    path("logbook/<str:session_id>/tag", session.TagList.as_view(), name="icatplus-tags"),
    path(
        "logbook/<str:session_id>/stats/count",
        session.StatsCount.as_view(),
        name="icatplus-stats-count",
    ),
    path(
        "logbook/<str:session_id>/stats/investigation",
        session.StatsInvestigation.as_view(),
        name="icatplus-stats-investigation",
    ),
    path(
        "logbook/<str:session_id>/datafile/open",
        session.DatafileOpen.as_view(),
        name="icatplus-datafile-open",
    ),
]


# Every answer here depends on who asks (or on the API key): no shared cache may keep one.
for pattern in urlpatterns:
    pattern.callback = cache_control(private=True)(pattern.callback)
