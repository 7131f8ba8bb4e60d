"""An event's history: its versions, newest first, each with what changed from the one before
(a word-level diff of the text, tags added and removed, the time it refers to)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .dates import local
from .presenters import EventView
from .text import content_text

# Words with their punctuation, and the spaces between them (kept, so line breaks survive).
TOKENS = re.compile(r"\S+|\s+")
# Beyond this many words a word-level comparison gets slow (quadratic): compare lines instead.
MAX_DIFF_TOKENS = 20_000


def word_diff(old: str, new: str) -> SafeString:
    """`new` as escaped text with what `old` had and it lacks in <del>, what it adds in <ins>."""
    a, b = TOKENS.findall(old), TOKENS.findall(new)
    if len(a) + len(b) > MAX_DIFF_TOKENS:
        a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    out = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(escape("".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if j2 > j1:
            out.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    return mark_safe("".join(out))  # noqa: S308 - every piece of text is escaped above


@dataclass
class Version:
    view: EventView
    number: int  # 1 is the original
    made_at: datetime
    title_diff: SafeString | None = None  # None: unchanged (or the original)
    text_diff: SafeString | None = None
    tags_added: tuple[str, ...] = ()
    tags_removed: tuple[str, ...] = ()
    refers_to_change: tuple[str, str] | None = None  # (before, after), "" for none

    @property
    def is_original(self) -> bool:
        return self.number == 1

    @property
    def made_at_long(self) -> str:
        return local(self.made_at).strftime("%d %b %Y %H:%M:%S")

    @property
    def changed(self) -> bool:
        return bool(
            self.title_diff
            or self.text_diff
            or self.tags_added
            or self.tags_removed
            or self.refers_to_change
        )


def _refers(doc: dict) -> str:
    return f"{local(doc['refersTo']):%d %b %Y %H:%M}" if doc.get("refersTo") else ""


def versions(views: list[EventView]) -> list[Version]:
    """`views`: the presented history, newest first (as `EventStore.history` gives it)."""
    out = []
    for i, view in enumerate(views):
        doc = view.doc
        version = Version(
            view=view,
            number=len(views) - i,
            made_at=doc.get("updatedAt") or doc["creationDate"],
        )
        if i + 1 < len(views):
            before = views[i + 1].doc
            if (before.get("title") or "") != (doc.get("title") or ""):
                version.title_diff = word_diff(before.get("title") or "", doc.get("title") or "")
            old_text, new_text = content_text(before), content_text(doc)
            if old_text != new_text:
                version.text_diff = word_diff(old_text, new_text)
            old_tags, new_tags = before.get("tag") or [], doc.get("tag") or []
            version.tags_added = tuple(t for t in new_tags if t not in old_tags)
            version.tags_removed = tuple(t for t in old_tags if t not in new_tags)
            if _refers(before) != _refers(doc):
                version.refers_to_change = (_refers(before), _refers(doc))
        out.append(version)
    return out
