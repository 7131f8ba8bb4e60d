"""Downloads in a real browser: a basket filled on two pages, a streamed zip, a job with a live
progress bar built by a real worker."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from catalogue.models import DownloadJob
from tests import factories
from tests.catalogue.download_helpers import assert_zip_matches_disk, dataset_with_files
from tests.e2e.conftest import log_in

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
