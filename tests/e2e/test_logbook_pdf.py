"""The logbook's PDF in a real browser: filter in place, export, watch the progress that HTMX
polls while a real worker lays the PDF out, download it, and read it."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from logbook.services import event_create, image_store
from tests import factories
from tests.e2e.conftest import log_in
from tests.logbook.pdf_helpers import image_boxes, pdf_page, pdf_text, save_png, text_top

pytestmark = pytest.mark.e2e


def plot() -> bytes:
    image = Image.new("RGB", (480, 300), "white")
    draw = ImageDraw.Draw(image)
    draw.line([(20 + x, 280 - int(250 * (x / 440) ** 2)) for x in range(0, 440, 5)], fill="navy",
              width=4)  # fmt: skip
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_export_in_place_with_progress_then_the_workers_pdf(
    page: Page, screenshot, celery_worker, tmp_path
) -> None:
    team = factories.make_team()
    inv = team.investigation
    inv.title = "Thaumatin crystals at 100 K"
    inv.save()
    team.participant.full_name = "Rosalind Franklin"
    team.participant.save()
    plot_image = image_store(
        data=plot(), filename="rate.png", investigation=inv, instrument_name=inv.instrument.name,
        by=team.participant.username,
    )  # fmt: skip
    for kind, by, html, text in (
        ("notification", "", None, "collect(osc=0.1, n=3600)"),
        (
            "annotation",
            team.participant.username,
            "<h2>Thaumatin, crystal 3</h2><p>Diffraction to <strong>1.2 Å</strong>.</p>"
            "<ul><li>no ice rings</li><li>mosaicity 0.1°</li></ul>"
            f'<p>Rate plot:</p><p><img src="{plot_image.get_absolute_url()}" alt="rate"></p>'
            "<p>Collect the full sphere next.</p>",
            None,
        ),
    ):
        event_create(
            investigation=inv, instrument=inv.instrument, type=kind,
            category="comment" if kind == "annotation" else "commandline", by=by, title="",
            text=text, html=html, tags=None, when=None, extra={},
        )  # fmt: skip
    log_in(page, team.participant.username)
    page.goto(f"/investigations/{inv.pk}/logbook/")

    # Filtered in place (HTMX): the page's URL in the export form is stale, the filters are not.
    page.get_by_label("Annotations").check()
    expect(page.locator("#timeline")).not_to_contain_text("collect(osc=0.1")
    page.get_by_test_id("export-pdf").click()
    progress = page.locator("#pdf-export")
    expect(progress.get_by_test_id("job-status")).to_be_visible()
    expect(progress.get_by_test_id("download-job")).to_be_visible(timeout=90_000)
    screenshot("export-ready")
    with page.expect_download() as download:
        progress.get_by_test_id("download-job").click()
    assert download.value.suggested_filename == f"{inv.name}-logbook.pdf"
    path = tmp_path / "logbook.pdf"
    download.value.save_as(path)
    data = path.read_bytes()
    save_png(data, "e2e-logbook-pdf")

    text = pdf_text(data)
    for expected in (inv.title, inv.instrument.name, "Rosalind Franklin", "Filters", "annotations",
                     "Thaumatin, crystal 3", "no ice rings", "page 1 of 1"):  # fmt: skip
        assert expected in text, expected
    assert "collect(osc=0.1" not in text
    first = pdf_page(data)
    [(_, bottom, _, top)] = image_boxes(first)
    assert text_top(first, "Rate plot:") > top and bottom > text_top(first, "Collect the full")
