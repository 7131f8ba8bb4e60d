"""A beamline page in a real browser: reached from the home page's card, its figures drawn, its
past sessions paged by HTMX without a reload while the URL follows; a scientist of the beamline
also finds the embargoed sessions and the beamline logbook there."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from catalogue.views import beamline as beamline_views
from tests import factories
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e


def test_beamline_page_from_the_home_card_pages_its_sessions(
    page: Page, screenshot, transactional_db, monkeypatch
) -> None:
    monkeypatch.setattr(beamline_views, "PAGE_SIZE", 2)
    instrument = factories.InstrumentFactory(
        name="ID23-1", full_name="Macromolecular crystallography", description="Tunable MX."
    )
    instrument.techniques.add(factories.TechniqueFactory(name="macromolecular crystallography"))
    year = timezone.localdate().year
    for i, title in enumerate(["Thaumatin", "Insulin", "Trypsin"]):
        start = timezone.make_aware(datetime(year - 6 + i, 4, 10, 9))
        factories.InvestigationFactory(
            instrument=instrument,
            title=f"Public {title}",
            start_date=start,
            end_date=start + timedelta(days=1),
            volume=2**30 * (i + 1),
        )
    team = factories.make_team(
        factories.InvestigationFactory(instrument=instrument, title="Secret lysozyme")
    )
    team.scientist.username = "pnovak"
    team.scientist.save()

    page.goto("/")
    page.click("a.beamline-card:has-text('ID23-1')")
    expect(page).to_have_url(re.compile(r"/beamlines/ID23-1/$"))
    expect(page.locator("#figure-sessions svg rect")).to_have_count(3)
    expect(page.locator("#figure-volume")).to_contain_text("3.0 GB")
    rows = page.locator("#sessions tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Public Trypsin")
    expect(page.locator("body")).not_to_contain_text("Secret lysozyme")
    screenshot("anonymous")

    page.evaluate("window.__noReload = true")  # survives HTMX swaps, lost on a full page load
    page.click("#sessions a[rel=next]")
    expect(page).to_have_url(re.compile(r"\?cursor="))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Public Thaumatin")
    assert page.evaluate("window.__noReload") is True

    log_in(page, "pnovak")
    page.goto("/beamlines/id23-1/")
    expect(page).to_have_url(re.compile(r"/beamlines/ID23-1/$"))
    expect(page.locator("#sessions")).to_contain_text("Secret lysozyme")
    expect(page.locator("#beamline-logbook")).to_be_visible()
    screenshot("scientist")
