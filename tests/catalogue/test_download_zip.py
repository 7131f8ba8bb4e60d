"""Streamed zips of datasets, files and the basket; metalink and aria2; the dataset panel."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from django.conf import settings
from django.urls import reverse

from catalogue import downloads
from catalogue.models import ArchiveStatus, Datafile
from tests import factories
from tests.catalogue.download_helpers import assert_zip_matches_disk, dataset_with_files

pytestmark = pytest.mark.django_db
ZIP = reverse("catalogue:download-zip")


def streamed(response) -> bytes:
    assert response.streaming, "a zip is streamed, never built in memory first"
    return b"".join(response.streaming_content)


def test_zip_of_a_dataset_holds_every_file_byte_for_byte(client, team) -> None:
    dataset = dataset_with_files(team.investigation, files=5, size=50_000)
    client.force_login(team.participant)
    response = client.get(ZIP, {"dataset": dataset.pk})
    assert response.status_code == 200
    data = streamed(response)
    assert response["Content-Type"] == "application/zip"
    assert int(response["Content-Length"]) == len(data)
    assert f"{team.investigation.name}-{dataset.name}.zip" in response["Content-Disposition"]
    assert_zip_matches_disk(data, list(dataset.datafiles.all()))


def test_zip_of_several_datasets_and_single_files(client, team) -> None:
    first = dataset_with_files(team.investigation, files=2, seed=1)
    second = dataset_with_files(team.investigation, files=3, seed=2)
    third = dataset_with_files(team.investigation, files=3, seed=3)
    picked = list(third.datafiles.all()[:2])
    client.force_login(team.participant)
    response = client.get(ZIP, {"dataset": [first.pk, second.pk], "file": [f.pk for f in picked]})
    expected = [*first.datafiles.all(), *second.datafiles.all(), *picked]
    assert_zip_matches_disk(streamed(response), expected)


def test_outsider_cannot_zip_embargoed_data_even_with_its_ids(client, team) -> None:
    dataset = dataset_with_files(team.investigation)
    client.force_login(team.outsider)
    response = client.get(ZIP, {"dataset": dataset.pk, "file": dataset.datafiles.first().pk})
    assert response.status_code == 400
    assert b"Nothing to download" in response.content
    assert dataset.name.encode() not in response.content


def test_outsider_asking_for_public_and_embargoed_gets_only_the_public(client, team) -> None:
    secret = dataset_with_files(team.investigation, seed=1)
    public = dataset_with_files(factories.InvestigationFactory(released=True), seed=2)
    client.force_login(team.outsider)
    data = streamed(client.get(ZIP, {"dataset": [secret.pk, public.pk]}))
    assert_zip_matches_disk(data, list(public.datafiles.all()))


@pytest.mark.parametrize(
    "query", [{"dataset": "abc"}, {"dataset": "99999999999999999999"}, {"file": "-1"}]
)
def test_bad_ids_are_a_clear_400(client, query) -> None:
    response = client.get(ZIP, query)
    assert response.status_code == 400
    assert b"choose at least one dataset" in response.content


def test_a_missing_file_fails_before_the_first_byte_and_names_it(client, team) -> None:
    dataset = dataset_with_files(team.investigation, files=3)
    lost = dataset.datafiles.all()[1]
    (Path(settings.DATA_ROOT) / lost.location).unlink()
    client.force_login(team.participant)
    response = client.get(ZIP, {"dataset": dataset.pk})
    assert response.status_code == 404
    assert lost.location.encode() in response.content


def test_member_names_are_relative_clean_and_unique(client, team) -> None:
    dataset = dataset_with_files(team.investigation, files=2)
    dataset.name = "../../evil"
    dataset.save()
    first, second = dataset.datafiles.all()
    # A file stored outside its dataset's folder is zipped under its bare name: here, a repeat.
    elsewhere = Path(settings.DATA_ROOT) / "elsewhere" / first.name
    elsewhere.parent.mkdir()
    elsewhere.write_bytes(b"other")
    Datafile.objects.filter(pk=second.pk).update(
        name=first.name, location=f"elsewhere/{first.name}"
    )
    client.force_login(team.participant)
    archive = zipfile.ZipFile(io.BytesIO(streamed(client.get(ZIP, {"dataset": dataset.pk}))))
    prefix = f"{team.investigation.name}/_.._evil/"  # one harmless component, never ".."
    assert sorted(archive.namelist()) == [prefix + "scan_0000.h5", prefix + "scan_0000~2.h5"]
    assert archive.read(prefix + "scan_0000~2.h5") == b"other"


def test_a_location_escaping_data_root_fails_the_zip(client, team, tmp_path) -> None:
    dataset = dataset_with_files(team.investigation, files=2)
    (tmp_path / "secret.txt").write_text("secret")
    Datafile.objects.filter(pk=dataset.datafiles.first().pk).update(location="../secret.txt")
    client.force_login(team.participant)
    response = client.get(ZIP, {"dataset": dataset.pk})
    assert response.status_code == 404
    assert b"outside the data storage" in response.content


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("..", "_"), ("a/b", "a_b"), (".hidden", "hidden"), ("x\x00y", "x_y"), ("C:\\x", "C__x")],
)
def test_clean_component(raw: str, clean: str) -> None:
    assert downloads.clean_component(raw) == clean


def test_over_the_stream_limit_offers_a_job_instead(client, team, settings) -> None:
    dataset = dataset_with_files(team.investigation, files=3, size=1000)
    settings.DOWNLOAD_STREAM_LIMIT = 2000
    client.force_login(team.participant)
    response = client.get(ZIP, {"dataset": dataset.pk})
    assert response.status_code == 200
    assert not response.streaming
    assert b"Prepare zip" in response.content
    assert b"Metalink" in response.content


def test_too_many_files_points_to_metalink(client, team, settings) -> None:
    dataset = dataset_with_files(team.investigation, files=3)
    settings.DOWNLOAD_MAX_FILES = 2
    client.force_login(team.participant)
    response = client.get(ZIP, {"dataset": dataset.pk})
    assert b"more than one zip can hold" in response.content
    assert b"Prepare zip" not in response.content


def test_archived_dataset_in_a_selection_is_named(client, team) -> None:
    dataset = dataset_with_files(team.investigation, archive_status=ArchiveStatus.ARCHIVED)
    client.force_login(team.participant)
    response = client.get(ZIP, {"dataset": dataset.pk})
    assert b"on tape" in response.content
    assert dataset.name.encode() in response.content


# The basket -----------------------------------------------------------------------------------


def toggle(client, dataset, **headers):
    return client.post(
        reverse("catalogue:basket-toggle-dataset", args=[dataset.pk]), headers=headers
    )


def test_anonymous_visitor_fills_a_basket_with_public_data_and_zips_it(client) -> None:
    first = dataset_with_files(factories.InvestigationFactory(released=True), seed=1)
    second = dataset_with_files(factories.InvestigationFactory(released=True), seed=2)
    toggle(client, first)
    response = toggle(client, second, **{"HX-Request": "true"})
    assert b"In basket" in response.content and b"<html" not in response.content
    assert b'id="basket-count" hx-swap-oob="true">2<' in response.content
    page = client.get(reverse("catalogue:basket"))
    assert first.name.encode() in page.content and second.name.encode() in page.content
    assert b'id="basket-count">2<' in page.content
    data = streamed(client.get(ZIP, {"basket": "1"}))
    assert_zip_matches_disk(data, [*first.datafiles.all(), *second.datafiles.all()])


def test_toggle_twice_removes_and_plain_post_redirects_back(client) -> None:
    dataset = dataset_with_files(factories.InvestigationFactory(released=True))
    response = client.post(
        reverse("catalogue:basket-toggle-dataset", args=[dataset.pk]),
        {"next": dataset.get_absolute_url()},
    )
    assert response.status_code == 302 and response.url == dataset.get_absolute_url()
    toggle(client, dataset)
    assert b'id="basket-count">0<' in client.get(reverse("catalogue:basket")).content


def test_basket_refuses_embargoed_datasets_of_others(client, team) -> None:
    dataset = dataset_with_files(team.investigation)
    client.force_login(team.outsider)
    assert toggle(client, dataset).status_code == 404
    assert client.get(reverse("catalogue:basket")).context["basket_count"] == 0


def test_single_files_go_in_the_basket_too(client, team) -> None:
    dataset = dataset_with_files(team.investigation, files=3)
    picked = dataset.datafiles.first()
    client.force_login(team.participant)
    client.post(reverse("catalogue:basket-toggle-datafile", args=[picked.pk]))
    assert_zip_matches_disk(streamed(client.get(ZIP, {"basket": "1"})), [picked])


def test_clearing_the_basket(client) -> None:
    dataset = dataset_with_files(factories.InvestigationFactory(released=True))
    toggle(client, dataset)
    response = client.post(reverse("catalogue:basket-clear"), follow=True)
    assert b"Your basket is empty" in response.content


def test_basket_page_states_limits_before_any_click(client) -> None:
    dataset = dataset_with_files(factories.InvestigationFactory(released=True))
    toggle(client, dataset)
    page = client.get(reverse("catalogue:basket")).content.decode()
    assert "Zips up to 2.0\xa0GB download at once" in page
    assert "metalink" in page


# Metalink and aria2 ---------------------------------------------------------------------------


def test_metalink_lists_every_file_with_size_checksum_and_url(client, team) -> None:
    dataset = dataset_with_files(team.investigation, files=3)
    client.force_login(team.participant)
    response = client.get(reverse("catalogue:download-metalink"), {"dataset": dataset.pk})
    assert response["Content-Type"] == "application/metalink4+xml"
    root = ElementTree.fromstring(b"".join(response.streaming_content))
    ns = {"m": "urn:ietf:params:xml:ns:metalink"}
    entries = root.findall("m:file", ns)
    assert len(entries) == 3
    for entry, datafile in zip(entries, dataset.datafiles.order_by("name"), strict=True):
        assert entry.get("name") == f"{team.investigation.name}/{dataset.name}/{datafile.name}"
        assert int(entry.find("m:size", ns).text) == datafile.size
        assert entry.find("m:hash", ns).get("type") == "sha-256"
        assert "sha256:" + entry.find("m:hash", ns).text == datafile.checksum
        assert entry.find("m:url", ns).text == f"http://testserver/datafiles/{datafile.pk}/download"


def test_aria2_input_file(client, team) -> None:
    dataset = dataset_with_files(team.investigation, files=2)
    client.force_login(team.participant)
    text = b"".join(
        client.get(reverse("catalogue:download-aria2"), {"dataset": dataset.pk}).streaming_content
    )
    lines = text.decode().splitlines()
    first = dataset.datafiles.order_by("name").first()
    assert lines[0] == f"http://testserver/datafiles/{first.pk}/download"
    assert lines[1] == f"  out={team.investigation.name}/{dataset.name}/{first.name}"
    assert lines[2] == f"  checksum=sha-256={first.checksum.removeprefix('sha256:')}"


def test_metalink_of_embargoed_data_is_400_for_outsiders(client, team) -> None:
    dataset = dataset_with_files(team.investigation)
    client.force_login(team.outsider)
    assert (
        client.get(reverse("catalogue:download-metalink"), {"dataset": dataset.pk}).status_code
        == 400
    )


# The dataset panel ------------------------------------------------------------------------------


def panel(client, dataset) -> str:
    return client.get(dataset.get_absolute_url()).content.decode()


def test_panel_offers_a_direct_zip_and_states_the_limits(client, team) -> None:
    dataset = dataset_with_files(team.investigation)
    client.force_login(team.participant)
    html = panel(client, dataset)
    assert "Download zip" in html and "Metalink" in html and "Zips up to 2.0\xa0GB" in html
    assert "Globus" not in html


def test_panel_offers_a_job_above_the_stream_limit(client, team, settings) -> None:
    dataset = dataset_with_files(team.investigation, files=2, size=1000)
    settings.DOWNLOAD_STREAM_LIMIT = 1000
    client.force_login(team.participant)
    html = panel(client, dataset)
    assert "Prepare zip" in html and "a worker prepares the zip" in html


def test_globus_button_only_when_configured(client, team, settings) -> None:
    dataset = dataset_with_files(team.investigation)
    settings.GLOBUS_ENDPOINT_ID = "e56c36e4-1063-11e6-a747-22000bf2d559"
    settings.GLOBUS_PATH_PREFIX = "/data/visitor"
    client.force_login(team.participant)
    html = panel(client, dataset)
    assert "Transfer with Globus" in html
    assert "origin_id=e56c36e4-1063-11e6-a747-22000bf2d559" in html
    assert f"origin_path=%2Fdata%2Fvisitor%2F{team.investigation.name}%2F{dataset.name}%2F" in html


def test_archived_panel_offers_the_restore_to_the_public_too(client, team) -> None:
    dataset = dataset_with_files(
        factories.InvestigationFactory(released=True), archive_status=ArchiveStatus.ARCHIVED
    )
    html = panel(client, dataset)
    assert "On tape" in html and "Download zip" not in html
    assert "Request restore" in html and 'name="email"' in html  # visitors: an address first
    client.force_login(team.outsider)
    html = panel(client, dataset)
    assert "Request restore" in html and 'name="email"' not in html


# Methods and fragments ------------------------------------------------------------------------


def test_wrong_methods_are_405(client) -> None:
    dataset = dataset_with_files(factories.InvestigationFactory(released=True))
    assert (
        client.get(reverse("catalogue:basket-toggle-dataset", args=[dataset.pk])).status_code == 405
    )
    assert client.get(reverse("catalogue:basket-clear")).status_code == 405
    assert client.post(ZIP, {"dataset": dataset.pk}).status_code == 405
    assert client.post(reverse("catalogue:download-metalink")).status_code == 405


def test_basket_counter_is_in_every_page_navbar(client) -> None:
    dataset = dataset_with_files(factories.InvestigationFactory(released=True))
    assert b'id="basket-count">0<' in client.get(reverse("catalogue:public")).content
    toggle(client, dataset)
    assert b'id="basket-count">1<' in client.get(reverse("catalogue:public")).content


def test_files_larger_on_disk_than_in_the_catalogue_are_not_streamed_past_the_limit(
    client, team, settings
) -> None:
    dataset = dataset_with_files(team.investigation, files=2, size=1000)
    Datafile.objects.filter(dataset=dataset).update(size=1)  # e.g. a sync that lagged behind
    settings.DOWNLOAD_STREAM_LIMIT = 1500
    client.force_login(team.participant)
    response = client.get(ZIP, {"dataset": dataset.pk})
    assert not response.streaming and b"Prepare zip" in response.content


def test_basket_page_queries_do_not_grow_with_its_size(
    client, django_assert_max_num_queries
) -> None:
    investigation = factories.InvestigationFactory(released=True)
    for seed in range(12):
        toggle(client, dataset_with_files(investigation, files=1, seed=seed))
    with django_assert_max_num_queries(8):
        page = client.get(reverse("catalogue:basket"))
    assert page.context["summary"].file_count == 12


@pytest.mark.parametrize("next_url", ["abc", "catalogue:basket", "https://evil.example/"])
def test_toggle_sends_back_only_to_a_path_of_this_site(client, next_url) -> None:
    dataset = dataset_with_files(factories.InvestigationFactory(released=True))
    response = client.post(
        reverse("catalogue:basket-toggle-dataset", args=[dataset.pk]), {"next": next_url}
    )
    assert response.status_code == 302 and response.url == reverse("catalogue:basket")
