"""The Loopback `filter` of a PaNOSC request, read and checked: malformed JSON, a wrong type or
an out-of-range number is a `BadFilter` with a message that names the culprit (the views answer
400 with it). Which fields and relations exist is checked later, per resource (query.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

# The protocol pages with limit/skip, not keysets: both are bounded so that no request makes the
# database count its way deep into a large table.
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_SKIP = 10_000
MAX_DEPTH = 6  # nested includes and and/or groups: deeper is no search anyone means


class BadFilter(ValueError):
    pass


@dataclass(frozen=True)
class Include:
    relation: str
    scope: Scope


@dataclass(frozen=True)
class Scope:
    where: dict = field(default_factory=dict)
    include: tuple[Include, ...] = ()

    @property
    def narrows(self) -> bool:
        """Whether this scope (or one nested in it) has conditions: then only parents with a
        matching related row are returned, as in the reference implementations."""
        return bool(self.where) or any(i.scope.narrows for i in self.include)


@dataclass(frozen=True)
class Filter:
    scope: Scope
    limit: int = DEFAULT_LIMIT
    skip: int = 0


def _json(raw: str, name: str) -> object:
    try:
        return json.loads(raw)
    except ValueError as error:
        raise BadFilter(f"`{name}` is not valid JSON: {error}") from None
    except RecursionError:
        raise BadFilter(f"`{name}` is nested too deep") from None


def read_filter(raw: str | None) -> Filter:
    if raw is None or not raw.strip():
        return Filter(Scope())
    data = _json(raw, "filter")
    if not isinstance(data, dict):
        raise BadFilter("`filter` must be a JSON object")
    _known_keys(data, "`filter`")
    limit = _bounded(data.get("limit"), "limit", DEFAULT_LIMIT, MAX_LIMIT)
    skip = _bounded(data.get("skip", data.get("offset")), "skip", 0, MAX_SKIP)
    return Filter(_scope(data, 0), limit=limit, skip=skip)


def _known_keys(data: dict, name: str) -> None:
    unknown = set(data) - {"where", "include", "limit", "skip", "offset", "fields", "order"}
    if unknown:
        raise BadFilter(f"{name} has unknown keys: {', '.join(sorted(unknown))}")


def read_includes(raw: object) -> tuple[Include, ...]:
    return _includes(raw, 0)


def read_where(raw: str | None) -> dict:
    if raw is None or not raw.strip():
        return {}
    where = _json(raw, "where")
    _check_where(where, "where", 0)
    return where


def _bounded(value: object, name: str, default: int, maximum: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadFilter(f"`{name}` must be a whole number from 0 to {maximum}")
    if value > maximum:
        raise BadFilter(f"`{name}` may be at most {maximum}")
    if name == "limit" and value == 0:  # Loopback: 0 means no limit, which is ours at most
        return maximum
    return value


def _scope(data: dict, depth: int) -> Scope:
    if depth > MAX_DEPTH:
        raise BadFilter(f"includes may be nested {MAX_DEPTH} deep at most")
    where = data.get("where") or {}
    _check_where(where, "where", depth)
    return Scope(where=where, include=_includes(data.get("include"), depth))


def _includes(raw: object, depth: int) -> tuple[Include, ...]:
    if raw is None:
        return ()
    items = raw if isinstance(raw, list) else [raw]
    includes = []
    for item in items:
        if isinstance(item, str):
            includes.append(Include(item, Scope()))
        elif isinstance(item, dict) and "relation" in item:
            if not isinstance(item["relation"], str):
                raise BadFilter("an include's `relation` must be a string")
            scope = item.get("scope") or {}
            if not isinstance(scope, dict):
                raise BadFilter(f"the scope of `{item['relation']}` must be a JSON object")
            _known_keys(scope, f"the scope of `{item['relation']}`")
            includes.append(Include(item["relation"], _scope(scope, depth + 1)))
        elif isinstance(item, dict) and len(item) == 1:  # Loopback's {"datasets": "parameters"}
            ((relation, nested),) = item.items()
            includes.append(Include(relation, Scope(include=_includes(nested, depth + 1))))
        else:
            raise BadFilter(
                "`include` takes a relation name, a list of them, or "
                '{"relation": ..., "scope": {...}} objects'
            )
    return tuple(includes)


def _check_where(where: object, name: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise BadFilter(f"`{name}` is nested {MAX_DEPTH} deep at most")
    if not isinstance(where, dict):
        raise BadFilter(f"`{name}` must be a JSON object")
    for key, value in where.items():
        if key in ("and", "or"):
            if not isinstance(value, list) or not value:
                raise BadFilter(f"`{key}` takes a non-empty list of conditions")
            for condition in value:
                _check_where(condition, key, depth + 1)
