"""Beamline software written against ICAT+ works unchanged: `icat-plus-client` itself talks to a
live test server."""

from __future__ import annotations

import base64
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

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
from icat_plus_client.models.logbook_api_key_investigation_name_investigation_name_instrument_name_instrument_name_event_createfrombase64_post_request import (  # noqa: E501
    LogbookApiKeyInvestigationNameInvestigationNameInstrumentNameInstrumentNameEventCreatefrombase64PostRequest as LegacyBase64,  # noqa: E501
)
from PIL import Image

from catalogue.models import DatasetParameter
from logbook.models import ApiKey, Attachment
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


def test_bliss_spelling_of_beamline_and_proposal_finds_the_session(beamline, client_config) -> None:
    """BLISS sends the beamline in lower case and the proposal as typed (`mx2468`)."""
    instrument, running, key = beamline
    api = DataAcquisitionApi(client_config)
    for proposal in ("mx2468", "MX2468", "mx-2468"):
        found = api.dataacquisition_api_key_investigation_get(
            key, instrument_name="id23-1", investigation_name=proposal
        )
        assert [(i.id, i.instrument.name) for i in found] == [(running.pk, "ID23-1")]
        stored = api.dataacquisition_api_key_notification_post(
            key,
            investigation_name=proposal,
            instrument_name="id23-1",
            event=Event(type="annotation", category="comment", content=[{"text": proposal}]),
        )
        assert (stored.investigation_id, stored.investigation_name) == (running.pk, "MX-2468")
        assert isinstance(stored.id, str) and stored.id


def test_datasets_carry_file_count_volume_and_the_facility_path(
    beamline, client_config, settings
) -> None:
    """pyicat-plus reads `__fileCount` from the parameters and compares `location` with the
    folder BLISS wrote."""
    settings.ICAT_LOCATION_PREFIX = "/data/visitor"
    instrument, running, key = beamline
    dataset = running.datasets.get()
    dataset.location = "mx2468/id23-1/20240301/lyso/lyso_1"
    dataset.file_count, dataset.size = 3601, 7_340_032
    dataset.end_date = dataset.start_date + timedelta(seconds=90)
    dataset.save()
    DatasetParameter.objects.create(
        dataset=dataset,
        type=factories.ParameterTypeFactory(name="InstrumentMonochromator_energy", units="keV"),
        numeric_value=12.7,
    )
    (found,) = DataAcquisitionApi(client_config).dataacquisition_api_key_dataset_get(
        key, investigation_id=str(running.pk)
    )
    assert found.location == "/data/visitor/mx2468/id23-1/20240301/lyso/lyso_1"
    values = {p.name: (p.value, p.units) for p in found.parameters}
    assert values["__fileCount"] == ("3601", None)
    assert values["__volume"] == ("7340032", None)
    assert values["__elapsedTime"] == ("90", None)
    assert values["InstrumentMonochromator_energy"] == ("12.7", "keV")


def test_legacy_createfrombase64_keeps_a_pdf_for_the_team_only(
    beamline, client_config, client
) -> None:
    instrument, running, key = beamline
    pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
    stored = LogbookApi(
        client_config
    ).logbook_api_key_investigation_name_investigation_name_instrument_name_instrument_name_event_createfrombase64_post(
        "mx2468",
        "id23-1",
        key,
        LegacyBase64(
            base64="data:application/pdf;base64," + base64.b64encode(pdf).decode(),
            usernames="pnovak",
        ),
    )
    assert (stored.type, stored.content_type, stored.file_size) == (
        "attachment",
        "application/pdf",
        len(pdf),
    )
    assert stored.investigation_id == running.pk
    url = Attachment.objects.get().get_absolute_url()
    assert client.get(url).status_code == 404  # an embargoed session's file, to an outsider
    member = factories.InvestigationUserFactory(investigation=running).user
    client.force_login(member)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == pdf
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")


def test_search_and_sort_through_the_client(beamline, client_config) -> None:
    instrument, running, key = beamline
    earlier = factories.InvestigationFactory(
        name="MX-2468",
        title="Lysozyme again",
        instrument=instrument,
        start_date=timezone.now() - timedelta(days=30),
        end_date=timezone.now() - timedelta(days=29),
    )
    factories.DatasetFactory(investigation=running, name="thaumatin_1")
    api = DataAcquisitionApi(client_config)
    oldest_first = api.dataacquisition_api_key_investigation_get(
        key, investigation_name="MX-2468", sort_by="startDate", sort_order="1"
    )
    assert [i.id for i in oldest_first] == [earlier.pk, running.pk]
    newest_first = api.dataacquisition_api_key_investigation_get(
        key, investigation_name="MX-2468", sort_by="STARTDATE", sort_order="-1"
    )
    assert [i.id for i in newest_first] == [running.pk, earlier.pk]
    found = api.dataacquisition_api_key_investigation_get(key, search="lysozyme again")
    assert [i.id for i in found] == [earlier.pk]
    by_name = api.dataacquisition_api_key_dataset_get(
        key, investigation_id=str(running.pk), sort_by="name", sort_order="-1"
    )
    assert [d.name for d in by_name] == ["thaumatin_1", "lyso_1"]
    searched = api.dataacquisition_api_key_dataset_get(
        key, investigation_id=str(running.pk), search="THAU"
    )
    assert [d.name for d in searched] == ["thaumatin_1"]
    with pytest.raises(ApiException) as error:
        api.dataacquisition_api_key_dataset_get(
            key, investigation_id=str(running.pk), sort_by="password"
        )
    assert error.value.status == 400 and "sortBy" in error.value.body


def test_naive_creation_date_is_the_facility_wall_clock(beamline, client_config, settings) -> None:
    """Older pyicat-plus sends `datetime.now().isoformat()`: the beamline computer's local time,
    which is the facility's (TIME_ZONE), as ICAT+ reads it."""
    settings.TIME_ZONE = "Europe/Paris"
    instrument, running, key = beamline
    wall_clock = (timezone.now() - timedelta(hours=1)).astimezone(ZoneInfo("Europe/Paris"))
    naive = wall_clock.replace(tzinfo=None, microsecond=0)
    stored = DataAcquisitionApi(client_config).dataacquisition_api_key_notification_post(
        key,
        instrument_name="ID23-1",
        investigation_name="MX-2468",
        event=Event(
            type="notification",
            category="info",
            content=[{"format": "plainText", "text": "beam back"}],
            creation_date=naive,
        ),
    )
    assert stored.creation_date == naive.replace(tzinfo=ZoneInfo("Europe/Paris"))
    (doc,) = get_store().find(EventQuery(investigation_id=running.pk))[0]
    assert doc["creationDate"] == datetime.fromisoformat(wall_clock.isoformat()).replace(
        microsecond=0
    )
