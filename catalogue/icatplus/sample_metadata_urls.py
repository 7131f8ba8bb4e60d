"""ICAT+'s `sample_metadata` group at /icatplus/samplemetadata/ (paths as in ICAT+'s OpenAPI)."""

from __future__ import annotations

from django.urls import path

from . import sample_metadata as views

urlpatterns = [
    path(
        "samplemetadata/<str:session_id>/samples",
        views.SampleSheets.as_view(),
        name="icatplus-samplemetadata-samples",
    ),
    path(
        "samplemetadata/<str:session_id>/samples/files",
        views.SampleFiles.as_view(),
        name="icatplus-samplemetadata-files",
    ),
    path(
        "samplemetadata/<str:session_id>/samples/acquisition",
        views.AcquisitionSamples.as_view(),
        name="icatplus-samplemetadata-acquisition",
    ),
    path(
        "samplemetadata/<str:session_id>/samples/prefix",
        views.SamplePrefix.as_view(),
        name="icatplus-samplemetadata-prefix",
    ),
    path(
        "samplemetadata/<str:session_id>/metadata",
        views.SampleMetadataValues.as_view(),
        name="icatplus-samplemetadata-metadata",
    ),
    path(
        "samplemetadata/<str:session_id>/access-rules",
        views.AccessRules.as_view(),
        name="icatplus-samplemetadata-access-rules",
    ),
]
