"""Beamline software written against ICAT+ works unchanged: `icat-plus-client` itself talks to a
live test server."""

from __future__ import annotations

import base64
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from icat_plus_client import ApiClient, Configuration
from icat_plus_client.api.data_acquisition_api import DataAcquisitionApi
from icat_plus_client.api.logbook_api import LogbookApi
from icat_plus_client.exceptions import ApiException
from icat_plus_client.models.dataacquisition_api_key_base64_post_request import (
    DataacquisitionApiKeyBase64PostRequest,
)
from icat_plus_client.models.event import Event
from PIL import Image

from logbook.models import ApiKey
from logbook.store import EventQuery, get_store
from tests import factories


@pytest.fixture
def beamline(transactional_db):
    instrument = factories.InstrumentFactory(name="ID23-1")
    running = factories.InvestigationFactory(
        name="MX-2468",
        instrument=instrument,
        start_date=timezone.now() - timedelta(hours=10),
        end_date=timezone.now() + timedelta(hours=14),
    )
    factories.DatasetFactory(investigation=running, name="lyso_1")
    _, raw = ApiKey.objects.create_key(name="ID23-1 MXCuBE", instrument=instrument)
    return instrument, running, raw


@pytest.fixture
def client_config(live_server):
    return ApiClient(Configuration(host=f"{live_server.url}/icatplus"))


def png_data_uri() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_notification_from_icat_plus_client_lands_in_the_running_session(
    beamline, client_config
) -> None:
    instrument, running, key = beamline
    api = DataAcquisitionApi(client_config)
    event = Event(
        type="notification",
        category="commandLine",
        title="",
        content=[{"format": "plainText", "text": "collect(osc=0.1, n=3600)"}],
        software="MXCuBE",
        machine="id231ctrl",
        tag=[{"name": "lysozyme"}],
    )
    stored = api.dataacquisition_api_key_notification_post(
        key, investigation_name="MX-2468", instrument_name="ID23-1", event=event
    )
    assert stored.investigation_id == running.pk
    assert stored.category == "commandline"
    assert stored.tag[0].name == "lysozyme"
    docs, _ = get_store().find(EventQuery(investigation_id=running.pk))
    assert docs[0]["content"][0]["text"] == "collect(osc=0.1, n=3600)"
    assert docs[0]["software"] == "MXCuBE"
    assert ApiKey.objects.get().last_used_at is not None


def test_logbook_event_path_and_base64_image_from_the_client(beamline, client_config) -> None:
    instrument, running, key = beamline
    stored = LogbookApi(
        client_config
    ).logbook_api_key_investigation_name_investigation_name_instrument_name_instrument_name_event_post(
        "MX-2468",
        "ID23-1",
        key,
        event=Event(
            type="notification",
            category="error",
            content=[{"format": "plainText", "text": "Beam lost"}],
        ),
    )
    assert stored.investigation_name == "MX-2468"
    image = DataAcquisitionApi(client_config).dataacquisition_api_key_base64_post(
        key,
        DataacquisitionApiKeyBase64PostRequest(base64=png_data_uri(), usernames="pnovak"),
        investigation_name="MX-2468",
        instrument_name="ID23-1",
    )
    assert image.type == "attachment"
    assert image.content_type == "image/png"
    docs, _ = get_store().find(EventQuery(investigation_id=running.pk))
    assert [d["type"] for d in docs] == ["attachment", "notification"]


def test_running_investigation_and_its_datasets_from_the_client(beamline, client_config) -> None:
    instrument, running, key = beamline
    factories.InvestigationFactory(name="MX-1000", instrument=instrument)  # ended last month
    api = DataAcquisitionApi(client_config)
    found = api.dataacquisition_api_key_investigation_get(key, instrument_name="ID23-1")
    assert [(i.id, i.name, i.instrument.name) for i in found] == [(running.pk, "MX-2468", "ID23-1")]
    datasets = api.dataacquisition_api_key_dataset_get(key, investigation_id=str(running.pk))
    assert [(d.name, d.investigation.id) for d in datasets] == [("lyso_1", running.pk)]


def test_client_with_a_wrong_key_gets_401_and_nothing_is_stored(beamline, client_config) -> None:
    api = DataAcquisitionApi(client_config)
    with pytest.raises(ApiException) as error:
        api.dataacquisition_api_key_notification_post(
            "not-a-key",
            instrument_name="ID23-1",
            event=Event(
                type="notification", category="info", content=[{"format": "plainText", "text": "x"}]
            ),
        )
    assert error.value.status == 401
    assert get_store().find(EventQuery(instrument_name="ID23-1"))[0] == []
