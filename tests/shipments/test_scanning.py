"""The scan page forgives: it receives an approved parcel, ignores a double read, asks before a
move its location does not explain, and lets whoever scanned undo for a minute."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from shipments.models import ParcelScan
from shipments.workflow import Status
from tests.shipments.factories import ParcelFactory, stores_user

SCAN = reverse("shipments:scan")
UNDO = reverse("shipments:scan-undo")
HTMX = {"HX-Request": "true"}


@pytest.fixture
def stores(db):
    return stores_user()


def _parcel(team, status: Status, location: str = ""):
    parcel = ParcelFactory(shipment__investigation=team.investigation, status=status)
    if location:
        type(parcel).objects.filter(pk=parcel.pk).update(location=location)
    return parcel


def _scan(client, parcel, location: str = "Stores", **extra):
    return client.post(SCAN, {"code": parcel.code, "location": location, **extra}, headers=HTMX)


def _age_last_scan(parcel, seconds: int) -> None:
    """Time passes for the scan page: the stored scan time moves back, nobody sleeps."""
    ParcelScan.objects.filter(parcel=parcel).update(
        scanned_at=timezone.now() - timedelta(seconds=seconds)
    )


def _history(parcel) -> list[tuple[str, str]]:
    return [(h.status, h.comment) for h in parcel.history.order_by("created_at", "id")]


def test_stores_receive_a_parcel_nobody_marked_sent_and_the_history_has_both_steps(
    client, team, stores
) -> None:
    approved = _parcel(team, Status.APPROVED)
    client.force_login(stores)
    response = _scan(client, approved)
    assert response.status_code == 200 and "At stores — Stores" in response.text
    approved.refresh_from_db()
    assert approved.status == Status.STORES and approved.location == "Stores"
    steps = _history(approved)
    assert [status for status, _ in steps] == [Status.APPROVED, Status.SENT, Status.STORES]
    assert "recorded when stores received it" in steps[1][1]


def test_receiving_a_sent_parcel_adds_one_step(client, team, stores) -> None:
    sent = _parcel(team, Status.SENT)
    client.force_login(stores)
    assert "At stores — Stores" in _scan(client, sent).text
    assert [status for status, _ in _history(sent)] == [Status.SENT, Status.STORES]


def test_a_double_read_changes_nothing_and_says_already_received(client, team, stores) -> None:
    sent = _parcel(team, Status.SENT)
    client.force_login(stores)
    _scan(client, sent)
    again = _scan(client, sent)
    assert again.status_code == 200 and "scan-repeat" in again.text
    assert "Already received at Stores" in again.text and "nothing changed" in again.text
    sent.refresh_from_db()
    assert sent.status == Status.STORES and len(_history(sent)) == 2


def test_a_parcel_already_here_asks_before_it_moves_on_and_a_yes_moves_it(
    client, team, stores
) -> None:
    at_stores = _parcel(team, Status.STORES, location="Stores")
    client.force_login(stores)
    asked = _scan(client, at_stores, location="stores")
    assert asked.status_code == 200 and "scan-confirm" in asked.text
    assert "already “At stores” at Stores" in asked.text and "Yes, “At the beamline”" in asked.text
    at_stores.refresh_from_db()
    assert at_stores.status == Status.STORES
    yes = _scan(client, at_stores, location="stores", confirm="STORES>BEAMLINE")
    assert "scan-ok" in yes.text
    at_stores.refresh_from_db()
    assert at_stores.status == Status.BEAMLINE


def test_a_backward_move_asks_and_a_stale_yes_asks_again(client, team, stores) -> None:
    leaving = _parcel(team, Status.BACK_STORES, location="Stores")
    client.force_login(stores)
    asked = _scan(client, leaving, location="ID23-1")
    assert "scan-confirm" in asked.text and "Take it back to the beamline at ID23-1?" in asked.text
    # A yes given to another move (the parcel changed meanwhile) is asked again, not applied.
    stale = _scan(client, leaving, location="ID23-1", confirm="STORES>BEAMLINE")
    assert "scan-confirm" in stale.text
    _scan(client, leaving, location="ID23-1", confirm="BACK_STORES>BEAMLINE")
    leaving.refresh_from_db()
    assert leaving.status == Status.BEAMLINE and leaving.location == "ID23-1"


def test_undo_within_a_minute_restores_the_status_and_says_so_in_the_history(
    client, team, stores
) -> None:
    approved = _parcel(team, Status.APPROVED)
    client.force_login(stores)
    scanned = _scan(client, approved)
    assert 'id="scan-undo"' in scanned.text
    _age_last_scan(approved, 50)
    undone = client.post(UNDO, {"code": approved.code}, headers=HTMX)
    assert undone.status_code == 200 and "<html" not in undone.text
    assert f"Scan undone: {approved.code} is “Approved by safety” again." in undone.text
    approved.refresh_from_db()
    assert approved.status == Status.APPROVED and approved.location == ""
    last_status, last_comment = _history(approved)[-1]
    assert last_status == Status.APPROVED and "Scan undone" in last_comment
    # Undone once is undone: a second click changes nothing.
    assert "no scan to undo" in client.post(UNDO, {"code": approved.code}).text


def test_undo_after_a_minute_or_by_someone_else_is_refused_clearly(client, team, stores) -> None:
    sent = _parcel(team, Status.SENT)
    client.force_login(stores)
    _scan(client, sent)
    client.force_login(stores_user("stores-2"))
    other = client.post(UNDO, {"code": sent.code}, headers=HTMX)
    assert other.status_code == 400 and "who scanned" in other.text
    client.force_login(stores)
    _age_last_scan(sent, 61)
    late = client.post(UNDO, {"code": sent.code}, headers=HTMX)
    assert late.status_code == 400 and "more than a minute ago" in late.text
    sent.refresh_from_db()
    assert sent.status == Status.STORES and len(_history(sent)) == 2
    assert "No parcel has this code" in client.post(UNDO, {"code": "PCL-999999"}).text


def test_undo_is_for_stores_only(client, team) -> None:
    client.force_login(team.participant)
    assert client.post(UNDO, {"code": "PCL-000001"}).status_code == 403
    assert client.get(UNDO).status_code == 405
