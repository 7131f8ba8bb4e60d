"""A visitor restores a dataset on tape from a DOI landing page: e-mail address, the link from the
message, then the progress on the page until the zip is offered (a real worker copies the files)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from playwright.sync_api import Page, expect

from tests import factories
from tests.catalogue.dataset_files import datafile, write_png
from tests.catalogue.download_helpers import dataset_with_files, start_worker
from tests.catalogue.test_download_restore import archived
from tests.doi.test_landing_cite_and_download import _session_doi
from tests.workers import purge_queues, wait_for

pytestmark = pytest.mark.e2e


def test_a_visitor_requests_a_restore_on_a_doi_landing_page_and_watches_it(
    page: Page, screenshot, transactional_db, tmp_path
) -> None:
    investigation = factories.InvestigationFactory(released=True)
    dataset_with_files(investigation, files=1, name="lysozyme_online")
    on_tape = archived(investigation, files=3)
    picture = datafile(on_tape, "overview.png")  # archived before anyone looked: no thumbnail
    os.replace(write_png(picture.location), Path(settings.ARCHIVE_ROOT) / picture.location)
    doi = _session_doi(investigation)
    purge_queues()
    # A slow "tape" (about 3 s for these files), so the progress has time to show.
    worker = start_worker(tmp_path, "landing-restore", RESTORE_THROTTLE_BPS="12000")
    try:
        page.goto(on_tape.get_absolute_url())
        expect(page.get_by_test_id("gallery-placeholder")).to_contain_text("No preview (on tape)")
        screenshot("gallery")
        page.goto(doi.get_absolute_url())
        offer = page.locator(f"#restore-offer-{on_tape.pk}")
        expect(offer.get_by_test_id("on-tape")).to_be_visible()
        expect(page.locator("#on-tape-note")).to_contain_text("1 dataset is archived on tape")
        offer.get_by_test_id("restore-open").click()
        offer.get_by_label("Your e-mail address").fill("reader@example.org")
        screenshot("email")
        offer.get_by_test_id("restore").click()
        expect(offer.get_by_test_id("restore-note")).to_contain_text("We sent a link")
        screenshot("link-sent")

        message = wait_for(lambda: mail.outbox, message="the confirmation e-mail")[0]
        assert message.to == ["reader@example.org"]
        page.goto(re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1))
        expect(page.locator("main")).to_contain_text("reader@example.org")
        screenshot("confirm")
        page.get_by_test_id("confirm-restore").click()

        expect(page.locator("#messages")).to_contain_text("is being restored from tape")
        expect(offer.get_by_test_id("restore-progress")).to_be_visible()
        screenshot("progress")
        expect(offer.get_by_test_id("download-zip")).to_be_visible(timeout=60_000)
        screenshot("online")
    finally:
        worker.stop()
