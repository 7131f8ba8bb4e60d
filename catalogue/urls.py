from __future__ import annotations

from django.urls import path

from . import h5grove as _h5grove
from . import h5grove_views
from .views import (
    basket,
    beamline,
    browse,
    dataset,
    download_jobs,
    downloads,
    investigation,
    notebooks,
    restores,
    stats,
    team,
)
from .views import policy as policy_views

app_name = "catalogue"

urlpatterns = [
    path("experiments/", browse.experiments, name="experiments"),
    path("public/", browse.public, name="public"),
    path("search/", browse.search, name="search"),
    path(
        "investigations/<int:pk>/", investigation.investigation_detail, name="investigation-detail"
    ),
    path("datasets/<int:pk>/", dataset.dataset_detail, name="dataset-detail"),
    path("datafiles/<int:pk>/download", downloads.datafile_download, name="datafile-download"),
    path("downloads/", download_jobs.downloads, name="downloads"),
    path("downloads/zip", downloads.zip_download, name="download-zip"),
    path("downloads/metalink.meta4", downloads.metalink, name="download-metalink"),
    path("downloads/aria2.txt", downloads.aria2, name="download-aria2"),
    path("downloads/<uuid:pk>/", download_jobs.download_job, name="download-job"),
    path("downloads/<uuid:pk>/file", download_jobs.download_job_file, name="download-job-file"),
    path("basket/", basket.basket, name="basket"),
    path("basket/clear", basket.basket_clear, name="basket-clear"),
    path(
        "basket/datasets/<int:pk>/toggle",
        basket.basket_toggle,
        {"kind": "dataset"},
        name="basket-toggle-dataset",
    ),
    path(
        "basket/datafiles/<int:pk>/toggle",
        basket.basket_toggle,
        {"kind": "datafile"},
        name="basket-toggle-datafile",
    ),
    path("datasets/<int:pk>/restore", restores.dataset_restore, name="dataset-restore"),
    path(
        "datasets/<int:pk>/restore/confirm",
        restores.dataset_restore_confirm,
        name="dataset-restore-confirm",
    ),
    path(
        "datasets/<int:pk>/restore/status",
        restores.dataset_restore_status,
        name="dataset-restore-status",
    ),
    path(
        "datasets/<int:pk>/download-panel",
        downloads.dataset_download_panel,
        name="dataset-download-panel",
    ),
]

# Datasets, samples and previews (views/dataset.py)
urlpatterns += [
    path(
        "investigations/<int:pk>/datasets/",
        dataset.investigation_datasets,
        name="investigation-datasets",
    ),
    path(
        "investigations/<int:pk>/samples/",
        dataset.investigation_samples,
        name="investigation-samples",
    ),
    path("samples/<int:pk>/", dataset.sample_detail, name="sample-detail"),
    path("datafiles/<int:pk>/thumbnail", dataset.datafile_thumbnail, name="datafile-thumbnail"),
    path("datafiles/<int:pk>/image", dataset.datafile_image, name="datafile-image"),
    path("datasets/<int:pk>/preview.png", dataset.dataset_preview, name="dataset-preview"),
    path(
        "datasets/<int:pk>/preview-card", dataset.dataset_preview_card, name="dataset-preview-card"
    ),
    path("datasets/<int:pk>/notebook.ipynb", notebooks.dataset_notebook, name="dataset-notebook"),
]

# Investigation summary tabs, team and access requests.

urlpatterns += [
    path("investigations/<int:pk>/team/", team.investigation_team, name="investigation-team"),
    path("investigations/<int:pk>/team/add/", team.team_add, name="team-add"),
    path(
        "investigations/<int:pk>/team/<int:member_pk>/remove/", team.team_remove, name="team-remove"
    ),
    path(
        "investigations/<int:pk>/access-requests/<int:request_pk>/approve/",
        team.access_request_decide,
        {"decision": "approve"},
        name="access-request-approve",
    ),
    path(
        "investigations/<int:pk>/access-requests/<int:request_pk>/decline/",
        team.access_request_decide,
        {"decision": "decline"},
        name="access-request-decline",
    ),
    path("access-requests/new/", team.access_request_new, name="access-request-new"),
]

# Beamline pages (views/beamline.py); the beamline logbook is logbook's, under the same prefix.

urlpatterns += [
    path("beamlines/", beamline.beamlines, name="beamlines"),
    path("beamlines/<str:name>/", beamline.beamline, name="beamline"),
]

# h5grove's routes for one datafile (H5Web's data provider): catalogue/h5grove_views.py. H5Web
# asks for `<url>/meta` without the slash: CommonMiddleware's APPEND_SLASH redirects it here.

urlpatterns += [
    path(
        f"datafiles/<int:pk>/h5grove/{route}/",
        h5grove_views.h5grove,
        {"route": route},
        name=f"h5grove-{route}",
    )
    for route in _h5grove.ROUTES
]

# Data policy: release, extensions, proprietary status and the audit trail (views/policy.py).

urlpatterns += [
    path(
        "investigations/<int:pk>/release/",
        policy_views.investigation_release,
        name="investigation-release",
    ),
    path(
        "investigations/<int:pk>/extension/",
        policy_views.investigation_extension,
        name="investigation-extension",
    ),
    path(
        "investigations/<int:pk>/proprietary/",
        policy_views.investigation_proprietary,
        name="investigation-proprietary",
    ),
    path(
        "investigations/<int:pk>/history/",
        policy_views.investigation_history,
        name="investigation-history",
    ),
    path("data-policy/", policy_views.extension_queue, name="policy-extensions"),
    path(
        "data-policy/extensions/<int:pk>/",
        policy_views.extension_decide,
        name="policy-extension-decide",
    ),
    path("audit/", policy_views.audit, name="audit"),
    path("audit.csv", policy_views.audit_csv, name="audit-csv"),
]

# Usage figures for staff (views/stats.py): the page and each figure as CSV.

urlpatterns += [
    path("stats/", stats.stats, name="stats"),
    path("stats/figure.csv", stats.stats_csv, name="stats-csv"),
]
