"""The JSON API follows the pages' rules: outsider 404, the workflow decides, 400 says why."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from shipments.models import Item, Parcel, Shipment
from shipments.workflow import Status
from tests import factories
from tests.shipments.factories import AddressFactory, ParcelFactory, safety_officer, stores_user


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def test_anonymous_gets_nothing(api, parcel) -> None:
    assert api.get("/api/parcels/").status_code in (401, 403)
    assert api.get(f"/api/parcels/{parcel.pk}/").status_code in (401, 403)


def test_outsider_gets_404_and_empty_lists(api, team, parcel) -> None:
    api.force_authenticate(team.outsider)
    assert api.get(f"/api/parcels/{parcel.pk}/").status_code == 404
    assert api.get(f"/api/parcels/{parcel.pk}/statuses/").status_code == 404
    assert api.get(f"/api/shipments/{parcel.shipment.pk}/").status_code == 404
    assert api.get("/api/parcels/").json()["results"] == []
    response = api.post(f"/api/parcels/{parcel.pk}/statuses/", {"status": "READY"}, format="json")
    assert response.status_code == 404


def test_team_member_builds_a_parcel_and_declares_it_ready(api, team) -> None:
    api.force_authenticate(team.participant)
    address = api.post(
        "/api/addresses/",
        {
            "name": "Marie Dubois",
            "street": "71 avenue des Martyrs",
            "city": "Grenoble",
            "postal_code": "38000",
            "country": "France",
            "email": "m@example.org",
            "phone": "+33",
        },
        format="json",
    ).json()
    shipment = api.post(
        "/api/shipments/",
        {
            "investigation": team.investigation.pk,
            "name": "API shipment",
            "shipping_address": address["id"],
        },
        format="json",
    )
    assert shipment.status_code == 201, shipment.json()
    parcel = api.post(
        "/api/parcels/",
        {"shipment": shipment.json()["id"], "name": "API dewar", "storage_condition": "ln2"},
        format="json",
    ).json()
    assert parcel["status"] == "CREATED" and parcel["code"].startswith("PCL-")
    items = f"/api/parcels/{parcel['id']}/items/"
    puck = api.post(
        items, {"kind": "container", "container_type": "puck", "name": "Puck B"}, format="json"
    ).json()
    sample = team.investigation.samples.create(name="thaumatin")
    for position in (1, 2, 3):
        created = api.post(
            items,
            {
                "name": f"t{position}",
                "container": puck["id"],
                "position": position,
                "sample": sample.pk,
                "experiment_plan": {"exposure": 0.1},
            },
            format="json",
        )
        assert created.status_code == 201, created.json()
    assert Item.objects.filter(container_id=puck["id"]).count() == 3
    moved = api.post(f"/api/parcels/{parcel['id']}/statuses/", {"status": "READY"}, format="json")
    assert moved.status_code == 201 and moved.json()["created_by"] == team.participant.username
    history = api.get(f"/api/parcels/{parcel['id']}/statuses/").json()
    assert [h["status"] for h in history] == ["CREATED", "READY"]


def test_bad_input_is_400_with_the_field_and_nothing_changes(api, team, parcel) -> None:
    api.force_authenticate(team.participant)
    response = api.post(
        "/api/parcels/",
        {"shipment": parcel.shipment.pk, "name": "x", "is_dangerous": True},
        format="json",
    )
    assert response.status_code == 400 and "dangerous_goods" in response.json()
    puck = parcel.items.get(name="Puck A")
    taken = api.post(
        f"/api/parcels/{parcel.pk}/items/",
        {"name": "y", "container": puck.pk, "position": 1},
        format="json",
    )
    assert taken.status_code == 400 and "position" in taken.json()
    foreign = factories.SampleFactory()
    wrong = api.post(
        f"/api/parcels/{parcel.pk}/items/", {"name": "z", "sample": foreign.pk}, format="json"
    )
    assert wrong.status_code == 400 and "sample" in wrong.json()
    assert (
        not Parcel.objects.filter(name="x").exists()
        and not Item.objects.filter(name__in=["y", "z"]).exists()
    )


def test_api_refuses_skipping_a_status_self_approval_and_edits_after_ready(
    api, team, parcel
) -> None:
    api.force_authenticate(team.participant)
    skip = api.post(
        f"/api/parcels/{parcel.pk}/statuses/",
        {"status": "SENT", "tracking_number": "1Z"},
        format="json",
    )
    assert skip.status_code == 400 and "cannot go from" in skip.json()["status"][0]
    api.post(f"/api/parcels/{parcel.pk}/statuses/", {"status": "READY"}, format="json")
    approve = api.post(f"/api/parcels/{parcel.pk}/statuses/", {"status": "APPROVED"}, format="json")
    assert approve.status_code == 400 and "Only the safety team" in approve.json()["status"][0]
    edit = api.patch(f"/api/parcels/{parcel.pk}/", {"name": "renamed"}, format="json")
    assert edit.status_code == 400 and "locked" in edit.json()["detail"]
    item = parcel.items.first()
    assert api.delete(f"/api/items/{item.pk}/").status_code == 400
    parcel.refresh_from_db()
    assert parcel.name == "Dewar for MX" and Item.objects.filter(pk=item.pk).exists()


def test_safety_officer_approves_and_refuses_through_the_api(api, team, parcel) -> None:
    parcel.move_to(Status.READY, by=team.participant)
    api.force_authenticate(safety_officer())
    no_reason = api.post(
        f"/api/parcels/{parcel.pk}/statuses/", {"status": "REFUSED"}, format="json"
    )
    assert no_reason.status_code == 400 and "reason is required" in no_reason.json()["status"][0]
    ok = api.post(f"/api/parcels/{parcel.pk}/statuses/", {"status": "APPROVED"}, format="json")
    assert ok.status_code == 201
    listed = api.get("/api/parcels/", {"status": "APPROVED"}).json()["results"]
    assert [p["id"] for p in listed] == [parcel.pk]
    created = api.post(
        "/api/shipments/",
        {"investigation": team.investigation.pk, "name": "not mine"},
        format="json",
    )
    # Safety does not create shipments: the investigation reads as unknown, like a missing one.
    assert created.status_code == 400 and "investigation" in created.json()
    assert not Shipment.objects.filter(name="not mine").exists()


def test_addresses_are_private_to_their_owner(api, team) -> None:
    theirs = AddressFactory(owner=team.collaborator)
    api.force_authenticate(team.participant)
    assert api.get(f"/api/addresses/{theirs.pk}/").status_code == 404
    assert api.get("/api/addresses/").json()["results"] == []
    shipment = api.post(
        "/api/shipments/",
        {"investigation": team.investigation.pk, "name": "s", "shipping_address": theirs.pk},
        format="json",
    )
    assert shipment.status_code == 400 and "shipping_address" in shipment.json()


def test_outsider_cannot_create_shipments_for_a_hidden_investigation(api, team) -> None:
    api.force_authenticate(team.outsider)
    response = api.post(
        "/api/shipments/", {"investigation": team.investigation.pk, "name": "s"}, format="json"
    )
    assert response.status_code == 400 and "investigation" in response.json()


def test_parcel_list_has_no_n_plus_one(api, team, django_assert_max_num_queries) -> None:
    for _ in range(20):
        ParcelFactory(shipment__investigation=team.investigation)
    api.force_authenticate(team.participant)
    with django_assert_max_num_queries(6):
        assert len(api.get("/api/parcels/").json()["results"]) == 20


@pytest.mark.parametrize(
    ("url", "field"), [("/api/shipments/", "investigation"), ("/api/parcels/", "shipment")]
)
def test_hidden_and_nonexistent_filter_ids_answer_alike(api, team, parcel, url, field) -> None:
    hidden_id = {"investigation": team.investigation.pk, "shipment": parcel.shipment.pk}[field]
    api.force_authenticate(team.outsider)

    hidden = api.get(url, {field: hidden_id})
    missing = api.get(url, {field: 10**9})

    assert hidden.status_code == missing.status_code == 200
    assert hidden.json() == missing.json()
    assert hidden.json()["results"] == []


@pytest.mark.parametrize(
    ("url", "field"), [("/api/shipments/", "investigation"), ("/api/parcels/", "shipment")]
)
@pytest.mark.parametrize("value", ["99999999999999999999", "-1.44e+25", "1e300", "0", "2.5"])
def test_filter_id_beyond_64_bits_or_not_an_id_answers_400(api, team, url, field, value) -> None:
    api.force_authenticate(team.participant)

    response = api.get(url, {field: value})

    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize("field", ["expected_on", "return_pickup_date"])
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_parcel_dates_beyond_1900_to_2200_are_400(api, team, parcel, field, day) -> None:
    api.force_authenticate(team.participant)
    response = api.patch(f"/api/parcels/{parcel.pk}/", {field: day}, format="json")
    assert response.status_code == 400 and field in response.json()
    parcel.refresh_from_db()
    assert getattr(parcel, field) is None or getattr(parcel, field).year < 9999


@pytest.mark.parametrize("make_user", [safety_officer, stores_user])
def test_safety_and_stores_get_403_for_changes_whatever_the_body(
    api, team, parcel, make_user
) -> None:
    """They see the parcel but do not change it: asked before the body is read, so a valid and
    an invalid body get the same answer."""
    api.force_authenticate(make_user())
    shipment = parcel.shipment
    bodies = [{"name": "renamed"}, {"storage_condition": "not a choice", "name": ""}]
    for body in bodies:
        answers = [
            api.patch(f"/api/parcels/{parcel.pk}/", body, format="json"),
            api.put(f"/api/parcels/{parcel.pk}/", body, format="json"),
            api.patch(f"/api/shipments/{shipment.pk}/", body, format="json"),
            api.post("/api/parcels/", {**body, "shipment": shipment.pk}, format="json"),
        ]
        assert [a.status_code for a in answers] == [403] * 4, [a.json() for a in answers]
    parcel.refresh_from_db()
    shipment.refresh_from_db()
    assert parcel.name == "Dewar for MX" and parcel.version == 1
    assert shipment.parcels.count() == 1


def test_safety_gets_403_for_item_changes_whatever_the_body(api, team, parcel) -> None:
    api.force_authenticate(safety_officer())
    item = parcel.items.first()
    for body in [{"name": "renamed"}, {"kind": "not a kind"}]:
        assert api.post(f"/api/parcels/{parcel.pk}/items/", body, format="json").status_code == 403
        assert api.patch(f"/api/items/{item.pk}/", body, format="json").status_code == 403
    assert api.delete(f"/api/items/{item.pk}/").status_code == 403
    assert parcel.items.count() == 4


def test_parcel_in_a_hidden_shipment_reads_like_a_missing_one(api, team, parcel) -> None:
    """The 403 above is only for shipments the caller sees; others stay "Invalid pk"."""
    api.force_authenticate(team.outsider)
    hidden = api.post("/api/parcels/", {"name": "x", "shipment": parcel.shipment.pk}, format="json")
    missing = api.post("/api/parcels/", {"name": "x", "shipment": 987654}, format="json")
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json()["shipment"] == [
        m.replace("987654", str(parcel.shipment.pk)) for m in missing.json()["shipment"]
    ]


@pytest.mark.parametrize("shipment", ["²", "1" * 30, -1, True, [1], {"id": 1}])
def test_a_malformed_shipment_id_in_a_new_parcel_is_a_400(api, team, shipment) -> None:
    api.force_authenticate(safety_officer())
    response = api.post("/api/parcels/", {"name": "x", "shipment": shipment}, format="json")
    assert response.status_code == 400 and "shipment" in response.json()
