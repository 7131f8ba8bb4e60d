"""ICAT+'s `ids` group through `icat-plus-client` itself, against a live test server: a logged-in
client downloads the bytes of a file (whole and by Range) and the zip of a dataset, reads where
they are, asks for an archived dataset back from tape and reads its status; a dataset it may not
see answers exactly like one that does not exist."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.conf import settings
from icat_plus_client import ApiClient, Configuration
from icat_plus_client.api.ids_api import IDSApi
from icat_plus_client.api.session_api import SessionApi
from icat_plus_client.exceptions import ApiException
from icat_plus_client.models.credentials import Credentials
from icat_plus_client.models.ids_session_id_datasets_restore_post_request import (
    IdsSessionIdDatasetsRestorePostRequest,
)

from catalogue.models import ArchiveStatus, Dataset, DatasetRestore
from tests import factories
from tests.catalogue.download_helpers import assert_zip_matches_disk, dataset_with_files
from tests.catalogue.test_download_restore import archived

MISSING_ID = 987654321


@pytest.fixture
def team(transactional_db) -> factories.Team:
    return factories.make_team()


def _client(live_server, session_id: str | None = None) -> ApiClient:
    return ApiClient(Configuration(host=f"{live_server.url}/icatplus", access_token=session_id))


def _login(live_server, user) -> str:
    api = SessionApi(_client(live_server))
    return api.session_post(Credentials(username=user.username, password="password")).session_id


@pytest.fixture
def participant_ids(live_server, team) -> tuple[IDSApi, str]:
    session_id = _login(live_server, team.participant)
    return IDSApi(_client(live_server, session_id)), session_id


def _on_disk(datafile) -> bytes:
    return (Path(settings.DATA_ROOT) / datafile.location).read_bytes()


def test_client_downloads_the_bytes_of_one_file_whole_and_by_range(participant_ids, team) -> None:
    api, _ = participant_ids
    datafile = dataset_with_files(team.investigation, files=2).datafiles.order_by("id").first()

    whole = api.ids_data_download_get_without_preload_content(datafile_ids=str(datafile.pk))
    assert whole.status == 200
    assert whole.data == _on_disk(datafile)
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert "attachment" in whole.headers["Content-Disposition"]

    part = api.ids_data_download_get_without_preload_content(
        datafile_ids=str(datafile.pk), _headers={"Range": "bytes=100-199"}
    )
    assert part.status == 206
    assert part.data == _on_disk(datafile)[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{datafile.size}"

    inline = api.ids_data_download_get_without_preload_content(
        datafile_ids=str(datafile.pk), inline=True
    )
    assert inline.data == _on_disk(datafile)
    assert inline.headers["Content-Disposition"].startswith("inline")


def test_client_downloads_a_dataset_as_a_zip_of_its_files(participant_ids, team) -> None:
    api, _ = participant_ids
    dataset = dataset_with_files(team.investigation, files=3)

    response = api.ids_data_download_get_without_preload_content(dataset_ids=str(dataset.pk))

    assert response.status == 200
    assert response.headers["Content-Type"] == "application/zip"
    assert_zip_matches_disk(response.data, list(dataset.datafiles.all()))


def test_deprecated_session_route_downloads_the_same_bytes(participant_ids, team) -> None:
    api, session_id = participant_ids
    datafile = dataset_with_files(team.investigation, files=1).datafiles.get()
    # The client types this route's ids as models; ICAT+'s own callers send plain ids.
    method, url, headers, body, _ = api.api_client.param_serialize(
        method="GET",
        resource_path="/ids/{sessionId}/data/download",
        path_params={"sessionId": session_id},
        query_params=[("datafileIds", str(datafile.pk))],
    )
    response = api.api_client.call_api(method, url, headers, body)
    response.read()
    assert response.status == 200
    assert response.data == _on_disk(datafile)


def test_hidden_dataset_or_file_answers_like_a_nonexistent_one(live_server, team) -> None:
    dataset = dataset_with_files(team.investigation, files=1)
    datafile = dataset.datafiles.get()
    outsider = IDSApi(_client(live_server, _login(live_server, team.outsider)))
    session_id = outsider.api_client.configuration.access_token

    calls = {
        "download dataset": lambda pk: outsider.ids_data_download_get(dataset_ids=str(pk)),
        "download file": lambda pk: outsider.ids_data_download_get(datafile_ids=str(pk)),
        "metalink": lambda pk: outsider.ids_data_metalink_get(dataset_ids=str(pk)),
        "status": lambda pk: outsider.ids_session_id_datasets_status_get(session_id, str(pk)),
        "path": lambda pk: outsider.ids_session_id_path_get(session_id, dataset_ids=str(pk)),
        "restore": lambda pk: outsider.ids_session_id_datasets_restore_post(
            session_id, dataset_ids=str(pk)
        ),
    }
    for name, call in calls.items():
        real_pk = datafile.pk if name == "download file" else dataset.pk
        answers = []
        for pk in (real_pk, MISSING_ID):
            with pytest.raises(ApiException) as error:
                call(pk)
            answers.append((error.value.status, error.value.body))
        assert answers[0] == answers[1] == (404, '{"message":"No such dataset or datafile"}'), name
    # A visible dataset named with a hidden one is no way to learn which is which.
    visible = dataset_with_files(factories.InvestigationFactory(released=True), files=1)
    with pytest.raises(ApiException) as error:
        outsider.ids_session_id_datasets_status_get(session_id, f"{visible.pk},{dataset.pk}")
    assert error.value.status == 404
    assert Dataset.objects.get(pk=dataset.pk).archive_status == ArchiveStatus.ONLINE


def test_client_restores_an_archived_dataset_and_reads_its_status(
    participant_ids, team, django_capture_on_commit_callbacks
) -> None:
    api, session_id = participant_ids
    dataset = archived(team.investigation, files=2)
    online = dataset_with_files(team.investigation, files=1, seed=2)
    ids = f"{dataset.pk},{online.pk}"

    before = api.ids_session_id_datasets_status_get(session_id, ids)
    assert [(s.id, s.status) for s in before] == [
        (str(dataset.pk), "ARCHIVED"),
        (str(online.pk), "ONLINE"),
    ]
    with pytest.raises(ApiException) as error:  # its bytes are on tape
        api.ids_data_download_get(dataset_ids=str(dataset.pk))
    assert error.value.status == 409

    api.ids_session_id_datasets_restore_post(
        session_id,
        dataset_ids=ids,
        ids_session_id_datasets_restore_post_request=IdsSessionIdDatasetsRestorePostRequest(
            name=team.participant.username, email=team.participant.email
        ),
    )
    restore = DatasetRestore.objects.get()
    assert restore.dataset_id == dataset.pk and restore.requested_by == team.participant
    after = api.ids_session_id_datasets_status_get(session_id, ids)
    assert [s.status for s in after] == ["RESTORING", "ONLINE"]

    # Asking again starts nothing more: the dataset is already on its way.
    api.ids_session_id_datasets_restore_post(session_id, dataset_ids=str(dataset.pk))
    assert DatasetRestore.objects.count() == 1


def test_anyone_who_may_download_public_archived_data_may_restore_it(live_server, team) -> None:
    dataset = archived(factories.InvestigationFactory(released=True), files=1)
    session_id = _login(live_server, team.outsider)
    api = IDSApi(_client(live_server, session_id))

    api.ids_session_id_datasets_restore_post(session_id, dataset_ids=str(dataset.pk))
    assert Dataset.objects.get(pk=dataset.pk).archive_status == ArchiveStatus.RESTORING
    assert DatasetRestore.objects.get().notify == [team.outsider.email]


def test_client_reads_the_facility_paths_of_datasets_and_files(participant_ids, team) -> None:
    api, session_id = participant_ids
    dataset = dataset_with_files(team.investigation, files=2)
    first, second = dataset.datafiles.order_by("id")
    (Path(settings.DATA_ROOT) / second.location).unlink()

    paths = api.ids_session_id_path_get(
        session_id, dataset_ids=str(dataset.pk), datafile_ids=f"{first.pk},{second.pk}"
    )
    root = str(settings.DATA_ROOT)
    assert paths == [
        f"{root}/{dataset.location}",
        f"{root}/{first.location}",
        f"{root}/{second.location}",
    ]
    online = api.ids_session_id_path_get(
        session_id, datafile_ids=f"{first.pk},{second.pk}", isonline=True
    )
    assert online == [f"{root}/{first.location}"]


def test_metalink_lists_every_file_with_a_download_url_that_works(participant_ids, team) -> None:
    api, session_id = participant_ids
    dataset = dataset_with_files(team.investigation, files=2)

    text = api.ids_data_metalink_get(dataset_ids=str(dataset.pk), _headers={"Accept": "text/plain"})
    raw = api.ids_data_metalink_get_without_preload_content(dataset_ids=str(dataset.pk))
    assert raw.headers["Content-Type"] == "application/metalink4+xml"
    assert raw.data.startswith(b'<?xml version="1.0"') and "<metalink" in text

    ns = {"m": "urn:ietf:params:xml:ns:metalink"}
    files = ET.fromstring(text.encode()).findall("m:file", ns)
    assert len(files) == 2
    by_name = {f.name: f for f in dataset.datafiles.all()}
    for entry in files:
        datafile = by_name[entry.get("name").rsplit("/", 1)[1]]
        assert entry.find("m:size", ns).text == str(datafile.size)
        url = entry.find("m:url", ns).text
        assert f"sessionId={session_id}" in url
        # The URL alone, without the bearer header: what aria2 does with it.
        plain = ApiClient(Configuration())
        fetched = plain.rest_client.request("GET", url)
        fetched.read()
        assert fetched.status == 200 and fetched.data == _on_disk(datafile)


def test_no_session_is_403_and_bad_ids_are_400(live_server, participant_ids) -> None:
    api, session_id = participant_ids
    anonymous = IDSApi(_client(live_server))
    with pytest.raises(ApiException) as error:
        anonymous.ids_data_download_get(dataset_ids="1")
    assert error.value.status == 403

    for ids in ("abc", "1,,x", "-5", "99999999999999999999"):
        with pytest.raises(ApiException) as error:
            api.ids_session_id_datasets_status_get(session_id, ids)
        assert error.value.status == 400, ids
        assert "datasetIds" in error.value.body
    with pytest.raises(ApiException) as error:
        api.ids_data_download_get()
    assert error.value.status == 400


def test_two_datasets_come_as_one_zip(participant_ids, team) -> None:
    api, _ = participant_ids
    one = dataset_with_files(team.investigation, files=1, seed=3)
    two = dataset_with_files(team.investigation, files=2, seed=4)

    response = api.ids_data_download_get_without_preload_content(dataset_ids=f"{one.pk},{two.pk}")

    assert response.status == 200
    assert_zip_matches_disk(response.data, [*one.datafiles.all(), *two.datafiles.all()])
