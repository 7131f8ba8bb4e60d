"""The parcel's papers as one PDF: page 1 the label for the outside of the box (QR code, barcode,
addresses, storage, dangerous-goods mark), page 2 the content list to put inside."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

import barcode
import qrcode
from barcode.writer import ImageWriter
from django.conf import settings
from django.utils.timezone import localtime
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from catalogue import access
from catalogue.models import InvestigationUser, Role

from .models import Item, Parcel

if TYPE_CHECKING:
    from portal.models import User

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


def _fonts() -> tuple[str, str]:
    """DejaVu when the system has it (any accented name prints), else the PDF base fonts."""
    if "Label" in pdfmetrics.getRegisteredFontNames():
        return "Label", "Label-Bold"
    if (DEJAVU / "DejaVuSans.ttf").exists():
        pdfmetrics.registerFont(TTFont("Label", str(DEJAVU / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont("Label-Bold", str(DEJAVU / "DejaVuSans-Bold.ttf")))
        return "Label", "Label-Bold"
    return "Helvetica", "Helvetica-Bold"


def _qr(data: str) -> ImageReader:
    return ImageReader(qrcode.make(data, border=1).get_image())


def _barcode(data: str) -> ImageReader:
    out = io.BytesIO()
    barcode.get("code128", data, writer=ImageWriter()).write(
        out, options={"module_height": 12, "font_size": 0, "quiet_zone": 2, "write_text": False}
    )
    out.seek(0)
    return ImageReader(out)


def _wrap(text: str, font: str, size: float, width: float, max_lines: int = 0) -> list[str]:
    """`text` broken between words into lines that fit `width` (a single word wider than a line,
    such as a long code, is the only thing split). Past `max_lines` the last line kept ends with
    an ellipsis after a whole word."""
    lines: list[str] = []
    for paragraph in text.splitlines():
        line = ""
        for word in paragraph.split():
            while stringWidth(word, font, size) > width:
                cut = len(word)
                while cut > 1 and stringWidth(word[:cut], font, size) > width:
                    cut -= 1
                if line:
                    lines.append(line)
                    line = ""
                lines.append(word[:cut])
                word = word[cut:]
            candidate = f"{line} {word}" if line else word
            if stringWidth(candidate, font, size) <= width:
                line = candidate
            else:
                lines.append(line)
                line = word
        if line:
            lines.append(line)
    if max_lines and len(lines) > max_lines:
        words = lines[max_lines - 1].split()
        while len(words) > 1 and stringWidth(" ".join(words) + " …", font, size) > width:
            words.pop()
        lines = [*lines[: max_lines - 1], " ".join(words) + " …"]
    return lines


def _text_block(
    c: Canvas,
    x: float,
    y: float,
    title: str,
    lines: list[str],
    font: str,
    bold: str,
    size: float = 10,
    width: float = 80 * mm,
    max_lines: int = 6,
) -> float:
    """A grey title over `lines`, each wrapped to `width`; returns the y below the block."""
    c.setFont(bold, 8)
    c.setFillColor(colors.grey)
    c.drawString(x, y, title.upper())
    c.setFillColor(colors.black)
    c.setFont(font, size)
    wrapped = [part for line in lines or ["—"] for part in _wrap(line, font, size, width)]
    if len(wrapped) > max_lines:
        wrapped = _wrap(" ".join(wrapped), font, size, width, max_lines)
    for line in wrapped:
        y -= size * 1.3
        c.drawString(x, y, line)
    return y - 6 * mm


def _deliver_to(c: Canvas, x: float, y: float, width: float, font: str, bold: str) -> float:
    """The facility's address, the largest text of the label: it is what the carrier reads."""
    lines = [
        part
        for line in settings.FACILITY_DELIVERY_ADDRESS
        for part in _wrap(line, bold, 15, width - 12 * mm)
    ][:8]
    height = 11 * mm + len(lines) * 6.5 * mm
    c.setLineWidth(1.2)
    c.roundRect(x, y - height, width, height, 3 * mm, stroke=1, fill=0)
    c.setFont(bold, 9)
    c.setFillColor(colors.grey)
    c.drawString(x + 6 * mm, y - 6 * mm, "DELIVER TO")
    c.setFillColor(colors.black)
    c.setFont(bold, 15)
    for number, line in enumerate(lines):
        c.drawString(x + 6 * mm, y - 12.5 * mm - number * 6.5 * mm, line)
    return y - height - 8 * mm


def parcel_label_pdf(
    *,
    parcel: Parcel,
    tree: list[tuple[Item, list[Item]]] | None,
    viewer: User | None = None,
) -> bytes:
    """`tree` None (stores, who do not see contents) leaves the content list out; the
    experiment's title is printed only for a `viewer` who may see the investigation."""
    font, bold = _fonts()
    investigation = parcel.shipment.investigation
    contacts = [
        m.user.display_name
        for m in InvestigationUser.objects.filter(
            investigation=investigation, role=Role.LOCAL_CONTACT
        ).select_related("user")
    ]
    out = io.BytesIO()
    c = Canvas(out, pagesize=A4, pageCompression=0)
    c.setTitle(f"{parcel.code} {parcel.name}")
    width, height = A4
    left, top = 18 * mm, height - 18 * mm
    right = width - 18 * mm
    col = width / 2 + 4 * mm

    # Page 1: the label, a whole A4 page so that nothing has to be squeezed.
    c.setLineWidth(1.5)
    c.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm, stroke=1, fill=0)
    c.setFont(bold, 11)
    c.drawString(left, top, f"{settings.FACILITY_NAME} · sample shipment")
    c.setFont(bold, 26)
    c.drawString(left, top - 12 * mm, parcel.code)
    c.setFont(font, 13)
    for number, line in enumerate(_wrap(parcel.name, font, 13, 125 * mm, max_lines=2)):
        c.drawString(left, top - 19 * mm - number * 5.5 * mm, line)
    qr = _qr(settings.SITE_URL + parcel.get_absolute_url())
    c.drawImage(qr, right - 40 * mm, top - 40 * mm, 40 * mm, 40 * mm)
    c.drawImage(_barcode(parcel.code), left, top - 48 * mm, 80 * mm, 16 * mm)

    y = _deliver_to(c, left - 3 * mm, top - 52 * mm, right - left + 6 * mm, font, bold)
    # Proposal, session and dates for everyone; the title only for who may see the experiment
    # (the team printing its own label): stores print labels too, and an embargoed title is not
    # theirs to read.
    start, end = (localtime(d) for d in (investigation.start_date, investigation.end_date))
    proposal = [
        f"{investigation.name} — session {investigation.visit_id}",
        f"{start:%d %b %Y} – {end:%d %b %Y}",
    ]
    if viewer is not None and access.can_view_investigation(viewer, investigation):
        proposal += _wrap(investigation.title, font, 10, col - left - 8 * mm, max_lines=4)
    column = col - left - 8 * mm
    y_left = _text_block(c, left, y, "Proposal", proposal, font, bold, width=column)
    y_left = _text_block(
        c, left, y_left, "Beamline", [investigation.instrument.name], font, bold, width=column
    )
    y_left = _text_block(
        c, left, y_left, "Local contact", contacts, font, bold, width=column, max_lines=3
    )
    storage = [parcel.get_storage_condition_display()]
    y_right = _text_block(c, col, y, "Storage", storage, font, bold, size=14, width=right - col)
    returns = [parcel.get_return_instructions_display()]
    y_right = _text_block(
        c, col, y_right, "After the experiment", returns, font, bold, width=right - col
    )
    y = min(y_left, y_right) - 2 * mm
    c.setLineWidth(0.5)
    c.line(left, y + 4 * mm, right, y + 4 * mm)
    sender = parcel.shipment.shipping_address
    back = parcel.shipment.return_address
    for x, title, address in ((left, "From", sender), (col, "Return to", back)):
        lines = address.lines() if address else []
        _text_block(c, x, y, title, lines, font, bold, size=9, width=column, max_lines=10)

    if parcel.is_dangerous:
        # A red diamond and the words, in the bottom band: visible from across the stores.
        cx, cy, r = left + 18 * mm, 45 * mm, 18 * mm
        c.setFillColor(colors.red)
        path = c.beginPath()
        path.moveTo(cx, cy + r)
        path.lineTo(cx + r, cy)
        path.lineTo(cx, cy - r)
        path.lineTo(cx - r, cy)
        path.close()
        c.drawPath(path, fill=1, stroke=0)
        c.setFillColor(colors.white)
        c.setFont(bold, 28)
        c.drawCentredString(cx, cy - 10, "!")
        c.setFillColor(colors.red)
        c.setFont(bold, 20)
        c.drawString(left + 42 * mm, 55 * mm, "DANGEROUS GOODS")
        c.setFillColor(colors.black)
        c.setFont(font, 10)
        lines = simpleSplit(parcel.dangerous_goods, font, 10, width - 90 * mm)
        for number, line in enumerate(lines[:5]):
            c.drawString(left + 42 * mm, 48 * mm - number * 5 * mm, line)
    c.setFont(font, 8)
    c.drawString(left, 16 * mm, "Stick this page on the parcel; put the content list inside.")
    c.showPage()
    if tree is None:
        c.save()
        return out.getvalue()

    # Page 2: the content list.
    c.setFont(bold, 16)
    heading = _wrap(f"Content of {parcel.code} — {parcel.name}", bold, 16, right - left, 3)
    for line in heading:
        c.drawString(left, top, line)
        top -= 7 * mm
    c.setFont(font, 10)
    c.drawString(
        left,
        top,
        f"{investigation.name} · {investigation.instrument.name} · "
        f"{parcel.get_storage_condition_display()}",
    )
    y = top - 11 * mm
    top = height - 18 * mm
    for item, contents in tree:
        lines = [(0, item)] + [(1, child) for child in contents]
        for depth, entry in lines:
            if y < 20 * mm:
                c.showPage()
                c.setFont(font, 10)
                y = top
            entry_font = bold if not depth else font
            c.setFont(entry_font, 10)
            position = f"{entry.position}. " if entry.position is not None else ""
            sample = f"  (catalogue sample {entry.sample.name})" if entry.sample_id else ""
            text = f"{position}{entry}{sample}"
            x = left + depth * 8 * mm
            for line in _wrap(text, entry_font, 10, right - x, max_lines=3):
                c.drawString(x, y, line)
                y -= 5.5 * mm
    if not tree:
        c.drawString(left, y, "The parcel is empty.")
    c.showPage()
    c.save()
    return out.getvalue()


def parcel_barcodes_pdf(*, parcels: list[Parcel]) -> bytes:
    """A sheet of parcel barcodes to stick on boxes or scan from: code and proposal only, as
    on the label's outside."""
    font, bold = _fonts()
    out = io.BytesIO()
    c = Canvas(out, pagesize=A4, pageCompression=0)
    c.setTitle("Parcel barcodes")
    width, height = A4
    columns, rows = 2, 8
    cell_w, cell_h = (width - 24 * mm) / columns, (height - 24 * mm) / rows
    for number, parcel in enumerate(parcels):
        if number and number % (columns * rows) == 0:
            c.showPage()
        slot = number % (columns * rows)
        x = 12 * mm + (slot % columns) * cell_w + 4 * mm
        y = height - 12 * mm - (slot // columns + 1) * cell_h + 6 * mm
        c.drawImage(_barcode(parcel.code), x, y + 8 * mm, cell_w - 8 * mm, cell_h - 16 * mm)
        c.setFont(bold, 10)
        c.drawString(x, y + 3 * mm, parcel.code)
        c.setFont(font, 8)
        investigation = parcel.shipment.investigation
        caption = _wrap(f"{investigation.name} · {parcel.name}", font, 8, cell_w - 38 * mm, 1)
        c.drawString(x + 30 * mm, y + 3 * mm, caption[0] if caption else "")
    if not parcels:
        c.setFont(font, 11)
        c.drawString(18 * mm, height - 24 * mm, "No parcel to print.")
    c.showPage()
    c.save()
    return out.getvalue()
