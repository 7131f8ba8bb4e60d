"""A demo user logs in and walks the navigation in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e


def test_member_logs_in_and_walks_the_navigation(page: Page, screenshot, transactional_db) -> None:
    team = factories.make_team()
    released = factories.InvestigationFactory(released=True, title="Lysozyme at room temperature")

    page.goto("/")
    expect(page.locator("#recently-released")).to_contain_text("Lysozyme at room temperature")
    screenshot("home")

    log_in(page, team.participant.username)
    page.goto("/experiments/")
    expect(page.locator("h1")).to_contain_text("My experiments")
    expect(page.locator("table")).to_contain_text(team.investigation.name)
    expect(page.locator("table")).not_to_contain_text(released.name)
    screenshot("experiments")

    page.click("nav >> text=Public data")
    expect(page.locator("table")).to_contain_text(released.name)
    expect(page.locator("table")).not_to_contain_text(team.investigation.name)

    page.click("nav >> text=Downloads")
    expect(page.locator("h1")).to_contain_text("downloads")

    page.click("#user-menu")
    page.click("text=Profile & API token")
    expect(page.locator("h1")).to_contain_text(team.participant.display_name)

    page.goto(f"/investigations/{team.investigation.pk}/")
    expect(page.locator(".investigation-header")).to_contain_text(team.investigation.name)

    page.click("#user-menu")
    page.click("text=Log out")
    page.goto(f"/investigations/{team.investigation.pk}/")
    expect(page.locator(".error-code")).to_have_text("404")
    screenshot("embargoed-404")
