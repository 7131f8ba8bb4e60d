"""Data policy in a real browser: the PI releases one session (an anonymous visitor then finds it
in /public/), asks for a later release date on another, and the data-policy office approves."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import Page, expect

from catalogue.models import Investigation, Role
from tests import factories
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e


def _log_out(page: Page) -> None:
    page.click("#user-menu")
    page.click("text=Log out")


def test_pi_releases_one_session_and_the_office_extends_another(
    page: Page, screenshot, settings, transactional_db
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DOI_REGISTER_SESSIONS = False
    pi = factories.UserFactory(username="mdubois", full_name="Marie Dubois")
    officer = factories.UserFactory(username="lfischer", full_name="Lena Fischer")
    officer.groups.add(Group.objects.get_or_create(name="Data policy")[0])
    to_release, to_extend = (
        factories.InvestigationFactory(name=name, title=title)
        for name, title in (
            ("MX-2468", "Lysozyme soaking with gold compounds"),
            ("MX-2590", "Fragment screening of the Nsp3 macrodomain"),
        )
    )
    for investigation in (to_release, to_extend):
        factories.DatasetFactory(investigation=investigation)
        factories.InvestigationUserFactory(
            investigation=investigation, user=pi, role=Role.PRINCIPAL_INVESTIGATOR
        )

    log_in(page, "mdubois")
    page.goto(f"/investigations/{to_release.pk}/")
    page.click("#release-actions >> text=Release now")
    expect(page.locator("#release-contents")).to_contain_text("datasets")
    screenshot("confirm-release")
    page.click("#release-confirm")
    expect(page.locator("#messages")).to_contain_text("MX-2468 is public from now on.")

    page.goto(f"/investigations/{to_extend.pk}/")
    page.click("#release-actions >> text=Extend embargo")
    too_late = timezone.localdate(to_extend.release_date + timedelta(days=800))
    page.fill("input[name=new_release_date]", too_late.isoformat())
    page.fill("textarea[name=reason]", "A PhD thesis builds on these data.")
    page.click("#extension-form button[type=submit]")
    expect(page.locator("#extension-form")).to_contain_text("At most 730 days")
    wanted = timezone.localdate(to_extend.release_date + timedelta(days=365))
    page.fill("input[name=new_release_date]", wanted.isoformat())
    page.click("#extension-form button[type=submit]")
    expect(page.locator("#messages")).to_contain_text("went to the data-policy office")
    _log_out(page)

    page.goto("/public/")
    expect(page.locator("body")).to_contain_text("Lysozyme soaking with gold compounds")
    expect(page.locator("body")).not_to_contain_text("Fragment screening")

    log_in(page, "lfischer", "password")
    page.goto("/data-policy/")
    expect(page.locator("#extension-queue")).to_contain_text("A PhD thesis builds on these data.")
    screenshot("queue")
    page.click("#extension-queue >> text=Answer")
    page.check("input[name=decision][value=approve]")
    page.fill("textarea[name=answer]", "Thesis defence is a listed ground.")
    screenshot("decide")
    page.click("#decision-form button[type=submit]")
    expect(page.locator("#messages")).to_contain_text("told your answer")
    extended = Investigation.objects.get(pk=to_extend.pk)
    assert timezone.localdate(extended.release_date) == wanted

    page.goto("/audit/")
    expect(page.locator("#access-events")).to_contain_text("Embargo extension approved")
    expect(page.locator("#access-events")).to_contain_text("Released early")
    screenshot("audit")
