"""A scientist starts a data collection from "My DOIs": the new page stores nothing until saved;
the picker searches as she types and tells a proposal's sessions apart; an author removed while
another field is wrong stays ticked for removal, and goes once the form is fixed and saved; the
draft is deleted after a confirmation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from doi.models import DataCollection
from tests import factories
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e


def _people() -> dict:
    def user(username: str, first: str, last: str):
        return factories.UserFactory(
            username=username, full_name=f"{first} {last}", first_name=first, last_name=last
        )

    marie = user("mdubois", "Marie", "Dubois")
    james = user("jsmith", "James", "Smith")
    lena = user("lcontact", "Lena", "Contact")
    beamline = factories.InstrumentFactory(name="ID23-1")
    for n, day in enumerate((3, 17)):
        start = datetime(2026, 3, day, 8, tzinfo=UTC)
        session = factories.InvestigationFactory(
            name="MX-2468",
            visit_id=f"id2468{n:02d}",
            title="Lysozyme at room temperature",
            instrument=beamline,
            start_date=start,
            end_date=start + timedelta(days=2),
        )
        for member, role in (
            (marie, "principal_investigator"),
            (james, "participant"),
            (lena, "local_contact"),
        ):
            factories.InvestigationUserFactory(investigation=session, user=member, role=role)
        for name in ("lyso_0001", "lyso_0002"):
            factories.DatasetFactory(investigation=session, name=name, start_date=start)
    return {"marie": marie}


def test_new_collection_pick_by_search_and_remove_an_author_through_an_error(
    page: Page, screenshot
) -> None:
    _people()
    log_in(page, "mdubois")
    page.goto("/doi/mine/")
    page.click("text=New data collection")
    expect(page.locator("h1")).to_have_text("New data collection")
    assert not DataCollection.objects.exists()  # opening the page stores nothing

    # Live search: no submit; each session of the proposal is its own group.
    page.fill("#picker-q", "lyso_0002")
    expect(page.locator("#picker .picker-session")).to_have_count(2)
    expect(page.locator("#picker")).not_to_contain_text("lyso_0001")
    later = page.locator("#picker .picker-session", has_text="session id246801")
    expect(later).to_contain_text("17 Mar 2026 – 19 Mar 2026")
    later.get_by_label("lyso_0002").check()
    page.fill("#picker-q", "lyso_0001")
    expect(page.locator("#picker-ticked")).to_contain_text("lyso_0002 (MX-2468)")
    page.locator("#picker .picker-session", has_text="session id246800").get_by_label(
        "lyso_0001"
    ).check()
    screenshot("new")
    page.fill("#id_title", "Room-temperature lysozyme")
    page.get_by_role("button", name="Save draft").click()

    expect(page.locator("#datasets tbody tr")).to_have_count(2)
    expect(page.locator("#authors-list")).to_contain_text("Marie Dubois")
    expect(page.locator("#authors-list")).to_contain_text("James Smith")
    expect(page.locator("#authors-list")).not_to_contain_text("Lena Contact")
    expect(page.locator("#contributors-list")).to_contain_text("Lena Contact")

    # Remove James, but ask to reserve without an abstract: refused, James still ticked.
    james = page.locator("#authors-list li", has_text="James Smith")
    james.get_by_label("Remove").check()
    page.click("button[name=action][value=reserve]")
    expect(page.locator("#collection-errors")).to_contain_text("An abstract is required.")
    james = page.locator("#authors-list li", has_text="James Smith")
    expect(james.get_by_label("Remove")).to_be_checked()
    expect(james).to_contain_text("Removed on save")
    screenshot("refused")

    page.fill("#id_abstract", "Diffraction data of lysozyme at room temperature.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("body")).to_contain_text("Saved.")
    expect(page.locator("#authors-list")).not_to_contain_text("James Smith")
    expect(page.locator("#authors-list")).to_contain_text("Marie Dubois")
    screenshot("saved")

    # Deleting the draft: a confirmation, then it is gone from My DOIs.
    page.click("text=Delete draft")
    expect(page.locator("h1")).to_have_text("Delete “Room-temperature lysozyme”?")
    screenshot("delete")
    page.get_by_role("button", name="Delete").click()
    expect(page.locator("body")).to_contain_text("Deleted “Room-temperature lysozyme”.")
    expect(page.locator(".doi-table")).not_to_contain_text("Room-temperature lysozyme")
    screenshot("deleted")
