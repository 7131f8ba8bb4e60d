"""Event text: HTML sanitising (nh3), plain text for search and PDF, search highlights."""

from __future__ import annotations

import html
import re

import nh3
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "sub",
    "sup",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "a",
    "img",
    "span",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height"}}


def sanitise(raw: str) -> str:
    """HTML that can go to any browser: no script, no event handler, no javascript: or data: URL."""
    return nh3.clean(
        raw or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def html_to_text(raw: str) -> str:
    text = nh3.clean(
        re.sub(r"<(br|/p|/li|/h\d|/div)\s*/?>", "\n", raw or "", flags=re.I), tags=set()
    )
    return html.unescape(text).strip()


def content_text(doc: dict) -> str:
    """The event's content as plain text (HTML stripped)."""
    parts = []
    for item in doc.get("content") or []:
        if not isinstance(item, dict):
            continue
        text = item.get("text") or ""
        parts.append(html_to_text(text) if item.get("format") == "html" else text)
    return "\n".join(p for p in parts if p)


def search_text(doc: dict) -> str:
    return " ".join(
        filter(None, [doc.get("title") or "", content_text(doc), " ".join(doc.get("tag") or [])])
    )


def content_html(doc: dict) -> str:
    """The HTML shown for an event: its html content (sanitised again: an ICAT+ database may hold
    unsanitised documents), else its plain text escaped."""
    items = [i for i in doc.get("content") or [] if isinstance(i, dict)]
    for item in items:
        if item.get("format") == "html" and item.get("text"):
            return sanitise(item["text"])
    return "\n".join(escape(i.get("text") or "") for i in items)


def highlight(fragment: str, words: list[str]) -> SafeString:
    """Wrap search words in <mark> inside the text of already-safe HTML (never inside tags)."""
    words = [re.escape(w) for w in words if len(w) > 1]
    if not words:
        return mark_safe(fragment)
    pattern = re.compile(r"(" + "|".join(words) + r")", re.I)
    pieces = re.split(r"(<[^>]*>)", fragment)
    out = [p if p.startswith("<") else pattern.sub(r"<mark>\1</mark>", p) for p in pieces]
    return mark_safe("".join(out))  # noqa: S308 - input is sanitised HTML, marks wrap text only
