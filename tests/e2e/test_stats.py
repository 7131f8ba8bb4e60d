"""/stats/ in a real browser, as staff, over the demo's year of usage: the charts are drawn, the
period changes, and a figure downloads as CSV."""

from __future__ import annotations

import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from catalogue import demo_usage
from tests import factories
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e


def test_staff_read_the_usage_figures_of_the_last_year(page: Page, screenshot, transactional_db):
    for name in ("ID23-1", "BM29", "ID16A"):
        beamline = factories.InstrumentFactory(name=name)
        factories.InvestigationFactory(instrument=beamline, released=True, volume=3 * 2**40)
        factories.InvestigationFactory(instrument=beamline, volume=2**40)
    demo_usage.seed(out=io.StringIO())
    factories.UserFactory(username="admin", is_staff=True)

    log_in(page, "admin")
    page.goto("/stats/")
    expect(page.locator("#figure-files svg g")).to_have_count(12)
    expect(page.locator("#figure-sessions")).to_contain_text("BM29")
    screenshot("staff")

    year = str(timezone.localdate().year)
    page.select_option("#period", year)
    page.click("#stats-period button")
    expect(page).to_have_url(re.compile(rf"period={year}"))
    expect(page.locator("#figure-files svg.bar-chart")).to_have_attribute(
        "aria-label", re.compile(rf"{year}-01 .*{year}-12 ")
    )

    with page.expect_download() as download:
        page.click("#figure-files a:has-text('CSV')")
    assert download.value.suggested_filename == f"files-{year}.csv"
