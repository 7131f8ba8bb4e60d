"""Acquisition API: keys, routing, and bad input (401/403 with nothing stored, 400 naming it)."""

from __future__ import annotations

import base64
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

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


PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def data_uri(content_type: str, data: bytes) -> str:
    return f"data:{content_type};base64," + base64.b64encode(data).decode()


@pytest.mark.parametrize("proposal", ["mx2468", "MX2468", "mx-2468", " MX-2468 "])
def test_every_route_taking_a_proposal_normalises_it(client, setup, proposal) -> None:
    key, running = setup["key"], setup["running"]
    assert notify(client, key, NOTE, investigationName=proposal, instrumentName="id23-1").json()[
        "investigationId"
    ] == (running.pk)
    posts = [
        (
            f"/icatplus/dataacquisition/{key}/base64?investigationName={proposal}"
            "&instrumentName=id23-1",
            {"base64": png_uri()},
        ),
        (
            f"/icatplus/logbook/{key}/investigation/name/{proposal}/instrument/name/id23-1/event",
            NOTE,
        ),
        (
            f"/icatplus/logbook/{key}/investigation/name/{proposal}/instrument/name/id23-1"
            "/event/createFrombase64",
            {"base64": png_uri()},
        ),
    ]
    for path, body in posts:
        response = client.post(path, body, content_type="application/json")
        assert response.status_code == 200, response.content
        assert response.json()["investigationName"] == "MX-2468"
    found = client.get(
        f"/icatplus/dataacquisition/{key}/investigation",
        {"investigationName": proposal, "instrumentName": "id23-1"},
    ).json()
    assert {i["id"] for i in found} == {running.pk, setup["earlier"].pk}


def test_beamline_names_are_case_insensitive_on_the_investigation_route(client, setup) -> None:
    found = client.get(
        f"/icatplus/dataacquisition/{setup['facility_key']}/investigation",
        {"instrumentName": "id23-1"},
    ).json()
    assert [(i["id"], i["instrument"]["name"]) for i in found] == [(setup["running"].pk, "ID23-1")]
    outside = client.get(
        f"/icatplus/dataacquisition/{setup['key']}/investigation", {"instrumentName": "bm29"}
    )
    assert outside.status_code == 400 and outside.json()["field"] == "instrumentName"


@pytest.mark.parametrize(
    "uri,words",
    [
        (data_uri("application/octet-stream", b"\x00\x01"), "not accepted"),
        (data_uri("text/html", b"<script>alert(1)</script>"), "not accepted"),
        (data_uri("application/pdf", b"<html>not a pdf</html>"), "not a PDF"),
        (data_uri("text/plain", b"\xff\xfe\x00bad"), "not UTF-8"),
    ],
)
def test_files_outside_the_allow_list_are_refused(client, setup, uri, words) -> None:
    response = client.post(
        f"/icatplus/dataacquisition/{setup['key']}/base64?instrumentName=ID23-1",
        {"base64": uri},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["field"] == "base64"
    assert words in response.json()["message"]
    assert stored() == [] and not Attachment.objects.exists()


def test_a_text_file_is_kept_and_linked_from_its_event(client, setup) -> None:
    response = client.post(
        f"/icatplus/dataacquisition/{setup['key']}/base64?instrumentName=ID23-1"
        "&investigationName=MX-2468",
        {"base64": data_uri("text/plain", b"scan 12 done\n"), "filename": "macro.log"},
        content_type="application/json",
    )
    assert response.status_code == 200
    attachment = Attachment.objects.get()
    assert (attachment.filename, attachment.content_type) == ("macro.txt", "text/plain")
    html = response.json()["content"][0]["text"]
    assert f'href="{attachment.get_absolute_url()}"' in html and "<img" not in html


def test_huge_pdf_is_refused(client, setup, settings) -> None:
    settings.LOGBOOK_MAX_IMAGE_BYTES = 50
    response = client.post(
        f"/icatplus/dataacquisition/{setup['key']}/base64?instrumentName=ID23-1",
        {"base64": data_uri("application/pdf", PDF + b"0" * 100)},
        content_type="application/json",
    )
    assert response.status_code == 400 and "larger than" in response.json()["message"]
    assert stored() == [] and not Attachment.objects.exists()


@pytest.mark.parametrize(
    "route,params,field",
    [
        ("investigation", {"sortBy": "password"}, "sortBy"),
        ("investigation", {"sortBy": "name", "sortOrder": "sideways"}, "sortOrder"),
        ("dataset", {"sortBy": "title"}, "sortBy"),
        ("dataset", {"search": "x" * 300}, "search"),
    ],
)
def test_unknown_sorting_is_400_naming_it(client, setup, route, params, field) -> None:
    response = client.get(
        f"/icatplus/dataacquisition/{setup['key']}/{route}",
        {"investigationId": setup["running"].pk, **params},
    )
    assert response.status_code == 400 and response.json()["field"] == field


def test_dataset_list_queries_do_not_grow_with_its_length(
    client, setup, django_assert_max_num_queries
) -> None:
    energy = factories.ParameterTypeFactory()
    for n in range(6):
        dataset = factories.DatasetFactory(investigation=setup["running"], name=f"scan_{n}")
        dataset.parameters.create(type=energy, numeric_value=12.0 + n)
    with django_assert_max_num_queries(6):
        found = client.get(
            f"/icatplus/dataacquisition/{setup['key']}/dataset",
            {"investigationId": setup["running"].pk},
        ).json()
    assert len(found) == 6
    assert {"id", "name", "value", "units", "datasetId"} <= set(found[0]["parameters"][0])
    assert found[0]["parameters"][0]["value"] == "12"


def test_naive_creation_date_is_read_in_the_facility_zone_whatever_zone_is_active(
    client, setup, settings
) -> None:
    settings.TIME_ZONE = "Europe/Paris"
    with timezone.override("Asia/Tokyo"):
        response = notify(
            client,
            setup["key"],
            {**NOTE, "creationDate": "2024-03-01T10:00:00"},
            instrumentName="ID23-1",
        )
    when = datetime.fromisoformat(response.json()["creationDate"])
    assert when == datetime(2024, 3, 1, 10, tzinfo=ZoneInfo("Europe/Paris"))
