from __future__ import annotations

from django.urls import path

from . import api

urlpatterns = [
    path("investigations/", api.InvestigationList.as_view(), name="api-investigation-list"),
    path("investigations/<int:pk>/", api.InvestigationDetail.as_view(), name="api-investigation-detail"),
]
