"""ICAT+'s `session` routes, at /icatplus/ (paths as in ICAT+'s OpenAPI)."""

from __future__ import annotations

from django.urls import path

from . import session as icatplus_session

urlpatterns = [
    path("session", icatplus_session.SessionLogin.as_view(), name="icatplus-session"),
    path(
        "session/<str:session_id>",
        icatplus_session.SessionDetail.as_view(),
        name="icatplus-session-detail",
    ),
]
