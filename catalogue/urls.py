from __future__ import annotations

from django.urls import path

from .views import browse, dataset, downloads, investigation

app_name = "catalogue"

urlpatterns = [
    path("experiments/", browse.experiments, name="experiments"),
    path("public/", browse.public, name="public"),
    path("search/", browse.search, name="search"),
    path("investigations/<int:pk>/", investigation.investigation_detail, name="investigation-detail"),
    path("datasets/<int:pk>/", dataset.dataset_detail, name="dataset-detail"),
    path("datafiles/<int:pk>/download", downloads.datafile_download, name="datafile-download"),
    path("downloads/", downloads.downloads, name="downloads"),
]
