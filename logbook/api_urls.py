from __future__ import annotations

from django.urls import path
from django.views.decorators.cache import cache_control

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


# Every answer here depends on who asks (or on the API key): no shared cache may keep one.
for pattern in urlpatterns:
    pattern.callback = cache_control(private=True)(pattern.callback)
