"""Stores scan a parcel (the scanner types the code and Enter) and see the answer, large: a
double read changes nothing, a move the location does not explain asks first, a scan undoes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from shipments.models import ParcelScan
from shipments.workflow import Status
from tests import factories
from tests.e2e.conftest import log_in
from tests.shipments.factories import ParcelFactory

pytestmark = pytest.mark.e2e


def test_stores_scan_a_parcel_in_confirm_a_second_move_and_undo_it(
    page: Page, screenshot, transactional_db
) -> None:
    team = factories.make_team()
    sent = ParcelFactory(
        shipment__investigation=team.investigation,
        status=Status.SENT,
        name="MX dewar",
        is_dangerous=True,
        dangerous_goods="Dry ice",
    )
    ready = ParcelFactory(shipment__investigation=team.investigation, status=Status.READY)
    log_in(page, team.staff.username)
    page.goto("/shipments/scan/")
    page.fill("#id_location", "Stores")

    def scan(code: str) -> None:
        page.fill("#id_code", code)
        page.press("#id_code", "Enter")

    scan(sent.code)
    result = page.locator("#scan-result.scan-ok")
    expect(result).to_contain_text("At stores — Stores")
    expect(result).to_contain_text("Dangerous goods")
    expect(page.locator("#id_code")).to_be_focused()
    screenshot("received")
    scan(ready.code)
    expect(page.locator("#scan-result.scan-fail")).to_contain_text("does not move on by scanning")
    screenshot("refused")

    scan(sent.code)
    expect(page.locator("#scan-result.scan-repeat")).to_contain_text("Already received at Stores")
    # A minute later (the stored scan time moved back), a read at stores again asks first.
    ParcelScan.objects.update(scanned_at=timezone.now() - timedelta(minutes=1))
    scan(sent.code)
    asked = page.locator("#scan-result.scan-confirm")
    expect(asked).to_contain_text("Move it on to “At the beamline” from here?")
    screenshot("confirm")
    sent.refresh_from_db()
    assert sent.status == Status.STORES
    page.click("#scan-confirm")
    expect(page.locator("#scan-result.scan-ok")).to_contain_text("At the beamline — Stores")
    page.click("#scan-undo")
    expect(page.locator("#scan-result.scan-ok")).to_contain_text(
        f"Scan undone: {sent.code} is “At stores” again."
    )
    expect(page.locator("#id_code")).to_be_focused()
    screenshot("undone")
    sent.refresh_from_db()
    assert sent.status == Status.STORES and sent.location == "Stores"
