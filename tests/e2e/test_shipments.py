"""A team member sends a puck of three samples; the safety team approves it in admin; the team
member sees APPROVED in the history and downloads the label."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from shipments.models import Parcel
from tests import factories
from tests.e2e.conftest import log_in
from tests.shipments.factories import AddressFactory, safety_officer

pytestmark = pytest.mark.e2e


def test_puck_of_three_samples_from_packing_to_approved_label(
    page: Page, screenshot, transactional_db
) -> None:
    team = factories.make_team()
    AddressFactory(owner=team.participant, name="Marie Dubois")
    officer = safety_officer("sgarcia")
    investigation = team.investigation

    log_in(page, team.participant.username)
    page.goto(f"/investigations/{investigation.pk}/")
    page.click(".investigation-header >> text=Shipments")
    page.click("#new-shipment")
    page.fill("#id_name", "Crystals for the May session")
    page.select_option(
        "#id_shipping_address",
        label="Marie Dubois, Institut de Biologie Structurale, Grenoble (France)",
    )
    page.select_option("#id_return_address", index=1)
    page.click("text=Create shipment")
    expect(page.locator("h1")).to_contain_text("Crystals for the May session")

    page.click("#new-parcel")
    page.fill("#id_name", "Dry shipper 1")
    page.select_option("#id_storage_condition", "ln2")
    page.check("#id_is_dangerous")
    page.click("text=Create parcel")
    # The HTMX answer keeps what was typed and says what is missing.
    expect(page.locator(".invalid-feedback")).to_contain_text("Describe the dangerous goods.")
    expect(page.locator("#id_name")).to_have_value("Dry shipper 1")
    screenshot("parcel-form-error")
    page.uncheck("#id_is_dangerous")
    page.click("text=Create parcel")
    expect(page.locator("#parcel-status")).to_contain_text("Created")

    page.click("#add-item")
    page.select_option("#id_kind", "container")
    page.select_option("#id_container_type", "puck")
    page.fill("#id_name", "Puck A")
    page.click("button[type=submit] >> text=Save")
    page.click("text=Add a sample")
    for position in (1, 2, 3):
        page.fill("#id_name", f"lysozyme-{position}")
        page.fill("#id_position", str(position))
        page.fill("#id_plan_comments", "Collect at 100 K, 0.02 s per image")
        if position < 3:
            page.click("#save-and-add")
            expect(page.locator("#id_name")).to_have_value("")
        else:
            page.click("button[type=submit] >> text=Save")
    content = page.locator("#parcel-content")
    for position in (1, 2, 3):
        expect(content).to_contain_text(f"lysozyme-{position}")
    page.click("[data-target-status=READY]")
    expect(page.locator("#parcel-status")).to_contain_text("Ready for safety check")
    expect(content).to_contain_text("locked")
    screenshot("parcel-ready")
    parcel = Parcel.objects.get(name="Dry shipper 1")

    page.context.clear_cookies()
    log_in(page, officer.username)
    page.goto("/safety/shipments/safetyqueueparcel/")
    expect(page.locator("#result_list")).to_contain_text(parcel.code)
    screenshot("safety-queue")
    page.check(f"input[name=_selected_action][value='{parcel.pk}']")
    page.select_option("select[name=action]", "approve")
    page.click("button[name=index]")
    expect(page.locator(".messagelist")).to_contain_text(f"Approved by safety: {parcel.code}")
    screenshot("safety-approved")

    page.context.clear_cookies()
    log_in(page, team.participant.username)
    page.goto(f"/parcels/{parcel.pk}/")
    history = page.locator("#parcel-history")
    expect(history).to_contain_text("Approved by safety")
    expect(history.locator("[data-status=APPROVED]")).to_be_visible()
    screenshot("parcel-approved")
    with page.expect_download() as download_info:
        page.click("#label-link")
    pdf = PdfReader(io.BytesIO(open(download_info.value.path(), "rb").read()))
    text = pdf.pages[0].extract_text()
    assert parcel.code in text and investigation.name in text and "Liquid nitrogen dewar" in text
