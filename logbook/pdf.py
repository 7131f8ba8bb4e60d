"""A logbook (or a filtered part of it) as a PDF: the page's own sanitised HTML, laid out by
WeasyPrint with its headings, lists, tables, code and images where the author put them.

WeasyPrint keeps every box of a document in memory until it is written (900 MB for 5,000 short
events in one document), so events are laid out in chunks of CHUNK_EVENTS, each written to a
temporary file: 5,000 events with images took 40 s and 180 MB (the worker's Django included).
The chunks are then put together with pypdf, and each page gets its footer and running title
stamped (reportlab): "page 3 of 12" needs the whole, which no chunk knows. A chunk starts a page.

Images come from storage through `AttachmentFetcher`, only those the reader may open; nothing is
ever fetched over the network.
"""

from __future__ import annotations

import io
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen import canvas
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from catalogue import access
from catalogue.models import Role

from .presenters import present, tag_colours
from .scopes import Scope

IMAGE_URL = re.compile(r"/logbook/attachments/([0-9a-f-]{36})/")
ATTACHMENT_PATH = re.compile(r"^/logbook/attachments/([0-9a-f-]{36})/(thumbnail)?$")
CHUNK_EVENTS = 250
# Originals up to this size go into the PDF (a plot must stay legible on paper); larger ones
# are replaced by their thumbnail, so that one detector image cannot blow up the file.
FULL_IMAGE_MAX = 2 * 2**20


def _images(user, docs: list[dict]) -> dict:
    ids = {
        m
        for d in docs
        for c in d.get("content") or []
        if isinstance(c, dict)
        for m in IMAGE_URL.findall(c.get("text") or "")
    }
    # An event's HTML may name any image; only those the reader may open go into the PDF.
    visible = access.visible_attachments(user).filter(uuid__in=ids) if ids else []
    return {str(a.uuid): a for a in visible}


class AttachmentFetcher(URLFetcher):
    """WeasyPrint's only way to the outside: the portal's own attachment URLs, read from storage,
    for the attachments given (those the reader may open). Anything else is refused, and
    WeasyPrint shows the image's alternative text instead."""

    def __init__(self, attachments: dict) -> None:
        super().__init__()
        self.attachments = attachments
        self.site = urlsplit(settings.SITE_URL + "/")

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        parts = urlsplit(url)
        match = ATTACHMENT_PATH.match(parts.path)
        attachment = self.attachments.get(match[1]) if match else None
        if (parts.scheme, parts.netloc) != (self.site.scheme, self.site.netloc) or not attachment:
            raise ValueError(f"not an image this reader may open: {url}")
        stored = attachment.file
        if attachment.thumbnail and attachment.size > FULL_IMAGE_MAX:
            stored = attachment.thumbnail
        return URLFetcherResponse(url, body=stored.open("rb"))


@dataclass
class Header:
    """What the first page says about the export."""

    scope: Scope
    filters: list[str]
    count: int
    truncated: bool
    exported_by: str
    exported_at: datetime = field(default_factory=timezone.localtime)
    team: list[tuple[str, str]] = field(default_factory=list)

    @property
    def footer(self) -> str:
        return f"{self.scope.title} · exported {self.exported_at:%d %b %Y %H:%M}"


def _team(user, scope: Scope) -> list[tuple[str, str]]:
    if scope.investigation is None:
        return []
    order = list(Role.values)
    members = access.team_members(user, scope.investigation).select_related("user")
    return [
        (m.user.display_name, m.get_role_display())
        for m in sorted(members, key=lambda m: (order.index(m.role), m.user.display_name))
    ]


def logbook_pdf(
    *,
    user,
    scope: Scope,
    docs: list[dict],
    out: BinaryIO,
    filters: list[str] | None = None,
    truncated: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Write the PDF of `docs` (events of `scope`, as `user` may read them) to `out`, calling
    `progress(events laid out, events)` after each chunk."""
    header = Header(
        scope=scope,
        filters=filters or [],
        count=len(docs),
        truncated=truncated,
        exported_by=getattr(user, "display_name", "") or "",
        team=_team(user, scope),
    )
    colours = tag_colours(user, scope.tag_filter())
    fonts = FontConfiguration()
    cache: dict = {}  # an image met in several chunks is decoded once
    authors: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="logbook-pdf-") as folder:
        chunks = []
        for start in range(0, max(len(docs), 1), CHUNK_EVENTS):
            part = docs[start : start + CHUNK_EVENTS]
            events = present(part, user=user, colours=colours)
            authors |= {e.author for e in events if e.doc.get("username") and e.author}
            html = render_to_string(
                "logbook/pdf.html",
                {
                    "header": header if start == 0 else None,
                    "events": events,
                    "scope": scope,
                    "FACILITY_NAME": settings.FACILITY_NAME,
                },
            )
            path = Path(folder) / f"{start:06d}.pdf"
            HTML(
                string=html,
                base_url=settings.SITE_URL + "/",
                url_fetcher=AttachmentFetcher(_images(user, part)),
            ).write_pdf(path, font_config=fonts, cache=cache, dpi=200, jpeg_quality=90)
            chunks.append(path)
            if progress:
                progress(min(start + CHUNK_EVENTS, len(docs)), len(docs))
        _assemble(chunks, out, header=header, authors=sorted(authors))


def _assemble(chunks: list[Path], out: BinaryIO, *, header: Header, authors: list[str]) -> None:
    writer = PdfWriter()
    for path in chunks:
        writer.append(str(path))
    stamps = PdfReader(_stamps([p.mediabox for p in writer.pages], header=header))
    for number, page in enumerate(writer.pages):
        page.merge_page(stamps.pages[number])
        page.compress_content_streams()
    writer.add_metadata(
        {
            "/Title": header.scope.title,
            # Who wrote what is in it; "(anonymous)" was the PDF library's default.
            "/Author": ", ".join(authors[:20]) + (" and others" if len(authors) > 20 else "")
            or settings.FACILITY_NAME,
            "/Creator": f"{settings.FACILITY_NAME} data portal",
            "/CreationDate": f"D:{header.exported_at:%Y%m%d%H%M%S}",
        }
    )
    writer.write(out)


def _stamps(boxes: list, *, header: Header) -> io.BytesIO:
    """One page per page of the document with only what the whole knows: its number, and (a
    chunk's first page is the first of its own document) the running title from page 2 on."""
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer)
    margin = 2 * 72 / 2.54  # the 2 cm side margins of pdf.css
    for number, box in enumerate(boxes, start=1):
        width, height = float(box.width), float(box.height)
        sheet.setPageSize((width, height))
        sheet.setFont("Helvetica", 7.5)
        sheet.setFillGray(0.42)
        if number > 1:
            sheet.drawRightString(width - margin, height - 32, header.scope.title)
        sheet.drawString(margin, 30, header.footer)
        sheet.drawRightString(width - margin, 30, f"page {number} of {len(boxes)}")
        sheet.showPage()
    sheet.save()
    buffer.seek(0)
    return buffer
