"""ICAT+ routes that take a session id, as the URL matrix walks pages: every route x every role
(each with its own ICAT+ session; anonymous with an unknown id) x every state of the object the
request names. A role that may not see the object gets exactly the answer of a nonexistent id,
and never its secret names. Rows: (route, method, kind, how the request names the object)."""

from __future__ import annotations

import pytest

from portal.models import IcatPlusSession

from .kinds import STATES_OF, markers
from .table import visible_to
from .walk import clients, send
from .world import NONEXISTENT_PK, ROLES

pytestmark = pytest.mark.django_db

UNKNOWN_SESSION = "00000000-0000-4000-8000-00000000dead"


def _dataset(objects) -> int:
    return objects.dataset.pk


def _datafile(objects) -> int:
    return objects.datafile.pk


def _archived(objects) -> int:
    return objects.restore_dataset.pk


def _investigation(objects) -> int:
    return objects.investigation.pk


def _event(objects) -> str:
    return objects.event["_id"]


WRITERS = frozenset(
    {"participant", "collaborator", "principal_investigator", "local_contact", "scientist", "staff"}
)


# (name, method, path with {sid} and {id}, kind, which object of the state names {id},
#  who among those who see it gets a 200)
ROWS = [
    (
        "ids status",
        "GET",
        "/icatplus/ids/{sid}/datasets/status?datasetIds={id}",
        "dataset",
        _dataset,
        None,
    ),
    ("ids path", "GET", "/icatplus/ids/{sid}/path?datasetIds={id}", "dataset", _dataset, None),
    (
        "ids file",
        "GET",
        "/icatplus/ids/{sid}/data/download?datafileIds={id}",
        "datafile",
        _datafile,
        None,
    ),
    (
        "ids zip",
        "GET",
        "/icatplus/ids/{sid}/data/download?datasetIds={id}",
        "dataset",
        _dataset,
        None,
    ),
    (
        "ids restore",
        "POST",
        "/icatplus/ids/{sid}/datasets/restore?datasetIds={id}",
        "archived_dataset",
        _archived,
        frozenset(
            {
                "participant",
                "collaborator",
                "principal_investigator",
                "local_contact",
                "scientist",
                "staff",
            }
        ),
    ),
    (
        "logbook events",
        "GET",
        "/icatplus/logbook/{sid}/event?investigationId={id}",
        "investigation",
        _investigation,
        None,
    ),
    (
        "logbook count",
        "GET",
        "/icatplus/logbook/{sid}/event/count?investigationId={id}",
        "investigation",
        _investigation,
        None,
    ),
    (
        "logbook dates",
        "GET",
        "/icatplus/logbook/{sid}/event/dates?investigationId={id}",
        "investigation",
        _investigation,
        None,
    ),
    (
        "logbook tags",
        "GET",
        "/icatplus/logbook/{sid}/tag?investigationId={id}",
        "investigation",
        _investigation,
        None,
    ),
    (
        "logbook event page",
        "GET",
        "/icatplus/logbook/{sid}/event/page?_id={id}",
        "investigation",
        _event,
        None,
    ),
    (
        "logbook remove",
        "PUT",
        "/icatplus/logbook/{sid}/event/remove?investigationId={id}",
        "investigation",
        _investigation,
        WRITERS,
    ),
    (
        "logbook restore",
        "PUT",
        "/icatplus/logbook/{sid}/event/restore?investigationId={id}",
        "investigation",
        _investigation,
        WRITERS,
    ),
]


def _sessions(world) -> dict[str, str]:
    ids = {"anonymous": UNKNOWN_SESSION}
    for role, user in world.users.items():
        ids[role] = IcatPlusSession.objects.open(user=user)[1]
    return ids


@pytest.mark.parametrize("row", ROWS, ids=[row[0] for row in ROWS])
def test_icatplus_session_routes(in_world, row) -> None:
    world = in_world
    name, method, template, kind, pick, doers = row
    client = clients(world)["anonymous"]  # the session id is the only credential
    sessions = _sessions(world)
    failures = []
    for state in STATES_OF[kind]:
        objects = world.states[state]
        object_id = pick(objects)
        visible = visible_to(kind, state)
        for role in ROLES:
            sid = sessions[role]
            path = template.format(sid=sid, id=object_id)
            missing = template.format(sid=sid, id=NONEXISTENT_PK)
            response = send(client, method, path, hx=False, json=True, body="{}")
            label = f"{name} [{state}] as {role}"
            body = b"" if response.streaming else response.content
            if response.status_code >= 500:
                failures.append(f"{label}: {response.status_code}")
                continue
            if role == "anonymous":
                if response.status_code != 403:
                    failures.append(f"{label}: {response.status_code} with an unknown session")
                continue
            if role in visible:
                allowed = doers is None or role in doers
                if allowed and response.status_code != 200:
                    failures.append(f"{label}: {response.status_code} {body[:150]!r}")
                if not allowed and response.status_code != 403:
                    failures.append(f"{label}: {response.status_code}, expected 403")
                continue
            twin = send(client, method, missing, hx=False, json=True, body="{}")
            blank = [str(object_id), str(NONEXISTENT_PK)]
            if (response.status_code, _blank(body, blank)) != (
                twin.status_code,
                _blank(twin.content, blank),
            ):
                failures.append(
                    f"{label}: {response.status_code} {body[:150]!r} where a nonexistent id "
                    f"gets {twin.status_code} {twin.content[:150]!r}"
                )
            for secret in markers(kind, world, state):
                if secret.encode() in body:
                    failures.append(f"{label}: the answer shows {secret!r}")
    assert failures == [], "\n".join(failures)


def _blank(body: bytes, values: list[str]) -> bytes:
    for value in sorted(values, key=len, reverse=True):
        body = body.replace(value.encode(), b"<ID>")
    return body
