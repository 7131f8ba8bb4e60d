from __future__ import annotations

from django.urls import path

from . import api

urlpatterns = [
    path("logbook/events/", api.EventList.as_view(), name="api-logbook-event-list"),
    path(
        "logbook/events/<str:event_id>/", api.EventDetail.as_view(), name="api-logbook-event-detail"
    ),
    path(
        "logbook/events/<str:event_id>/history/",
        api.EventHistory.as_view(),
        name="api-logbook-event-history",
    ),
]
