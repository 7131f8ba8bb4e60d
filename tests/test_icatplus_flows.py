"""Whole sessions of ESRF's own software against a live portal, through `icat-plus-client`: what
a BLISS beamline session posts to the logbooks all day, and how MXCuBE loads its sample changer
and fetches a file. Each step is a call the real software makes, in the order it makes them; the
single-route contracts are in each app's `test_icatplus_*_client.py`."""

from __future__ import annotations

import base64
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from icat_plus_client import ApiClient, Configuration
from icat_plus_client.api.catalogue_api import CatalogueApi
from icat_plus_client.api.data_acquisition_api import DataAcquisitionApi
from icat_plus_client.api.ids_api import IDSApi
from icat_plus_client.api.logbook_api import LogbookApi
from icat_plus_client.api.session_api import SessionApi
from icat_plus_client.api.tracking_api import TrackingApi
from icat_plus_client.models.credentials import Credentials
from icat_plus_client.models.dataacquisition_api_key_base64_post_request import (
    DataacquisitionApiKeyBase64PostRequest,
)
from icat_plus_client.models.event import Event
from icat_plus_client.models.logbook_api_key_investigation_name_investigation_name_instrument_name_instrument_name_event_createfrombase64_post_request import (  # noqa: E501
    LogbookApiKeyInvestigationNameInvestigationNameInstrumentNameInstrumentNameEventCreatefrombase64PostRequest as LegacyBase64,  # noqa: E501
)
from PIL import Image

from catalogue.models import SampleParameter
from logbook.models import ApiKey, Attachment
from logbook.store import EventQuery, get_store
from shipments.models import ItemKind
from tests import factories
from tests.catalogue.dataset_files import dataset_with_files
from tests.shipments.factories import ItemFactory, ParcelFactory, ShipmentFactory


def _client(live_server, session_id: str | None = None) -> ApiClient:
    return ApiClient(Configuration(host=f"{live_server.url}/icatplus", access_token=session_id))


def _png() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), "orange").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _logged(**query) -> set[str]:
    """The ids of the events a logbook (an investigation's, or a beamline's own) shows."""
    docs, _ = get_store().find(EventQuery(**query))
    return {str(doc["_id"]) for doc in docs}


@pytest.mark.django_db(transaction=True)
def test_a_bliss_session_lands_every_message_in_the_right_logbook(live_server) -> None:
    """BLISS on ID23-1 during proposal MX-2468, with ID30A-1 running another team's session:
    lower-case beamline, the proposal as the user typed it, beamline-only messages, a
    screenshot, a PDF, and the dataset look-ups of its data policy."""
    beamline = factories.InstrumentFactory(name="ID23-1")
    running = factories.InvestigationFactory(
        name="MX-2468",
        instrument=beamline,
        running=True,
    )
    factories.DatasetFactory(investigation=running, name="lyso_1", file_count=3600)
    neighbour = factories.InvestigationFactory(
        name="MX-2469",
        instrument=factories.InstrumentFactory(name="ID30A-1"),
        running=True,
    )
    _, key = ApiKey.objects.create_key(name="ID23-1 BLISS", instrument=beamline)
    client = _client(live_server)
    acquisition, logbook = DataAcquisitionApi(client), LogbookApi(client)

    (found,) = acquisition.dataacquisition_api_key_investigation_get(
        key, instrument_name="id23-1", investigation_name="mx2468"
    )
    assert found.id == running.pk
    commands = [
        acquisition.dataacquisition_api_key_notification_post(
            key,
            investigation_name="mx2468",
            instrument_name="id23-1",
            event=Event(type="notification", category="commandLine", content=[{"text": text}]),
        )
        for text in ("umv(phi, 90)", "ct(0.1)")
    ]
    beam_lost = acquisition.dataacquisition_api_key_notification_post(
        key,
        instrument_name="id23-1",
        event=Event(type="notification", category="error", content=[{"text": "Beam lost"}]),
    )
    image = acquisition.dataacquisition_api_key_base64_post(
        key,
        DataacquisitionApiKeyBase64PostRequest(base64=_png()),
        investigation_name="MX2468",
        instrument_name="id23-1",
    )
    pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
    report = logbook.logbook_api_key_investigation_name_investigation_name_instrument_name_instrument_name_event_createfrombase64_post(  # noqa: E501
        "mx-2468",
        "id23-1",
        key,
        LegacyBase64(base64="data:application/pdf;base64," + base64.b64encode(pdf).decode()),
    )
    (dataset,) = acquisition.dataacquisition_api_key_dataset_get(
        key, investigation_id=str(running.pk)
    )

    assert _logged(investigation_id=running.pk) == {e.id for e in [*commands, image, report]}
    assert sorted(Attachment.objects.values_list("content_type", "investigation")) == [
        ("application/pdf", running.pk),
        ("image/png", running.pk),
    ]
    assert _logged(instrument_name="ID23-1", beamline_only=True) == {beam_lost.id}
    assert _logged(investigation_id=neighbour.pk) == set()
    assert dataset.name == "lyso_1"
    assert {p.name: p.value for p in dataset.parameters}["__fileCount"] == "3600"


@pytest.mark.django_db(transaction=True)
def test_mxcube_loads_the_sample_changer_and_fetches_a_file(live_server) -> None:
    """MXCuBE's ICAT LIMS: log in, find today's session on the beamline, list its parcels, the
    pucks and samples at their positions, read each sample's information, download a file."""
    now = timezone.now()
    beamline = factories.InstrumentFactory(name="ID30A-1")
    today = factories.InvestigationFactory(
        name="MX-2590",
        instrument=beamline,
        running=True,
    )
    factories.InvestigationFactory(  # yesterday's session, same beamline: not today's
        name="MX-2580",
        instrument=beamline,
        start_date=now - timedelta(days=2),
        end_date=now - timedelta(days=1),
    )
    team = factories.make_team(today)
    shipment = ShipmentFactory(investigation=today, name="Shipment 1")
    parcel = ParcelFactory(shipment=shipment, name="Dewar A")
    puck = ItemFactory(
        parcel=parcel, kind=ItemKind.CONTAINER, name="ESRF-77", sample_changer_location=3
    )
    resolution = factories.ParameterTypeFactory(name="requiredResolution", units="Å")
    samples = {}
    for position in (1, 2):
        sample = factories.SampleFactory(investigation=today, name=f"thau-{position}")
        SampleParameter.objects.create(sample=sample, type=resolution, numeric_value=1.5)
        ItemFactory(
            parcel=parcel, container=puck, position=position, name=sample.name, sample=sample
        )
        samples[sample.name] = sample
    datafile = dataset_with_files(today, sample=samples["thau-1"]).datafiles.order_by("id").first()

    session_id = (
        SessionApi(_client(live_server))
        .session_post(Credentials(username=team.participant.username, password="password"))
        .session_id
    )
    client = _client(live_server, session_id)
    catalogue, tracking = CatalogueApi(client), TrackingApi(client)

    investigations = catalogue.catalogue_session_id_investigation_get(
        session_id, instrument_name="id30a-1", start_date=timezone.localdate().isoformat()
    )
    assert [i.name for i in investigations] == ["MX-2590"]
    investigation_id = str(investigations[0].id)
    (found_parcel,) = tracking.tracking_session_id_parcel_get(
        session_id, investigation_id=investigation_id
    )
    (found_puck,) = found_parcel.content
    assert (found_puck.name, found_puck.sample_changer_location) == ("ESRF-77", 3)
    positions = {s.name: s.sample_container_position for s in found_puck.content}
    assert positions == {"thau-1": "1", "thau-2": "2"}
    information = catalogue.catalogue_session_id_samples_get(
        session_id, investigation_id=investigation_id
    )
    assert {s.name: {p.name: p.value for p in s.parameters} for s in information} == {
        "thau-1": {"requiredResolution": "1.5"},
        "thau-2": {"requiredResolution": "1.5"},
    }
    assert {s.id for s in information} == {s.sample_id for s in found_puck.content}
    download = IDSApi(client).ids_data_download_get_without_preload_content(
        datafile_ids=str(datafile.pk)
    )
    assert download.status == 200
    assert download.data == (Path(settings.DATA_ROOT) / datafile.location).read_bytes()
