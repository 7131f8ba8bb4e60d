"""Loopback `where` and `include` scopes as Django Q objects, per resource.

An include with conditions keeps only the parents that have a matching related row (the
reference implementations and the documented example queries read it so), and shows only the
matching rows. Parameters are compared by value *and* unit: a condition in nm is converted into
the units each matching parameter type is stored in (units.py), so no value is converted row by
row and the comparison stays in the database.
"""

from __future__ import annotations

import re
from datetime import datetime, time

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from catalogue.models import ParameterType, ValueType

from . import units
from .filters import BadFilter, Scope
from .resources import RESOURCES, Field, Relation, Resource, pid_q

NOTHING = Q(pk__in=[])
OPERATORS = {"eq", "neq", "gt", "gte", "lt", "lte", "between", "inq", "nin", "like", "nlike",
             "ilike", "nilike"}  # fmt: skip
NEGATED = {"neq": "eq", "nin": "inq", "nlike": "like", "nilike": "ilike"}
PARAMETER_KEYS = {"name", "variable", "value", "unit", "operator"}
# PaNOSC clients' names for parameters the catalogue names otherwise.
PARAMETER_ALIASES = {"photon_energy": "energy", "temperature": "sample temperature"}
EQUAL_TOLERANCE = 1e-9  # relative: a value converted between units is rarely bit-identical
LARGEST = 2**62


def relation(resource: Resource, name: str) -> tuple[Relation, Resource]:
    try:
        rel = resource.relations[name]
    except KeyError:
        known = ", ".join(sorted(resource.relations)) or "none"
        raise BadFilter(f"{resource.label} has no relation `{name}` (relations: {known})") from None
    return rel, RESOURCES[rel.target]


def scope_q(resource: Resource, scope: Scope) -> Q:
    q = where_q(resource, scope.where)
    for include in scope.include:
        rel, target = relation(resource, include.relation)
        if include.scope.narrows:
            q &= has_q(resource, include.relation, scope_q(target, include.scope))
    return q


def has_q(resource: Resource, name: str, child_q: Q) -> Q:
    """Rows of `resource` with at least one `name` row matching `child_q`."""
    rel, target = relation(resource, name)
    if not rel.paths:
        return NOTHING
    children = target.base().filter(child_q).values("pk")
    if rel.paths == ("pk",):
        return Q(pk__in=children)
    linked = Q(pk__in=[])
    for path in rel.paths:
        linked |= Q(**{f"{path}__in": children})
    return Q(pk__in=resource.model._default_manager.filter(linked).values("pk"))


def where_q(resource: Resource, where: dict) -> Q:
    if not where:
        return Q()
    keys = set(where)
    if resource.is_parameter and keys <= PARAMETER_KEYS:
        return parameter_q(where)
    if not resource.is_parameter and ("variable" in keys or keys & {"operator", "unit"}):
        return _parameter_shorthand(resource, where)
    q = Q()
    for key, value in where.items():
        if key == "and":
            merged = _merged(value) if resource.is_parameter else None
            if merged is not None:
                q &= parameter_q(merged)
            else:
                for condition in value:
                    q &= where_q(resource, condition)
        elif key == "or":
            either = Q(pk__in=[])
            for condition in value:
                either |= where_q(resource, condition)
            q &= either
        elif key == "query" and isinstance(value, dict):
            q &= where_q(resource, value)
        elif key == "text":
            q &= _text_q(resource, value)
        elif "." in key:
            name, rest = key.split(".", 1)
            _, target = relation(resource, name)
            q &= has_q(resource, name, where_q(target, {rest: value}))
        elif key in resource.fields:
            q &= field_q(resource.fields[key], key, value)
        else:
            known = ", ".join(sorted(resource.fields))
            raise BadFilter(f"{resource.label} has no field `{key}` (fields: {known})")
    return q


def _merged(conditions: list) -> dict | None:
    """The documented parameter form, `and: [{name}, {value}, {unit}]`, as one condition: the
    unit says how to read the value, so the three must be judged together."""
    merged: dict = {}
    for condition in conditions:
        if not isinstance(condition, dict) or not set(condition) <= PARAMETER_KEYS:
            return None
        if set(condition) & set(merged):
            return None  # two conditions on the same key: each is a condition of its own
        merged.update(condition)
    return merged


def _parameter_shorthand(resource: Resource, condition: dict) -> Q:
    """`{"variable": "wavelength", "operator": "gt", "value": 1000, "unit": "nm"}` on a document
    or dataset: it has such a parameter (a document: itself or one of its datasets)."""
    if not set(condition) <= PARAMETER_KEYS:
        extra = ", ".join(sorted(set(condition) - PARAMETER_KEYS))
        raise BadFilter(f"a parameter condition takes name, value, unit and operator, not {extra}")
    if not resource.parameter_paths:
        raise BadFilter(f"{resource.label} has no parameters")
    q = Q(pk__in=[])
    for path in resource.parameter_paths:
        q |= _has_path(resource, path, parameter_q(condition))
    return q


def _has_path(resource: Resource, path: tuple[str, ...], leaf_q: Q) -> Q:
    name, *rest = path
    if not rest:
        return has_q(resource, name, leaf_q)
    _, target = relation(resource, name)
    return has_q(resource, name, _has_path(target, tuple(rest), leaf_q))


def _text_q(resource: Resource, value: object) -> Q:
    if not isinstance(value, str) or not value.strip():
        raise BadFilter("`text` takes a non-empty string")
    if not resource.text:
        raise BadFilter(f"{resource.label} has no text to search")
    q = Q(pk__in=[])
    for column in resource.text:
        q |= Q(**{f"{column}__icontains": value.strip()})
    return q


# Fields -------------------------------------------------------------------------------------


def _operation(value: object, name: str) -> tuple[str, object]:
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
    operator, operand = _operation(value, name)
    if spec.kind == "const":
        return Q() if _const_matches(spec.const(), operator, operand, name) else NOTHING
    if operator in NEGATED:
        return ~field_q(spec, name, {NEGATED[operator]: operand})
    if spec.path is None:
        return NOTHING
    if spec.kind == "pid":
        return _pid_field_q(spec, name, operator, operand)
    coerce = {"num": _number, "date": _date}.get(spec.kind, _text)
    if spec.kind == "role":
        coerce = _role
    if operator in ("like", "ilike"):
        pattern = _regex(_text(operand, name))
        lookup = "regex" if operator == "like" else "iregex"
        return Q(**{f"{spec.path}__{lookup}": pattern})
    if operator in ("between", "inq"):
        values = _list(operand, name, 2 if operator == "between" else None)
        lookup = "range" if operator == "between" else "in"
        return Q(**{f"{spec.path}__{lookup}": [coerce(v, name) for v in values]})
    operand = coerce(operand, name)
    if operator == "eq":
        if spec.kind == "contains":
            return Q(**{f"{spec.path}__icontains": operand})
        lookup = "iexact" if isinstance(operand, str) else "exact"
        return Q(**{f"{spec.path}__{lookup}": operand})
    return Q(**{f"{spec.path}__{operator}": operand})


def _pid_field_q(spec: Field, name: str, operator: str, operand: object) -> Q:
    if operator not in ("eq", "inq"):
        raise BadFilter(f"`{name}` takes eq, neq, inq or nin")
    values = _list(operand, name, None) if operator == "inq" else [operand]
    q = Q(pk__in=[])
    for value in values:
        q |= pid_q(spec, _text(value, name))
    return q


def _const_matches(constant: object, operator: str, operand: object, name: str) -> bool:
    def same(value: object) -> bool:
        if isinstance(constant, str) and isinstance(value, str):
            return constant.lower() == value.lower()
        return constant == value

    if operator == "eq":
        return same(operand)
    if operator == "neq":
        return not same(operand)
    if operator in ("inq", "nin"):
        found = any(same(v) for v in _list(operand, name, None))
        return found if operator == "inq" else not found
    if operator in ("like", "ilike", "nlike", "nilike"):
        flags = re.IGNORECASE if "i" in operator[:2] else 0
        found = re.fullmatch(_regex(_text(operand, name)), str(constant), flags) is not None
        return found if operator in ("like", "ilike") else not found
    raise BadFilter(f"`{name}` takes eq, neq, inq, nin or like")


def _regex(pattern: str) -> str:
    """A Loopback/SQL `like` pattern (% any run, _ any one character) as an anchored regex."""
    out = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return f"^{out}$"


def _list(value: object, name: str, length: int | None) -> list:
    if not isinstance(value, list) or not value or (length and len(value) != length):
        size = f"{length} values" if length else "a non-empty list"
        raise BadFilter(f"`{name}` takes {size}")
    return value


def _text(value: object, name: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise BadFilter(f"`{name}` takes a string")
    if "\x00" in str(value):
        raise BadFilter(f"`{name}` may not contain NUL characters")
    return str(value)


def _number(value: object, name: str) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float) or abs(value) > LARGEST:
        raise BadFilter(f"`{name}` takes a number")
    if value != value:  # NaN
        raise BadFilter(f"`{name}` takes a number")
    return value


def _date(value: object, name: str) -> datetime:
    text = _text(value, name)
    try:
        moment = parse_datetime(text)
        if moment is None and (day := parse_date(text)) is not None:
            moment = datetime.combine(day, time())
    except ValueError:
        moment = None
    if moment is None:
        raise BadFilter(f"`{name}` takes an ISO 8601 date, e.g. 2024-05-01T12:00:00Z")
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _role(value: object, name: str) -> str:
    """ "principal investigator" as the catalogue stores it ("principal_investigator")."""
    return _text(value, name).strip().lower().replace(" ", "_")


# Parameters ---------------------------------------------------------------------------------


def _names(name: str) -> list[str]:
    spaced = name.replace("_", " ")
    return list(dict.fromkeys([name, spaced, PARAMETER_ALIASES.get(name.lower(), spaced)]))


def _name_q(name: object, prefix: str = "") -> Q:
    q = Q(pk__in=[])
    for spelling in _names(_text(name, "name")):
        q |= Q(**{f"{prefix}name__iexact": spelling})
    return q


def parameter_q(condition: dict) -> Q:
    """One parameter row: name, value (with an operator) and unit, judged together."""
    name = condition.get("name", condition.get("variable"))
    unit = condition.get("unit")
    if isinstance(name, dict):  # {"name": {"like": "wave%"}}: any parameter so named
        q = field_q(Field("type__name"), "name", name)
        name = None
    else:
        q = _name_q(name, "type__") if name is not None else Q()
    if unit is not None and not isinstance(unit, str):
        raise BadFilter('`unit` takes a string, e.g. "nm"')
    if "value" not in condition:
        if "operator" in condition:
            raise BadFilter("a parameter condition with an operator needs a `value`")
        return q & (_unit_q(unit) if unit is not None else Q())
    if "operator" in condition:
        operator, operand = condition["operator"], condition["value"]
        if operator not in OPERATORS:
            raise BadFilter(f"unknown operator `{operator}`")
    else:
        operator, operand = _operation(condition["value"], "value")
    if operator in NEGATED:
        return q & ~_value_q(name, NEGATED[operator], operand, unit)
    return q & _value_q(name, operator, operand, unit)


def _value_q(name: object, operator: str, operand: object, unit: str | None) -> Q:
    numbers = operand if isinstance(operand, list) else [operand]
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in numbers)
    if not numeric:  # text values: the unit, if any, must be the stored one
        spec = Field("string_value")
        q = field_q(spec, "value", {operator: operand})
        return q & (Q(type__units=unit) if unit is not None else Q())
    for number in numbers:
        _number(number, "value")
    if unit is None:
        return _numeric_q(operator, operand)
    types = ParameterType.objects.filter(value_type=ValueType.NUMERIC)
    if name is not None:
        types = types.filter(_name_q(name))
    q = Q(pk__in=[])
    for type_id, stored_unit in types.values_list("pk", "units"):
        converted = _convert(operand, unit, stored_unit)
        if converted is not None:
            q |= Q(type_id=type_id) & _numeric_q(operator, converted)
    return q


def _convert(operand: object, unit: str, stored_unit: str) -> object | None:
    if unit.strip() == stored_unit.strip():
        return operand
    if isinstance(operand, list):
        values = [units.convert(v, unit, stored_unit) for v in operand]
        return None if None in values else values
    return units.convert(operand, unit, stored_unit)


def _numeric_q(operator: str, operand: object) -> Q:
    if operator == "eq":
        margin = abs(operand) * EQUAL_TOLERANCE
        return Q(numeric_value__range=(operand - margin, operand + margin))
    if operator in ("between", "inq"):
        values = _list(operand, "value", 2 if operator == "between" else None)
        if operator == "between":
            return Q(numeric_value__range=sorted(values))
        either = Q(pk__in=[])
        for value in values:
            either |= _numeric_q("eq", value)
        return either
    if operator in ("like", "ilike"):
        raise BadFilter("`like` compares text, not numbers")
    return Q(**{f"numeric_value__{operator}": operand})


def _unit_q(unit: str) -> Q:
    """Parameters stored in `unit` or in any unit of the same dimension."""
    stored = ParameterType.objects.values_list("units", flat=True).distinct()
    same = [u for u in stored if u == unit or units.convert(1.0, unit, u) is not None]
    return Q(type__units__in=same)
