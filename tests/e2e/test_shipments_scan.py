"""Stores scan a parcel (the scanner types the code and Enter) and see the answer, large."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from shipments.workflow import Status
from tests import factories
from tests.e2e.conftest import log_in
from tests.shipments.factories import ParcelFactory

pytestmark = pytest.mark.e2e


def test_stores_scan_a_parcel_in_and_see_a_refusal(
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
    page.fill("#id_code", sent.code)
    page.press("#id_code", "Enter")
    result = page.locator("#scan-result.scan-ok")
    expect(result).to_contain_text("At stores — Stores")
    expect(result).to_contain_text("Dangerous goods")
    expect(page.locator("#id_code")).to_be_focused()
    screenshot("received")
    page.fill("#id_code", ready.code)
    page.press("#id_code", "Enter")
    expect(page.locator("#scan-result.scan-fail")).to_contain_text("does not move on by scanning")
    screenshot("refused")
    sent.refresh_from_db()
    assert sent.status == Status.STORES
