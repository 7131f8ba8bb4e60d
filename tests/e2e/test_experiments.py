"""My experiments in a real browser: filters and sorting swap the table without a reload, the URL
follows (bookmarkable), the back button restores the previous view, and a row opens its page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from catalogue.models import Role
from tests import factories
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e


def test_filter_and_sort_my_experiments_then_open_one(
    page: Page, screenshot, transactional_db
) -> None:
    pi = factories.UserFactory(username="mdubois", full_name="Marie Dubois")
    bm29, id23 = (
        factories.InstrumentFactory(name="BM29"),
        factories.InstrumentFactory(name="ID23-1"),
    )
    factories.TechniqueFactory(name="SAXS")
    now = timezone.now()
    for i, (name, beamline, title) in enumerate(
        [
            ("MX-2468", id23, "Lysozyme soaking with gold compounds"),
            ("SC-5120", bm29, "Intrinsically disordered proteins in solution"),
            ("MX-2501", id23, "Thaumatin at room temperature"),
            ("SC-5188", bm29, "Nucleosome flexibility"),
        ]
    ):
        investigation = factories.InvestigationFactory(
            name=name,
            instrument=beamline,
            title=title,
            start_date=now - timedelta(days=60 - i * 10),
            end_date=now - timedelta(days=59 - i * 10),
            doi="10.5072/ESRF-ES-1" if i == 0 else "",
        )
        factories.InvestigationUserFactory(
            investigation=investigation, user=pi, role=Role.PRINCIPAL_INVESTIGATOR
        )

    log_in(page, "mdubois")
    page.goto("/experiments/")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text("SC-5188")  # newest first
    page.evaluate("window.__noReload = true")  # survives HTMX swaps, lost on a full page load
    screenshot("all")

    page.select_option("select[name=beamline]", "BM29")
    expect(page).to_have_url(re.compile(r"/experiments/\?beamline=BM29$"))
    expect(rows).to_have_count(2)
    expect(page.locator("#results")).not_to_contain_text("MX-2468")

    page.click("a.sort-link[data-sort=proposal]")
    expect(page).to_have_url(re.compile(r"sort=proposal"))
    expect(rows.first).to_contain_text("SC-5120")
    expect(page).to_have_url(re.compile(r"beamline=BM29"))
    screenshot("bm29-by-proposal")
    assert page.evaluate("window.__noReload") is True

    page.go_back()
    expect(page).not_to_have_url(re.compile(r"sort=proposal"))
    expect(rows.first).to_contain_text("SC-5188")
    expect(rows).to_have_count(2)
    expect(page.locator("select[name=beamline]")).to_have_value("BM29")

    page.fill("#investigation-filters input[name=q]", "lysozyme")
    page.select_option("select[name=beamline]", "")
    expect(rows).to_have_count(1)
    expect(page).to_have_url(re.compile(r"/experiments/\?q=lysozyme$"))
    expect(rows.first).to_contain_text("10.5072/ESRF-ES-1")
    screenshot("keyword")

    page.click("#results >> text=MX-2468")
    expect(page.locator(".investigation-header")).to_contain_text(
        "Lysozyme soaking with gold compounds"
    )
    expect(page.locator("#team-overview")).to_contain_text("Marie Dubois")
    screenshot("investigation")


def test_bad_filter_in_the_url_shows_a_message(page: Page, screenshot, transactional_db) -> None:
    factories.UserFactory(username="jsmith")
    log_in(page, "jsmith")
    page.goto("/experiments/?start=notadate&sort=sideways")
    expect(page.locator("#filter-errors")).to_contain_text("Enter the start date as YYYY-MM-DD.")
    expect(page.locator("#filter-errors")).to_contain_text("Unknown sort order")
    screenshot("bad-filter")


def test_search_box_finds_and_highlights_public_data(
    page: Page, screenshot, transactional_db
) -> None:
    public = factories.InvestigationFactory(
        released=True, name="MX-1999", title="Thaumatin crystals at room temperature"
    )
    sample = factories.SampleFactory(investigation=public, name="thaumatin batch 2")
    factories.DatasetFactory(investigation=public, sample=sample, name="rt_collect_0007")
    factories.InvestigationFactory(title="Secret thaumatin work")  # embargoed: never shown

    page.goto("/")
    page.fill(".hero-search input[name=q]", "thaumatin")
    page.keyboard.press("Enter")
    first_mark = page.locator("#section-investigations mark").first
    expect(first_mark).to_have_text(re.compile("thaumatin", re.I))
    expect(page.locator("#section-datasets")).to_contain_text("rt_collect_0007")
    expect(page.locator("#results")).not_to_contain_text("Secret")
    screenshot("results")

    page.fill("#search-form input[name=q]", "mx-1999")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/investigations/{public.pk}/$"))
    expect(page.locator(".investigation-header")).to_contain_text("Thaumatin crystals")
    expect(page.locator("#results")).to_have_count(0)
