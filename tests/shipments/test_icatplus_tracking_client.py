"""ICAT+'s tracking group through `icat-plus-client` itself, against a live test server: what
MXCuBE reads to load its sample changer (the parcels of the session, their pucks and samples at
their positions), and what the ICAT+ shipping pages do (addresses, shipments, parcels, items,
status changes, labels, barcodes)."""

from __future__ import annotations

import pytest
from django.core import mail
from icat_plus_client import ApiClient, Configuration
from icat_plus_client.api.session_api import SessionApi
from icat_plus_client.api.tracking_api import TrackingApi
from icat_plus_client.exceptions import ApiException
from icat_plus_client.models.address import Address as IcatAddress
from icat_plus_client.models.credentials import Credentials
from icat_plus_client.models.item import Item as IcatItem
from icat_plus_client.models.parcel import Parcel as IcatParcel
from icat_plus_client.models.parcel_status import ParcelStatus as IcatParcelStatus
from icat_plus_client.models.shipment import Shipment as IcatShipment
from icat_plus_client.models.tracking_information import TrackingInformation

from shipments.models import Address, Item, ItemKind, Parcel, ParcelStatus, Shipment
from tests import factories
from tests.shipments.factories import (
    AddressFactory,
    ItemFactory,
    ParcelFactory,
    ShipmentFactory,
    stores_user,
)


@pytest.fixture
def world(transactional_db):
    """An experiment on ID23-1 with a dewar holding a puck of three samples, the puck loaded at
    position 5 of the sample changer; an outsider with a session of their own."""
    investigation = factories.InvestigationFactory(
        name="MX-2590", instrument=factories.InstrumentFactory(name="ID23-1")
    )
    team = factories.make_team(investigation)
    address = AddressFactory(owner=team.participant, name="Ada Lovelace")
    shipment = ShipmentFactory(
        investigation=investigation,
        name="Shipment 1",
        shipping_address=address,
        return_address=address,
    )
    parcel = ParcelFactory(shipment=shipment, name="Dewar A", storage_condition="ln2")
    puck = ItemFactory(
        parcel=parcel,
        kind=ItemKind.CONTAINER,
        container_type="puck",
        name="ESRF-1234",
        sample_changer_location=5,
    )
    samples = []
    for position in (1, 2, 3):
        sample = factories.SampleFactory(investigation=investigation, name=f"lyso-{position}")
        samples.append(sample)
        ItemFactory(
            parcel=parcel,
            container=puck,
            position=position,
            name=f"lyso-{position}",
            sample=sample,
            experiment_plan={"workflowType": "MXPressE", "requiredResolution": "1.5"},
        )
    return {
        "team": team,
        "investigation": investigation,
        "shipment": shipment,
        "parcel": parcel,
        "puck": puck,
        "samples": samples,
        "address": address,
    }


def _with_address(api: TrackingApi, operation: str, address: IcatAddress, **arguments):
    """The address routes take the address as their body, which the generated client has no
    parameter for: its own request, with the body added, and its own deserialising."""
    method, url, headers, _, post = getattr(api, f"_{operation}_serialize")(
        **arguments, _request_auth=None, _content_type=None, _headers=None, _host_index=0
    )
    headers["Content-Type"] = "application/json"
    response = api.api_client.call_api(method, url, headers, address.to_dict(), post)
    response.read()
    return api.api_client.response_deserialize(
        response, {"200": "Address", "400": "str", "403": "str", "404": "str"}
    ).data


def _api(live_server, user) -> tuple[TrackingApi, str]:
    client = ApiClient(Configuration(host=f"{live_server.url}/icatplus"))
    session = SessionApi(client).session_post(
        Credentials(username=user.username, password="password")
    )
    return TrackingApi(client), session.session_id


def test_mxcube_reads_the_sessions_parcels_pucks_and_samples_with_positions(
    live_server, world
) -> None:
    api, sid = _api(live_server, world["team"].scientist)
    investigation = world["investigation"]

    parcels = api.tracking_session_id_parcel_get(sid, investigation_id=str(investigation.pk))

    assert [p.name for p in parcels] == ["Dewar A"]
    parcel = parcels[0]
    assert parcel.investigation_id == investigation.pk
    assert parcel.investigation_name == "MX-2590"
    assert parcel.shipping_address.name == "Ada Lovelace"
    assert [s.status for s in parcel.statuses] == ["CREATED"]
    assert parcel.local_contact_names == [world["team"].local_contact.username]
    (puck,) = parcel.content
    assert (puck.name, puck.type, puck.sample_changer_location) == ("ESRF-1234", "CONTAINER", 5)
    samples = [(s.name, s.sample_container_position, s.sample_id) for s in puck.content]
    assert samples == [(f"lyso-{n}", str(n), world["samples"][n - 1].pk) for n in (1, 2, 3)]
    plan = {p.key: p.value.actual_instance for p in puck.content[0].experiment_plan}
    assert plan == {"workflowType": "MXPressE", "requiredResolution": "1.5"}
    # MXCuBE turns the tracking ids into numbers, reading them as hexadecimal.
    assert all(int(s.id, 16) for s in puck.content)

    one = api.tracking_session_id_parcel_get(sid, parcel_id=str(world["parcel"].pk))
    assert [p.id for p in one] == [str(world["parcel"].pk)]


def test_outsider_sees_no_parcel_and_gets_404_for_the_investigation(live_server, world) -> None:
    api, sid = _api(live_server, world["team"].outsider)
    investigation_id = str(world["investigation"].pk)

    assert api.tracking_session_id_parcel_get(sid, investigation_id=investigation_id) == []
    with pytest.raises(ApiException) as hidden:
        api.tracking_session_id_shipment_get(investigation_id, sid)
    with pytest.raises(ApiException) as missing:
        api.tracking_session_id_shipment_get("987654321", sid)
    assert (hidden.value.status, hidden.value.body) == (missing.value.status, missing.value.body)
    assert hidden.value.status == 404


def test_stores_see_the_parcel_but_not_its_content(live_server, world) -> None:
    api, sid = _api(live_server, stores_user())

    (parcel,) = api.tracking_session_id_parcel_get(
        sid, investigation_id=str(world["investigation"].pk)
    )

    assert parcel.name == "Dewar A"
    assert parcel.content is None


def test_team_books_a_shipment_parcel_and_items_then_sends_it(live_server, world) -> None:
    team = world["team"]
    api, sid = _api(live_server, team.participant)
    iid = str(world["investigation"].pk)

    address = _with_address(
        api,
        "tracking_session_id_investigation_id_investigation_id_address_post",
        IcatAddress(
            name="Grace",
            surname="Hopper",
            address="1 Navy Yard",
            city="Arlington",
            postalCode="22202",
            country="USA",
            email="grace@example.org",
            phoneNumber="+1 555",
        ),
        investigation_id=iid,
        session_id=sid,
    )
    assert Address.objects.get(pk=address.id).name == "Grace Hopper"
    assert address.id in [a.id for a in api.tracking_session_id_address_get(sid)]

    shipment = api.tracking_session_id_shipment_post(
        iid,
        sid,
        shipment=IcatShipment(
            name="Second shipment",
            investigationName="MX-2590",
            defaultShippingAddress=address,
        ),
    )
    assert shipment.default_shipping_address.id == address.id
    assert Shipment.objects.get(pk=shipment.id).created_by == team.participant

    parcel = api.tracking_session_id_parcel_post(
        sid,
        shipment.id,
        investigation_id=iid,
        parcel=IcatParcel(
            name="Dewar B",
            investigationId=int(iid),
            investigationName="MX-2590",
            storageConditions="Liquid nitrogen dewar",
        ),
    )
    assert parcel.status == "CREATED"
    stored = Parcel.objects.get(pk=parcel.id)
    assert stored.storage_condition == "ln2"
    assert stored.history.count() == 1

    api.tracking_session_id_investigation_id_investigation_id_parcel_id_parcel_id_item_post(
        sid,
        iid,
        parcel.id,
        item=IcatItem(
            name="PUCK-9",
            type="CONTAINER",
            content=[
                IcatItem(name="x1", type="SAMPLE", sampleContainerPosition="1"),
                IcatItem(
                    name="x2",
                    type="SAMPLE",
                    sampleContainerPosition="2",
                    sampleId=world["samples"][0].pk,
                ),
            ],
        ),
    )
    puck = Item.objects.get(parcel_id=parcel.id, container=None)
    assert (puck.kind, puck.container_type) == ("container", "puck")
    assert sorted(puck.contents.values_list("position", "name")) == [(1, "x1"), (2, "x2")]

    x1 = puck.contents.get(name="x1")
    api.tracking_session_id_investigation_id_investigation_id_parcel_id_parcel_id_item_item_id_put(
        sid, iid, parcel.id, str(x1.pk), item=IcatItem(name="x1-renamed", type="SAMPLE")
    )
    api.tracking_session_id_investigation_id_investigation_id_parcel_id_parcel_id_item_item_id_delete(
        sid, iid, parcel.id, str(puck.contents.get(name="x2").pk)
    )
    assert list(puck.contents.values_list("name", flat=True)) == ["x1-renamed"]

    status_put = api.tracking_session_id_investigation_id_investigation_id_parcel_id_parcel_id_parcel_status_put  # noqa: E501
    status_put(sid, iid, parcel.id, parcel_status=IcatParcelStatus(status="READY"))
    assert Parcel.objects.get(pk=parcel.id).status == "READY"

    # Sending needs safety's approval first: the workflow's reason, nothing changed.
    with pytest.raises(ApiException) as refused:
        status_put(
            sid,
            iid,
            parcel.id,
            parcel_status=IcatParcelStatus(
                status="SENT",
                shippingTrackingInformation=TrackingInformation(trackingNumber="1Z999"),
            ),
        )
    assert refused.value.status == 400
    assert "Ready for safety check" in refused.value.body
    assert Parcel.objects.get(pk=parcel.id).status == "READY"

    # A parcel ready for safety is locked: no new content.
    with pytest.raises(ApiException) as locked:
        api.tracking_session_id_investigation_id_investigation_id_parcel_id_parcel_id_item_post(
            sid, iid, parcel.id, item=IcatItem(name="late", type="OTHER")
        )
    assert locked.value.status == 400


def test_status_change_through_icatplus_mails_the_team_like_the_pages(live_server, world) -> None:
    parcel = world["parcel"]
    ParcelStatus.objects.create(parcel=parcel, status="SENT")
    Parcel.objects.filter(pk=parcel.pk).update(status="SENT")
    api, sid = _api(live_server, stores_user())

    api.tracking_session_id_investigation_id_investigation_id_parcel_id_parcel_id_parcel_status_put(
        sid,
        str(world["investigation"].pk),
        str(parcel.pk),
        parcel_status=IcatParcelStatus(status="STORES", location="Stores shelf 3"),
    )

    parcel.refresh_from_db()
    assert (parcel.status, parcel.location) == ("STORES", "Stores shelf 3")
    assert parcel.history.last().created_by.username == "stores"
    assert any(parcel.code in message.subject + message.body for message in mail.outbox)


def test_beamline_loads_a_puck_into_the_sample_changer_while_its_content_stays_locked(
    live_server, world
) -> None:
    parcel, puck = world["parcel"], world["puck"]
    Parcel.objects.filter(pk=parcel.pk).update(status="BEAMLINE")
    api, sid = _api(live_server, world["team"].scientist)
    iid, pid = str(world["investigation"].pk), str(parcel.pk)
    item_put = api.tracking_session_id_investigation_id_investigation_id_parcel_id_parcel_id_item_item_id_put  # noqa: E501

    item_put(
        sid,
        iid,
        pid,
        str(puck.pk),
        item=IcatItem(name="ESRF-1234", type="CONTAINER", sampleChangerLocation=9),
    )
    with pytest.raises(ApiException) as locked:
        item_put(sid, iid, pid, str(puck.pk), item=IcatItem(name="renamed", type="CONTAINER"))

    puck.refresh_from_db()
    assert (puck.sample_changer_location, puck.name) == (9, "ESRF-1234")
    assert locked.value.status == 400


def test_team_cancels_a_parcel_and_removes_the_empty_shipment(live_server, world) -> None:
    api, sid = _api(live_server, world["team"].participant)
    iid = str(world["investigation"].pk)
    shipment, parcel = world["shipment"], world["parcel"]
    body = IcatParcel(
        id=str(parcel.pk), name="Dewar A", investigationId=int(iid), investigationName="MX-2590"
    )
    as_shipment = IcatShipment(_id=str(shipment.pk), name="x", investigationName="MX-2590")

    with pytest.raises(ApiException) as busy:
        api.tracking_session_id_shipment_delete(iid, sid, shipment=as_shipment)
    api.tracking_session_id_shipment_id_shipment_id_parcel_delete(
        sid, str(shipment.pk), investigation_id=iid, parcel=body
    )
    assert Parcel.objects.get(pk=parcel.pk).status == "REMOVED"
    api.tracking_session_id_shipment_delete(iid, sid, shipment=as_shipment)

    assert busy.value.status == 400
    assert not Shipment.objects.filter(pk=shipment.pk).exists()


def test_labels_barcodes_and_setup_come_back(live_server, world) -> None:
    api, sid = _api(live_server, world["team"].participant)
    iid, pid = str(world["investigation"].pk), str(world["parcel"].pk)

    labels_get = api.tracking_session_id_investigation_id_investigation_id_parcel_id_parcel_id_labels_get_without_preload_content  # noqa: E501
    labels = labels_get(iid, pid, sid).read()
    barcodes = api.tracking_session_id_barcodes_get(sid, instrument_name="id23-1")
    setup = api.tracking_session_id_setup_get(sid, investigation_id=iid)

    assert labels.startswith(b"%PDF")
    assert world["parcel"].code.encode() in labels
    assert bytes(barcodes).startswith(b"%PDF")
    assert setup.instrument_name == "ID23-1"
    assert {"name": "PUCK", "capacity": 16} in [t.to_dict() for t in setup.container_types]


def test_address_changes_stay_in_the_callers_own_address_book(live_server, world) -> None:
    team = world["team"]
    api, sid = _api(live_server, team.collaborator)
    iid = str(world["investigation"].pk)
    theirs = IcatAddress(_id=str(world["address"].pk), name="Mine now")

    with pytest.raises(ApiException) as hidden:
        _with_address(
            api,
            "tracking_session_id_investigation_id_investigation_id_address_put",
            theirs,
            investigation_id=iid,
            session_id=sid,
        )
    assert hidden.value.status == 404

    mine = _with_address(
        api,
        "tracking_session_id_investigation_id_investigation_id_address_post",
        IcatAddress(
            name="Col",
            address="2 rue",
            city="Lyon",
            postalCode="69000",
            country="FR",
            email="col@example.org",
            phoneNumber="1",
        ),
        investigation_id=iid,
        session_id=sid,
    )
    changed = _with_address(
        api,
        "tracking_session_id_investigation_id_investigation_id_address_put",
        IcatAddress(_id=mine.id, name="Col Renamed"),
        investigation_id=iid,
        session_id=sid,
    )
    assert changed.name == "Col Renamed"
    _with_address(
        api,
        "tracking_session_id_investigation_id_investigation_id_address_delete",
        IcatAddress(_id=mine.id, name="Col Renamed"),
        investigation_id=iid,
        session_id=sid,
    )
    assert not Address.objects.filter(pk=mine.id).exists()
    assert Address.objects.get(pk=world["address"].pk).name == "Ada Lovelace"
    assert api.tracking_session_id_investigation_id_investigation_id_address_get(iid, sid) == []
