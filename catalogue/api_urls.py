from __future__ import annotations

from django.urls import path

from . import api, api_downloads

urlpatterns = [
    path("investigations/", api.InvestigationList.as_view(), name="api-investigation-list"),
    path(
        "investigations/<int:pk>/",
        api.InvestigationDetail.as_view(),
        name="api-investigation-detail",
    ),
    path("datasets/", api.DatasetList.as_view(), name="api-dataset-list"),
    path("datasets/<int:pk>/", api.DatasetDetail.as_view(), name="api-dataset-detail"),
    path("datafiles/", api.DatafileList.as_view(), name="api-datafile-list"),
    path("datafiles/<int:pk>/", api.DatafileDetail.as_view(), name="api-datafile-detail"),
    path("samples/", api.SampleList.as_view(), name="api-sample-list"),
    path("samples/<int:pk>/", api.SampleDetail.as_view(), name="api-sample-detail"),
    path("downloads/", api_downloads.DownloadJobList.as_view(), name="api-download-list"),
    path(
        "downloads/<uuid:pk>/",
        api_downloads.DownloadJobDetail.as_view(),
        name="api-download-detail",
    ),
]
