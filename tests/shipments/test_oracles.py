"""An id the caller may not use gets exactly the answer of an id that does not exist, in the
shipments API's fields and filters; and shipments answers are never kept by shared caches."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from shipments.models import Item, Shipment
from tests import factories
from tests.shipments.factories import AddressFactory, ItemFactory, ParcelFactory, safety_officer

MISSING = 987654


@pytest.fixture
def api(team) -> APIClient:
    client = APIClient()
    client.force_authenticate(team.participant)
    return client


def _same(hidden, missing, hidden_id: int) -> None:
    assert hidden.status_code == missing.status_code
    assert hidden.content.decode().replace(str(hidden_id), str(MISSING)) == missing.content.decode()


def test_hidden_sample_and_container_read_like_nonexistent_ones(api, team, parcel) -> None:
    hidden_sample = factories.SampleFactory()  # of another, embargoed investigation
    elsewhere = ItemFactory(kind="container", container_type="puck")  # in a parcel not mine
    url = f"/api/parcels/{parcel.pk}/items/"
    for field, hidden_id in (("sample", hidden_sample.pk), ("container", elsewhere.pk)):
        hidden = api.post(url, {"name": "x", field: hidden_id}, format="json")
        missing = api.post(url, {"name": "x", field: MISSING}, format="json")
        assert hidden.status_code == 400 and field in hidden.json()
        _same(hidden, missing, hidden_id)
    assert not Item.objects.filter(name="x").exists()


def test_hidden_address_investigation_and_shipment_read_like_nonexistent_ones(api, team) -> None:
    theirs = AddressFactory(owner=team.collaborator)
    hidden_investigation = factories.InvestigationFactory()
    hidden_shipment = ParcelFactory().shipment
    mine = team.investigation.pk
    for url, field, hidden_id, other in (
        ("/api/shipments/", "shipping_address", theirs.pk, {"investigation": mine}),
        ("/api/shipments/", "investigation", hidden_investigation.pk, {}),
        ("/api/parcels/", "shipment", hidden_shipment.pk, {}),
    ):
        hidden = api.post(url, {"name": "s", **other, field: hidden_id}, format="json")
        missing = api.post(url, {"name": "s", **other, field: MISSING}, format="json")
        assert hidden.status_code == 400 and list(hidden.json()) == [field]
        _same(hidden, missing, hidden_id)
    for url, hidden_id in (
        ("/api/addresses/{}/", theirs.pk),
        ("/api/shipments/{}/", hidden_shipment.pk),
    ):
        _same(api.get(url.format(hidden_id)), api.get(url.format(MISSING)), hidden_id)
    assert not Shipment.objects.filter(name="s").exists()


def test_filters_answer_the_same_for_hidden_and_nonexistent_ids(api, team) -> None:
    hidden = ParcelFactory()
    for url, key, hidden_id in (
        ("/api/shipments/", "investigation", hidden.shipment.investigation_id),
        ("/api/parcels/", "shipment", hidden.shipment_id),
    ):
        answer = api.get(url, {key: hidden_id})
        assert answer.status_code == 200 and answer.json()["results"] == []
        _same(answer, api.get(url, {key: MISSING}), hidden_id)


def test_safety_cannot_probe_investigations_by_creating_shipments(team) -> None:
    client = APIClient()
    client.force_authenticate(safety_officer())
    data = {"investigation": team.investigation.pk, "name": "s"}
    hidden = client.post("/api/shipments/", data, format="json")
    missing = client.post("/api/shipments/", {**data, "investigation": MISSING}, format="json")
    _same(hidden, missing, team.investigation.pk)


def test_shipments_answers_are_private_to_the_browser(client, api, team, parcel) -> None:
    client.force_login(team.participant)
    for url in (
        reverse("shipments:index"),
        reverse("shipments:shipment", args=[parcel.shipment_id]),
        reverse("shipments:parcel", args=[parcel.pk]),
        reverse("shipments:parcel-label", args=[parcel.pk]),
        reverse("shipments:parcel-contents", args=[parcel.pk]),
        reverse("shipments:addresses"),
    ):
        response = client.get(url)
        assert response.status_code == 200 and "private" in response["Cache-Control"], url
    for url in ("/api/parcels/", f"/api/parcels/{parcel.pk}/", f"/api/parcels/{parcel.pk}/items/"):
        response = api.get(url)
        assert response.status_code == 200 and "private" in response["Cache-Control"], url
