from __future__ import annotations

from django.urls import path
from django.views.decorators.cache import cache_control

from .views import entries, files, pages

app_name = "logbook"

urlpatterns = [
    path("investigations/<int:pk>/logbook/", pages.investigation_logbook, name="investigation"),
    path(
        "investigations/<int:pk>/logbook/live/", pages.investigation_live, name="investigation-live"
    ),
    path("investigations/<int:pk>/logbook/pdf/", pages.investigation_pdf, name="investigation-pdf"),
    path(
        "investigations/<int:pk>/logbook/new/",
        entries.investigation_create,
        name="investigation-create",
    ),
    path(
        "investigations/<int:pk>/logbook/tags/",
        entries.investigation_tag_create,
        name="investigation-tags",
    ),
    path("beamlines/<str:name>/logbook/", pages.beamline_logbook, name="beamline"),
    path("beamlines/<str:name>/logbook/live/", pages.beamline_live, name="beamline-live"),
    path("beamlines/<str:name>/logbook/pdf/", pages.beamline_pdf, name="beamline-pdf"),
    path("beamlines/<str:name>/logbook/new/", entries.beamline_create, name="beamline-create"),
    path("beamlines/<str:name>/logbook/tags/", entries.beamline_tag_create, name="beamline-tags"),
    path("logbook/events/<str:event_id>/edit/", entries.event_edit, name="event-edit"),
    path("logbook/events/<str:event_id>/history/", entries.event_history, name="event-history"),
    path("logbook/events/<str:event_id>/remove/", entries.event_remove, name="event-remove"),
    path("logbook/events/<str:event_id>/restore/", entries.event_restore, name="event-restore"),
    path("logbook/attachments/<uuid:uuid>/", files.attachment, name="attachment"),
    path(
        "logbook/attachments/<uuid:uuid>/thumbnail",
        files.attachment_thumbnail,
        name="attachment-thumbnail",
    ),
]


# Every answer here depends on who asks (or on the API key): no shared cache may keep one.
for pattern in urlpatterns:
    pattern.callback = cache_control(private=True)(pattern.callback)
