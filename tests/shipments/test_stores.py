"""The scan page and the parcels expected this week."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from shipments.workflow import Status
from tests import factories
from tests.shipments.factories import ParcelFactory, ShipmentFactory, safety_officer

SCAN = reverse("shipments:scan")


def test_scan_moves_a_sent_parcel_to_stores_and_shows_it_large(client, team) -> None:
    parcel = ParcelFactory(
        shipment__investigation=team.investigation, status=Status.SENT, name="MX dewar"
    )
    client.force_login(team.staff)
    response = client.post(
        SCAN,
        {"code": parcel.code.lower() + " ", "location": "Stores"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and "<html" not in response.text
    assert (
        "scan-ok" in response.text
        and "At stores — Stores" in response.text
        and "MX dewar" in response.text
    )
    assert (
        'name="code"' in response.text
        and parcel.code not in response.text.split('id="scan-result"')[0]
    )
    parcel.refresh_from_db()
    assert parcel.status == Status.STORES and parcel.location == "Stores"
    assert parcel.history.last().created_by == team.staff


def test_scan_of_a_qr_code_url_walks_the_parcel_on(client, team) -> None:
    parcel = ParcelFactory(shipment__investigation=team.investigation, status=Status.STORES)
    client.force_login(team.staff)
    client.post(SCAN, {"code": f"http://portal.example/parcels/{parcel.pk}/", "location": "ID23-1"})
    parcel.refresh_from_db()
    assert parcel.status == Status.BEAMLINE and parcel.location == "ID23-1"


def test_scan_refuses_a_parcel_not_approved_and_says_why(client, team) -> None:
    parcel = ParcelFactory(shipment__investigation=team.investigation, status=Status.READY)
    client.force_login(team.staff)
    response = client.post(SCAN, {"code": parcel.code, "location": "Stores"})
    assert response.status_code == 400 and "scan-fail" in response.text
    assert "does not move on by scanning" in response.text
    parcel.refresh_from_db()
    assert parcel.status == Status.READY


def test_sending_back_by_scan_needs_a_tracking_number(client, team) -> None:
    parcel = ParcelFactory(shipment__investigation=team.investigation, status=Status.BACK_STORES)
    client.force_login(team.staff)
    refused = client.post(SCAN, {"code": parcel.code, "location": "Stores"})
    assert "tracking number is required" in refused.text
    client.post(SCAN, {"code": parcel.code, "location": "Stores", "tracking_number": "RET-1"})
    parcel.refresh_from_db()
    assert parcel.status == Status.BACK_USER and parcel.return_tracking_number == "RET-1"


def test_unknown_code_and_empty_code(client, team) -> None:
    client.force_login(team.staff)
    assert (
        "No parcel has this code" in client.post(SCAN, {"code": "PCL-999999", "location": "S"}).text
    )
    assert "This field is required" in client.post(SCAN, {"code": "", "location": "S"}).text


def test_scan_page_is_for_stores_only(client, team) -> None:
    for user in (team.participant, safety_officer()):
        client.force_login(user)
        assert client.get(SCAN).status_code == 403


def test_expected_this_week_by_beamline(client, team, django_assert_max_num_queries) -> None:
    today = timezone.localdate()
    this_week = ParcelFactory(
        shipment__investigation=team.investigation, expected_on=today, name="Due now"
    )
    ParcelFactory(
        shipment__investigation=team.investigation,
        expected_on=today + timedelta(days=14),
        name="Due later",
    )
    elsewhere = ParcelFactory(shipment=ShipmentFactory(), expected_on=today, name="Other beamline")
    client.force_login(team.scientist)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("shipments:expected")).text
    assert this_week.code in page and "Due later" not in page and elsewhere.code not in page
    assert team.investigation.instrument.name in page
    client.force_login(team.staff)
    assert elsewhere.code in client.get(reverse("shipments:expected")).text
    client.force_login(factories.UserFactory())
    assert client.get(reverse("shipments:expected")).status_code == 403


def test_expected_leaves_out_parcels_already_received(client, team) -> None:
    today = timezone.localdate()
    coming = ParcelFactory(
        shipment__investigation=team.investigation, expected_on=today, status=Status.SENT
    )
    arrived = ParcelFactory(
        shipment__investigation=team.investigation, expected_on=today, status=Status.STORES
    )
    client.force_login(team.staff)
    page = client.get(reverse("shipments:expected")).text
    assert coming.code in page and arrived.code not in page


def test_location_follows_the_parcel_not_the_safety_office(team, parcel) -> None:
    parcel.move_to(Status.READY, by=team.participant)
    parcel.move_to(Status.APPROVED, by=safety_officer(), location="Safety office")
    parcel.refresh_from_db()
    assert parcel.location == ""
    parcel.move_to(Status.SENT, by=team.participant, tracking_number="1Z")
    assert parcel.history.last().location == ""
    parcel.move_to(Status.STORES, by=team.staff, location="Stores")
    parcel.move_to(Status.BEAMLINE, by=team.staff, location="ID23-1")
    parcel.refresh_from_db()
    assert parcel.location == "ID23-1"


def test_expected_in_a_week_out_of_range_shows_this_week(client, team) -> None:
    today = ParcelFactory(
        shipment__investigation=team.investigation, expected_on=timezone.localdate()
    )
    client.force_login(team.staff)
    for week in ("9999-12-31", "0001-01-01", "2020-13-45"):
        page = client.get(reverse("shipments:expected"), {"week": week})
        assert page.status_code == 200 and today.code in page.text
