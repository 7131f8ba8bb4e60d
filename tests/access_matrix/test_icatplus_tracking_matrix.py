"""ICAT+'s tracking routes x every role's own ICAT+ session x every state of the experiment: who
sees the parcels, their content and the shipments, who may change them; a role that may not see
them gets exactly the answer of a nonexistent id, and never a secret name."""

from __future__ import annotations

import json

import pytest

from portal.models import IcatPlusSession

from .kinds import INVESTIGATION_STATES
from .table import SHIPPING, TEAM_STAFF
from .walk import send
from .world import NONEXISTENT_PK, ROLES

pytestmark = pytest.mark.django_db

SEES_CONTENT = SHIPPING - {"stores"}


def _sessions(world) -> dict[str, str]:
    return {
        role: IcatPlusSession.objects.open(user=world.users[role])[1]
        for role in ROLES
        if role != "anonymous"
    }


def _get(client, path: str):
    return send(client, "GET", path, hx=False, json=False)


def _put(client, path: str, body: dict):
    return send(client, "PUT", path, hx=False, json=True, body=json.dumps(body))


@pytest.mark.parametrize("state", INVESTIGATION_STATES)
def test_each_role_sees_and_changes_only_what_the_shipment_pages_allow(
    in_world, client, state: str
) -> None:
    world = in_world
    objects = world.states[state]
    iid, pid, item = objects.investigation.pk, objects.parcel.pk, objects.item.pk
    failures = []
    for role, sid in _sessions(world).items():
        base = f"/icatplus/tracking/{sid}"
        # Lists: the parcel is there for who sees it, else the list is as for no such id.
        parcels = _get(client, f"{base}/parcel?investigationId={iid}")
        nobody = _get(client, f"{base}/parcel?investigationId={NONEXISTENT_PK}")
        found = parcels.json()
        if role in SHIPPING:
            content = found[0].get("content") if found else None
            if [p["_id"] for p in found] != [str(pid)]:
                failures.append(f"{role} [{state}]: parcels {found}")
            elif (content is not None) != (role in SEES_CONTENT):
                failures.append(f"{role} [{state}]: content {content!r}")
        elif (parcels.status_code, found) != (nobody.status_code, nobody.json()):
            failures.append(f"{role} [{state}]: parcel list {parcels.content[:200]!r}")

        routes = [
            f"{base}/shipment?investigationId={{iid}}",
            f"{base}/investigation/id/{{iid}}/parcel/id/{{pid}}/labels",
        ]
        for route in routes:
            real = _get(client, route.format(iid=iid, pid=pid))
            twin = _get(client, route.format(iid=NONEXISTENT_PK, pid=NONEXISTENT_PK))
            if role in SHIPPING:
                if real.status_code != 200:
                    failures.append(f"{role} [{state}] {route}: {real.status_code}")
            elif (real.status_code, real.content) != (twin.status_code, twin.content):
                failures.append(f"{role} [{state}] {route}: {real.status_code} {real.content!r}")

        # A change: the team makes it, safety is refused; stores (who do not see a parcel's
        # content) and outsiders find nothing.
        route = f"{base}/investigation/id/{{iid}}/parcel/id/{{pid}}/item/{{item}}"
        body = {"name": f"renamed-by-{role}", "type": "SAMPLE"}
        real = _put(client, route.format(iid=iid, pid=pid, item=item), body)
        # Stores see the parcel, so their twin is a nonexistent item of it.
        missing = (
            {"iid": iid, "pid": pid, "item": NONEXISTENT_PK}
            if role in SHIPPING
            else {"iid": NONEXISTENT_PK, "pid": NONEXISTENT_PK, "item": NONEXISTENT_PK}
        )
        twin = _put(client, route.format(**missing), body)
        expected = 200 if role in TEAM_STAFF else 403 if role in SEES_CONTENT else twin.status_code
        if real.status_code != expected:
            failures.append(f"{role} [{state}] item PUT: {real.status_code}, not {expected}")
        if role not in SEES_CONTENT and real.content != twin.content:
            failures.append(f"{role} [{state}] item PUT: {real.content!r} vs {twin.content!r}")

        for response in (parcels, real):
            for secret in objects.markers if role not in TEAM_STAFF else []:
                if secret.encode() in response.content and not (
                    role == "safety" and "sample" in secret
                ):
                    failures.append(f"{role} [{state}]: shows {secret!r}")
    assert failures == [], "\n".join(failures)


def test_without_a_session_every_tracking_route_is_403(in_world, client) -> None:
    objects = in_world.states["embargoed"]
    path = f"/icatplus/tracking/not-a-session/parcel?investigationId={objects.investigation.pk}"

    response = _get(client, path)

    assert response.status_code == 403
    assert response.json() == {"message": "Session not found or expired"}


def test_parcel_list_costs_the_same_queries_whatever_its_length(
    in_world, client, django_assert_max_num_queries
) -> None:
    from tests.shipments.factories import ItemFactory, ParcelFactory

    world = in_world
    objects = world.states["embargoed"]
    sid = IcatPlusSession.objects.open(user=world.users["scientist"])[1]
    path = f"/icatplus/tracking/{sid}/parcel?investigationId={objects.investigation.pk}"
    for number in range(12):
        parcel = ParcelFactory(shipment=objects.shipment, name=f"Dewar {number}")
        puck = ItemFactory(parcel=parcel, kind="container", container_type="puck", name="P")
        ItemFactory(parcel=parcel, container=puck, position=1)

    with django_assert_max_num_queries(12):
        response = _get(client, path)

    assert len(response.json()) == 13
