"""ICAT+'s `catalogue` group at /icatplus/catalogue/ (paths as in ICAT+'s OpenAPI)."""

from __future__ import annotations

from django.urls import include, path

from . import views

urlpatterns = [
    path("", include("catalogue.icatplus.write_urls")),  # first: its paths answer GET too
    path("", include("catalogue.icatplus.read_urls")),
    path("catalogue/instruments", views.InstrumentList.as_view(), name="icatplus-instruments"),
    path("catalogue/techniques", views.TechniqueList.as_view(), name="icatplus-techniques"),
    path(
        "catalogue/investigation/name/<str:investigation_name>/normalize",
        views.InvestigationNameNormalize.as_view(),
        name="icatplus-investigation-normalize",
    ),
    path(
        "catalogue/<str:session_id>/investigation",
        views.InvestigationList.as_view(),
        name="icatplus-catalogue-investigations",
    ),
    path(
        "catalogue/<str:session_id>/investigation/<int:investigation_id>/user",
        views.InvestigationPeople.as_view(),
        name="icatplus-catalogue-investigation-people",
    ),
    path(
        "catalogue/<str:session_id>/dataset",
        views.DatasetList.as_view(),
        name="icatplus-catalogue-datasets",
    ),
    path(
        "catalogue/<str:session_id>/dataset/id/<str:dataset_ids>/dataset",
        views.DatasetsById.as_view(),
        name="icatplus-catalogue-datasets-by-id",
    ),
    path(
        "catalogue/<str:session_id>/dataset/id/<int:dataset_id>/datafile",
        views.DatasetDatafiles.as_view(),
        name="icatplus-catalogue-dataset-datafiles",
    ),
    path(
        "catalogue/<str:session_id>/datafile",
        views.DatafileList.as_view(),
        name="icatplus-catalogue-datafiles",
    ),
    path(
        "catalogue/<str:session_id>/datafile/download",
        views.DatafileDownload.as_view(),
        name="icatplus-catalogue-datafile-download",
    ),
    path(
        "catalogue/<str:session_id>/samples",
        views.SampleList.as_view(),
        name="icatplus-catalogue-samples",
    ),
    path(
        "catalogue/<str:session_id>/instruments",
        views.SessionInstrumentList.as_view(),
        name="icatplus-catalogue-instruments",
    ),
]
