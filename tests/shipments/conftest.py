from __future__ import annotations

import pytest

from shipments.models import ItemKind
from tests.shipments.factories import AddressFactory, ItemFactory, ParcelFactory, ShipmentFactory


@pytest.fixture
def parcel(team):
    """A parcel of the team's investigation holding a puck of three samples."""
    address = AddressFactory(owner=team.participant)
    shipment = ShipmentFactory(
        investigation=team.investigation,
        shipping_address=address,
        return_address=address,
        created_by=team.participant,
    )
    parcel = ParcelFactory(shipment=shipment, name="Dewar for MX", storage_condition="ln2")
    puck = ItemFactory(parcel=parcel, kind=ItemKind.CONTAINER, container_type="puck", name="Puck A")
    for position in (1, 2, 3):
        ItemFactory(parcel=parcel, container=puck, position=position, name=f"lysozyme-{position}")
    return parcel
