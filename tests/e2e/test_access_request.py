"""Access by proposal name in a real browser: an outsider asks, the PI approves on the team tab,
and the new collaborator sees the embargoed data."""

from __future__ import annotations

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from catalogue.models import Role
from tests import factories
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e


def _log_out(page: Page) -> None:
    page.click("#user-menu")
    page.click("text=Log out")


def test_outsider_requests_pi_approves_collaborator_sees_data(
    page: Page, screenshot, settings, transactional_db
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    investigation = factories.InvestigationFactory(
        name="MX-2468", title="Lysozyme soaking with gold compounds"
    )
    factories.DatasetFactory(investigation=investigation, name="lyso_gold_0001")
    pi = factories.UserFactory(username="mdubois", full_name="Marie Dubois")
    factories.InvestigationUserFactory(
        investigation=investigation, user=pi, role=Role.PRINCIPAL_INVESTIGATOR
    )
    factories.UserFactory(username="rbrown", full_name="Robert Brown", email="rbrown@example.org")

    log_in(page, "rbrown")
    page.goto(f"/investigations/{investigation.pk}/")
    expect(page.locator(".error-code")).to_have_text("404")
    page.goto("/experiments/")
    page.click("text=Request access to a proposal")
    page.fill("input[name=proposal]", "mx-2468")
    page.fill("textarea[name=message]", "I processed these data sets at home.")
    page.click("#access-request-form button[type=submit]")
    expect(page.locator("#messages")).to_contain_text("Your request for MX-2468 was sent")
    expect(page.locator("#my-access-requests")).to_contain_text("Pending")
    screenshot("requested")
    _log_out(page)

    log_in(page, "mdubois")
    page.goto(f"/investigations/{investigation.pk}/team/")
    request_item = page.locator("#access-requests [data-requester=rbrown]")
    expect(request_item).to_contain_text("I processed these data sets at home.")
    screenshot("pending-on-team-tab")
    request_item.locator("text=Approve").click()
    expect(page.locator("#messages")).to_contain_text("Robert Brown is now a collaborator.")
    expect(page.locator("#team-members [data-username=rbrown]")).to_contain_text("Collaborator")
    expect(page.locator("#team-history")).to_contain_text("approved the request of Robert Brown")
    screenshot("approved")
    _log_out(page)

    log_in(page, "rbrown")
    page.goto("/experiments/")
    expect(page.locator("#results")).to_contain_text("MX-2468")
    page.click("#results >> text=MX-2468")
    expect(page.locator(".investigation-header")).to_contain_text(
        "Lysozyme soaking with gold compounds"
    )
    screenshot("collaborator-sees-data")
    subjects = [m.subject for m in mail.outbox]
    assert any("Robert Brown asks to join MX-2468" in s for s in subjects)
    assert any("was approved" in s for s in subjects)
