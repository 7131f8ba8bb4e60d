from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import mongomock
import pytest

from logbook.store.mongo import MongoEventStore
from logbook.store.orm import OrmEventStore

# The MongoDB backend runs on mongomock here (a stand-in, named in the test ids), and on a real
# server as well whenever MONGO_URL is set.
BACKENDS = ["orm", "mongomock-stand-in"] + (["mongodb"] if os.environ.get("MONGO_URL") else [])


@pytest.fixture(params=BACKENDS)
def store(request) -> Iterator:
    if request.param == "orm":
        request.getfixturevalue("db")
        yield OrmEventStore()
        return
    if request.param == "mongomock-stand-in":
        collection = mongomock.MongoClient(tz_aware=True).db.events
        store = MongoEventStore(collection, text_index=False)
        store.ensure_indexes()
        yield store
        return
    import pymongo

    client = pymongo.MongoClient(os.environ["MONGO_URL"], tz_aware=True)
    db_name = f"test_logbook_{uuid.uuid4().hex[:8]}"
    store = MongoEventStore(client[db_name]["events"])
    store.ensure_indexes()
    yield store
    client.drop_database(db_name)


@pytest.fixture
def add_event():
    """Store an event in the configured store, as beamline software or a person would."""
    from logbook.services import event_create

    def add(
        investigation,
        *,
        type="notification",
        category="commandline",
        by="",
        text=None,
        html=None,
        title="",
        tags=None,
        when=None,
        **extra,
    ):
        return event_create(
            investigation=investigation,
            instrument=investigation.instrument,
            type=type,
            category=category,
            by=by,
            title=title,
            text=text,
            html=html,
            tags=tags,
            when=when,
            extra=extra,
        )

    return add


@pytest.fixture(autouse=True)
def fresh_cache():
    """The calendar and rate limits are cached; ids repeat between tests on SQLite."""
    from django.core.cache import cache

    cache.clear()
    yield
