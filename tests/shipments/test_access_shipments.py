"""The access rules added for shipments (catalogue/access.py), as a table."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from catalogue import access
from tests.shipments.factories import safety_officer, stores_user

ROLES = [
    "anonymous",
    "outsider",
    "other_scientist",
    "participant",
    "principal_investigator",
    "collaborator",
    "local_contact",
    "scientist",
    "staff",
    "safety",
    "stores",
]
CAN_VIEW = {
    "participant",
    "principal_investigator",
    "collaborator",
    "local_contact",
    "scientist",
    "staff",
    "safety",
    "stores",
}
STORES = {"staff", "stores"}
CONTENTS = CAN_VIEW - {"stores"}


@pytest.mark.parametrize("role", ROLES)
def test_shipment_rules(team, role: str) -> None:
    extra = {"anonymous": AnonymousUser, "safety": safety_officer, "stores": stores_user}
    user = extra[role]() if role in extra else getattr(team, role)
    investigation = team.investigation
    assert access.can_view_shipments(user, investigation) is (role in CAN_VIEW)
    listed = access.shipment_investigations(user).filter(pk=investigation.pk).exists()
    assert listed is (role in CAN_VIEW)
    assert access.is_stores(user) is (role in STORES)
    managers = CAN_VIEW - {"safety", "stores"}
    assert access.can_manage_shipments(user, investigation) is (role in managers)
    manageable = access.shipment_investigations_to_manage(user).filter(pk=investigation.pk)
    assert manageable.exists() is (role in managers)
    assert access.can_view_parcel_contents(user, investigation) is (role in CONTENTS)
    # Neither role is staff, so neither reads the embargoed experiment itself.
    assert access.can_view_investigation(user, investigation) is (role in managers)
    assert access.can_enter_safety_admin(user) is (role in {"staff", "safety"})


@pytest.mark.parametrize("role", ROLES)
def test_visible_shipment_objects(team, parcel, role: str) -> None:
    extra = {"anonymous": AnonymousUser, "safety": safety_officer, "stores": stores_user}
    user = extra[role]() if role in extra else getattr(team, role)
    item = parcel.items.first()
    assert access.visible_shipments(user).filter(pk=parcel.shipment_id).exists() is (
        role in CAN_VIEW
    )
    assert access.visible_parcels(user).filter(pk=parcel.pk).exists() is (role in CAN_VIEW)
    assert access.visible_items(user).filter(pk=item.pk).exists() is (role in CONTENTS)
    # An address book is its owner's alone, whoever else sees the shipment that uses it.
    address = parcel.shipment.shipping_address
    assert access.visible_addresses(user).filter(pk=address.pk).exists() is (role == "participant")
