"""Conditions on one field (`{"size": {"gt": 3}}`): operators, and values checked against the
field's kind, so that a wrong type is a 400 that names the field, never a database error."""

from __future__ import annotations

import re
from datetime import datetime, time

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from .filters import BadFilter
from .schema import Field, pid_q

NOTHING = Q(pk__in=[])
OPERATORS = {"eq", "neq", "gt", "gte", "lt", "lte", "between", "inq", "nin", "like", "nlike",
             "ilike", "nilike"}  # fmt: skip
NEGATED = {"neq": "eq", "nin": "inq", "nlike": "like", "nilike": "ilike"}
LARGEST = 2**62


def operation(value: object, name: str) -> tuple[str, object]:
    if isinstance(value, dict):
        if len(value) != 1:
            raise BadFilter(f'`{name}` takes one operator at a time, e.g. {{"gt": 3}}')
        ((operator, operand),) = value.items()
        if operator not in OPERATORS:
            known = ", ".join(sorted(OPERATORS))
            raise BadFilter(f"`{name}`: unknown operator `{operator}` (operators: {known})")
        return operator, operand
    return "eq", value


def field_q(spec: Field, name: str, value: object) -> Q:
    operator, operand = operation(value, name)
    if spec.kind == "const":
        return Q() if const_matches(spec.const(), operator, operand, name) else NOTHING
    if operator in NEGATED:
        return ~field_q(spec, name, {NEGATED[operator]: operand})
    if spec.path is None:
        return NOTHING
    if spec.kind == "pid":
        return pid_field_q(spec, name, operator, operand)
    coerce = {"num": as_number, "date": as_date}.get(spec.kind, as_text)
    if spec.kind == "role":
        coerce = as_role
    if operator in ("like", "ilike"):
        pattern = like_regex(as_text(operand, name))
        lookup = "regex" if operator == "like" else "iregex"
        return Q(**{f"{spec.path}__{lookup}": pattern})
    if operator in ("between", "inq"):
        values = as_list(operand, name, 2 if operator == "between" else None)
        lookup = "range" if operator == "between" else "in"
        return Q(**{f"{spec.path}__{lookup}": [coerce(v, name) for v in values]})
    operand = coerce(operand, name)
    if operator == "eq":
        if spec.kind == "contains":
            return Q(**{f"{spec.path}__icontains": operand})
        lookup = "iexact" if isinstance(operand, str) else "exact"
        return Q(**{f"{spec.path}__{lookup}": operand})
    return Q(**{f"{spec.path}__{operator}": operand})


def pid_field_q(spec: Field, name: str, operator: str, operand: object) -> Q:
    if operator not in ("eq", "inq"):
        raise BadFilter(f"`{name}` takes eq, neq, inq or nin")
    values = as_list(operand, name, None) if operator == "inq" else [operand]
    q = Q(pk__in=[])
    for value in values:
        q |= pid_q(spec, as_text(value, name))
    return q


def const_matches(constant: object, operator: str, operand: object, name: str) -> bool:
    def same(value: object) -> bool:
        if isinstance(constant, str) and isinstance(value, str):
            return constant.lower() == value.lower()
        return constant == value

    if operator == "eq":
        return same(operand)
    if operator == "neq":
        return not same(operand)
    if operator in ("inq", "nin"):
        found = any(same(v) for v in as_list(operand, name, None))
        return found if operator == "inq" else not found
    if operator in ("like", "ilike", "nlike", "nilike"):
        flags = re.IGNORECASE if "i" in operator[:2] else 0
        found = re.fullmatch(like_regex(as_text(operand, name)), str(constant), flags) is not None
        return found if operator in ("like", "ilike") else not found
    raise BadFilter(f"`{name}` takes eq, neq, inq, nin or like")


def like_regex(pattern: str) -> str:
    """A Loopback/SQL `like` pattern (% any run, _ any one character) as an anchored regex."""
    out = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return f"^{out}$"


def as_list(value: object, name: str, length: int | None) -> list:
    if not isinstance(value, list) or not value or (length and len(value) != length):
        size = f"{length} values" if length else "a non-empty list"
        raise BadFilter(f"`{name}` takes {size}")
    return value


def as_text(value: object, name: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise BadFilter(f"`{name}` takes a string")
    if "\x00" in str(value):
        raise BadFilter(f"`{name}` may not contain NUL characters")
    return str(value)


def as_number(value: object, name: str) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float) or abs(value) > LARGEST:
        raise BadFilter(f"`{name}` takes a number")
    if value != value:  # NaN
        raise BadFilter(f"`{name}` takes a number")
    return value


def as_date(value: object, name: str) -> datetime:
    text = as_text(value, name)
    try:
        moment = parse_datetime(text)
        if moment is None and (day := parse_date(text)) is not None:
            moment = datetime.combine(day, time())
    except ValueError:
        moment = None
    if moment is None:
        raise BadFilter(f"`{name}` takes an ISO 8601 date, e.g. 2024-05-01T12:00:00Z")
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def as_role(value: object, name: str) -> str:
    """ "principal investigator" as the catalogue stores it ("principal_investigator")."""
    return as_text(value, name).strip().lower().replace(" ", "_")
