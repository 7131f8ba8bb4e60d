"""Turn a page of event documents into what the templates show, in a constant number of queries."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth import get_user_model
from django.utils import dateformat
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from catalogue import access
from portal.links import row_url

from .dates import local
from .store import get_store, sort_time
from .text import content_html, content_text, highlight

ATTACHMENT_IMG = re.compile(r'<img([^>]*?) src="(/logbook/attachments/[0-9a-f-]{36}/)"([^>]*)>')


def _url(name: str, event_id: str) -> str:
    return row_url(f"logbook:{name}", event_id)


@dataclass
class TagView:
    name: str
    colour: str


@dataclass
class EventView:
    doc: dict
    id: str
    author: str
    html: SafeString
    title: SafeString
    tags: list[TagView]
    parent: dict | None = None
    parent_excerpt: str = ""
    versions: int = 0
    classes: list[str] = field(default_factory=list)
    day_label: str = ""  # set on the first event of a day in a timeline (`mark_days`)

    # Not reversed per event (portal.links): 50 events x 4 links would dominate rendering.
    @property
    def edit_url(self) -> str:
        return _url("event-edit", self.id)

    @property
    def history_url(self) -> str:
        return _url("event-history", self.id)

    @property
    def remove_url(self) -> str:
        return _url("event-remove", self.id)

    @property
    def restore_url(self) -> str:
        return _url("event-restore", self.id)

    # Formatted in Python: the date filter, three times for fifty events, showed in profiles.
    @property
    def when_iso(self) -> str:
        return self.doc["creationDate"].isoformat()

    @property
    def when_long(self) -> str:
        return local(self.doc["creationDate"]).strftime("%d %b %Y %H:%M:%S")

    @property
    def when_short(self) -> str:
        return local(self.doc["creationDate"]).strftime("%d %b %H:%M:%S")

    @property
    def refers_iso(self) -> str:
        return self.doc["refersTo"].isoformat() if self.doc.get("refersTo") else ""

    @property
    def refers_long(self) -> str:
        refers = self.doc.get("refersTo")
        return local(refers).strftime("%d %b %Y %H:%M") if refers else ""

    @property
    def refers_short(self) -> str:
        """The time alone when it is on the day the note was written, else with its date."""
        refers = self.doc.get("refersTo")
        if not refers:
            return ""
        same_day = local(refers).date() == local(self.doc["creationDate"]).date()
        return local(refers).strftime("%H:%M" if same_day else "%d %b %H:%M")

    @property
    def is_command(self) -> bool:
        return (self.doc.get("category") or "").lower() == "commandline"

    @property
    def is_error(self) -> bool:
        return self.doc.get("category") == "error"


def thumbnails(html: str) -> str:
    """Stored images show as thumbnails that open the full-size file."""
    return ATTACHMENT_IMG.sub(
        r'<a href="\2" target="_blank" class="logbook-image">'
        r'<img\1 src="\2thumbnail" loading="lazy"\3></a>',
        html,
    )


def tag_colours(user, scope_filter: dict) -> dict[str, str]:
    return dict(access.visible_tags(user).filter(**scope_filter).values_list("name", "colour"))


def present(
    docs: list[dict], *, user, colours: dict[str, str], words: list[str] | None = None
) -> list[EventView]:
    usernames = {d.get("username") for d in docs if d.get("username")}
    names = dict(
        get_user_model().objects.filter(username__in=usernames).values_list("username", "full_name")
    )
    parent_ids = [d["parentEventId"] for d in docs if d.get("parentEventId")]
    found = get_store().get_many(parent_ids) if parent_ids else {}
    # A parent is quoted only if the viewer may read it, in the logbook of its reply.
    parents = {p["_id"]: p for p in access.readable_events(user, list(found.values()))}
    views = []
    for doc in docs:
        body = thumbnails(content_html(doc))
        parent = parents.get(doc.get("parentEventId") or "")
        if parent is not None and not access.is_in_logbook_of(parent, doc):
            parent = None
        views.append(
            EventView(
                doc=doc,
                id=doc["_id"],
                author=names.get(doc.get("username"))
                or doc.get("username")
                or doc.get("software")
                or "",
                html=highlight(body, words or []),
                title=title_html(doc, words or []),
                tags=[TagView(t, colours.get(t, "#6c757d")) for t in doc.get("tag") or []],
                parent=parent,
                parent_excerpt=(parent.get("title") or content_text(parent))[:120]
                if parent
                else "",
                classes=[
                    f"event-{doc.get('type')}",
                    f"category-{(doc.get('category') or '').lower()}",
                ],
            )
        )
    return views


def event_link(doc: dict) -> str:
    return row_url("logbook:event-history", doc["_id"])


def title_html(doc: dict, words: list[str]) -> SafeString:
    return highlight(escape(doc.get("title") or ""), words) if doc.get("title") else mark_safe("")


def day_label(day: date) -> str:
    return dateformat.format(day, "l j F Y")


def mark_days(views: list[EventView], *, by_refers_to: bool, previous: date | None) -> None:
    """Label the first event of each day, in the timeline's order; `previous` is the day of the
    event before the page (from its cursor), so a day running on from the last page is not
    announced twice."""
    for view in views:
        day = local(sort_time(view.doc, by_refers_to)).date()
        if day != previous:
            view.day_label = day_label(day)
        previous = day
