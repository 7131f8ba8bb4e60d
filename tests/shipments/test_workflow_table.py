"""The workflow as a table: every status × every role × every target status, each cell asserted."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from catalogue.models import Role
from shipments.models import Parcel
from shipments.workflow import Status, TransitionRefused
from tests import factories
from tests.shipments.factories import ItemFactory, ParcelFactory, safety_officer

TEAM = {
    "participant",
    "principal_investigator",
    "collaborator",
    "local_contact",
    "scientist",
    "staff",
    "admin",
    "safety_member",
}
SAFETY = {"safety", "admin"}  # safety_member is in the team: never checks its own parcel
STORES = {"staff", "admin"}
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
    "safety_member",
    "admin",
]
S = Status
# Written out by hand, independently of workflow.TRANSITIONS.
EXPECTED = {
    (S.CREATED, S.READY): TEAM,
    (S.CREATED, S.REMOVED): TEAM,
    (S.READY, S.CREATED): TEAM,
    (S.READY, S.REMOVED): TEAM,
    (S.READY, S.APPROVED): SAFETY,
    (S.READY, S.REFUSED): SAFETY,
    (S.REFUSED, S.READY): TEAM,
    (S.REFUSED, S.REMOVED): TEAM,
    (S.APPROVED, S.SENT): TEAM,
    (S.APPROVED, S.REMOVED): TEAM,
    (S.APPROVED, S.STORES): STORES,
    (S.SENT, S.STORES): STORES,
    (S.STORES, S.BEAMLINE): STORES,
    (S.STORES, S.BACK_USER): STORES,
    (S.STORES, S.DESTROYED): STORES,
    (S.BEAMLINE, S.BACK_STORES): STORES,
    (S.BACK_STORES, S.BEAMLINE): STORES,
    (S.BACK_STORES, S.BACK_USER): STORES,
    (S.BACK_STORES, S.DESTROYED): STORES,
}


@pytest.fixture
def world(db):
    team = factories.make_team()
    member = safety_officer("safety-member")
    factories.InvestigationUserFactory(
        investigation=team.investigation, user=member, role=Role.PARTICIPANT
    )
    users = {role: getattr(team, role, None) for role in ROLES}
    users.update(
        anonymous=AnonymousUser(),
        safety=safety_officer(),
        safety_member=member,
        admin=factories.UserFactory(username="root", is_staff=True, is_superuser=True),
    )
    return team, users


@pytest.mark.parametrize("source", list(Status))
@pytest.mark.parametrize("role", ROLES)
def test_every_status_change_by_every_role(world, role: str, source: Status) -> None:
    team, users = world
    parcel = ParcelFactory(shipment__investigation=team.investigation, status=source)
    ItemFactory(parcel=parcel)
    wrong = []
    for target in Status:
        expected = role in EXPECTED.get((source, target), set())
        sid = transaction.savepoint()
        try:
            parcel.move_to(target, by=users[role], comment="leaking lid", tracking_number="1Z999")
            allowed, why = True, ""
        except TransitionRefused as refused:
            allowed, why = False, str(refused)
        transaction.savepoint_rollback(sid)
        parcel = Parcel.objects.get(pk=parcel.pk)
        if allowed != expected:
            wrong.append(
                f"{source} -> {target}: {'allowed' if allowed else 'refused (' + why + ')'}"
            )
        assert parcel.status == source
    assert not wrong, "\n".join(wrong)
