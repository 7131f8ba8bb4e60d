from __future__ import annotations

from django.urls import path, re_path

from . import collection_views, views
from .oai import views as oai_views

app_name = "doi"

# A DOI is "10.<digits>/<suffix>"; ours never have "/" in the suffix (see DOI_*_PATTERN).
DOI = r"(?P<prefix>10\.[0-9.]+)/(?P<suffix>[^/]+)"

urlpatterns = [
    path("doi/mine/", collection_views.mine, name="mine"),
    path("doi/collections/new/", collection_views.collection_new, name="collection-new"),
    path("doi/collections/<int:pk>/", collection_views.collection_detail, name="collection"),
    path(
        "doi/collections/<int:pk>/status/",
        collection_views.collection_status,
        name="collection-status",
    ),
    path(
        "doi/collections/<int:pk>/delete/",
        collection_views.collection_delete,
        name="collection-delete",
    ),
    path(
        "doi/collections/<int:pk>/datasets/", collection_views.collection_add, name="collection-add"
    ),
    path(
        "doi/collections/<int:pk>/datasets/<int:dataset_pk>/remove/",
        collection_views.collection_remove,
        name="collection-remove",
    ),
    path("doi/pick/<int:dataset_pk>/", collection_views.pick_dataset, name="pick"),
    path("doi/withdrawn/", views.withdrawn, name="withdrawn"),
    re_path(rf"^doi/{DOI}$", views.landing, name="landing"),
    re_path(rf"^doi/{DOI}/cite\.(?P<fmt>bib|ris)$", views.landing_export, name="export"),
    re_path(
        rf"^doi/{DOI}/datacite\.json$", views.landing_export, {"fmt": "json"}, name="datacite-json"
    ),
    path(
        "investigations/<int:pk>/publications/",
        views.investigation_publication_add,
        name="investigation-publication-add",
    ),
    path(
        "doi/collections/<int:pk>/publications/",
        views.collection_publication_add,
        name="collection-publication-add",
    ),
    path("doi/publications/<int:pk>/remove/", views.publication_remove, name="publication-remove"),
    path("oai", oai_views.endpoint, name="oai"),  # OAI-PMH 2.0 (doi/oai/)
]
