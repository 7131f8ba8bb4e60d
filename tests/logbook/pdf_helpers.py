"""Reading the logbook's PDFs as a person would: the text of a page, where a text or an image sits
on it, the page as a picture (PDFium, the engine of Chromium's PDF viewer)."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pdf_text(data: bytes) -> str:
    pdf = pdfium.PdfDocument(data)
    return "\n".join(page.get_textpage().get_text_bounded() for page in pdf)


def pdf_page(data: bytes, number: int = 0):
    return pdfium.PdfDocument(data)[number]


def text_top(page, text: str) -> float:
    """The top of the first line holding `text`, in points from the bottom of the page."""
    found = page.get_textpage().search(text, match_case=True).get_next()
    assert found, f"{text!r} is not on the page"
    index, count = found
    return max(page.get_textpage().get_charbox(i)[3] for i in range(index, index + count))


def image_boxes(page) -> list[tuple[float, float, float, float]]:
    """(left, bottom, right, top) of each image drawn on the page, however deeply nested."""
    return [
        obj.get_bounds()
        for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=5)
    ]


def save_png(data: bytes, name: str, *, page: int = 0) -> Path:
    """The page as a PNG under test-artifacts/, for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    pdfium.PdfDocument(data)[page].render(scale=1.5).to_pil().save(path)
    return path
