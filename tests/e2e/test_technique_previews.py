"""A scientist opens a dataset whose preview the worker has not drawn yet: the card says it is
being prepared, and the picture appears by itself once the worker is done. The datasets tab then
shows each dataset's preview beside its name."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from catalogue import tasks
from tests import factories
from tests.catalogue.nexus_files import nexus_dataset
from tests.e2e.conftest import log_in
from tests.e2e.test_dataset_pages import wait_until_loaded

pytestmark = pytest.mark.e2e


def test_the_preview_appears_once_the_worker_has_drawn_it(
    page: Page, screenshot, transactional_db
) -> None:
    team = factories.make_team()
    saxs = nexus_dataset(team.investigation, "saxs", processed=True)
    mx = nexus_dataset(team.investigation, "mx", processed=True)
    tomo = nexus_dataset(team.investigation, "tomo", processed=True)
    tasks.sync_thumbnails([mx.pk, tomo.pk])
    log_in(page, team.participant.username)

    page.goto(saxs.get_absolute_url())
    expect(page.get_by_test_id("preview-pending")).to_contain_text("Preview being prepared")
    tasks.sync_thumbnails([saxs.pk])  # the worker's task, as after an ICAT sync batch
    # The card polls every 4 s and swaps itself for the picture.
    expect(page.locator("#technique-preview img.technique-preview")).to_be_visible()
    wait_until_loaded(page, "#technique-preview img")
    assert page.eval_on_selector("#technique-preview img", "i => i.naturalWidth") == 480
    expect(page.get_by_test_id("preview-pending")).to_have_count(0)
    screenshot("saxs")

    page.goto(mx.get_absolute_url())
    expect(page.get_by_test_id("mx-summary")).to_contain_text("Space group")
    wait_until_loaded(page, "#technique-preview img")
    screenshot("mx")

    page.goto(reverse("catalogue:investigation-datasets", args=[team.investigation.pk]))
    wait_until_loaded(page, "img.dataset-thumb")
    assert page.locator("img.dataset-thumb").count() == 3
    screenshot("datasets-tab")
