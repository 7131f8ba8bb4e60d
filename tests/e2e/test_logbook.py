"""The logbook in a real browser: write with a pasted image, tag, filter, edit, see the
history; events posted by beamline software appear live."""

from __future__ import annotations

import base64
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from icat_plus_client import ApiClient, Configuration
from icat_plus_client.api.data_acquisition_api import DataAcquisitionApi
from icat_plus_client.models.event import Event
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from logbook.models import ApiKey
from logbook.services import event_create
from tests import factories
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e


def plot_png() -> str:
    image = Image.new("RGB", (320, 200), "white")
    draw = ImageDraw.Draw(image)
    draw.line(
        [(10 + x, 180 - int(160 * (x / 300) ** 2)) for x in range(0, 300, 5)], fill="navy", width=3
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


PASTE = """([data]) => {
  const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
  const file = new File([bytes], "plot.png", {type: "image/png"});
  const transfer = new DataTransfer();
  transfer.items.add(file);
  const editor = document.querySelector(".logbook-editor .ql-editor");
  const paste = {clipboardData: transfer, bubbles: true, cancelable: true};
  editor.dispatchEvent(new ClipboardEvent("paste", paste));
}"""


def test_write_with_pasted_image_tag_filter_edit_and_history(
    page: Page, screenshot, transactional_db
) -> None:
    team = factories.make_team()
    inv = team.investigation
    for i in range(3):
        event_create(
            investigation=inv,
            instrument=inv.instrument,
            type="notification",
            category="commandline",
            by="",
            text=f"collect(osc=0.1, n={3600 + i})",
            extra={"software": "MXCuBE"},
        )
    event_create(
        investigation=inv,
        instrument=inv.instrument,
        type="notification",
        category="error",
        by="",
        text="Detector timeout after 30 s",
        extra={"software": "BLISS"},
    )
    log_in(page, team.participant.username)
    page.goto(f"/investigations/{inv.pk}/logbook/")
    expect(page.locator(".investigation-header .nav-link.active")).to_have_text("Logbook")
    page.click("summary:has-text('Write an entry')")
    page.fill("#id_title", "Crystal 3 diffracts to 1.8 Å")
    page.click(".logbook-editor .ql-editor")
    page.keyboard.type("Best crystal so far, plot of the first sweep:")
    page.evaluate(PASTE, [plot_png()])
    expect(page.locator(".logbook-editor .ql-editor img")).to_have_count(1)
    page.fill("#id_tags", "best sample")
    screenshot("writing")
    page.click("button:has-text('Save entry')")
    entry = page.locator("article.event-annotation").first
    expect(entry).to_contain_text("Best crystal so far")
    expect(entry.locator(".logbook-tag")).to_have_text("best sample")
    thumbnail = entry.locator("a.logbook-image img")
    assert thumbnail.get_attribute("src").endswith("/thumbnail")
    # Loaded, not only in the page: a broken (or still loading) image has naturalWidth 0.
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle()
    )
    assert page.evaluate("(img) => img.naturalWidth", thumbnail.element_handle()) > 0
    screenshot("timeline")

    page.check("#logbook-filters input[value='best sample']")
    expect(page.locator("article.logbook-event")).to_have_count(1)
    assert "tag=best%20sample" in page.url or "tag=best+sample" in page.url
    screenshot("filtered-by-tag")

    page.locator("article.event-annotation a:has-text('Edit')").click()
    page.click(".logbook-editor .ql-editor")
    page.keyboard.press("End")
    page.keyboard.type(" Resolution confirmed.")
    page.click("button:has-text('Save changes')")
    expect(page.locator("article.event-annotation")).to_contain_text("Resolution confirmed.")
    page.locator("article.event-annotation a:has-text('edited')").click()
    versions = page.locator("article.event-annotation .event-history .logbook-version")
    expect(versions).to_have_count(2)
    expect(versions.first.locator("ins")).to_contain_text("Resolution confirmed.")
    expect(versions.nth(1)).not_to_contain_text("Resolution confirmed.")
    screenshot("history")


def test_notification_posted_by_beamline_software_appears_on_the_open_page(
    page: Page, screenshot, live_server, settings, transactional_db
) -> None:
    settings.LOGBOOK_LIVE_POLL_SECONDS = 1
    instrument = factories.InstrumentFactory(name="ID23-1")
    inv = factories.InvestigationFactory(
        name="MX-2468",
        instrument=instrument,
        start_date=timezone.now() - timedelta(hours=3),
        end_date=timezone.now() + timedelta(hours=21),
    )
    team = factories.make_team(inv)
    event_create(
        investigation=inv,
        instrument=instrument,
        type="notification",
        category="commandline",
        by="",
        text="mv phi 0",
        extra={"software": "MXCuBE"},
    )
    _, key = ApiKey.objects.create_key(name="MXCuBE", instrument=instrument)
    log_in(page, team.participant.username)
    page.goto(f"/investigations/{inv.pk}/logbook/")
    expect(page.locator("article.logbook-event")).to_have_count(1)

    api = DataAcquisitionApi(ApiClient(Configuration(host=f"{live_server.url}/icatplus")))
    api.dataacquisition_api_key_notification_post(
        key,
        investigation_name="MX-2468",
        instrument_name="ID23-1",
        event=Event(
            type="notification",
            category="commandLine",
            software="MXCuBE",
            content=[{"format": "plainText", "text": "collect(osc=0.1, n=1800)"}],
        ),
    )
    expect(page.locator("#events article").first).to_contain_text("collect(osc=0.1, n=1800)")
    expect(page.locator("#new-events")).to_contain_text("1 new event")
    screenshot("live")


def test_staff_broadcast_from_the_beamline_logbook_reaches_the_sessions(
    page: Page, screenshot, transactional_db
) -> None:
    inv = factories.InvestigationFactory(
        start_date=timezone.now() - timedelta(hours=3),
        end_date=timezone.now() + timedelta(hours=21),
    )
    team = factories.make_team(inv)
    event_create(
        investigation=None,
        instrument=inv.instrument,
        type="annotation",
        category="comment",
        by=team.scientist.username,
        html="<p>Weekly alignment done, flux nominal.</p>",
    )
    log_in(page, team.staff.username)
    page.goto(f"/beamlines/{inv.instrument.name}/logbook/")
    expect(page.locator("h1")).to_have_text("Beamline logbook")
    expect(page.locator("#events")).to_contain_text("Weekly alignment done")
    page.click("summary:has-text('Write an entry')")
    page.fill("#id_title", "Beam loss")
    page.click(".logbook-editor .ql-editor")
    page.keyboard.type("RF trip at 14:02, refill within the hour.")
    page.check("#id_broadcast")
    page.click("button:has-text('Save entry')")
    expect(page.locator("article.event-broadcast")).to_contain_text("RF trip")
    screenshot("beamline")
    page.goto(f"/investigations/{inv.pk}/logbook/")
    expect(page.locator("article.event-broadcast")).to_contain_text("Beam loss")
