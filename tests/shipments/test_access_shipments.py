"""The access rules added for shipments (catalogue/access.py), as a table."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from catalogue import access
from tests.shipments.factories import safety_officer

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
]
CAN_VIEW = {
    "participant",
    "principal_investigator",
    "collaborator",
    "local_contact",
    "scientist",
    "staff",
    "safety",
}
STORES = {"staff"}


@pytest.mark.parametrize("role", ROLES)
def test_shipment_rules(team, role: str) -> None:
    user = {"anonymous": AnonymousUser(), "safety": safety_officer()}.get(role) or getattr(
        team, role
    )
    investigation = team.investigation
    assert access.can_view_shipments(user, investigation) is (role in CAN_VIEW)
    listed = access.shipment_investigations(user).filter(pk=investigation.pk).exists()
    assert listed is (role in CAN_VIEW)
    assert access.is_stores(user) is (role in STORES)
    assert access.can_manage_shipments(user, investigation) is (role in CAN_VIEW - {"safety"})
