"""The one pager (templates/includes/pager.html) in a real browser: an experiment's datasets,
filtered, paged forward and back by HTMX without a reload, the filter kept in the URL."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from catalogue.views import dataset as dataset_views
from tests import factories
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e


def test_datasets_page_forward_and_back_keeping_the_filter(
    page: Page, screenshot, transactional_db, monkeypatch
) -> None:
    monkeypatch.setattr(dataset_views, "PAGE_SIZE", 2)
    team = factories.make_team()
    start = timezone.now() - timedelta(days=1)
    for n in range(5):
        factories.DatasetFactory(
            investigation=team.investigation, name=f"raw_{n}", start_date=start + timedelta(hours=n)
        )
    factories.DatasetFactory(investigation=team.investigation, name="raw_undated", start_date=None)
    factories.DatasetFactory(investigation=team.investigation, name="cooked", type="processed")
    log_in(page, team.participant.username)

    page.goto(f"/investigations/{team.investigation.pk}/datasets/?type=raw")
    names = page.locator("#dataset-results .dataset-name a")
    expect(names).to_have_count(2)
    page.evaluate("window.__noReload = true")  # lost on a full page load
    seen = []
    for _ in range(3):
        seen += [n.strip() for n in names.all_inner_texts()]
        nxt = page.locator("#dataset-results a[rel=next]")
        if not nxt.count():
            break
        nxt.click()
        # The swap is done when the first row is another dataset.
        expect(names.first).not_to_have_text(seen[-2])
        expect(page).to_have_url(re.compile(r"type=raw.*cursor="))
        expect(page.locator("#dataset-results a[rel=prev]")).to_be_visible()
    screenshot("last-page")
    assert seen == [f"raw_{n}" for n in range(5)] + ["raw_undated"]
    page.click("#dataset-results a[rel=prev]")
    expect(names.first).to_contain_text("raw_2")
    assert page.evaluate("window.__noReload") is True
