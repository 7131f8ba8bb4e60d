"""ICAT+'s catalogue writes (paths as in ICAT+'s OpenAPI); included before the read routes.
The team's and the dataset parameters' paths are ICAT+'s for reading too: their views extend the
read views, so one pattern answers every method."""

from __future__ import annotations

from django.urls import path

from . import views_writes as views

urlpatterns = [
    path(
        "catalogue/<str:session_id>/investigation/id/<int:investigation_id>/investigationusers",
        views.InvestigationTeam.as_view(),
        name="icatplus-catalogue-investigation-users",
    ),
    path(
        "catalogue/<str:session_id>/samples/<int:sample_id>/sampleParameters",
        views.SampleParameterCreate.as_view(),
        name="icatplus-catalogue-sample-parameter-create",
    ),
    path(
        # `id`, as ICAT+ names it: the schema's operation name is the client's.
        "catalogue/<str:session_id>/sampleParameters/<int:id>",
        views.SampleParameterUpdate.as_view(),
        name="icatplus-catalogue-sample-parameter",
    ),
    path(
        "catalogue/<str:session_id>/datasetparameter",
        views.DatasetParameters.as_view(),
        name="icatplus-catalogue-dataset-parameters",
    ),
    path(
        "catalogue/investigations/<int:investigation_id>/release-date",
        views.InvestigationReleaseDate.as_view(),
        name="icatplus-catalogue-release-date",
    ),
]
