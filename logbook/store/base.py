"""The logbook store interface: ICAT+-shaped event documents in, the same documents out.

A document is a dict with ICAT+'s keys: `_id` (a string here, whatever the backend uses), `type`,
`category`, `title`, `content` ([{format, text}]), `tag` (tag names), `username`, `creationDate`
(aware datetime), `investigationId`, `investigationName`, `instrumentName`, `datasetId`,
`datasetName`, `software`, `machine`, `source`, `filename`, `contentType`, `fileSize`, `file`,
`parentEventId`, `previousVersionEvent`, `removed`, and the portal's own `refersTo` (the time a
note written after the fact is about; ICAT+ has no such field).

Timelines are read with keyset cursors on (creationDate, _id), or on (refersTo else creationDate,
_id) when sorted by the time events refer to. Broadcasts live outside every
investigation and are merged into a timeline by a second indexed query, never by an OR that would
defeat the indexes.
"""

from __future__ import annotations

import heapq
from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from datetime import date, datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .. import live
from ..dates import AFTER_LATEST_TIME, EARLIEST_TIME

FIELDS = (
    "type",
    "category",
    "title",
    "content",
    "tag",
    "username",
    "creationDate",
    "investigationId",
    "investigationName",
    "instrumentName",
    "datasetId",
    "datasetName",
    "software",
    "machine",
    "source",
    "filename",
    "contentType",
    "fileSize",
    "file",
    "parentEventId",
    "previousVersionEvent",
    "updatedAt",
    "refersTo",
    "removed",
)
# What an edit may change; the rest describes where and when the event happened.
EDITABLE = ("title", "content", "tag", "category", "refersTo")


class InvalidCursor(ValueError):
    pass


class StaleEdit(Exception):
    """The event changed since the editor opened it; `current` is how it is now."""

    def __init__(self, current: dict) -> None:
        super().__init__(current.get("_id"))
        self.current = current


def version_of(doc: dict) -> str:
    """What an editor names to say which version it started from: every edit changes it."""
    return str(doc.get("previousVersionEvent") or "original")


@dataclass(frozen=True)
class EventQuery:
    """Which events a timeline shows. Exactly one scope: an investigation, or a beamline."""

    investigation_id: int | None = None
    instrument_name: str | None = None
    beamline_only: bool = False  # with instrument_name: only events outside any investigation
    broadcasts_between: tuple[datetime, datetime] | None = None
    all_broadcasts: bool = False
    types: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()  # every one of them
    any_tags: tuple[str, ...] = ()  # at least one of them
    not_tags: tuple[str, ...] = ()  # none of them
    # ICAT+'s `types=annotation-comment,notification`: (type, category) pairs, "" = any category
    kinds: tuple[tuple[str, str], ...] = ()
    usernames: tuple[str, ...] = ()
    date_from: datetime | None = None  # inclusive
    date_to: datetime | None = None  # exclusive
    text: str = ""
    removed: bool = False  # True: the removed events only (to restore them)
    newest_first: bool = True
    by_refers_to: bool = False  # order by `sort_time` instead of the creation date

    def main_part(self) -> EventQuery | None:
        if self.types and not set(self.types) - {"broadcast"}:
            return None
        if self.kinds and not {kind for kind, _ in self.kinds} - {"broadcast"}:
            return None
        return self

    def broadcast_part(self) -> EventQuery | None:
        if not (self.broadcasts_between or self.all_broadcasts):
            return None
        if self.types and "broadcast" not in self.types:
            return None
        if self.kinds and "broadcast" not in {kind for kind, _ in self.kinds}:
            return None
        return replace(
            self,
            investigation_id=None,
            instrument_name=None,
            beamline_only=False,
            types=("broadcast",),
        )


def sort_time(doc: dict, by_refers_to: bool) -> datetime:
    """When a timeline places the event: the time it refers to if sorted so and it names one."""
    return (by_refers_to and doc.get("refersTo")) or doc["creationDate"]


@dataclass(frozen=True)
class Cursor:
    when: datetime
    id: str

    def encode(self) -> str:
        return f"{self.when.isoformat()}~{self.id}"

    @classmethod
    def decode(cls, raw: str) -> Cursor:
        when, _, ident = raw.partition("~")
        try:
            parsed = parse_datetime(when) if when else None
        except ValueError:  # well formed but impossible, like month 13
            parsed = None
        if parsed is None or not ident:
            raise InvalidCursor(raw)
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed, timezone.utc)
        return cls(parsed, ident)

    @classmethod
    def of(cls, doc: dict, by_refers_to: bool = False) -> Cursor:
        return cls(sort_time(doc, by_refers_to), doc["_id"])


class EventStore(ABC):
    """Backends implement the `_` methods; timelines and merging are shared."""

    def find(
        self, query: EventQuery, *, after: str | None = None, limit: int = 50
    ) -> tuple[list[dict], str | None]:
        """One page of the timeline and the cursor of the next page (None at the end)."""
        cursor = Cursor.decode(after) if after else None
        parts = [p for p in (query.main_part(), query.broadcast_part()) if p is not None]
        pages = [
            self._select(part, cursor=cursor, limit=limit + 1, broadcast=part is not query)
            for part in parts
        ]
        key = self._sort_key_for(query)
        merged = list(heapq.merge(*pages, key=key, reverse=query.newest_first))[: limit + 1]
        more = len(merged) > limit
        page = merged[:limit]
        cursor = Cursor.of(page[-1], query.by_refers_to) if more and page else None
        return page, (cursor.encode() if cursor else None)

    def find_skip(self, query: EventQuery, *, skip: int, limit: int) -> list[dict]:
        """The page of `limit` events after the first `skip` (ICAT+'s paging). One part skips
        in the database; a timeline merged with broadcasts reads `skip + limit` of each."""
        parts = [p for p in (query.main_part(), query.broadcast_part()) if p is not None]
        if len(parts) == 1:
            part = parts[0]
            return self._select(
                part, cursor=None, limit=limit, offset=skip, broadcast=part is not query
            )
        pages = [
            self._select(part, cursor=None, limit=skip + limit, broadcast=part is not query)
            for part in parts
        ]
        merged = heapq.merge(*pages, key=self._sort_key_for(query), reverse=query.newest_first)
        return list(merged)[skip : skip + limit]

    def count(self, query: EventQuery, *, before: dict | None = None) -> int:
        """How many events the timeline holds; with `before`, how many come before that
        event in the timeline's order (its position)."""
        cursor = Cursor.of(before, query.by_refers_to) if before is not None else None
        return sum(
            self._count(part, broadcast=part is not query, before=cursor)
            for part in (query.main_part(), query.broadcast_part())
            if part is not None
        )

    def type_counts(self, investigation_ids: list[int]) -> dict[int, dict[str, int]]:
        """Each investigation's events by type, in one query (statistics pages)."""
        return self._type_counts(investigation_ids) if investigation_ids else {}

    def _sort_key(self, doc: dict) -> tuple:
        return (doc["creationDate"], self._id_key(doc["_id"]))

    def _sort_key_for(self, query: EventQuery):
        if not query.by_refers_to:
            return self._sort_key
        return lambda doc: (sort_time(doc, True), self._id_key(doc["_id"]))

    def newer_than(self, query: EventQuery, *, last_id: str, limit: int = 50) -> list[dict]:
        """Events stored after `last_id` (the newest one a page shows), newest first."""
        found = []
        for part in (query.main_part(), query.broadcast_part()):
            if part is not None:
                found += self._select_newer(
                    part, last_id=last_id, limit=limit, broadcast=part is not query
                )
        found.sort(key=self._sort_key, reverse=True)
        return found[:limit]

    def day_counts(self, query: EventQuery) -> dict[date, int]:
        """Events per local day, for the activity calendar (filters other than dates apply)."""
        counts: dict[date, int] = {}
        # Only the dates a calendar can draw: a stored year 9999 would overflow in local time.
        base = replace(query, date_from=EARLIEST_TIME, date_to=AFTER_LATEST_TIME)
        for part in (base.main_part(), base.broadcast_part()):
            if part is not None:
                for day, n in self._day_counts(part, broadcast=part is not base).items():
                    counts[day] = counts.get(day, 0) + n
        return counts

    def update(self, event_id: str, changes: dict, *, by: str, version: str | None = None) -> dict:
        """Apply an edit; the version before it is kept and linked as `previousVersionEvent`.

        Each edit replaces the version it read, or none: a concurrent edit that got there first
        makes it StaleEdit when the editor named the `version` it started from (it must see the
        other one's words), and otherwise makes it start again from the new version. So the
        history chain never loses a version."""
        changes = {k: v for k, v in changes.items() if k in EDITABLE}
        for _ in range(1 if version is not None else 20):
            current = self.get(event_id)
            if current is None:
                raise KeyError(event_id)
            if version is not None and version_of(current) != version:
                raise StaleEdit(current)
            old = {k: v for k, v in current.items() if k != "_id"}
            old_id = self._insert(old, superseded=True)
            new = {
                **changes,
                "previousVersionEvent": old_id,
                "username": by,
                "updatedAt": timezone.now(),
            }
            if self._update_if(event_id, new, previous=current.get("previousVersionEvent")):
                return self.get(event_id)
            self._delete(old_id)  # a copy of the version someone else has just replaced
        raise StaleEdit(self.get(event_id) or {"_id": event_id})

    def history(self, event_id: str) -> list[dict]:
        """The event as it is now, then each earlier version, newest first."""
        versions = []
        doc = self.get(event_id)
        while doc is not None and len(versions) < 1000:
            versions.append(doc)
            prev = doc.get("previousVersionEvent")
            doc = self.get(prev) if prev else None
        return versions

    def insert(self, doc: dict) -> dict:
        new_id = self._insert({k: doc.get(k) for k in FIELDS if k in doc}, superseded=False)
        live.bump_for([doc])
        return self.get(new_id)

    def insert_many(self, docs: list[dict]) -> int:
        count = self._insert_many([{k: d.get(k) for k in FIELDS if k in d} for d in docs])
        live.bump_for(docs)
        return count

    def set_removed(self, event_id: str, removed: bool) -> dict:
        self._update(event_id, {"removed": removed})
        return self.get(event_id)

    def get_many(self, ids: list[str]) -> dict[str, dict]:
        return {i: d for i in ids if (d := self.get(i)) is not None}

    def move_investigation(
        self,
        source_id: int,
        *,
        investigation_id: int,
        investigation_name: str,
        instrument_name: str,
    ) -> tuple[int, int]:
        """Every event of one investigation, its edit history and removed ones included, to
        another (ICAT+'s `events/move`); returns (events matched, events changed)."""
        return self._move(
            source_id,
            {
                "investigationId": investigation_id,
                "investigationName": investigation_name,
                "instrumentName": instrument_name,
            },
        )

    # Backend primitives --------------------------------------------------------------------
    @abstractmethod
    def get(self, event_id: str) -> dict | None: ...

    @abstractmethod
    def _insert(self, doc: dict, *, superseded: bool) -> str: ...

    @abstractmethod
    def _insert_many(self, docs: list[dict]) -> int: ...

    @abstractmethod
    def _update(self, event_id: str, changes: dict) -> None: ...

    @abstractmethod
    def _update_if(self, event_id: str, changes: dict, *, previous: str | None) -> bool:
        """`_update` only if the event's `previousVersionEvent` is still `previous`, atomically;
        whether it was."""

    @abstractmethod
    def _delete(self, event_id: str) -> None: ...

    @abstractmethod
    def _move(self, source_id: int, changes: dict) -> tuple[int, int]: ...

    @abstractmethod
    def _select(
        self,
        query: EventQuery,
        *,
        cursor: Cursor | None,
        limit: int,
        broadcast: bool,
        offset: int = 0,
    ) -> list[dict]: ...

    @abstractmethod
    def _count(self, query: EventQuery, *, broadcast: bool, before: Cursor | None) -> int:
        """The events of the part; with `before`, only those the timeline shows before it."""

    @abstractmethod
    def _select_newer(
        self, query: EventQuery, *, last_id: str, limit: int, broadcast: bool
    ) -> list[dict]: ...

    @abstractmethod
    def _type_counts(self, investigation_ids: list[int]) -> dict[int, dict[str, int]]: ...

    @abstractmethod
    def high_water_mark(self) -> str | None:
        """The newest id in the whole store: an open page asks for its scope's events above it."""

    @abstractmethod
    def _day_counts(self, query: EventQuery, *, broadcast: bool) -> dict[date, int]: ...

    @abstractmethod
    def _id_key(self, event_id: str): ...
