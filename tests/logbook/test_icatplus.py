"""Acquisition API: keys, routing, and bad input (401/403 with nothing stored, 400 naming it)."""

from __future__ import annotations

import base64
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from logbook.models import ApiKey, Attachment
from logbook.store import EventQuery, get_store
from tests import factories


@pytest.fixture
def setup(db):
    instrument = factories.InstrumentFactory(name="ID23-1")
    other = factories.InstrumentFactory(name="BM29")
    now = timezone.now()
    running = factories.InvestigationFactory(
        name="MX-2468",
        instrument=instrument,
        start_date=now - timedelta(hours=5),
        end_date=now + timedelta(hours=5),
    )
    earlier = factories.InvestigationFactory(
        name="MX-2468",
        instrument=instrument,
        start_date=now - timedelta(days=40),
        end_date=now - timedelta(days=38),
    )
    _, key = ApiKey.objects.create_key(name="ID23-1", instrument=instrument)
    _, facility_key = ApiKey.objects.create_key(name="facility")
    return {
        "instrument": instrument,
        "other": other,
        "running": running,
        "earlier": earlier,
        "key": key,
        "facility_key": facility_key,
    }


def notify(client, key: str, body: dict | str, **params):
    from urllib.parse import urlencode

    payload = body if isinstance(body, str) else __import__("json").dumps(body)
    return client.post(
        f"/icatplus/dataacquisition/{key}/notification?{urlencode(params)}",
        payload,
        content_type="application/json",
    )


NOTE = {
    "type": "notification",
    "category": "commandLine",
    "content": [{"format": "plainText", "text": "ct 1"}],
}


def stored() -> list[dict]:
    docs = get_store().find(EventQuery(instrument_name="ID23-1"))[0]
    return docs + get_store().find(EventQuery(instrument_name="BM29"))[0]


def test_event_goes_to_the_session_running_then(client, setup) -> None:
    response = notify(
        client, setup["key"], NOTE, investigationName="MX-2468", instrumentName="ID23-1"
    )
    assert response.status_code == 200 and response.json()["investigationId"] == setup["running"].pk
    when = (setup["earlier"].start_date + timedelta(hours=1)).isoformat()
    response = notify(
        client,
        setup["key"],
        {**NOTE, "creationDate": when},
        investigationName="MX-2468",
        instrumentName="ID23-1",
    )
    assert response.json()["investigationId"] == setup["earlier"].pk


def test_nothing_running_goes_to_the_beamline_logbook(client, setup) -> None:
    response = notify(client, setup["facility_key"], NOTE, instrumentName="BM29")
    assert response.status_code == 200
    doc = get_store().find(EventQuery(instrument_name="BM29", beamline_only=True))[0][0]
    assert doc["investigationId"] is None and doc["content"][0]["text"] == "ct 1"


@pytest.mark.parametrize(
    "key_name,status", [("wrong", 401), ("revoked", 403), ("other_beamline", 400)]
)
def test_bad_keys_store_nothing(client, setup, key_name, status) -> None:
    key = {"wrong": "nope"}.get(key_name)
    if key_name == "revoked":
        revoked, key = ApiKey.objects.create_key(name="old", instrument=setup["instrument"])
        revoked.revoked_at = timezone.now()
        revoked.save()
    if key_name == "other_beamline":
        key = setup["key"]
    response = notify(
        client, key, NOTE, instrumentName="BM29" if key_name == "other_beamline" else "ID23-1"
    )
    assert response.status_code == status
    image = client.post(
        f"/icatplus/dataacquisition/{key}/base64?instrumentName=BM29",
        {"base64": "data:image/png;base64,AAAA"},
        content_type="application/json",
    )
    assert image.status_code == status
    assert client.get(f"/icatplus/dataacquisition/{key}/investigation").status_code in (
        401,
        200 if key_name == "other_beamline" else 403,
    )
    assert stored() == [] and not Attachment.objects.exists()


@pytest.mark.parametrize(
    "params,body,field,words",
    [
        (
            {"investigationName": "MX-9999", "instrumentName": "ID23-1"},
            NOTE,
            "investigationName",
            "MX-9999",
        ),
        ({"instrumentName": "ID99"}, NOTE, "instrumentName", "ID99"),
        ({"instrumentName": "ID23-1"}, {**NOTE, "category": "gossip"}, "category", "gossip"),
        ({"instrumentName": "ID23-1"}, {**NOTE, "type": "rumour"}, "type", "type"),
        ({"instrumentName": "ID23-1"}, {**NOTE, "content": "text"}, "content", "content"),
        (
            {"instrumentName": "ID23-1"},
            {**NOTE, "creationDate": "yesterday"},
            "creationDate",
            "yesterday",
        ),
        ({"instrumentName": "ID23-1"}, {**NOTE, "datasetId": "abc"}, "datasetId", "datasetId"),
        ({"instrumentName": "ID23-1"}, {**NOTE, "tag": "x"}, "tag", "tag"),
        ({"instrumentName": "ID23-1"}, "{not json", "body", "JSON"),
    ],
)
def test_bad_input_is_400_naming_the_field(client, setup, params, body, field, words) -> None:
    response = notify(client, setup["key"], body, **params)
    assert response.status_code == 400
    assert response.json()["field"] == field and words in response.json()["message"]
    assert stored() == []


def png_uri(size=(32, 32)) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", size, "navy").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@pytest.mark.parametrize(
    "value,words",
    [
        ("data:image/png;base64,@@@not base64", "base64"),
        (
            "data:image/png;base64," + base64.b64encode(b"<svg onload=alert(1)>").decode(),
            "not an image",
        ),
        ("", "required"),
    ],
)
def test_bad_images_are_refused(client, setup, value, words) -> None:
    response = client.post(
        f"/icatplus/dataacquisition/{setup['key']}/base64?instrumentName=ID23-1",
        {"base64": value},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["field"] == "base64"
    assert words in response.json()["message"]
    assert stored() == [] and not Attachment.objects.exists()


def test_huge_image_is_refused(client, setup, settings) -> None:
    settings.LOGBOOK_MAX_IMAGE_BYTES = 50
    response = client.post(
        f"/icatplus/dataacquisition/{setup['key']}/base64?instrumentName=ID23-1",
        {"base64": png_uri((300, 300))},
        content_type="application/json",
    )
    assert response.status_code == 400 and "larger than" in response.json()["message"]
    assert stored() == []


def test_html_from_beamline_software_is_sanitised(client, setup) -> None:
    body = {
        **NOTE,
        "category": "info",
        "content": [{"format": "html", "text": "<b>ok</b><img src=x onerror=alert(1)>"}],
    }
    response = notify(
        client, setup["key"], body, instrumentName="ID23-1", investigationName="MX-2468"
    )
    assert "onerror" not in response.json()["content"][0]["text"]


def test_investigation_and_dataset_lookups(client, setup) -> None:
    key = setup["key"]
    found = client.get(f"/icatplus/dataacquisition/{key}/investigation").json()
    assert [i["id"] for i in found] == [setup["running"].pk]
    by_name = client.get(
        f"/icatplus/dataacquisition/{key}/investigation?investigationName=MX-2468"
    ).json()
    assert len(by_name) == 2
    assert (
        client.get(f"/icatplus/dataacquisition/{key}/investigation?instrumentName=ID99").status_code
        == 400
    )
    assert client.get(f"/icatplus/dataacquisition/{key}/dataset").status_code == 400
    assert (
        client.get(f"/icatplus/dataacquisition/{key}/dataset?investigationId=999999").status_code
        == 400
    )
    assert (
        client.get(
            f"/icatplus/dataacquisition/{key}/dataset?investigationId={setup['running'].pk}"
        ).json()
        == []
    )


def test_keys_are_stored_hashed(setup) -> None:
    assert not ApiKey.objects.filter(key_hash=setup["key"]).exists()
    assert all(len(k.key_hash) == 64 for k in ApiKey.objects.all())


def test_a_key_is_rate_limited(client, setup, settings) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"apikey": "2/min"},
    }
    from django.core.cache import cache

    cache.clear()  # counters of earlier tests' keys
    url = f"/icatplus/dataacquisition/{setup['key']}/investigation"
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]


def test_dataset_is_named_only_when_it_belongs_to_the_session(client, setup) -> None:
    """A datasetId of another (hidden) session must not copy its dataset's name in here."""
    own = factories.DatasetFactory(investigation=setup["running"], name="own_0001")
    hidden = factories.DatasetFactory(name="secret_0001")
    for dataset_id, name in [(own.pk, "own_0001"), (hidden.pk, "as sent")]:
        response = notify(
            client,
            setup["key"],
            {**NOTE, "datasetId": dataset_id, "datasetName": "as sent"},
            investigationName="MX-2468",
            instrumentName="ID23-1",
        )
        assert response.status_code == 200
        assert response.json()["datasetName"] == name
