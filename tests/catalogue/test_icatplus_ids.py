"""ICAT+'s `ids` routes in-process: bounded queries on lists of ids, nginx sending the bytes,
a bearer session, and a hidden dataset's answer byte for byte a nonexistent one's."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalogue.models import ArchiveStatus
from portal.models import IcatPlusSession
from tests import factories
from tests.catalogue.download_helpers import dataset_with_files

pytestmark = pytest.mark.django_db


def _session(user) -> str:
    return IcatPlusSession.objects.open(user=user)[1]


def test_status_and_path_of_many_datasets_take_a_bounded_number_of_queries(
    client, team, django_assert_max_num_queries
) -> None:
    datasets = [
        factories.DatasetFactory(investigation=team.investigation, location=f"d{i}")
        for i in range(30)
    ]
    datafiles = [factories.DatafileFactory(dataset=d, location=f"{d.location}/f") for d in datasets]
    session_id = _session(team.participant)
    ids = ",".join(str(d.pk) for d in datasets)
    file_ids = ",".join(str(f.pk) for f in datafiles)

    with django_assert_max_num_queries(6):
        status = client.get(reverse("icatplus-ids-status", args=[session_id]), {"datasetIds": ids})
    with django_assert_max_num_queries(6):
        paths = client.get(
            reverse("icatplus-ids-path", args=[session_id]),
            {"datasetIds": ids, "datafileIds": file_ids},
        )

    assert [s["status"] for s in status.json()] == ["ONLINE"] * 30
    assert len(paths.json()) == 60


def test_nginx_sends_the_bytes_when_x_accel_is_configured(client, team, settings) -> None:
    settings.DOWNLOAD_X_ACCEL_PREFIX = "/protected-data/"
    datafile = dataset_with_files(team.investigation, files=1).datafiles.get()

    response = client.get(
        reverse("icatplus-ids-download"),
        {"datafileIds": datafile.pk},
        HTTP_AUTHORIZATION=f"Bearer {_session(team.participant)}",
    )

    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-data/{datafile.location}"
    assert "private" in response["Cache-Control"]


def test_hidden_archived_dataset_restore_answers_byte_for_byte_as_a_missing_one(
    client, team
) -> None:
    dataset = dataset_with_files(team.investigation, files=1, archive_status="archived")
    url = reverse("icatplus-ids-restore", args=[_session(team.outsider)])

    hidden = client.post(f"{url}?datasetIds={dataset.pk}")
    missing = client.post(f"{url}?datasetIds=987654321")

    assert (hidden.status_code, hidden.content) == (missing.status_code, missing.content)
    assert hidden.status_code == 404
    dataset.refresh_from_db()
    assert dataset.archive_status == ArchiveStatus.ARCHIVED


def test_a_bad_restore_body_is_400_and_restores_nothing(client, team) -> None:
    dataset = dataset_with_files(team.investigation, files=1, archive_status="archived")
    url = reverse("icatplus-ids-restore", args=[_session(team.participant)])

    response = client.post(
        f"{url}?datasetIds={dataset.pk}",
        {"email": "not an address"},
        content_type="application/json",
    )

    assert response.status_code == 400 and response.json()["field"] == "email"
    dataset.refresh_from_db()
    assert dataset.archive_status == ArchiveStatus.ARCHIVED
