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


def _sample(objects) -> int:
    return objects.sample.pk


def _attachment(objects) -> str:
    return str(objects.attachment.uuid)


def _event(objects) -> str:
    return objects.event["_id"]


CATALOGUE = "/icatplus/catalogue/{sid}"


# (name, method, path with {sid} and {id}, kind, which object of the state names {id},
#  who among those who see it gets through [, the status they get: 200 unless given]). Writes
#  are sent an empty body: those who may write get the refused body's 400 (the check came
#  first and nothing changed), those who only read get 403.
TEAM_STAFF = frozenset(
    {"participant", "collaborator", "principal_investigator", "local_contact", "scientist", "staff"}
)
PI_STAFF = frozenset({"principal_investigator", "staff"})
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
        None,  # whoever may download it (access.may_request_restore), as on the dataset page
    ),
    # ICAT+ catalogue reads (catalogue/icatplus/read_urls.py)
    (
        "collections of a dataset",
        "GET",
        CATALOGUE + "/dataset/id/{id}/datacollection",
        "dataset",
        _dataset,
        None,
    ),
    (
        "collections by dataset",
        "GET",
        CATALOGUE + "/datacollection?datasetId={id}",
        "dataset",
        _dataset,
        None,
    ),
    (
        "dataset documents",
        "GET",
        CATALOGUE + "/dataset/id/{id}/dataset_document",
        "dataset",
        _dataset,
        None,
    ),
    (
        "dataset timeline",
        "GET",
        CATALOGUE + "/dataset/timeline?investigationId={id}",
        "investigation",
        _investigation,
        None,
    ),
    (
        "sample timeline",
        "GET",
        CATALOGUE + "/dataset/timeline?sampleId={id}",
        "sample",
        _sample,
        None,
    ),
    (
        "parameter values",
        "GET",
        CATALOGUE + "/datasetparameter/values?investigationId={id}",
        "investigation",
        _investigation,
        None,
    ),
    (
        "files",
        "GET",
        CATALOGUE + "/files?investigationId={id}",
        "investigation",
        _investigation,
        None,
    ),
    (
        "file download",
        "GET",
        CATALOGUE + "/files/download?sampleId=0&resourceId={id}",
        "attachment",
        _attachment,
        None,
    ),
    (
        "samples of an investigation",
        "GET",
        CATALOGUE + "/investigation/id/{id}/sample",
        "investigation",
        _investigation,
        None,
    ),
    ("page of a sample", "GET", CATALOGUE + "/samples/{id}/page", "sample", _sample, None),
    # Sample sheets are named by their investigation; writes and sample ids per role:
    # tests/catalogue/test_icatplus_sample_metadata.py.
    (
        "sample sheets",
        "GET",
        "/icatplus/samplemetadata/{sid}/samples?investigationId={id}",
        "investigation",
        _investigation,
        None,
    ),
    (
        "sample metadata",
        "GET",
        "/icatplus/samplemetadata/{sid}/metadata?investigationId={id}&metadataName=x&projectName=p",
        "investigation",
        _investigation,
        None,
    ),
    (
        "team add",
        "POST",
        "/icatplus/catalogue/{sid}/investigation/id/{id}/investigationusers",
        "investigation",
        lambda objects: objects.investigation.pk,
        PI_STAFF,
        400,
    ),
    (
        "team remove",
        "DELETE",
        "/icatplus/catalogue/{sid}/investigation/id/{id}/investigationusers",
        "investigation",
        lambda objects: objects.investigation.pk,
        PI_STAFF,
        400,
    ),
    (
        "sample parameter add",
        "POST",
        "/icatplus/catalogue/{sid}/samples/{id}/sampleParameters",
        "sample",
        lambda objects: objects.sample.pk,
        TEAM_STAFF,
        400,
    ),
    (
        "sample parameter change",
        "PUT",
        "/icatplus/catalogue/{sid}/sampleParameters/{id}",
        "sample",
        lambda objects: objects.sample_parameter.pk,
        TEAM_STAFF,
        400,
    ),
    (
        "dataset parameter change",
        "PUT",
        "/icatplus/catalogue/{sid}/datasetparameter?parameterId={id}",
        "dataset",
        lambda objects: objects.dataset_parameter.pk,
        TEAM_STAFF,
        400,
    ),
    (
        "release date",
        "POST",
        "/icatplus/catalogue/investigations/{id}/release-date?sessionId={sid}",
        "investigation",
        lambda objects: objects.investigation.pk,
        frozenset({"staff"}),
        400,
    ),
    (
        # A JSON body is not an upload: those who may upload get 415 (multipart expected).
        "sample file upload",
        "POST",
        "/icatplus/catalogue/{sid}/files/upload?sampleId={id}",
        "sample",
        lambda objects: objects.sample.pk,
        TEAM_STAFF,
        415,
    ),
    # ICAT+ logbook session routes (logbook/icatplus_session.py)
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
        TEAM_STAFF,
    ),
    (
        "logbook restore",
        "PUT",
        "/icatplus/logbook/{sid}/event/restore?investigationId={id}",
        "investigation",
        _investigation,
        TEAM_STAFF,
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
    name, method, template, kind, pick, doers, *passed = row
    passed_status = passed[0] if passed else 200
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
                if allowed and response.status_code != passed_status:
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
