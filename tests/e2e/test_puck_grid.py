"""A team member fills a Unipuck position by position on its grid, without leaving the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from shipments.models import Item, ItemKind
from tests import factories
from tests.e2e.conftest import log_in
from tests.shipments.factories import ItemFactory, ParcelFactory, ShipmentFactory

pytestmark = pytest.mark.e2e


def test_two_positions_of_a_unipuck_filled_from_its_grid(
    page: Page, screenshot, transactional_db
) -> None:
    team = factories.make_team()
    factories.SampleFactory(investigation=team.investigation, name="thaumatin")
    parcel = ParcelFactory(shipment=ShipmentFactory(investigation=team.investigation))
    puck = ItemFactory(
        parcel=parcel, kind=ItemKind.CONTAINER, container_type="puck", name="ESRF-0042"
    )

    log_in(page, team.participant.username)
    page.goto(parcel.get_absolute_url())
    page.click(f"[data-container='{puck.pk}']")
    expect(page.locator(".puck-slot")).to_have_count(16)
    expect(page.locator("#container-count")).to_contain_text("0 of 16")

    page.click(".puck-slot[data-position='1']")
    form = page.locator("#position-form")
    expect(form).to_contain_text("A sample at position 1")
    expect(page.locator("#id_plan_required_resolution")).to_have_value("2.0")  # MX defaults
    page.click("#position-form button[type=submit]")  # no name yet: the form says so
    expect(form.locator(".invalid-feedback")).to_contain_text("This field is required.")
    page.fill("#id_name", "thaumatin-1")
    page.select_option("#id_sample", label="thaumatin")
    page.fill("#id_plan_comments", "Best crystal of the batch")
    page.click("#position-form button[type=submit]")
    expect(page.locator(".puck-slot[data-position='1']")).to_contain_text("thaumatin-1")
    expect(page.locator("#position-form")).to_have_count(0)

    page.click(".puck-slot[data-position='12']")
    expect(page.locator("#position-form")).to_contain_text("A sample at position 12")
    page.fill("#id_name", "thaumatin-12")
    page.select_option("#id_plan_strategy", "anomalous")
    page.click("#position-form button[type=submit]")
    expect(page.locator(".puck-slot[data-position='12']")).to_contain_text("thaumatin-12")
    expect(page.locator("#container-count")).to_contain_text("2 of 16")  # the board's count
    expect(page.locator("#position-list")).to_contain_text("Anomalous (SAD)")
    screenshot("desktop")

    # A filled position opens its sample to change it.
    page.click(".puck-slot[data-position='1']")
    expect(page.locator("#id_name")).to_have_value("thaumatin-1")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("phone")
    slot = page.locator(".puck-slot[data-position='16']").bounding_box()
    assert slot and slot["x"] >= 0 and slot["x"] + slot["width"] <= 390  # the puck fits

    saved = dict(Item.objects.filter(container=puck).values_list("position", "name"))
    assert saved == {1: "thaumatin-1", 12: "thaumatin-12"}
    plan = Item.objects.get(name="thaumatin-1").experiment_plan
    assert plan["comments"] == "Best crystal of the batch" and plan["strategy"] == "native"
