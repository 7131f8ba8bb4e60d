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

# Datasets, samples and previews (views/dataset.py)
urlpatterns += [
    path("investigations/<int:pk>/datasets/", dataset.investigation_datasets,
         name="investigation-datasets"),
    path("investigations/<int:pk>/samples/", dataset.investigation_samples,
         name="investigation-samples"),
    path("samples/<int:pk>/", dataset.sample_detail, name="sample-detail"),
    path("datafiles/<int:pk>/thumbnail", dataset.datafile_thumbnail, name="datafile-thumbnail"),
    path("datafiles/<int:pk>/image", dataset.datafile_image, name="datafile-image"),
    path("datafiles/<int:pk>/preview/", dataset.datafile_preview, name="datafile-preview"),
    path("datafiles/<int:pk>/plot.png", dataset.datafile_plot, name="datafile-plot"),
]
