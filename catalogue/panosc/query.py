"""Loopback `where` and `include` scopes as Django Q objects, per resource.

An include with conditions keeps only the parents that have a matching related row (the
reference implementations and the documented example queries read it so), and shows only the
matching rows.
"""

from __future__ import annotations

from django.db.models import Q

from .fields import NOTHING, field_q
from .filters import BadFilter, Scope
from .parameters import PARAMETER_KEYS, parameter_q
from .resources import RESOURCES
from .schema import Relation, Resource


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
        elif resource.is_parameter and key in PARAMETER_KEYS:
            q &= parameter_q({key: value})
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
