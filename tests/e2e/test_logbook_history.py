"""A note written after the fact: its "refers to" time, the sort by it, an edit and the diff its
history shows in place on the timeline (desktop and a 390 px phone)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from logbook.services import event_create
from tests import factories
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e


def test_note_with_refers_to_time_edited_then_its_history_diff(
    page: Page, screenshot, transactional_db
) -> None:
    inv = factories.InvestigationFactory(
        start_date=timezone.now() - timedelta(days=1, hours=3),
        end_date=timezone.now() + timedelta(hours=21),
    )
    team = factories.make_team(inv)
    for hours in (30, 26, 1):
        event_create(
            investigation=inv,
            instrument=inv.instrument,
            type="notification",
            category="commandline",
            by="",
            text=f"collect(osc=0.1, n={hours * 100})",
            when=timezone.now() - timedelta(hours=hours),
            extra={"software": "MXCuBE"},
        )
    refers_to = timezone.localtime(timezone.now() - timedelta(hours=2))

    log_in(page, team.participant.username)
    page.goto(f"/investigations/{inv.pk}/logbook/")
    newest = timezone.localtime(timezone.now() - timedelta(hours=1))
    expect(page.locator(".logbook-day").first).to_have_text(f"{newest:%A %-d %B %Y}")
    page.click("summary:has-text('Write an entry')")
    page.fill("#id_title", "Beam dump during sweep 2")
    page.click(".logbook-editor .ql-editor")
    page.keyboard.type("Sweep 2 of crystal 4 lost its last 40 degrees to the beam dump.")
    page.fill("#id_refers_to", f"{refers_to:%Y-%m-%dT%H:%M}")
    screenshot("writing")
    page.click("button:has-text('Save entry')")
    note = page.locator("#events > article.event-annotation")
    # (with its date when written on another day than the one it refers to, after midnight)
    expect(note.locator(".event-refers")).to_contain_text("refers to")
    expect(note.locator(".event-refers")).to_contain_text(f"{refers_to:%H:%M}")
    expect(note).to_contain_text("written")

    # Sorted by the time it refers to, it goes below the collection of an hour ago.
    page.click("label[for=id_sort_refers]")
    expect(page.locator("#events article").first).to_contain_text("n=100)")
    expect(page.locator("#events article").nth(1)).to_contain_text("Beam dump")
    assert "sort=refers" in page.url
    screenshot("sorted-by-refers-to")

    note.locator("a:has-text('Edit')").click()
    expect(page.locator("#id_refers_to")).to_have_value(f"{refers_to:%Y-%m-%dT%H:%M}")
    page.click(".logbook-editor .ql-editor")
    page.keyboard.press("Control+End")
    for _ in range(len("40 degrees to the beam dump.")):
        page.keyboard.press("Backspace")
    page.keyboard.type("35 degrees to the beam dump; recollected.")
    page.click("button:has-text('Save changes')")

    note.locator("a:has-text('edited')").click()
    versions = note.locator(".event-history .logbook-version")
    expect(versions).to_have_count(2)
    expect(versions.first.locator("del")).to_have_text(["40", "dump."])
    expect(versions.first.locator("ins")).to_have_text(["35", "dump; recollected."])
    expect(versions.first).to_contain_text(team.participant.full_name)
    screenshot("history-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    note.scroll_into_view_if_needed()
    screenshot("history-phone")
