"""One file: /datafiles/<id>/download with Range, ETag and the access policy."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from catalogue.models import ArchiveStatus
from tests import factories
from tests.catalogue.download_helpers import dataset_with_files

pytestmark = pytest.mark.django_db


@pytest.fixture
def datafile(team):
    dataset = dataset_with_files(team.investigation, files=1, size=100_000)
    return dataset.datafiles.get()


def url(datafile) -> str:
    return reverse("catalogue:datafile-download", args=[datafile.pk])


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def on_disk(datafile) -> bytes:
    return (Path(settings.DATA_ROOT) / datafile.location).read_bytes()


def test_member_downloads_the_whole_file_with_its_name_and_type(client, team, datafile) -> None:
    client.force_login(team.participant)
    response = client.get(url(datafile))
    assert response.status_code == 200
    assert body(response) == on_disk(datafile)
    assert response["Content-Type"] == "application/x-hdf5"
    assert response["Content-Disposition"] == f'attachment; filename="{datafile.name}"'
    assert response["Content-Length"] == str(datafile.size)
    assert response["Accept-Ranges"] == "bytes"
    assert response["ETag"] and response["Last-Modified"]


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=1000-1999", 1000, 1999),
        ("bytes=99000-", 99000, 99999),
        ("bytes=-500", 99500, 99999),
        ("bytes=99990-200000", 99990, 99999),
    ],
)
def test_range_returns_exactly_the_requested_bytes(
    client, team, datafile, header, start, end
) -> None:
    client.force_login(team.participant)
    response = client.get(url(datafile), headers={"Range": header})
    assert response.status_code == 206
    assert body(response) == on_disk(datafile)[start : end + 1]
    assert response["Content-Range"] == f"bytes {start}-{end}/{datafile.size}"
    assert response["Content-Length"] == str(end - start + 1)


@pytest.mark.parametrize(
    "header", ["bytes=100000-", "bytes=200000-300000", "bytes=500-100", "bytes=-0"]
)
def test_unsatisfiable_range_answers_416_with_the_size(client, team, datafile, header) -> None:
    client.force_login(team.participant)
    response = client.get(url(datafile), headers={"Range": header})
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{datafile.size}"


def test_several_ranges_or_stale_if_range_send_the_whole_file(client, team, datafile) -> None:
    client.force_login(team.participant)
    several = client.get(url(datafile), headers={"Range": "bytes=0-1,5-6"})
    stale = client.get(url(datafile), headers={"Range": "bytes=0-1", "If-Range": '"not-the-etag"'})
    assert several.status_code == stale.status_code == 200
    assert body(several) == body(stale) == on_disk(datafile)


def test_if_range_with_the_current_etag_resumes(client, team, datafile) -> None:
    client.force_login(team.participant)
    etag = client.head(url(datafile))["ETag"]
    response = client.get(url(datafile), headers={"Range": "bytes=50000-", "If-Range": etag})
    assert response.status_code == 206
    assert body(response) == on_disk(datafile)[50000:]


def test_unchanged_file_answers_304(client, team, datafile) -> None:
    client.force_login(team.participant)
    first = client.get(url(datafile))
    by_etag = client.get(url(datafile), headers={"If-None-Match": first["ETag"]})
    by_date = client.get(url(datafile), headers={"If-Modified-Since": first["Last-Modified"]})
    assert by_etag.status_code == by_date.status_code == 304
    path = Path(settings.DATA_ROOT) / datafile.location
    path.write_bytes(b"new content")
    assert client.get(url(datafile), headers={"If-None-Match": first["ETag"]}).status_code == 200


@pytest.mark.parametrize(
    "who",
    [
        "principal_investigator",
        "participant",
        "collaborator",
        "local_contact",
        "scientist",
        "staff",
    ],
)
def test_team_and_staff_may_download_an_embargoed_file(client, team, datafile, who) -> None:
    client.force_login(getattr(team, who))
    assert client.get(url(datafile)).status_code == 200


@pytest.mark.parametrize("who", ["outsider", "other_scientist", None])
def test_outsiders_get_404_for_an_embargoed_file_even_with_its_id(
    client, team, datafile, who
) -> None:
    if who:
        client.force_login(getattr(team, who))
    response = client.get(url(datafile))
    assert response.status_code == 404
    assert datafile.name.encode() not in response.content


def test_anyone_downloads_a_released_file(client) -> None:
    dataset = dataset_with_files(factories.InvestigationFactory(released=True), files=1)
    datafile = dataset.datafiles.get()
    response = client.get(url(datafile))
    assert response.status_code == 200
    assert body(response) == on_disk(datafile)


def test_wrong_method_is_405(client, team, datafile) -> None:
    client.force_login(team.participant)
    assert client.post(url(datafile)).status_code == 405


def test_archived_file_says_it_is_on_tape(client, team, datafile) -> None:
    datafile.dataset.archive_status = ArchiveStatus.ARCHIVED
    datafile.dataset.save()
    client.force_login(team.participant)
    response = client.get(url(datafile))
    assert response.status_code == 409
    assert b"archived on tape" in response.content


def test_missing_file_is_a_clear_404_not_a_500(client, team, datafile) -> None:
    (Path(settings.DATA_ROOT) / datafile.location).unlink()
    client.force_login(team.participant)
    response = client.get(url(datafile))
    assert response.status_code == 404
    assert b"missing from the data storage" in response.content


@pytest.mark.parametrize("location", ["../../etc/passwd", "/etc/passwd", "MX/../../secret.txt"])
def test_a_path_outside_data_root_is_never_served(
    client, team, datafile, tmp_path, location
) -> None:
    (tmp_path / "secret.txt").write_text("secret")
    datafile.location = location
    datafile.save()
    client.force_login(team.staff)
    response = client.get(url(datafile))
    assert response.status_code == 404
    assert b"secret" not in body(response)
    assert b"root:" not in body(response)


def test_a_symlink_out_of_data_root_is_never_served(client, team, datafile, tmp_path) -> None:
    (tmp_path / "secret.txt").write_text("secret")
    link = Path(settings.DATA_ROOT) / "link.h5"
    link.symlink_to(tmp_path / "secret.txt")
    datafile.location = "link.h5"
    datafile.save()
    client.force_login(team.staff)
    assert client.get(url(datafile)).status_code == 404


def test_nginx_sends_the_bytes_when_x_accel_is_configured(client, team, datafile, settings) -> None:
    settings.DOWNLOAD_X_ACCEL_PREFIX = "/protected-data/"
    client.force_login(team.participant)
    response = client.get(url(datafile))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-data/{datafile.location}"
    assert response.content == b""
    client.force_login(team.outsider)
    assert client.get(url(datafile)).status_code == 404


def test_an_api_token_opens_embargoed_files_for_download_managers(client, team, datafile) -> None:
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=team.participant)
    response = client.get(url(datafile), headers={"Authorization": f"Token {token.key}"})
    assert response.status_code == 200 and body(response) == on_disk(datafile)
    outsider = Token.objects.create(user=team.outsider)
    assert (
        client.get(url(datafile), headers={"Authorization": f"Token {outsider.key}"}).status_code
        == 404
    )
    assert client.get(url(datafile), headers={"Authorization": "Token wrong"}).status_code == 404
