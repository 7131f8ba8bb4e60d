"""What containers hold: each type's positions, and whether an item fits where it is put.

Called from `Item.clean`, so forms, admin, the API, ICAT+ and the spreadsheet import all refuse
a position outside the container, a taken one and a full container with the same words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from .models import Item


class ContainerType(models.TextChoices):
    # "puck" predates the SPINE puck and every stored one is a Unipuck: the value stays.
    PUCK = "puck", "Unipuck"
    SPINE = "spine", "SPINE puck"
    PLATE = "plate", "Plate"
    CASSETTE = "cassette", "Cassette"
    DEWAR = "dewar", "Dewar"

    @property
    def capacity(self) -> int:
        """How many positions (numbered from 1) the sample changers' containers have."""
        return CAPACITY[self]

    @property
    def noun(self) -> str:
        """As in "outside a Unipuck", "outside a plate"."""
        return (
            self.label if self in (ContainerType.PUCK, ContainerType.SPINE) else self.label.lower()
        )


CAPACITY = {
    ContainerType.PUCK: 16,
    ContainerType.SPINE: 10,
    ContainerType.PLATE: 96,
    ContainerType.CASSETTE: 96,
    ContainerType.DEWAR: 8,
}


def slot_errors(item: Item, container: Item) -> dict[str, str]:
    """`item`'s place in `container`: a position the container has, not taken, and
    room left (items without a position count too)."""
    if container.container_type not in CAPACITY:
        return {}
    kind = ContainerType(container.container_type)
    others = container.contents.exclude(pk=item.pk) if item.pk else container.contents.all()
    if item.position is not None:
        if not 1 <= item.position <= kind.capacity:
            return {
                "position": f"Position {item.position} is outside a {kind.noun} "
                f"(1–{kind.capacity})."
            }
        taken = others.filter(position=item.position).values_list("name", flat=True).first()
        if taken is not None:
            return {
                "position": f"Position {item.position} of {container.name} is already "
                f"taken by {taken}."
            }
    if others.count() >= kind.capacity:
        return {"container": f"{container.name} is full: a {kind.noun} holds {kind.capacity}."}
    return {}


def capacity_errors(container: Item) -> dict[str, str]:
    """A container may not become one too small for what it already holds."""
    kind = ContainerType(container.container_type)
    beyond = (
        container.contents.filter(position__gt=kind.capacity)
        .order_by("position")
        .values_list("position", flat=True)
        .first()
    )
    if beyond is not None:
        return {
            "container_type": f"A {kind.noun} has positions 1–{kind.capacity}: move what is "
            f"at position {beyond} first."
        }
    if container.contents.count() > kind.capacity:
        return {"container_type": f"A {kind.noun} holds {kind.capacity}: this holds more."}
    return {}
