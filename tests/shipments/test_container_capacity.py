"""A container knows its size: positions outside it, taken twice or past a full container are
refused with a clear message, by the model and so by forms, the API and ICAT+ alike."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from rest_framework import exceptions

from shipments import icatplus
from shipments.models import ContainerType, Item, ItemKind
from shipments.serializers import ItemSerializer
from tests.shipments.factories import ItemFactory


def _container(parcel, container_type: str, name: str = "P1") -> Item:
    return ItemFactory(
        parcel=parcel, kind=ItemKind.CONTAINER, container_type=container_type, name=name
    )


def _errors(item: Item) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as error:
        item.full_clean()
    return error.value.message_dict


@pytest.mark.parametrize(
    ("container_type", "last", "message"),
    [
        ("puck", 16, "Position 17 is outside a Unipuck (1–16)."),
        ("spine", 10, "Position 11 is outside a SPINE puck (1–10)."),
        ("plate", 96, "Position 97 is outside a plate (1–96)."),
    ],
)
def test_positions_run_from_one_to_the_containers_size(
    parcel, container_type, last, message
) -> None:
    container = _container(parcel, container_type)
    Item(parcel=parcel, container=container, position=last, name="edge").full_clean()
    assert _errors(Item(parcel=parcel, container=container, position=last + 1, name="x")) == {
        "position": [message]
    }
    assert (
        "outside"
        in _errors(Item(parcel=parcel, container=container, position=0, name="x"))["position"][0]
    )
    assert ContainerType(container_type).capacity == last


def test_a_taken_position_names_the_sample_there(parcel) -> None:
    puck = parcel.items.get(name="Puck A")
    errors = _errors(Item(parcel=parcel, container=puck, position=2, name="intruder"))
    assert errors == {"position": ["Position 2 of Puck A is already taken by lysozyme-2."]}
    moved = puck.contents.get(position=3)
    moved.position = 3  # saving a sample where it already is stays fine
    moved.full_clean()


def test_a_full_container_takes_no_more_even_without_positions(parcel) -> None:
    spine = _container(parcel, "spine", "SPINE-7")
    Item.objects.bulk_create(
        Item(parcel=parcel, container=spine, name=f"s{n}", kind=ItemKind.SAMPLE) for n in range(10)
    )
    errors = _errors(Item(parcel=parcel, container=spine, name="eleventh"))
    assert errors == {"container": ["SPINE-7 is full: a SPINE puck holds 10."]}


def test_a_container_cannot_shrink_below_what_it_holds(parcel) -> None:
    puck = parcel.items.get(name="Puck A")
    ItemFactory(parcel=parcel, container=puck, position=14, name="far")
    puck.container_type = ContainerType.SPINE
    assert _errors(puck) == {
        "container_type": ["A SPINE puck has positions 1–10: move what is at position 14 first."]
    }


def test_api_and_icatplus_refuse_a_position_outside_the_puck(rf, team, parcel) -> None:
    puck = parcel.items.get(name="Puck A")
    request = rf.post("/")
    request.user = team.participant
    context = {"request": request, "parcel": parcel}
    serializer = ItemSerializer(
        data={"name": "x", "container": puck.pk, "position": 17}, context=context
    )
    assert not serializer.is_valid()
    assert serializer.errors["position"] == ["Position 17 is outside a Unipuck (1–16)."]

    # ICAT+ clients name a SPINE puck SPINEPUCK; its eleventh position is refused under
    # ICAT+'s own field name.
    data = icatplus._item_input(
        {"name": "S", "type": "CONTAINER", "containerType": "SPINEPUCK"}, new=True
    )
    assert data["container_type"] == ContainerType.SPINE
    spine = ItemSerializer(data=data, context=context)
    spine.is_valid(raise_exception=True)
    spine = spine.save(parcel=parcel)
    child = icatplus._item_input({"name": "c", "sampleContainerPosition": 11}, new=True)
    with pytest.raises(exceptions.ValidationError) as refused:
        icatplus._validate(
            ItemSerializer(data={**child, "container": spine.pk}, context=context),
            icatplus.ITEM_FIELDS,
        )
    assert "outside a SPINE puck" in str(refused.value.detail["sampleContainerPosition"])
