"""How a PaNOSC resource is described: its fields, relations and rendering (resources.py and
people.py describe each one), and pids."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Model, Q, QuerySet


@dataclass(frozen=True)
class Field:
    path: str | None  # ORM lookup; None: this backend has no such value (matches nothing)
    kind: str = "str"  # str, num, date, const, pid, contains, role
    const: Callable[[], object] | None = None
    pid_prefix: str = ""  # kind "pid": local ids look like f"{pid_prefix}-{pk}"


@dataclass(frozen=True)
class Relation:
    target: str
    paths: tuple[str, ...]  # lookups from the parent to the target's rows (to filter parents)
    reverses: tuple[str, ...]  # lookups from the target's rows to the parent's key (to load)
    many: bool = True


@dataclass(frozen=True)
class Resource:
    name: str
    label: str  # what a 404 calls it
    model_label: str
    base: Callable[[], QuerySet]
    fields: dict[str, Field]
    serialize: Callable[[Any], dict]
    relations: dict[str, Relation] = field(default_factory=dict)
    text: tuple[str, ...] = ()  # columns the `text` condition searches
    select: tuple[str, ...] = ()
    is_parameter: bool = False
    # Where a shorthand parameter condition ({"variable": ..., "unit": ...}) looks: relation paths.
    parameter_paths: tuple[tuple[str, ...], ...] = ()

    @property
    def model(self) -> type[Model]:
        return apps.get_model(self.model_label)


def local_pid(prefix: str, pk: int) -> str:
    return f"{prefix}-{pk}"


def resource_pid_q(resource: Resource, value: str) -> Q:
    """Rows of `resource` whose pid (or local id) is `value`."""
    return pid_q(resource.fields.get("pid") or resource.fields["id"], value)


def pid_q(spec: Field, value: str) -> Q:
    q = Q(pk__in=[])
    if spec.path and spec.path != "pk":
        q |= Q(**{f"{spec.path}__iexact": value})
    prefix = f"{spec.pid_prefix}-" if spec.pid_prefix else None
    number = value[len(prefix) :] if prefix and value.startswith(prefix) else ""
    if number.isdigit() and len(number) < 18:  # beyond, no key exists (nor fits a bigint)
        q |= Q(pk=int(number))
    return q
