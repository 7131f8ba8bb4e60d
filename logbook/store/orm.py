"""The embedded store: events as rows of `logbook.Event` (PostgreSQL or SQLite)."""

from __future__ import annotations

import json
from datetime import date

from django.db import connection
from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import TruncDate
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


def _after(
    qs: QuerySet[Event], cursor: Cursor | None, newest_first: bool, column: str = "creation_date"
) -> QuerySet[Event]:
    """The rows a timeline shows after the cursor."""
    if cursor is None:
        return qs
    pk = _int_id(cursor.id) or 0
    # The redundant bound on the time alone lets the index seek to the cursor
    # instead of filtering every row before it: deep pages stay as fast as the first.
    op, bound = ("lt", "lte") if newest_first else ("gt", "gte")
    return qs.filter(**{f"{column}__{bound}": cursor.when}).filter(
        Q(**{f"{column}__{op}": cursor.when}) | Q(**{f"id__{op}": pk})
    )


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
            if connection.vendor == "postgresql":
                # Typed as bigint so the GIN indexes that lead with the investigation (btree_gin
                # has no cross-type operators) can serve a search or tag filter on their own.
                qs = qs.extra(
                    where=["logbook_event.investigation_id = %s::bigint"],
                    params=[query.investigation_id],
                )
            else:
                qs = qs.filter(investigation_id=query.investigation_id)
        elif query.instrument_name is not None:
            qs = qs.filter(instrument_name=query.instrument_name)
            if query.beamline_only:
                qs = qs.filter(investigation__isnull=True)
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
        for tag in query.tags:
            if postgres:  # uses the GIN index on tags
                qs = qs.extra(where=["logbook_event.tags @> %s::jsonb"], params=[json.dumps([tag])])
            else:
                qs = qs.filter(tags__icontains=json.dumps(tag))
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
                qs = qs.extra(
                    where=["logbook_event.search @@ websearch_to_tsquery('english', %s)"],
                    params=[query.text],
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
        column = _time_column(query)
        qs = _after(self._filtered(query, broadcast=broadcast), cursor, query.newest_first, column)
        order = [f"-{column}", "-id"] if query.newest_first else [column, "id"]
        rows = qs.order_by(*order).values(*_VALUES)[offset : offset + limit]
        return [_to_doc(r) for r in rows]

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
