"""Downloads in a real browser: a basket filled on two pages, a streamed zip, a job with a live
progress bar built by a real worker."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from catalogue.models import ArchiveStatus, DownloadJob, DownloadJobStatus
from tests import factories
from tests.catalogue.download_helpers import (
    assert_zip_matches_disk,
    dataset_with_files,
    start_worker,
)
from tests.e2e.conftest import log_in
from tests.workers import purge_queues

pytestmark = pytest.mark.e2e


def test_basket_from_two_pages_then_a_streamed_zip_then_a_job(
    page: Page, screenshot, celery_worker, settings, tmp_path
) -> None:
    team = factories.make_team()
    first = dataset_with_files(
        team.investigation, files=3, size=200_000, seed=1, name="lysozyme_001"
    )
    second = dataset_with_files(
        team.investigation, files=4, size=150_000, seed=2, name="lysozyme_002"
    )
    expected = [*first.datafiles.all(), *second.datafiles.all()]
    log_in(page, team.participant.username)

    for number, dataset in enumerate((first, second), start=1):
        page.goto(dataset.get_absolute_url())
        panel = page.locator(".download-panel")
        expect(panel).to_contain_text("Zips up to 2.0 GB download at once")
        panel.get_by_test_id("basket-toggle").click()
        expect(panel.get_by_test_id("basket-toggle")).to_contain_text("In basket")
        expect(page.locator("#basket-count")).to_have_text(str(number))
    screenshot("dataset-panel")

    page.click("#basket-nav")
    expect(page.locator("h1")).to_contain_text("Download basket")
    expect(page.locator("main table")).to_contain_text("lysozyme_001")
    expect(page.locator("main table")).to_contain_text("lysozyme_002")
    screenshot("basket")
    with page.expect_download() as streamed:
        page.get_by_test_id("download-zip").click()
    path = tmp_path / "streamed.zip"
    streamed.value.save_as(path)
    assert streamed.value.suggested_filename.endswith("-datasets-7-files.zip")
    assert_zip_matches_disk(path, expected)

    # Above the stream limit the same basket becomes a job, said before the click.
    settings.DOWNLOAD_STREAM_LIMIT = 100_000
    page.reload()
    expect(page.locator("main")).to_contain_text("a worker builds it and e-mails you the link")
    page.get_by_test_id("prepare-zip").click()
    expect(page.locator("#messages")).to_contain_text("being prepared")
    job = DownloadJob.objects.get()
    expect(page.get_by_test_id("progress")).to_have_text("100%", timeout=90_000)
    expect(page.get_by_test_id("job-status")).to_contain_text("Ready")
    screenshot("job-ready")
    with page.expect_download() as built:
        page.get_by_test_id("download-job").click()
    path = tmp_path / "job.zip"
    built.value.save_as(path)
    assert built.value.suggested_filename == job.name
    assert_zip_matches_disk(path, expected)

    page.click("nav >> text=Downloads")
    expect(page.locator("main table")).to_contain_text(job.name)
    screenshot("downloads-list")


def test_team_member_restores_an_archived_dataset_and_the_buttons_come_back(
    page: Page, screenshot, transactional_db, settings, tmp_path
) -> None:
    team = factories.make_team()
    dataset = dataset_with_files(
        team.investigation, files=3, name="tomo_scan_7", archive_status=ArchiveStatus.ARCHIVED
    )
    for datafile in dataset.datafiles.all():  # "to tape"
        target = Path(settings.ARCHIVE_ROOT) / datafile.location
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(Path(settings.DATA_ROOT) / datafile.location, target)
    big = dataset_with_files(team.investigation, files=2, size=50_000, name="tomo_scan_8")
    settings.DOWNLOAD_STREAM_LIMIT = 50_000
    settings.GLOBUS_ENDPOINT_ID = "e56c36e4-1063-11e6-a747-22000bf2d559"
    purge_queues()
    worker = start_worker(tmp_path, "restore")
    try:
        log_in(page, team.participant.username)
        page.goto(big.get_absolute_url())
        panel = page.locator(".download-panel")
        expect(panel).to_contain_text("a worker prepares the zip")
        expect(panel.get_by_test_id("prepare-zip")).to_be_visible()
        expect(panel.get_by_role("link", name="Transfer with Globus")).to_be_visible()
        screenshot("job-sized-panel")

        page.goto(dataset.get_absolute_url())
        expect(panel).to_contain_text("On tape")
        expect(panel.get_by_test_id("download-zip")).to_have_count(0)
        screenshot("archived-panel")
        panel.get_by_test_id("restore").click()
        expect(panel).to_contain_text("Restoring from tape")
        screenshot("restoring-panel")
        expect(panel.get_by_test_id("download-zip")).to_be_visible(timeout=90_000)
        screenshot("restored-panel")
    finally:
        worker.stop()
    with page.expect_download() as streamed:
        panel.get_by_test_id("download-zip").click()
    path = tmp_path / "restored.zip"
    streamed.value.save_as(path)
    assert_zip_matches_disk(path, list(dataset.datafiles.all()))


def test_a_zip_waiting_for_space_says_so_on_its_page_and_in_the_list(
    page: Page, screenshot, transactional_db
) -> None:
    team = factories.make_team()
    dataset = dataset_with_files(team.investigation, files=2, name="lysozyme_003")
    job = DownloadJob.objects.create(
        owner=team.participant,
        selection_key="waiting",
        datafile_ids=list(dataset.datafiles.values_list("pk", flat=True)),
        name="MX-1-lysozyme_003.zip",
        label="1 dataset, 2 files",
        status=DownloadJobStatus.WAITING,
        file_count=2,
        total_bytes=20_150,
    )
    log_in(page, team.participant.username)

    page.goto(job.get_absolute_url())
    expect(page.get_by_test_id("job-status")).to_contain_text(
        "Waiting for space: the download area is full"
    )
    screenshot("job")
    page.goto("/downloads/")
    expect(page.locator("#jobs")).to_contain_text("Waiting for space")
    screenshot("list")
