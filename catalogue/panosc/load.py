"""Included relations, loaded a level at a time: one query per relation (per lookup path) for
the whole page, whatever its size, then rendered into nested JSON."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import F

from .filters import BadFilter, Include
from .query import relation, scope_q
from .resources import PREPARE
from .schema import Resource

INCLUDED = "_panosc_included"
# A page's included rows per relation: a session's files can be counted in hundreds of thousands.
MAX_INCLUDED = 10_000


def attach(resource: Resource, rows: list, includes: tuple[Include, ...]) -> None:
    """Load each include's matching rows for all `rows` at once, and recurse into them."""
    if not rows:
        return
    if prepare := PREPARE.get(resource.name):
        prepare(rows)
    for include in includes:
        rel, target = relation(resource, include.relation)
        parent_ids = {row.pk for row in rows}
        found: dict[object, dict] = defaultdict(dict)
        if rel.reverses:
            q = scope_q(target, include.scope)
            for reverse in rel.reverses:
                children = (
                    target.base()
                    .select_related(*target.select)
                    .annotate(_panosc_parent=F(reverse))
                    .filter(q, _panosc_parent__in=parent_ids)
                    .order_by("pk")[: MAX_INCLUDED + 1]
                )
                if len(children) > MAX_INCLUDED:
                    raise BadFilter(
                        f"`{include.relation}` would include more than {MAX_INCLUDED} rows: "
                        "narrow it with a scope `where`, or ask for fewer parents with `limit`"
                    )
                for child in children:
                    found[child._panosc_parent].setdefault(child.pk, child)
        loaded = []
        for row in rows:
            children = list(found[row.pk].values())
            row.__dict__.setdefault(INCLUDED, {})[include.relation] = children
            loaded += children
        attach(target, loaded, include.scope.include)


def render(resource: Resource, row) -> dict:
    data = resource.serialize(row)
    for name, children in row.__dict__.get(INCLUDED, {}).items():
        rel, target = relation(resource, name)
        rendered = [render(target, child) for child in children]
        data[name] = rendered if rel.many else (rendered[0] if rendered else None)
    return data
