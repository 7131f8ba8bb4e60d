"""The dataset page: who sees it, parameters, provenance, the file list (keyset pages, HTMX),
gallery and HDF5 panel, and query counts that do not grow with the number of files."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from catalogue.models import DatasetType
from tests import factories
from tests.catalogue.dataset_files import datafile, dataset_with_files, set_parameter

pytestmark = pytest.mark.django_db


def url(dataset) -> str:
    return reverse("catalogue:dataset-detail", args=[dataset.pk])


@pytest.fixture
def scan(team):
    dataset = dataset_with_files(team.investigation, name="scan_0007")
    set_parameter(dataset, "energy", "keV", 12.398)
    set_parameter(dataset, "exposure time", "s", 0.00125)
    return dataset


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
def test_team_sees_the_dataset_page(client, team, scan, who) -> None:
    client.force_login(getattr(team, who))
    response = client.get(url(scan))
    assert response.status_code == 200
    html = response.content.decode()
    assert "scan_0007" in html and "12.398" in html and "0.00125" in html and "keV" in html
    assert 'class="dataset-actions' in html  # the spot for the basket toggle and DOI pick


@pytest.mark.parametrize("who", ["outsider", "other_scientist", None])
def test_outsiders_and_anonymous_get_404_on_embargoed(client, team, scan, who) -> None:
    if who:
        client.force_login(getattr(team, who))
    response = client.get(url(scan))
    assert response.status_code == 404
    assert "scan_0007" not in response.content.decode()


def test_unknown_dataset_404_and_post_405(client, team, scan) -> None:
    client.force_login(team.staff)
    assert client.get(reverse("catalogue:dataset-detail", args=[987654])).status_code == 404
    assert client.post(url(scan)).status_code == 405


def test_dataset_in_a_minted_doi_is_public_but_its_investigation_stays_hidden(client, team):
    dataset = factories.DatasetFactory(
        investigation=team.investigation, released_by_doi=True, name="cited_scan"
    )
    response = client.get(url(dataset))
    assert response.status_code == 200
    html = response.content.decode()
    assert "cited_scan" in html
    # no link to the embargoed investigation's pages or its sample page
    assert reverse("catalogue:investigation-datasets", args=[team.investigation.pk]) not in html
    assert reverse("catalogue:sample-detail", args=[dataset.sample_id]) not in html


def test_provenance_links_both_ways_and_hides_what_the_user_cannot_see(client, team) -> None:
    raw = factories.DatasetFactory(investigation=team.investigation, name="raw_scan")
    processed = factories.DatasetFactory(
        investigation=team.investigation, name="integrated", type=DatasetType.PROCESSED
    )
    processed.derived_from.add(raw)
    elsewhere = factories.DatasetFactory(
        name="someone_elses_reprocessing", type=DatasetType.PROCESSED
    )
    elsewhere.derived_from.add(raw)
    client.force_login(team.participant)
    raw_page = client.get(url(raw)).content.decode()
    assert "Processed into" in raw_page and url(processed) in raw_page
    assert "someone_elses_reprocessing" not in raw_page
    processed_page = client.get(url(processed)).content.decode()
    assert "Derived from" in processed_page and url(raw) in processed_page


def test_file_list_has_sizes_checksums_and_download_links(client, team, scan) -> None:
    client.force_login(team.participant)
    html = client.get(url(scan)).content.decode()
    for file in scan.datafiles.all():
        assert reverse("catalogue:datafile-download", args=[file.pk]) in html
    assert "sha256:abab" in html and "notes.txt" in html


def test_gallery_shows_thumbnails_of_images_only(client, team, scan) -> None:
    client.force_login(team.participant)
    html = client.get(url(scan)).content.decode()
    thumbnails = re.findall(r'src="/datafiles/(\d+)/thumbnail"', html)
    images = scan.datafiles.filter(name__in=["frame_0001.png", "photo.jpg"])
    assert sorted(map(int, thumbnails)) == sorted(f.pk for f in images)
    for image in images:  # a click opens the full-size image
        assert reverse("catalogue:datafile-image", args=[image.pk]) in html


def test_files_page_with_htmx_and_keyset(client, team, monkeypatch) -> None:
    monkeypatch.setattr("catalogue.views.dataset.FILES_PAGE_SIZE", 3)
    dataset = factories.DatasetFactory(investigation=team.investigation)
    for n in range(7):
        datafile(dataset, f"f{n:02d}.cbf")
    client.force_login(team.participant)
    seen, query = [], ""
    for _ in range(5):
        response = client.get(url(dataset) + "?" + query, headers={"HX-Request": "true"})
        html = response.content.decode()
        assert "<html" not in html and html.strip().startswith('<div id="file-list">')
        seen += re.findall(r'<td class="mono small">([^<]+)</td>', html)
        found = re.search(r'rel="next" href="\?([^"#]+)', html)
        if not found:
            break
        query = found.group(1).replace("&amp;", "&")
    assert seen == [f"f{n:02d}.cbf" for n in range(7)]


def test_query_count_does_not_grow_with_the_number_of_files(
    client, team, scan, django_assert_max_num_queries
):
    client.force_login(team.participant)
    with django_assert_max_num_queries(20) as few:
        client.get(url(scan))
    for n in range(40):
        datafile(scan, f"image_{n:03d}.png")
        datafile(scan, f"more_{n:03d}.h5")
        set_parameter(scan, f"motor {n}", "mm", n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url(scan))
    assert len(response.context["files"]) == 50
