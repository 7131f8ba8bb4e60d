"""Keyset ("cursor") pagination for server-rendered lists: Next/Previous links carry an opaque
cursor holding the sort key of the last (or first) row shown, so page 1,000 costs what page 1 does
(an index range scan, no OFFSET) and rows added meanwhile never shift the pages."""

from __future__ import annotations

import base64
import binascii
import bisect
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet


class BadCursor(ValueError):
    """The cursor was not made by this paginator (edited by hand, or for another sort)."""


@dataclass
class Page:
    rows: list[Any]
    next_cursor: str | None
    previous_cursor: str | None

    @property
    def has_other_pages(self) -> bool:
        return bool(self.next_cursor or self.previous_cursor)


def _value(row: Any, field: str) -> Any:
    for part in field.lstrip("-").split("__"):
        row = getattr(row, part)
    return row


def _plain(value: Any) -> Any:
    # Full precision: DjangoJSONEncoder drops microseconds, which would skip or repeat rows.
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"Cannot put {type(value).__name__} in a cursor")


def _encode(values: list[Any], direction: str) -> str:
    raw = json.dumps({"v": values, "d": direction}, default=_plain, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, width: int) -> tuple[list[Any], str]:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        values, direction = data["v"], data["d"]
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError):
        raise BadCursor(cursor) from None
    if not isinstance(values, list) or len(values) != width or direction not in ("n", "p"):
        raise BadCursor(cursor)
    return values, direction


def _after(ordering: list[str], values: list[Any]) -> Q:
    """Rows strictly after `values` in `ordering`: (a > x) or (a = x and b > y) or ... plus a
    redundant bound on the first key so PostgreSQL turns it into an index range."""
    q = Q(pk__in=[])
    equal = Q()
    for field, value in zip(ordering, values, strict=True):
        name = field.lstrip("-")
        op = "lt" if field.startswith("-") else "gt"
        q |= equal & Q(**{f"{name}__{op}": value})
        equal &= Q(**{name: value})
    first = ordering[0]
    bound = Q(**{f"{first.lstrip('-')}__{'lte' if first.startswith('-') else 'gte'}": values[0]})
    return bound & q


def _reverse(ordering: list[str]) -> list[str]:
    return [f[1:] if f.startswith("-") else f"-{f}" for f in ordering]


def paginate(queryset: QuerySet, *, ordering: list[str], cursor: str | None, size: int) -> Page:
    """One page of `queryset` in `ordering` (whose last field must be unique, e.g. id).
    Raises BadCursor for a cursor it cannot read; one query whatever the page size."""
    direction = "n"
    qs = queryset.order_by(*ordering)
    if cursor:
        values, direction = _decode(cursor, len(ordering))
        keys = ordering if direction == "n" else _reverse(ordering)
        try:
            qs = queryset.filter(_after(keys, values)).order_by(*keys)
        except (ValidationError, ValueError, TypeError):
            raise BadCursor(cursor) from None
    try:
        rows = list(qs[: size + 1])
    except (ValidationError, ValueError, TypeError):
        raise BadCursor(cursor) from None
    more = len(rows) > size
    rows = rows[:size]
    if direction == "p":
        rows.reverse()
    if not rows:
        return Page(rows, None, None)

    def key(row: Any) -> list[Any]:
        return [_value(row, field) for field in ordering]

    has_next = more if direction == "n" else True
    has_previous = bool(cursor) if direction == "n" else more
    return Page(
        rows,
        _encode(key(rows[-1]), "n") if has_next else None,
        _encode(key(rows[0]), "p") if has_previous else None,
    )


def paginate_sorted(keys: list[tuple], *, cursor: str | None, size: int) -> tuple[int, int, Page]:
    """Keyset over keys already sorted ascending (e.g. (-rank, -id) of ranked search hits held
    in memory). Returns (start, end, page) where page.rows is keys[start:end]."""
    start, end = 0, min(size, len(keys))
    if cursor and keys:
        values, direction = _decode(cursor, len(keys[0]))
        try:
            position = tuple(values)
            if direction == "n":
                start = bisect.bisect_right(keys, position)
                end = min(start + size, len(keys))
            else:
                end = bisect.bisect_left(keys, position)
                start = max(0, end - size)
        except TypeError:
            raise BadCursor(cursor) from None
    rows = keys[start:end]
    return (
        start,
        end,
        Page(
            rows,
            _encode(list(rows[-1]), "n") if rows and end < len(keys) else None,
            _encode(list(rows[0]), "p") if rows and start > 0 else None,
        ),
    )
