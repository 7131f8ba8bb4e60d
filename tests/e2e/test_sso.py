"""Single sign-on in a real browser against the test OpenID Connect provider process: "Sign in
with ...", the provider's login form, My experiments as the ICAT-synced person with the roles the
provider's groups give, then logging out also at the provider (its end-session endpoint)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from catalogue import access
from catalogue.models import Role
from portal.models import User
from tests import factories
from tests.oidc_provider.harness import PASSWORD

pytestmark = pytest.mark.e2e


def test_sign_in_with_sso_lands_on_my_experiments_and_logout_reaches_the_provider(
    page: Page, screenshot, transactional_db, live_server, oidc_provider, settings
) -> None:
    settings.SITE_URL = live_server.url
    jane = User(username="jdoe", full_name="Jane Doe", icat_name="esrf/jdoe")
    jane.set_unusable_password()  # as the ICAT sync creates people
    jane.save()
    beamline = factories.InstrumentFactory(name="ID23-1")
    investigation = factories.InvestigationFactory(name="MX-2468", instrument=beamline)
    factories.InvestigationUserFactory(
        investigation=investigation, user=jane, role=Role.PRINCIPAL_INVESTIGATOR
    )

    page.goto("/login/")
    screenshot("login-page")
    page.get_by_role("link", name="Sign in with UmbrellaID").click()
    expect(page.get_by_role("heading", name="Test identity provider")).to_be_visible()
    page.get_by_label("User name").fill("jdoe")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(lambda url: urlsplit(url).path == "/")  # the dashboard
    expect(page.locator("#user-menu")).to_contain_text("jdoe")
    expect(page.get_by_role("link", name=re.compile("MX-2468"))).to_be_visible()
    assert User.objects.count() == 1
    assert access.is_beamline_scientist(jane, beamline)
    assert access.is_safety_officer(jane)

    page.locator("#user-menu").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{live_server.url}/?state=*")
    expect(page.locator("#user-menu")).to_have_count(0)  # signed out here too
    assert oidc_provider.log()["logouts"][-1]["client_id"] == "portal"
