from __future__ import annotations

from django.urls import path

from . import api

urlpatterns = [
    path("investigations/", api.InvestigationList.as_view(), name="api-investigation-list"),
    path("investigations/<int:pk>/", api.InvestigationDetail.as_view(), name="api-investigation-detail"),
]

# Download jobs (catalogue/api_downloads.py)
from . import api_downloads  # noqa: E402

urlpatterns += [
    path("downloads/", api_downloads.DownloadJobList.as_view(), name="api-download-list"),
    path(
        "downloads/<uuid:pk>/",
        api_downloads.DownloadJobDetail.as_view(),
        name="api-download-detail",
    ),
]
