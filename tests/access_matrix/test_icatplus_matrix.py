"""The ICAT+ routes as the URL matrix for beamline software: every route x every kind of API key
(the experiments' beamline, another beamline, facility-wide, unknown) x every state of the
experiment it names. A key that may not write or read an experiment gets exactly the answer of a
nonexistent one, and never its title, samples or datasets."""

from __future__ import annotations

import base64
import json

import pytest
from django.db import transaction

from .kinds import INVESTIGATION_STATES
from .walk import clients, send
from .world import BEAMLINE, png_bytes

pytestmark = pytest.mark.django_db

KEYS = ["beamline", "other_beamline", "facility", "unknown"]
MAY_USE = {"beamline", "facility"}  # keys that reach the experiments' beamline
NONEXISTENT_PROPOSAL = "ZZ-0000"
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def _requests(world, state: str | None, proposal: str, investigation_id) -> list[tuple]:
    """(method, path, body) for every ICAT+ route, naming the given proposal or session id."""
    message = {
        "investigationName": proposal,
        "instrumentName": BEAMLINE,
        "type": "annotation",
        "category": "comment",
        "content": [{"format": "plainText", "text": "beamline says hello"}],
    }
    image = "data:image/png;base64," + base64.b64encode(png_bytes()).decode()
    return [
        ("POST", "/icatplus/dataacquisition/{key}/notification", message),
        (
            "POST",
            f"/icatplus/dataacquisition/{{key}}/base64?investigationName={proposal}"
            f"&instrumentName={BEAMLINE}",
            {"base64": image},
        ),
        (
            "GET",
            f"/icatplus/dataacquisition/{{key}}/investigation?investigationName={proposal}",
            None,
        ),
        (
            "GET",
            f"/icatplus/dataacquisition/{{key}}/dataset?investigationId={investigation_id}",
            None,
        ),
        (
            "POST",
            f"/icatplus/logbook/{{key}}/investigation/name/{proposal}/instrument/name/{BEAMLINE}"
            "/event",
            {
                "type": "annotation",
                "category": "comment",
                "content": [{"format": "plainText", "text": "x"}],
            },
        ),
        (
            "POST",
            f"/icatplus/logbook/{{key}}/investigation/name/{proposal}/instrument/name/{BEAMLINE}"
            "/event/createFrombase64",
            {"base64": "data:application/pdf;base64," + base64.b64encode(PDF).decode()},
        ),
    ]


def _raw_key(world, key: str) -> str:
    return "not-a-key-at-all-0123456789" if key == "unknown" else world.api_keys[key]


@pytest.mark.parametrize("state", INVESTIGATION_STATES)
def test_icatplus_routes_by_key(in_world, state: str) -> None:
    world = in_world
    client = clients(world)["anonymous"]
    objects = world.states[state]
    investigation = objects.investigation
    real = _requests(world, state, investigation.name, investigation.pk)
    missing = _requests(world, state, NONEXISTENT_PROPOSAL, 987654321)
    failures = []
    for key in KEYS:
        raw = _raw_key(world, key)
        for (method, template, body), (_, missing_template, missing_body) in zip(
            real, missing, strict=True
        ):
            path = template.format(key=raw)
            data = json.dumps(body) if body is not None else ""
            response = send_json(client, method, path, data)
            label = f"{method} {template} [{state}] with the {key} key"
            if response.status_code >= 500:
                failures.append(f"{label}: {response.status_code}")
                continue
            if key == "unknown":
                if response.status_code != 401:
                    failures.append(f"{label}: {response.status_code}, not 401")
                continue
            if key in MAY_USE:
                if response.status_code != 200:
                    failures.append(f"{label}: {response.status_code}: {response.content[:200]}")
                elif method == "GET" and investigation.name.encode() not in response.content:
                    failures.append(f"{label}: the session is not in the answer")
                continue
            twin = send_json(
                client,
                method,
                missing_template.format(key=raw),
                json.dumps(missing_body) if missing_body is not None else "",
            )
            names = [investigation.name, NONEXISTENT_PROPOSAL, str(investigation.pk), "987654321"]
            if (response.status_code, _blank(response.content, names)) != (
                twin.status_code,
                _blank(twin.content, names),
            ):
                failures.append(
                    f"{label}: {response.status_code} {response.content[:200]!r} where a "
                    f"nonexistent session gets {twin.status_code} {twin.content[:200]!r}"
                )
            for secret in objects.markers:
                if secret.encode() in response.content:
                    failures.append(f"{label}: the answer shows {secret!r}")
    assert failures == [], "\n".join(failures)


def send_json(client, method: str, path: str, data: str):
    if method == "GET":
        return send(client, "GET", path, hx=False, json=False)
    return send(client, method, path, hx=False, json=True, body=data)


def _blank(body: bytes, names: list[str]) -> bytes:
    for name in sorted(names, key=len, reverse=True):
        body = body.replace(name.encode(), b"<NAME>")
    return body


def _facility_requests(objects, sibling, dataset_id, investigation_id) -> list[tuple]:
    """(path, body) of the routes of the facility's systems, naming the state's dataset and
    session (moved to and from a sibling session on the same beamline)."""
    move = "/icatplus/dataacquisition/{key}/events/move"
    return [
        (
            f"/icatplus/dataacquisition/{{key}}/dataset/restore?datasetId={dataset_id}",
            {"level": "info", "message": "back from tape"},
        ),
        (
            f"{move}?sourceInvestigationId={investigation_id}"
            f"&destinationInvestigationId={sibling.pk}",
            None,
        ),
        (
            f"{move}?sourceInvestigationId={sibling.pk}"
            f"&destinationInvestigationId={investigation_id}",
            None,
        ),
        (
            "/icatplus/dataacquisition/{key}/mint",
            {"title": "Processed data", "abstract": "Scaled.", "datasetIdList": [dataset_id]},
        ),
    ]


@pytest.mark.parametrize("state", INVESTIGATION_STATES)
def test_facility_routes_by_key(in_world, state: str) -> None:
    """Restore reports, logbook moves and DOI mints: a key that may not act on the state's
    dataset or session gets the answer of a nonexistent one. Each request is rolled back, so
    the world stays as built for the next cell."""
    world = in_world
    client = clients(world)["anonymous"]
    objects = world.states[state]
    sibling = world.states["released" if state != "released" else "embargoed"].investigation
    real = _facility_requests(
        objects, sibling, objects.restore_dataset.pk, objects.investigation.pk
    )
    missing = _facility_requests(objects, sibling, 987654321, 987654321)
    names = [str(objects.restore_dataset.pk), str(objects.investigation.pk), "987654321"]
    failures = []
    for key in KEYS:
        raw = _raw_key(world, key)
        for (template, body), (missing_template, missing_body) in zip(real, missing, strict=True):
            label = f"POST {template} [{state}] with the {key} key"
            response = _rolled_back(client, template.format(key=raw), body)
            if response.status_code >= 500:
                failures.append(f"{label}: {response.status_code}")
            elif key == "unknown":
                if response.status_code != 401:
                    failures.append(f"{label}: {response.status_code}, not 401")
            elif key in MAY_USE:
                if response.status_code != 200:
                    failures.append(f"{label}: {response.status_code}: {response.content[:200]}")
            else:
                twin = _rolled_back(client, missing_template.format(key=raw), missing_body)
                if (response.status_code, _blank(response.content, names)) != (
                    twin.status_code,
                    _blank(twin.content, names),
                ):
                    failures.append(
                        f"{label}: {response.status_code} {response.content[:200]!r} where a "
                        f"nonexistent one gets {twin.status_code} {twin.content[:200]!r}"
                    )
            for secret in objects.markers:
                if secret.encode() in response.content:
                    failures.append(f"{label}: the answer shows {secret!r}")
    assert failures == [], "\n".join(failures)


def _rolled_back(client, path: str, body):
    with transaction.atomic():
        response = send_json(client, "POST", path, json.dumps(body) if body is not None else "")
        transaction.set_rollback(True)
    return response
