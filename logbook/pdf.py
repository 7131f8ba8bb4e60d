"""A logbook (or a filtered part of it) as a PDF for the lab notebook, with its images."""

from __future__ import annotations

import re
from typing import BinaryIO

from django.utils import timezone
from django.utils.html import escape
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Image, Paragraph, Preformatted, SimpleDocTemplate, Spacer

from catalogue import access

from .dates import local
from .text import content_text

IMAGE_URL = re.compile(r"/logbook/attachments/([0-9a-f-]{36})/")


def _images(user, docs: list[dict]) -> dict:
    ids = {
        m
        for d in docs
        for c in d.get("content") or []
        for m in IMAGE_URL.findall(c.get("text") or "")
    }
    # An event's HTML may name any image; only those the reader may open go into the PDF.
    visible = access.visible_attachments(user).filter(uuid__in=ids) if ids else []
    return {str(a.uuid): a for a in visible}


def logbook_pdf(
    *, user, title: str, docs: list[dict], out: BinaryIO, truncated: bool = False
) -> None:
    styles = getSampleStyleSheet()
    meta = ParagraphStyle("meta", parent=styles["Normal"], fontSize=8, textColor=colors.grey)
    error = ParagraphStyle("error", parent=styles["Normal"], textColor=colors.HexColor("#b02a37"))
    mono = ParagraphStyle("mono", parent=styles["Code"], fontSize=8, leading=10)
    story = [
        Paragraph(escape(title), styles["Title"]),
        Paragraph(f"{len(docs)} events, exported {timezone.localtime():%d %b %Y %H:%M}", meta),
    ]
    if truncated:
        story.append(
            Paragraph("Only the first events are included: narrow the filters for the rest.", meta)
        )
    story.append(Spacer(1, 0.4 * cm))
    images = _images(user, docs)
    for doc in docs:
        when = local(doc["creationDate"]).strftime("%d %b %Y %H:%M:%S")
        tags = ", ".join(doc.get("tag") or [])
        story.append(
            Paragraph(
                escape(
                    f"{when} · {doc.get('type')}/{doc.get('category')} · "
                    f"{doc.get('username') or doc.get('software') or ''}"
                    + (f" · tags: {tags}" if tags else "")
                ),
                meta,
            )
        )
        if doc.get("title"):
            story.append(Paragraph(f"<b>{escape(doc['title'])}</b>", styles["Normal"]))
        text = content_text(doc)
        if text:
            if (doc.get("category") or "").lower() == "commandline":
                story.append(Preformatted(text[:5000], mono))
            else:
                style = error if doc.get("category") == "error" else styles["Normal"]
                story.append(Paragraph(escape(text[:5000]).replace("\n", "<br/>"), style))
        for content in doc.get("content") or []:
            for uuid in IMAGE_URL.findall(content.get("text") or ""):
                attachment = images.get(uuid)
                if attachment is None:
                    continue
                try:
                    path = (attachment.thumbnail or attachment.file).path
                    image = Image(path)
                    scale = min(12 * cm / image.drawWidth, 8 * cm / image.drawHeight, 1)
                    image.drawWidth, image.drawHeight = (
                        image.drawWidth * scale,
                        image.drawHeight * scale,
                    )
                    image.hAlign = "LEFT"
                    story.append(image)
                except OSError:
                    story.append(Paragraph(f"[image {escape(attachment.filename)} missing]", meta))
        story.append(Spacer(1, 0.25 * cm))
    SimpleDocTemplate(out, pagesize=A4, title=title, leftMargin=2 * cm, rightMargin=2 * cm).build(
        story
    )
