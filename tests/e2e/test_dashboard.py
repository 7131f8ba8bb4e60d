"""The first screen after login in a real browser: the PI's dashboard with the access request to
answer, and its navbar badge filled by HTMX; then the first screen of every other demo role:
participant, beamline scientist, safety, stores and staff."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import log_in
from tests.portal.facility import build_facility

pytestmark = pytest.mark.e2e


def _log_out(page: Page) -> None:
    page.click("#user-menu")
    page.click("text=Log out")


def test_each_role_lands_on_their_work_and_the_pi_gets_a_badge(
    page: Page, screenshot, transactional_db
) -> None:
    facility = build_facility()

    log_in(page, facility.pi.username)
    expect(page.locator("h1")).to_contain_text("Welcome, Marie Dubois")
    expect(page.locator("#my-sessions")).to_contain_text("Lysozyme soaking with gold compounds")
    request = page.locator("#access-requests [data-requester=rbrown]")
    expect(request).to_contain_text("Robert Brown asks to join MX-2468")
    # Not in the page as served: the navbar asks /nav/badges/ once loaded.
    expect(page.locator('#nav-badges [data-badge="access-requests"]')).to_have_text("1")
    screenshot("pi")
    request.click()
    expect(page.locator("#access-requests [data-requester=rbrown]")).to_contain_text(
        "Processed it"
    )  # the team tab, where the PI answers
    _log_out(page)

    log_in(page, facility.scientist.username)
    expect(page.locator("#beamline-sessions")).to_contain_text("MX-2468")
    expect(page.locator("nav a[href='/beamlines/ID23-1/']")).to_be_visible()  # "My beamline"
    screenshot("scientist")
    _log_out(page)

    log_in(page, facility.safety.username)
    expect(page.locator('[data-figure="safety-queue"]')).to_have_text("1")
    expect(page.locator('#nav-badge-safety [data-badge="safety"]')).to_have_text("1")
    screenshot("safety")
    _log_out(page)

    log_in(page, facility.participant.username)
    expect(page.locator("#my-sessions")).to_contain_text("Lysozyme soaking with gold compounds")
    expect(page.locator("#my-downloads")).to_contain_text("Thaumatin")
    expect(page.locator("#my-downloads")).to_contain_text("Restore of thau_0001")
    expect(page.locator("#doi-drafts")).to_contain_text("Thaumatin structures")
    expect(page.locator("#access-requests")).to_have_count(0)  # the PI's to answer, not hers
    screenshot("participant")
    _log_out(page)

    log_in(page, facility.stores.username)
    expect(page.locator('[data-figure="expected-today"]')).to_have_text("1")
    expect(page.locator("#stores-parcels")).to_contain_text("Dewar B")
    expect(page.locator('#nav-badge-stores [data-badge="stores"]')).to_have_text("1")
    expect(page.locator("nav a[href='/shipments/scan/']")).to_be_visible()
    screenshot("stores")
    _log_out(page)

    log_in(page, facility.staff.username)
    expect(page.locator('#facility-figures [data-figure="sessions"]')).to_have_text("3")
    expect(page.locator('#facility-figures [data-figure="ongoing"]')).to_have_text("1")
    screenshot("staff")
