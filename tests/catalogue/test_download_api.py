"""JSON API of download jobs: create, reuse, read status; owner only."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from catalogue import downloads
from catalogue.models import ArchiveStatus, DownloadJob
from tests.catalogue.download_helpers import dataset_with_files

pytestmark = pytest.mark.django_db
LIST = reverse("api-download-list")


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def test_create_a_job_then_read_its_status(api, team) -> None:
    dataset = dataset_with_files(team.investigation, files=3)
    api.force_authenticate(team.participant)
    created = api.post(LIST, {"datasets": [dataset.pk]}, format="json")
    assert created.status_code == 201
    assert created.data["status"] == "pending" and created.data["file_count"] == 3
    assert created.data["file_url"] is None
    again = api.post(LIST, {"datasets": [dataset.pk]}, format="json")
    assert again.status_code == 200 and again.data["id"] == created.data["id"]

    downloads.download_job_build(job_id=created.data["id"])
    status = api.get(reverse("api-download-detail", args=[created.data["id"]]))
    assert status.status_code == 200
    assert status.data["status"] == "ready" and status.data["percent"] == 100
    assert status.data["file_url"].endswith(f"/downloads/{created.data['id']}/file")


def test_list_is_mine_only(api, team) -> None:
    dataset = dataset_with_files(team.investigation)
    api.force_authenticate(team.participant)
    mine = api.post(LIST, {"datasets": [dataset.pk]}, format="json").data["id"]
    api.force_authenticate(team.collaborator)
    api.post(LIST, {"datafiles": [dataset.datafiles.first().pk]}, format="json")
    api.force_authenticate(team.participant)
    assert [j["id"] for j in api.get(LIST).data["results"]] == [mine]


def test_others_get_404_for_my_job(api, team) -> None:
    dataset = dataset_with_files(team.investigation)
    api.force_authenticate(team.participant)
    job_id = api.post(LIST, {"datasets": [dataset.pk]}, format="json").data["id"]
    for who in (team.principal_investigator, team.staff, team.outsider):
        api.force_authenticate(who)
        assert api.get(reverse("api-download-detail", args=[job_id])).status_code == 404


def test_anonymous_cannot_use_the_api(api, team) -> None:
    assert api.get(LIST).status_code in (401, 403)
    assert api.post(LIST, {"datasets": [1]}, format="json").status_code in (401, 403)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "datasets"),
        ({"datasets": ["x"]}, "datasets"),
        ({"datafiles": [0]}, "datafiles"),
        ({"datasets": "7"}, "datasets"),
    ],
)
def test_bad_input_is_400_naming_the_field(api, team, payload, field) -> None:
    api.force_authenticate(team.participant)
    response = api.post(LIST, payload, format="json")
    assert response.status_code == 400 and field in response.data
    assert DownloadJob.objects.count() == 0


def test_embargoed_ids_of_others_make_no_job(api, team) -> None:
    dataset = dataset_with_files(team.investigation)
    api.force_authenticate(team.outsider)
    response = api.post(LIST, {"datasets": [dataset.pk]}, format="json")
    assert response.status_code == 400 and dataset.name not in str(response.data)
    assert DownloadJob.objects.count() == 0


def test_archived_datasets_are_refused_with_their_name(api, team) -> None:
    dataset = dataset_with_files(team.investigation, archive_status=ArchiveStatus.ARCHIVED)
    api.force_authenticate(team.participant)
    response = api.post(LIST, {"datasets": [dataset.pk]}, format="json")
    assert response.status_code == 400 and dataset.name in str(response.data)


def test_a_token_client_fetches_the_file_url_it_was_given(team) -> None:
    """aria2c/wget with only an API token: the archive's URL answers bytes, not the login page."""
    token = Token.objects.create(user=team.participant)
    api = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    dataset = dataset_with_files(team.investigation, files=2)
    created = api.post(LIST, {"datasets": [dataset.pk]}, format="json")
    assert created.status_code == 201
    job = downloads.download_job_build(job_id=created.data["id"])
    file_url = api.get(reverse("api-download-detail", args=[job.pk])).data["file_url"]

    got = Client(HTTP_AUTHORIZATION=f"Token {token.key}").get(file_url)
    assert got.status_code == 200
    assert b"".join(got.streaming_content) == downloads.download_job_path(job).read_bytes()
    for client in (Client(), Client(HTTP_AUTHORIZATION="Token not-a-key")):
        refused = client.get(file_url)
        assert refused.status_code == 302 and "/login" in refused["Location"]


def test_a_token_client_fetches_a_datafile_of_an_embargoed_dataset(team) -> None:
    dataset = dataset_with_files(team.investigation, files=1)
    datafile = dataset.datafiles.get()
    url = reverse("catalogue:datafile-download", args=[datafile.pk])
    token = Token.objects.create(user=team.participant)
    got = Client(HTTP_AUTHORIZATION=f"Token {token.key}").get(url)
    assert got.status_code == 200
    on_disk = Path(settings.DATA_ROOT) / datafile.location
    assert b"".join(got.streaming_content) == on_disk.read_bytes()
    assert Client().get(url).status_code == 404  # embargoed: hidden from the anonymous
