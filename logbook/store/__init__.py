"""The logbook store: `get_store()` is MongoDB when MONGO_URL is set, else the ORM."""

from __future__ import annotations

from functools import cache

from django.conf import settings

from .base import (
    Cursor,
    EventQuery,
    EventStore,
    InvalidCursor,
    StaleEdit,
    sort_time,
    version_of,
)

__all__ = [
    "Cursor",
    "EventQuery",
    "EventStore",
    "InvalidCursor",
    "StaleEdit",
    "get_store",
    "sort_time",
    "version_of",
]


@cache
def _mongo_store(url: str, db_name: str) -> EventStore:
    import pymongo

    from .mongo import MongoEventStore

    client = pymongo.MongoClient(url, tz_aware=True)
    store = MongoEventStore(client[db_name]["events"])
    store.ensure_indexes()
    return store


def get_store() -> EventStore:
    if settings.MONGO_URL:
        return _mongo_store(settings.MONGO_URL, settings.MONGO_DB)
    from .orm import OrmEventStore

    return OrmEventStore()
