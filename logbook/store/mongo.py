"""The MongoDB store (pymongo): an ICAT+ `events` collection read and written as is."""

from __future__ import annotations

import re
from datetime import date, datetime

from bson import ObjectId
from bson.errors import InvalidId
from django.utils import timezone

from .base import Cursor, EventQuery, EventStore

INDEXES = [
    ([("investigationId", 1), ("creationDate", -1), ("_id", -1)], {"name": "timeline"}),
    ([("instrumentName", 1), ("creationDate", -1), ("_id", -1)], {"name": "beamline_timeline"}),
    ([("type", 1), ("creationDate", -1)], {"name": "broadcasts"}),
    ([("tag", 1), ("creationDate", -1)], {"name": "tags"}),
]
TEXT_INDEX = ([("title", "text"), ("content.text", "text"), ("tag", "text")], {"name": "search"})


def _oid(event_id: str | None) -> ObjectId | None:
    try:
        return ObjectId(event_id)
    except (InvalidId, TypeError):
        return None


def _aware(value: datetime | None) -> datetime | None:
    # pymongo returns naive UTC datetimes unless the client is tz_aware.
    if isinstance(value, datetime) and timezone.is_naive(value):
        return timezone.make_aware(value, timezone.utc)
    return value


def _to_doc(raw: dict) -> dict:
    doc = {k: v for k, v in raw.items() if k not in ("_id", "superseded")}
    doc["_id"] = str(raw["_id"])
    doc["creationDate"] = _aware(raw.get("creationDate"))
    if doc.get("refersTo") is not None:
        doc["refersTo"] = _aware(doc["refersTo"])
    for ref in ("parentEventId", "previousVersionEvent"):
        if doc.get(ref) is not None:
            doc[ref] = str(doc[ref])
    doc.setdefault("removed", False)
    doc.setdefault("tag", [])
    doc.setdefault("content", [])
    return doc


def _to_raw(doc: dict) -> dict:
    raw = dict(doc)
    raw.pop("_id", None)
    for ref in ("parentEventId", "previousVersionEvent"):
        if raw.get(ref) is not None:
            raw[ref] = _oid(raw[ref])
    return raw


def _spellings(category: str) -> list[str]:
    # ICAT+ spells it commandLine or commandline
    return [category, "commandLine"] if category == "commandline" else [category]


def _after(
    flt: dict, cursor: Cursor | None, newest_first: bool, field: str = "creationDate"
) -> None:
    """Narrow the filter to the documents a timeline shows after the cursor."""
    if cursor is None:
        return
    op = "$lt" if newest_first else "$gt"
    bound = "$lte" if newest_first else "$gte"
    flt["$and"].append({field: {bound: cursor.when}})
    flt["$and"].append(
        {
            "$or": [
                {field: {op: cursor.when}},
                {field: cursor.when, "_id": {op: _oid(cursor.id)}},
            ]
        }
    )


# Sorting by the time referred to: a document read as ICAT+ wrote it has no `refersTo`, so the
# time is computed ($ifNull) after the logbook's own indexed filter, not stored beside it.
SORT_TIME = "_sortTime"


def _by_refers_to(flt: dict, cursor: Cursor | None, newest_first: bool) -> list[dict]:
    """The aggregation stages that select a timeline sorted by the time events refer to."""
    after: dict = {"$and": []}
    _after(after, cursor, newest_first, SORT_TIME)
    return [
        {"$match": flt},
        {"$addFields": {SORT_TIME: {"$ifNull": ["$refersTo", "$creationDate"]}}},
        *([{"$match": after}] if after["$and"] else []),
    ]


class MongoEventStore(EventStore):
    """`text_index=False` searches with a case-insensitive regex instead of `$text`: for stand-ins
    without a text engine (mongomock), never for a real server."""

    def __init__(self, collection, *, text_index: bool = True) -> None:
        self.collection = collection
        self.text_index = text_index

    def ensure_indexes(self) -> None:
        for keys, options in INDEXES + ([TEXT_INDEX] if self.text_index else []):
            self.collection.create_index(keys, **options)

    def get(self, event_id: str) -> dict | None:
        oid = _oid(event_id)
        raw = self.collection.find_one({"_id": oid}) if oid else None
        return _to_doc(raw) if raw else None

    def _insert(self, doc: dict, *, superseded: bool) -> str:
        raw = _to_raw(doc)
        raw.setdefault("creationDate", timezone.now())
        raw.setdefault("removed", False)
        if superseded:
            raw["superseded"] = True
        return str(self.collection.insert_one(raw).inserted_id)

    def _insert_many(self, docs: list[dict]) -> int:
        if not docs:
            return 0
        return len(
            self.collection.insert_many([_to_raw(d) for d in docs], ordered=False).inserted_ids
        )

    def _update(self, event_id: str, changes: dict) -> None:
        self.collection.update_one({"_id": _oid(event_id)}, {"$set": _to_raw(changes)})

    def _update_if(self, event_id: str, changes: dict, *, previous: str | None) -> bool:
        # `None` also matches a document that never had the field, as ICAT+ writes them.
        condition = {
            "_id": _oid(event_id),
            "previousVersionEvent": _oid(previous) if previous else None,
        }
        return self.collection.update_one(condition, {"$set": _to_raw(changes)}).matched_count == 1

    def _delete(self, event_id: str) -> None:
        self.collection.delete_one({"_id": _oid(event_id)})

    def _move(self, source_id: int, changes: dict) -> tuple[int, int]:
        result = self.collection.update_many(
            {"investigationId": source_id}, {"$set": _to_raw(changes)}
        )
        return result.matched_count, result.modified_count

    def _filter(self, query: EventQuery, *, broadcast: bool) -> dict:
        conditions: list[dict] = [{"superseded": {"$ne": True}}]
        conditions.append({"removed": True} if query.removed else {"removed": {"$ne": True}})
        if broadcast:
            conditions.append({"type": "broadcast"})
            if query.broadcasts_between:
                start, end = query.broadcasts_between
                conditions.append({"creationDate": {"$gte": start, "$lte": end}})
        elif query.investigation_id is not None:
            conditions.append({"investigationId": query.investigation_id})
        elif query.instrument_name is not None:
            conditions.append({"instrumentName": query.instrument_name})
            if query.beamline_only:
                conditions.append({"investigationId": None})
        if query.types:
            conditions.append({"type": {"$in": list(query.types)}})
        if query.categories:
            # ICAT+ spells it commandLine or commandline
            cats = list(query.categories) + (
                ["commandLine"] if "commandline" in query.categories else []
            )
            conditions.append({"category": {"$in": cats}})
        if query.usernames:
            conditions.append({"username": {"$in": list(query.usernames)}})
        if query.date_from:
            conditions.append({"creationDate": {"$gte": query.date_from}})
        if query.date_to:
            conditions.append({"creationDate": {"$lt": query.date_to}})
        for tag in query.tags:
            conditions.append({"tag": tag})
        if query.any_tags:
            conditions.append({"tag": {"$in": list(query.any_tags)}})
        if query.not_tags:
            conditions.append({"tag": {"$nin": list(query.not_tags)}})
        if query.kinds:
            conditions.append(
                {
                    "$or": [
                        {"type": kind, "category": {"$in": _spellings(category)}}
                        if category
                        else {"type": kind}
                        for kind, category in query.kinds
                    ]
                }
            )
        if query.text.strip():
            if self.text_index:
                conditions.append({"$text": {"$search": query.text}})
            else:
                for word in query.text.split():
                    pattern = re.compile(re.escape(word), re.I)
                    conditions.append(
                        {"$or": [{"title": pattern}, {"content.text": pattern}, {"tag": pattern}]}
                    )
        return {"$and": conditions}

    def _select(
        self,
        query: EventQuery,
        *,
        cursor: Cursor | None,
        limit: int,
        broadcast: bool,
        offset: int = 0,
    ) -> list[dict]:
        flt = self._filter(query, broadcast=broadcast)
        direction = -1 if query.newest_first else 1
        if query.by_refers_to:
            stages = _by_refers_to(flt, cursor, query.newest_first) + [
                {"$sort": {SORT_TIME: direction, "_id": direction}},
                {"$skip": offset},
                {"$limit": limit},
                {"$project": {SORT_TIME: 0}},
            ]
            return [_to_doc(r) for r in self.collection.aggregate(stages)]
        _after(flt, cursor, query.newest_first)
        found = (
            self.collection.find(flt)
            .sort([("creationDate", direction), ("_id", direction)])
            .skip(offset)
            .limit(limit)
        )
        return [_to_doc(r) for r in found]

    def _count(self, query: EventQuery, *, broadcast: bool, before: Cursor | None) -> int:
        flt = self._filter(query, broadcast=broadcast)
        if query.by_refers_to:
            stages = _by_refers_to(flt, before, not query.newest_first) + [{"$count": "n"}]
            found = list(self.collection.aggregate(stages))
            return found[0]["n"] if found else 0
        _after(flt, before, not query.newest_first)
        return self.collection.count_documents(flt)

    def _select_newer(
        self, query: EventQuery, *, last_id: str, limit: int, broadcast: bool
    ) -> list[dict]:
        if _oid(last_id) is None:
            return []
        flt = self._filter(query, broadcast=broadcast)
        flt["$and"].append({"_id": {"$gt": _oid(last_id)}})
        return [_to_doc(r) for r in self.collection.find(flt).sort([("_id", -1)]).limit(limit)]

    def _type_counts(self, investigation_ids: list[int]) -> dict[int, dict[str, int]]:
        pipeline = [
            {
                "$match": {
                    "investigationId": {"$in": investigation_ids},
                    "superseded": {"$ne": True},
                    "removed": {"$ne": True},
                }
            },
            {"$group": {"_id": {"i": "$investigationId", "t": "$type"}, "n": {"$sum": 1}}},
        ]
        counts: dict[int, dict[str, int]] = {}
        for row in self.collection.aggregate(pipeline):
            counts.setdefault(row["_id"]["i"], {})[row["_id"]["t"]] = row["n"]
        return counts

    def high_water_mark(self) -> str | None:
        found = list(self.collection.find({}, {"_id": 1}).sort([("_id", -1)]).limit(1))
        return str(found[0]["_id"]) if found else None

    def _day_counts(self, query: EventQuery, *, broadcast: bool) -> dict[date, int]:
        counts: dict[date, int] = {}
        for raw in self.collection.find(
            self._filter(query, broadcast=broadcast), {"creationDate": 1}
        ):
            day = timezone.localtime(_aware(raw["creationDate"])).date()
            counts[day] = counts.get(day, 0) + 1
        return counts

    def _id_key(self, event_id: str):
        return _oid(event_id) or ObjectId("0" * 24)
