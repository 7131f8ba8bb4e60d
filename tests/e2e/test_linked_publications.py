"""A team member links a paper to a released session from its page (inline, no reload), then the
DOI landing page lists it under "Cited by" and copies the citation to the clipboard."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from doi.models import Doi, DoiKind, DoiState
from tests import factories
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e


def test_link_a_paper_inline_then_cite_the_session(page: Page, screenshot) -> None:
    marie = factories.UserFactory(
        username="mdubois", full_name="Marie Dubois", first_name="Marie", last_name="Dubois"
    )
    session = factories.InvestigationFactory(
        released=True,
        name="MX-2468",
        title="Lysozyme at room temperature",
        instrument=factories.InstrumentFactory(name="ID23-1"),
    )
    factories.InvestigationUserFactory(
        investigation=session, user=marie, role="principal_investigator"
    )
    for n, size in enumerate((3_000_000, 5_000_000)):
        factories.DatasetFactory(investigation=session, name=f"lyso_{n}", size=size, file_count=2)
    doi = Doi.objects.create(
        identifier="10.5072/SLS-MX-2468-ID231",
        kind=DoiKind.SESSION,
        state=DoiState.FINDABLE,
        investigation=session,
        registered_at=timezone.now(),
    )
    page.emulate_media(reduced_motion="reduce")  # screenshots without Bootstrap's transitions
    log_in(page, "mdubois")

    page.goto(session.get_absolute_url())
    page.evaluate("window.notReloaded = true")
    page.fill("#publication-form input[name=paper]", "10.1107")
    page.click("#publication-form button[type=submit]")
    expect(page.locator("#publication-form .invalid-feedback")).to_contain_text(
        "Not a DOI or a PubMed id"
    )
    page.fill("#publication-form input[name=paper]", "https://doi.org/10.1107/S2059798326000001")
    page.click("#publication-form button[type=submit]")

    expect(page.locator("#publication-list")).to_contain_text("10.1107/S2059798326000001")
    assert page.evaluate("window.notReloaded") is True  # swapped in by htmx, not a new page
    expect(page.locator("#publication-form input[name=paper]")).not_to_have_class(
        re.compile("is-invalid")  # htmx settles the new form's classes a moment after the swap
    )
    page.mouse.move(0, 0)
    screenshot("investigation")

    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(doi.get_absolute_url())
    expect(page.locator("#publications")).to_contain_text("10.1107/S2059798326000001")
    expect(page.locator("#download-all")).to_contain_text("7.6 MB")
    copy = page.locator("button[data-copy=citation-apa]")
    expect(copy).to_have_text("Copy citation")
    copy.click()
    expect(copy).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()").endswith(f"https://doi.org/{doi}")
    screenshot("landing")
