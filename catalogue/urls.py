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

# Investigation summary tabs, team and access requests.
from .views import team  # noqa: E402

urlpatterns += [
    path("investigations/<int:pk>/team/", team.investigation_team, name="investigation-team"),
    path("investigations/<int:pk>/team/add/", team.team_add, name="team-add"),
    path("investigations/<int:pk>/team/<int:member_pk>/remove/", team.team_remove,
         name="team-remove"),
    path("investigations/<int:pk>/access-requests/<int:request_pk>/approve/",
         team.access_request_decide, {"decision": "approve"}, name="access-request-approve"),
    path("investigations/<int:pk>/access-requests/<int:request_pk>/decline/",
         team.access_request_decide, {"decision": "decline"}, name="access-request-decline"),
    path("access-requests/new/", team.access_request_new, name="access-request-new"),
]
