"""Metalink and aria2 lists: capped like zips, streamed as read, names unique per dataset."""

from __future__ import annotations

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from catalogue import downloads
from tests.catalogue.download_helpers import dataset_with_files

pytestmark = pytest.mark.django_db
LISTS = [reverse("catalogue:download-metalink"), reverse("catalogue:download-aria2")]


@pytest.mark.parametrize("url", LISTS)
def test_a_selection_over_the_zip_file_cap_is_refused_saying_why(client, team, settings, url):
    dataset = dataset_with_files(team.investigation, files=3, size=10)
    settings.DOWNLOAD_MAX_FILES = 2
    client.force_login(team.participant)
    response = client.get(url, {"dataset": dataset.pk})
    assert response.status_code == 400
    assert b"3 files, more than the 2 one download list can hold" in response.content
    settings.DOWNLOAD_MAX_FILES = 3
    assert client.get(url, {"dataset": dataset.pk}).status_code == 200


def test_datasets_of_the_same_name_get_their_own_folders(client, team) -> None:
    first = dataset_with_files(team.investigation, files=2, size=10, name="scan")
    second = dataset_with_files(team.investigation, files=1, size=10, name="scan", seed=2)
    client.force_login(team.participant)
    response = client.get(LISTS[1], {"dataset": [first.pk, second.pk]})
    assert isinstance(response, StreamingHttpResponse)
    outs = [
        line.removeprefix("  out=")
        for line in b"".join(response.streaming_content).decode().splitlines()
        if line.startswith("  out=")
    ]
    proposal = team.investigation.name
    assert outs == [
        f"{proposal}/scan/scan_0000.h5",
        f"{proposal}/scan/scan_0001.h5",
        f"{proposal}/scan~2/scan_0000.h5",
    ]


@pytest.mark.parametrize("lines", [downloads.metalink_lines, downloads.aria2_lines])
def test_a_list_writes_each_file_as_soon_as_it_is_read(team, lines) -> None:
    """The selection is never held whole: one file read, one file written (any selection size)."""
    dataset = dataset_with_files(team.investigation, files=3, size=10)
    pulled = []

    def one_at_a_time():
        for datafile in dataset.datafiles.select_related("dataset__investigation").order_by("name"):
            pulled.append(datafile)
            yield datafile

    written = lines(datafiles=one_at_a_time(), url_for=lambda f: f"https://x/{f.pk}")
    first_file = next(line for line in written if "scan_0000" in line)
    assert len(pulled) == 1 and "scan_0000" in first_file
    assert sum("scan_" in line for line in written) >= 2 and len(pulled) == 3
