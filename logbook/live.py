"""A version per logbook in the cache, so an open page's poll (every few seconds per tab) can
answer "nothing new" without querying events or rendering a template.

Every stored event bumps the versions of the logbooks that show it, once its transaction has
committed: a poll that read a version before its query therefore saw every event that version
counts, and any later event changes the version the next poll compares.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.db import transaction

_PREFIX = "logbook:live:"
BROADCASTS = _PREFIX + "broadcast"
# Long enough to outlive any open tab; an evicted key only costs one full poll.
_TIMEOUT = 7 * 24 * 3600


def investigation_keys(pk: int) -> list[str]:
    # Broadcasts of the period appear in every investigation's logbook.
    return [f"{_PREFIX}inv:{pk}", BROADCASTS]


def beamline_keys(name: str) -> list[str]:
    return [f"{_PREFIX}instr:{name}", BROADCASTS]


def _keys_of(doc: dict) -> set[str]:
    keys = set()
    if doc.get("investigationId"):
        keys.add(f"{_PREFIX}inv:{doc['investigationId']}")
    if doc.get("instrumentName"):
        keys.add(f"{_PREFIX}instr:{doc['instrumentName']}")
    if doc.get("type") == "broadcast":
        keys.add(BROADCASTS)
    return keys


def _bump(keys: set[str]) -> None:
    for key in keys:
        try:
            cache.incr(key)
        except ValueError:  # never set, or evicted: a fresh start no poll can hold
            cache.set(key, time.time_ns(), _TIMEOUT)


def bump_for(docs: list[dict]) -> None:
    """Called by the store for every event it adds, whoever writes it (pages, API, ICAT+)."""
    keys = set().union(*(_keys_of(d) for d in docs)) if docs else set()
    if keys:
        transaction.on_commit(lambda: _bump(keys))


def version(keys: list[str]) -> str:
    """The current version of a logbook: read before querying its events."""
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            # add, not set: a bump that raced this read keeps its value.
            cache.add(key, time.time_ns(), _TIMEOUT)
            found[key] = cache.get(key)
    return ".".join(str(found[k]) for k in keys)


def unchanged(request, keys: list[str]) -> bool:
    """True when the poll's `v` is the logbook's current version: nothing new to show."""
    seen = request.GET.get("v")
    return bool(seen) and seen == version(keys)
