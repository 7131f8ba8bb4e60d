"""Keyset ("cursor") pagination, the one for every list: pages, HTMX fragments and the DRF API
(`KeysetPagination`). Next/Previous links carry an opaque cursor holding the sort key of the last
(or first) row shown, so page 1,000 costs what page 1 does (an index range scan, no OFFSET) and
rows added meanwhile never shift the pages. A nullable sort field sorts its empty values last
(ascending) or first (descending), as PostgreSQL does by default, on every database.

Not here, on purpose: ICAT+'s `skip`/`limit` (its clients' contract), OAI-PMH resumption tokens
(the protocol's), and the logbook store's cursor (it pages MongoDB too)."""

from __future__ import annotations

import base64
import binascii
import bisect
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import F, Model, OrderBy, Q, QuerySet
from rest_framework import pagination
from rest_framework.exceptions import ValidationError as BadRequest
from rest_framework.utils.urls import replace_query_param

# What a page says when `paginate_or_first` fell back to the first page.
STALE_LINK = "That page link is no longer valid; showing the first page."


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
        row = getattr(row, part) if row is not None else None
    return row


@dataclass(frozen=True)
class _Key:
    """One sort field; a nullable one holds NULL as above every value."""

    name: str
    descending: bool
    nullable: bool

    @classmethod
    def of(cls, model: type[Model], field: str) -> _Key:
        return cls(field.lstrip("-"), field.startswith("-"), _nullable(model, field.lstrip("-")))

    def reversed(self) -> _Key:
        return _Key(self.name, not self.descending, self.nullable)

    def order(self) -> str | OrderBy:
        if not self.nullable:
            return f"-{self.name}" if self.descending else self.name
        if self.descending:
            return F(self.name).desc(nulls_first=True)
        return F(self.name).asc(nulls_last=True)

    def beyond(self, value: Any) -> Q:
        """Rows strictly after `value` on this key alone."""
        if self.descending:
            return Q(**{f"{self.name}__isnull": False}) if value is None else self._cmp("lt", value)
        if value is None:
            return Q(pk__in=[])
        return self._or_null(self._cmp("gt", value))

    def bound(self, value: Any) -> Q:
        """`beyond` or equal: redundant, so PostgreSQL turns the first key into an index range."""
        if self.descending:
            return Q() if value is None else self._cmp("lte", value)
        if value is None:
            return Q(**{f"{self.name}__isnull": True})
        return self._or_null(self._cmp("gte", value))

    def _cmp(self, op: str, value: Any) -> Q:
        return Q(**{f"{self.name}__{op}": value})

    def _or_null(self, q: Q) -> Q:
        return q | Q(**{f"{self.name}__isnull": True}) if self.nullable else q


def _nullable(model: type[Model], name: str) -> bool:
    """Whether the field (or a relation on its way) may be NULL; an annotation counts as not."""
    opts = model._meta
    try:
        for part in name.split("__"):
            field = opts.get_field(part)
            if field.null:
                return True
            if field.related_model is not None:
                opts = field.related_model._meta
    except FieldDoesNotExist:
        return False
    return False


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


def _after(keys: list[_Key], values: list[Any]) -> Q:
    """Rows strictly after `values`: (a > x) or (a = x and b > y) or ..., bounded on the first
    key. `Q(a=None)` is Django's `a IS NULL`, so equality holds for empty values too."""
    q = Q(pk__in=[])
    equal = Q()
    for key, value in zip(keys, values, strict=True):
        q |= equal & key.beyond(value)
        equal &= Q(**{key.name: value})
    return keys[0].bound(values[0]) & q


def paginate(queryset: QuerySet, *, ordering: list[str], cursor: str | None, size: int) -> Page:
    """One page of `queryset` in `ordering` (whose last field must be unique, e.g. id).
    Raises BadCursor for a cursor it cannot read; one query whatever the page size."""
    direction = "n"
    keys = [_Key.of(queryset.model, field) for field in ordering]
    qs = queryset.order_by(*(key.order() for key in keys))
    if cursor:
        values, direction = _decode(cursor, len(ordering))
        if direction == "p":
            keys = [key.reversed() for key in keys]
        try:
            qs = queryset.filter(_after(keys, values)).order_by(*(key.order() for key in keys))
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


def paginate_or_first(
    queryset: QuerySet, *, ordering: list[str], cursor: str | None, size: int
) -> tuple[Page, bool]:
    """`paginate`, but a cursor it cannot read (a stale or edited link) gives the first page
    instead of an error; the flag says so, for pages that tell the user."""
    try:
        return paginate(queryset, ordering=ordering, cursor=cursor, size=size), False
    except BadCursor:
        return paginate(queryset, ordering=ordering, cursor=None, size=size), True


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


class KeysetPagination(pagination.CursorPagination):
    """`paginate` for the DRF API, in DRF's cursor-page shape (`next`, `previous`, `results`),
    schema and `page_size` parameter. Newest first unless the view sets `keyset_ordering`; a
    cursor it cannot read is a 400 naming `cursor` (DRF's own says 404, "no such list")."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = ("-id",)

    def paginate_queryset(self, queryset, request, view=None) -> list[Any]:
        self.base_url = request.build_absolute_uri()
        ordering = list(getattr(view, "keyset_ordering", None) or self.ordering)
        cursor = request.query_params.get(self.cursor_query_param) or None
        size = self.get_page_size(request)
        try:
            self.page = paginate(queryset, ordering=ordering, cursor=cursor, size=size)
        except BadCursor:
            raise BadRequest({"cursor": ["This cursor is not valid for this list."]}) from None
        return self.page.rows

    def get_next_link(self) -> str | None:
        return self._link(self.page.next_cursor)

    def get_previous_link(self) -> str | None:
        return self._link(self.page.previous_cursor)

    def _link(self, cursor: str | None) -> str | None:
        return (
            replace_query_param(self.base_url, self.cursor_query_param, cursor) if cursor else None
        )
