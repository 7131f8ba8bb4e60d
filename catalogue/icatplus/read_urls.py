"""The catalogue group's read routes beyond those in urls.py (paths as in ICAT+'s OpenAPI):
data collections, dataset documents, timelines, parameter values, files, sample pages, users,
investigation types, parameters, and `/catalogue/datasets` (bearer session or none)."""

from __future__ import annotations

from django.urls import path

from . import views_datasets as d
from . import views_samples as v

urlpatterns = [
    path(
        "catalogue/investigationtypes",
        v.InvestigationTypeList.as_view(),
        name="icatplus-investigation-types",
    ),
    path("catalogue/parameters", v.ParameterList.as_view(), name="icatplus-parameters"),
    path("catalogue/datasets", d.Datasets.as_view(), name="icatplus-public-datasets"),
    path(
        "catalogue/datasets/documents",
        d.DatasetDocumentsByDate.as_view(),
        name="icatplus-dataset-documents-by-date",
    ),
    path(
        "catalogue/<str:session_id>/datacollection",
        d.DataCollectionList.as_view(),
        name="icatplus-catalogue-datacollections",
    ),
    path(
        "catalogue/<str:session_id>/dataset/id/<int:dataset_id>/datacollection",
        d.DatasetDataCollections.as_view(),
        name="icatplus-catalogue-dataset-datacollections",
    ),
    path(
        "catalogue/<str:session_id>/dataset/id/<str:dataset_ids>/dataset_document",
        d.DatasetDocuments.as_view(),
        name="icatplus-catalogue-dataset-documents",
    ),
    path(
        "catalogue/<str:session_id>/dataset/timeline",
        d.DatasetTimeline.as_view(),
        name="icatplus-catalogue-dataset-timeline",
    ),
    path(
        "catalogue/<str:session_id>/investigation/timeline",
        d.InvestigationTimeline.as_view(),
        name="icatplus-catalogue-investigation-timeline",
    ),
    path(
        "catalogue/<str:session_id>/datasetparameter/values",
        d.DatasetParameterValues.as_view(),
        name="icatplus-catalogue-dataset-parameter-values",
    ),
    path("catalogue/<str:session_id>/files", v.Files.as_view(), name="icatplus-catalogue-files"),
    path(
        "catalogue/<str:session_id>/files/download",
        v.FileDownload.as_view(),
        name="icatplus-catalogue-files-download",
    ),
    path(
        "catalogue/<str:session_id>/investigation/id/<int:investigation_id>/sample",
        v.InvestigationSamples.as_view(),
        name="icatplus-catalogue-investigation-samples",
    ),
    path(
        "catalogue/<str:session_id>/samples/<int:sample_id>/page",
        v.SamplePage.as_view(),
        name="icatplus-catalogue-sample-page",
    ),
    path("catalogue/<str:session_id>/user", v.UserList.as_view(), name="icatplus-catalogue-users"),
]
