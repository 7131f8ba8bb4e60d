"""The facility's side of ICAT+'s `data_acquisition` group, through `icat-plus-client` against a
live server: moving a logbook written to the wrong proposal, and the archive's restore report."""

from __future__ import annotations

import base64
import json

import pytest
from django.core import mail
from django.utils import timezone
from icat_plus_client import ApiClient, Configuration
from icat_plus_client.api.data_acquisition_api import DataAcquisitionApi
from icat_plus_client.exceptions import ApiException
from icat_plus_client.models.dataacquisition_api_key_base64_post_request import (
    DataacquisitionApiKeyBase64PostRequest,
)
from icat_plus_client.models.dataacquisition_api_key_dataset_restore_post_request import (
    DataacquisitionApiKeyDatasetRestorePostRequest as RestoreReport,
)
from icat_plus_client.models.event import Event

from catalogue.models import ArchiveStatus, DatasetRestore, DownloadJobStatus
from logbook.models import ApiKey, Attachment, Tag
from logbook.store import EventQuery, get_store
from tests import factories

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def beamline(transactional_db):
    instrument = factories.InstrumentFactory(name="ID23-1")
    wrong, right = (
        factories.InvestigationFactory(
            name=name,
            instrument=instrument,
            running=True,
        )
        for name in ("MX-2468", "MX-2469")
    )
    elsewhere = factories.InvestigationFactory(
        name="MX-2470", instrument=factories.InstrumentFactory(name="BM29")
    )
    _, raw = ApiKey.objects.create_key(name="ID23-1 MXCuBE", instrument=instrument)
    return wrong, right, elsewhere, raw


@pytest.fixture
def api(live_server) -> DataAcquisitionApi:
    return DataAcquisitionApi(ApiClient(Configuration(host=f"{live_server.url}/icatplus")))


def _error(call) -> tuple[int, dict]:
    with pytest.raises(ApiException) as error:
        call()
    return error.value.status, json.loads(error.value.body)


def test_events_move_to_the_right_proposal_with_their_files_and_tags_only_within_the_key(
    beamline, api
) -> None:
    wrong, right, elsewhere, key = beamline
    api.dataacquisition_api_key_notification_post(
        key,
        investigation_name=wrong.name,
        instrument_name="id23-1",
        event=Event(
            type="annotation",
            category="comment",
            content=[{"format": "plainText", "text": "crystal 3 diffracts to 1.2 A"}],
            tag=[{"name": "lysozyme"}],
        ),
    )
    api.dataacquisition_api_key_base64_post(
        key,
        DataacquisitionApiKeyBase64PostRequest(
            base64="data:application/pdf;base64," + base64.b64encode(PDF).decode(),
            filename="report.pdf",
        ),
        investigation_name=wrong.name,
        instrument_name="ID23-1",
    )
    before = {d["_id"] for d in get_store().find(EventQuery(investigation_id=wrong.pk))[0]}

    # Into or out of another beamline's session, as into or out of one that does not exist:
    # the same answer (but for the id named), and nothing moves.
    for source, destination, field in (
        (wrong.pk, elsewhere.pk, "destinationInvestigationId"),
        (elsewhere.pk, right.pk, "sourceInvestigationId"),
    ):
        hidden = _error(
            lambda s=source, d=destination: api.dataacquisition_api_key_events_move_post(key, s, d)
        )
        nonexistent = (
            (wrong.pk, 987654321) if field.startswith("destination") else (987654321, right.pk)
        )
        missing = _error(
            lambda n=nonexistent: api.dataacquisition_api_key_events_move_post(key, *n)
        )
        assert hidden[0] == missing[0] == 400 and hidden[1]["field"] == field
        assert hidden[1]["message"].replace(str(elsewhere.pk), "?") == missing[1][
            "message"
        ].replace("987654321", "?")
    assert {d["_id"] for d in get_store().find(EventQuery(investigation_id=wrong.pk))[0]} == before

    moved = api.dataacquisition_api_key_events_move_post(key, wrong.pk, right.pk)
    assert (moved.n, moved.n_modified, moved.ok) == (2, 2, 1)
    assert get_store().find(EventQuery(investigation_id=wrong.pk))[0] == []
    docs, _ = get_store().find(EventQuery(investigation_id=right.pk))
    assert {d["_id"] for d in docs} == before
    assert {(d["investigationName"], d["instrumentName"]) for d in docs} == {("MX-2469", "ID23-1")}
    # The PDF now belongs to the right team's logbook, and so does the tag.
    assert Attachment.objects.get().investigation_id == right.pk
    assert Tag.objects.filter(investigation=right, name="lysozyme").exists()


def test_archive_reports_a_restore_done_or_failed_and_the_requesters_hear_of_it(
    beamline, api
) -> None:
    wrong, right, elsewhere, key = beamline
    member = factories.InvestigationUserFactory(investigation=wrong).user
    back, lost = (
        factories.DatasetFactory(
            investigation=wrong, name=name, archive_status=ArchiveStatus.RESTORING
        )
        for name in ("lyso_1", "lyso_2")
    )
    asked = {
        d.pk: DatasetRestore.objects.create(dataset=d, requested_by=member) for d in (back, lost)
    }
    other = factories.DatasetFactory(
        investigation=elsewhere, archive_status=ArchiveStatus.RESTORING
    )
    DatasetRestore.objects.create(dataset=other, requested_by=member)

    (access,) = api.dataacquisition_api_key_dataset_restore_post(
        key,
        dataset_id=back.pk,
        dataacquisition_api_key_dataset_restore_post_request=RestoreReport(
            level="info", message="restored from tape"
        ),
    )
    assert (access.id, access.dataset_id, access.name, access.level, access.type) == (
        str(asked[back.pk].pk),
        back.pk,
        "lyso_1",
        "info",
        "restore",
    )
    assert access.creation_date == asked[back.pk].created_at.date()
    back.refresh_from_db()
    assert back.archive_status == ArchiveStatus.ONLINE
    assert DatasetRestore.objects.get(dataset=back).status == DownloadJobStatus.READY

    (failed,) = api.dataacquisition_api_key_dataset_restore_post(
        key,
        dataset_id=lost.pk,
        dataacquisition_api_key_dataset_restore_post_request=RestoreReport(
            level="ERROR", message="tape T0042 unreadable"
        ),
    )
    assert failed.level == "error"
    lost.refresh_from_db()
    restore = DatasetRestore.objects.get(dataset=lost)
    assert lost.archive_status == ArchiveStatus.ARCHIVED
    assert (restore.status, restore.error) == (DownloadJobStatus.FAILED, "tape T0042 unreadable")
    assert [m.to for m in mail.outbox] == [[member.email], [member.email]]
    assert "tape T0042 unreadable" in mail.outbox[1].body

    # Another beamline's dataset is one that does not exist; it stays as it was.
    hidden = _error(
        lambda: api.dataacquisition_api_key_dataset_restore_post(key, dataset_id=other.pk)
    )
    missing = _error(
        lambda: api.dataacquisition_api_key_dataset_restore_post(key, dataset_id=987654321)
    )
    assert hidden[0] == missing[0] == 400
    assert hidden[1]["message"].replace(str(other.pk), "?") == missing[1]["message"].replace(
        "987654321", "?"
    )
    other.refresh_from_db()
    assert other.archive_status == ArchiveStatus.RESTORING
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_refused_input_is_a_400_naming_the_field_and_changes_nothing(client) -> None:
    instrument = factories.InstrumentFactory(name="ID23-1")
    first, second = factories.InvestigationFactory.create_batch(2, instrument=instrument)
    event = get_store().insert(
        {"type": "annotation", "category": "comment", "investigationId": first.pk}
    )
    dataset = factories.DatasetFactory(investigation=first, archive_status=ArchiveStatus.RESTORING)
    _, key = ApiKey.objects.create_key(name="ID23-1", instrument=instrument)
    move = f"/icatplus/dataacquisition/{key}/events/move"
    restore = f"/icatplus/dataacquisition/{key}/dataset/restore"
    cases = [
        (move, {"sourceInvestigationId": first.pk}, None, "destinationInvestigationId"),
        (
            move,
            {"sourceInvestigationId": "x", "destinationInvestigationId": second.pk},
            None,
            "sourceInvestigationId",
        ),
        (
            move,
            {"sourceInvestigationId": first.pk, "destinationInvestigationId": 2**64},
            None,
            "destinationInvestigationId",
        ),
        (
            move,
            {"sourceInvestigationId": first.pk, "destinationInvestigationId": first.pk},
            None,
            "destinationInvestigationId",
        ),
        (restore, {}, {"level": "info"}, "datasetId"),
        (restore, {"datasetId": dataset.pk}, {"level": "maybe"}, "level"),
        (restore, {"datasetId": dataset.pk}, {"message": "x" * 2001}, "message"),
    ]
    for path, query, body, field in cases:
        response = client.post(
            f"{path}?{'&'.join(f'{k}={v}' for k, v in query.items())}",
            json.dumps(body or {}),
            content_type="application/json",
        )
        assert (response.status_code, response.json()["field"]) == (400, field), (query, body)
    response = client.post(
        f"{restore}?datasetId={dataset.pk}", "{not json", content_type="application/json"
    )
    assert response.status_code == 400 and "message" in response.json()
    assert client.post(move.replace(key, "not-a-key")).status_code == 401
    ApiKey.objects.update(revoked_at=timezone.now())
    assert client.post(f"{restore}?datasetId={dataset.pk}").status_code == 403
    assert get_store().get(event["_id"])["investigationId"] == first.pk
    dataset.refresh_from_db()
    assert dataset.archive_status == ArchiveStatus.RESTORING


@pytest.mark.django_db
def test_the_key_rate_is_one_counter_for_every_api_key_route(client, settings) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "apikey": "1/min",
        },
    }
    _, key = ApiKey.objects.create_key(name="facility")
    first = client.get(f"/icatplus/dataacquisition/{key}/investigation")
    assert first.status_code == 200
    response = client.post(f"/icatplus/dataacquisition/{key}/events/move")
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    assert set(response.json()) == {"message"}
    # Counted before the key is looked up: guessing keys meets the same limit.
    client.post("/icatplus/dataacquisition/guess-1/events/move")
    assert client.post("/icatplus/dataacquisition/guess-1/mint").status_code == 429
