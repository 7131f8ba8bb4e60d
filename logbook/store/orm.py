"""The embedded store: events as rows of `logbook.Event` (PostgreSQL or SQLite)."""

from __future__ import annotations

import heapq
import json
from dataclasses import replace
from datetime import date

from django.db import connection
from django.db.models import BigIntegerField, BooleanField, Count, Max, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, TruncDate
from django.utils import timezone

from ..models import Event
from ..text import search_text
from .base import Cursor, EventQuery, EventStore

# ICAT+ document key -> model field
COLUMNS = {
    "type": "type",
    "category": "category",
    "title": "title",
    "content": "content",
    "tag": "tags",
    "username": "username",
    "creationDate": "creation_date",
    "investigationId": "investigation_id",
    "investigationName": "investigation_name",
    "instrumentName": "instrument_name",
    "datasetId": "dataset_id",
    "datasetName": "dataset_name",
    "software": "software",
    "machine": "machine",
    "source": "source",
    "filename": "filename",
    "contentType": "content_type",
    "fileSize": "file_size",
    "file": "file",
    "parentEventId": "parent_event",
    "previousVersionEvent": "previous_version_id",
    "updatedAt": "updated_at",
    "refersTo": "refers_to",
    "removed": "removed",
}
_INT_REFS = {"parentEventId", "previousVersionEvent"}
_NULLABLE = {
    "investigationId",
    "datasetId",
    "fileSize",
    "parentEventId",
    "previousVersionEvent",
    "updatedAt",
    "refersTo",
}
_VALUES = ["id", *COLUMNS.values()]


def _to_doc(row: dict) -> dict:
    doc = {"_id": str(row["id"])}
    for key, column in COLUMNS.items():
        value = row[column]
        if key in _INT_REFS and value is not None:
            value = str(value)
        doc[key] = value
    return doc


def _to_row(doc: dict) -> dict:
    row = {}
    for key, value in doc.items():
        if key not in COLUMNS:
            continue
        if key in _INT_REFS and value is not None:
            value = int(value)
        if value is None and key not in _NULLABLE:
            continue
        row[COLUMNS[key]] = value
    if "title" in doc or "content" in doc or "tag" in doc:
        row["search_text"] = search_text(doc)
    return row


def _int_id(event_id: str) -> int | None:
    """The row id in an event id, or None for anything that cannot be one (the database would
    overflow on 20 digits)."""
    try:
        pk = int(event_id)
    except (TypeError, ValueError):
        return None
    return pk if 0 < pk < 2**63 else None


def _time_column(query: EventQuery) -> str:
    # event_time is refers_to, else creation_date (a generated column with its own indexes).
    return "event_time" if query.by_refers_to else "creation_date"


def _after_q(cursor: Cursor, newest_first: bool, column: str, id_column: str = "id") -> Q:
    """The rows a timeline shows after the cursor."""
    pk = _int_id(cursor.id) or 0
    # The redundant bound on the time alone lets the index seek to the cursor
    # instead of filtering every row before it: deep pages stay as fast as the first.
    op, bound = ("lt", "lte") if newest_first else ("gt", "gte")
    return Q(**{f"{column}__{bound}": cursor.when}) & (
        Q(**{f"{column}__{op}": cursor.when}) | Q(**{f"{id_column}__{op}": pk})
    )


def _after(
    qs: QuerySet[Event], cursor: Cursor | None, newest_first: bool, column: str = "creation_date"
) -> QuerySet[Event]:
    return qs if cursor is None else qs.filter(_after_q(cursor, newest_first, column))


def _tag_led(query: EventQuery, *, broadcast: bool) -> bool:
    """Whether the side table `logbook_eventtag` answers the page: PostgreSQL (its triggers fill
    it), a tag that must be present, and the creation-date order of listed events it holds."""
    return (
        connection.vendor == "postgresql"
        and not broadcast
        and (query.investigation_id is not None or query.instrument_name is not None)
        and bool(query.tags or query.any_tags)
        and not query.removed
        and not query.by_refers_to
    )


def _tag_scope_q(query: EventQuery, tag: str) -> Q:
    """The side table's rows of one tag in the query's logbook: an index range of its own."""
    q = Q(tag_rows__tag=tag)
    if query.investigation_id is not None:
        return q & Q(tag_rows__investigation_id=query.investigation_id)
    q &= Q(tag_rows__instrument_name=query.instrument_name)
    return q & Q(tag_rows__investigation_id__isnull=True) if query.beamline_only else q


def _tag_q(tag: str, postgres: bool) -> Q:
    return Q(tags__contains=[tag]) if postgres else Q(tags__icontains=json.dumps(tag))


def _any_q(conditions) -> Q:
    combined = Q(pk__in=[])
    for condition in conditions:
        combined |= condition
    return combined


class OrmEventStore(EventStore):
    def get(self, event_id: str) -> dict | None:
        pk = _int_id(event_id)
        if pk is None:
            return None
        row = Event.objects.filter(pk=pk).values(*_VALUES).first()
        return _to_doc(row) if row else None

    def get_many(self, ids: list[str]) -> dict[str, dict]:
        pks = [pk for i in ids if (pk := _int_id(i)) is not None]
        return {str(r["id"]): _to_doc(r) for r in Event.objects.filter(pk__in=pks).values(*_VALUES)}

    def _insert(self, doc: dict, *, superseded: bool) -> str:
        return str(Event.objects.create(superseded=superseded, **_to_row(doc)).pk)

    def _insert_many(self, docs: list[dict]) -> int:
        return len(Event.objects.bulk_create([Event(**_to_row(d)) for d in docs], batch_size=2000))

    def _row_changes(self, event_id: str, changes: dict) -> dict:
        row = _to_row(changes)
        if "search_text" in row:
            current = self.get(event_id) or {}
            row["search_text"] = search_text({**current, **changes})
        return row

    def _update(self, event_id: str, changes: dict) -> None:
        Event.objects.filter(pk=_int_id(event_id)).update(**self._row_changes(event_id, changes))

    def _update_if(self, event_id: str, changes: dict, *, previous: str | None) -> bool:
        # One conditional UPDATE: PostgreSQL re-checks the condition on a row another
        # transaction has just changed, so only one of two racing edits matches it.
        rows = Event.objects.filter(
            pk=_int_id(event_id), previous_version_id=_int_id(previous) if previous else None
        )
        return rows.update(**self._row_changes(event_id, changes)) == 1

    def _delete(self, event_id: str) -> None:
        Event.objects.filter(pk=_int_id(event_id)).delete()

    def _move(self, source_id: int, changes: dict) -> tuple[int, int]:
        moved = Event.objects.filter(investigation_id=source_id).update(**_to_row(changes))
        return moved, moved

    def _filtered(self, query: EventQuery, *, broadcast: bool) -> QuerySet[Event]:
        qs = Event.objects.filter(superseded=False, removed=query.removed)
        if broadcast:
            qs = qs.filter(type="broadcast")
            if query.broadcasts_between:
                qs = qs.filter(creation_date__range=query.broadcasts_between)
        elif query.investigation_id is not None:
            # Typed as bigint so the GIN indexes that lead with the investigation (btree_gin has
            # no cross-type operators) can serve a search or tag filter on their own.
            qs = qs.filter(investigation_id=Cast(Value(query.investigation_id), BigIntegerField()))
        elif query.instrument_name is not None:
            qs = qs.filter(instrument_name=query.instrument_name)
            if query.beamline_only:
                qs = qs.filter(investigation__isnull=True)
        return self._narrowed(qs, query)

    def _narrowed(self, qs: QuerySet[Event], query: EventQuery) -> QuerySet[Event]:
        """The filters a user picks within a logbook."""
        if query.types:
            qs = qs.filter(type__in=query.types)
        if query.categories:
            qs = qs.filter(category__in=query.categories)
        if query.usernames:
            qs = qs.filter(username__in=query.usernames)
        if query.date_from:
            qs = qs.filter(creation_date__gte=query.date_from)
        if query.date_to:
            qs = qs.filter(creation_date__lt=query.date_to)
        postgres = connection.vendor == "postgresql"
        for tag in query.tags:  # on PostgreSQL, `@>` uses the GIN index on tags
            qs = qs.filter(_tag_q(tag, postgres))
        if query.any_tags:
            qs = qs.filter(_any_q(_tag_q(tag, postgres) for tag in query.any_tags))
        for tag in query.not_tags:
            qs = qs.exclude(_tag_q(tag, postgres))
        if query.kinds:
            qs = qs.filter(
                _any_q(
                    Q(type=kind, category=category) if category else Q(type=kind)
                    for kind, category in query.kinds
                )
            )
        if query.text.strip():
            if postgres:  # the generated tsvector column and its GIN index (migration 0002)
                qs = qs.filter(
                    RawSQL(
                        "logbook_event.search @@ websearch_to_tsquery('english', %s)",
                        (query.text,),
                        output_field=BooleanField(),
                    )
                )
            else:
                for word in query.text.split():
                    qs = qs.filter(search_text__icontains=word)
        return qs

    def _select(
        self,
        query: EventQuery,
        *,
        cursor: Cursor | None,
        limit: int,
        broadcast: bool,
        offset: int = 0,
    ) -> list[dict]:
        if _tag_led(query, broadcast=broadcast):
            return self._select_tag_led(query, cursor=cursor, limit=limit, offset=offset)
        column = _time_column(query)
        qs = _after(self._filtered(query, broadcast=broadcast), cursor, query.newest_first, column)
        order = [f"-{column}", "-id"] if query.newest_first else [column, "id"]
        rows = qs.order_by(*order).values(*_VALUES)[offset : offset + limit]
        return [_to_doc(r) for r in rows]

    def _select_tag_led(
        self, query: EventQuery, *, cursor: Cursor | None, limit: int, offset: int
    ) -> list[dict]:
        """Walk the side table's rows of one tag in timeline order, each joined to its event for
        the other filters, and stop at the page: rows read grow with the page, not the logbook.
        Every tag of `tags` must be there, so the first leads; any of `any_tags` may be, so each
        leads a walk of its own and the pages merge (an event with two of them shows once)."""
        leads = query.tags[:1] or query.any_tags
        order = ("-" if query.newest_first else "") + "tag_rows__creation_date"
        end = offset + limit
        pages = []
        for tag in leads:
            where = _tag_scope_q(query, tag)
            if cursor is not None:
                where &= _after_q(
                    cursor, query.newest_first, "tag_rows__creation_date", "tag_rows__event_id"
                )
            # The side table's rows are the listed events of the scope with this tag: the events
            # need only the other filters (repeating these would make the planner expect too
            # few rows to fill the page, and scan). One filter() call: one join.
            rest = replace(
                query, tags=query.tags[1:], any_tags=query.any_tags if query.tags else ()
            )
            qs = self._narrowed(Event.objects.all(), rest).filter(where)
            rows = qs.order_by(order, order.replace("creation_date", "event_id")).values(*_VALUES)
            if len(leads) == 1:
                return [_to_doc(r) for r in rows[offset:end]]
            pages.append([_to_doc(r) for r in rows[:end]])
        merged = heapq.merge(*pages, key=self._sort_key, reverse=query.newest_first)
        seen: set[str] = set()
        unique = [d for d in merged if d["_id"] not in seen and not seen.add(d["_id"])]
        return unique[offset : offset + limit]

    def _count(self, query: EventQuery, *, broadcast: bool, before: Cursor | None) -> int:
        qs = self._filtered(query, broadcast=broadcast)
        if before is not None:
            # Those before it are those a page starting after it would not show: the reverse.
            qs = _after(qs, before, not query.newest_first, _time_column(query))
        return qs.count()

    def _select_newer(
        self, query: EventQuery, *, last_id: str, limit: int, broadcast: bool
    ) -> list[dict]:
        if _int_id(last_id) is None:
            return []
        qs = self._filtered(query, broadcast=broadcast).filter(id__gt=_int_id(last_id))
        return [_to_doc(r) for r in qs.order_by("-id").values(*_VALUES)[:limit]]

    def _type_counts(self, investigation_ids: list[int]) -> dict[int, dict[str, int]]:
        rows = (
            Event.objects.filter(
                investigation_id__in=investigation_ids, superseded=False, removed=False
            )
            .order_by()
            .values_list("investigation_id", "type")
            .annotate(n=Count("id"))
        )
        counts: dict[int, dict[str, int]] = {}
        for investigation_id, kind, n in rows:
            counts.setdefault(investigation_id, {})[kind] = n
        return counts

    def high_water_mark(self) -> str | None:
        pk = Event.objects.aggregate(top=Max("id"))["top"]
        return None if pk is None else str(pk)

    def _day_counts(self, query: EventQuery, *, broadcast: bool) -> dict[date, int]:
        rows = (
            self._filtered(query, broadcast=broadcast)
            .annotate(day=TruncDate("creation_date", tzinfo=timezone.get_current_timezone()))
            .order_by()
            .values("day")
            .annotate(n=Count("id"))
            .values_list("day", "n")
        )
        return dict(rows)

    def _id_key(self, event_id: str) -> int:
        return _int_id(event_id) or 0
