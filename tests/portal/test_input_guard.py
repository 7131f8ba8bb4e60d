"""The input guard (portal/middleware.py): control characters and oversized bodies are refused
with a 4xx before any view runs. On PostgreSQL a NUL byte reaching a query is a 500 DataError;
SQLite may swallow it, so these tests assert the guard's own answer."""

from __future__ import annotations

import base64
import json

import pytest
from django.conf import settings

from tests import factories


@pytest.mark.parametrize(
    "url",
    [
        "/doi/10.5072/%00",
        "/api/dois/10.5072/%00/",
        "/beamlines/%00/logbook/",
        "/public/?beamline=%00",
        "/public/?q=a%01b",
        "/api/investigations/?beamline%00=ID01",
    ],
)
def test_control_characters_in_address_get_400(client, db, url: str) -> None:
    response = client.get(url)

    assert response.status_code == 400
    assert "control characters" in response.text


def test_api_and_icatplus_refusals_are_json_and_pages_get_plain_text(client, db) -> None:
    api = client.get("/api/dois/10.5072/%00/")
    icatplus = client.get("/icatplus/dataacquisition/key%00/dataset")
    page = client.get("/beamlines/%00/logbook/")

    assert api.headers["Content-Type"] == "application/json"
    assert "control characters" in api.json()["detail"]
    assert icatplus.json()["detail"] == api.json()["detail"]
    assert page.headers["Content-Type"].startswith("text/plain")


def test_nul_in_a_form_field_gets_400_and_creates_nothing(client, team) -> None:
    from catalogue.models import AccessRequest

    client.force_login(team.outsider)
    response = client.post("/access-requests/new/", {"proposal": "MX-1\x00", "message": "hi"})

    assert response.status_code == 400
    assert not AccessRequest.objects.exists()


def test_nul_escaped_inside_json_gets_400(client, db) -> None:
    body = json.dumps({"content": [{"format": "plainText", "text": "a\u0000b"}]})

    response = client.post("/api/logbook/events/", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"detail": "The request body contains control characters."}


def test_tabs_and_line_breaks_in_a_body_pass(client, team) -> None:
    from catalogue.models import AccessRequest

    client.force_login(team.outsider)
    response = client.post(
        "/access-requests/new/", {"proposal": "MX-1", "message": "line one\r\n\tline two"}
    )

    assert response.status_code == 302
    assert AccessRequest.objects.get().message == "line one\r\n\tline two"


def test_json_body_just_over_the_limit_gets_413_with_json(client, db, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    url = "/icatplus/dataacquisition/no-such-key/notification"
    under = json.dumps({"title": "x" * 1970})
    over = json.dumps({"title": "x" * 1990})
    assert len(under) <= 2000 < len(over)

    accepted = client.post(url, under, content_type="application/json")
    refused = client.post(url, over, content_type="application/json")

    assert accepted.status_code != 413  # reaches the view, which refuses the key its own way
    assert refused.status_code == 413
    assert refused.json()["detail"].startswith("The request body is too large (at most 2.0")


def test_form_body_over_the_limit_gets_413_page_and_creates_nothing(client, team, settings) -> None:
    from catalogue.models import AccessRequest

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    client.force_login(team.outsider)

    under = client.post("/access-requests/new/", {"proposal": "MX-1", "message": "m" * 1900})
    over = client.post("/access-requests/new/", {"proposal": "MX-2", "message": "m" * 2100})

    assert under.status_code == 302
    assert over.status_code == 413
    assert over.headers["Content-Type"].startswith("text/plain")
    assert "too large" in over.text
    assert list(AccessRequest.objects.values_list("proposal", flat=True)) == ["MX-1"]


def test_default_body_limit_admits_the_largest_logbook_image_base64_encoded() -> None:
    image = base64.b64encode(b"\xfb\xff" * (settings.LOGBOOK_MAX_IMAGE_BYTES // 2)).decode()
    as_json = json.dumps({"base64": f"data:image/png;base64,{image}", "title": "t" * 255})
    pasted = f'<p>{"words " * 10000}<img src="data:image/png;base64,{image}"></p>'

    assert len(as_json) < settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    # The logbook form is multipart: its text fields count unescaped.
    assert len(pasted.encode()) < settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_ordinary_requests_pass_the_guard(client, db) -> None:
    factories.InvestigationFactory(released=True)

    assert client.get("/public/?q=ferritin&start=2020-01-01").status_code == 200


def test_too_many_form_fields_get_413(client, db, settings) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10

    response = client.post("/api/datasets/", {f"f{n}": "x" for n in range(11)})

    assert response.status_code == 413
    assert response.json() == {"detail": "The request has too many fields or files."}
