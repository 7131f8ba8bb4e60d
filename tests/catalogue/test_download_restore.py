"""Archived datasets: who may ask for a restore, and the restore service (tape = ARCHIVE_ROOT)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from catalogue import downloads
from catalogue.models import ArchiveStatus, Dataset, DatasetRestore
from tests import factories
from tests.catalogue.download_helpers import dataset_with_files

pytestmark = pytest.mark.django_db


def archived(investigation=None, files: int = 3) -> Dataset:
    dataset = dataset_with_files(investigation, files=files, archive_status=ArchiveStatus.ARCHIVED)
    for datafile in dataset.datafiles.all():
        target = Path(settings.ARCHIVE_ROOT) / datafile.location
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(Path(settings.DATA_ROOT) / datafile.location, target)
    return dataset


def restore_url(dataset) -> str:
    return reverse("catalogue:dataset-restore", args=[dataset.pk])


def status(dataset) -> str:
    return Dataset.objects.get(pk=dataset.pk).archive_status


@pytest.mark.parametrize(
    "who", ["principal_investigator", "participant", "collaborator", "scientist", "staff"]
)
def test_the_team_may_ask_for_a_restore(
    client, team, who, django_capture_on_commit_callbacks
) -> None:
    dataset = archived(team.investigation)
    client.force_login(getattr(team, who))
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(restore_url(dataset))
    assert response.status_code == 302 and response.url == dataset.get_absolute_url()
    assert status(dataset) == ArchiveStatus.RESTORING
    assert len(callbacks) == 1  # the restore task, enqueued once the request commits


def test_outsider_gets_404_for_an_embargoed_dataset(client, team) -> None:
    dataset = archived(team.investigation)
    client.force_login(team.outsider)
    assert client.post(restore_url(dataset)).status_code == 404
    client.logout()
    assert client.post(restore_url(dataset)).status_code == 404
    assert status(dataset) == ArchiveStatus.ARCHIVED


def test_public_archived_data_may_be_restored_by_whoever_may_download_it(
    client, team, django_capture_on_commit_callbacks
) -> None:
    dataset = archived(factories.InvestigationFactory(released=True))
    response = client.post(restore_url(dataset))  # a visitor: an e-mail address first
    assert response.status_code == 400 and b"Give the address" in response.content
    assert status(dataset) == ArchiveStatus.ARCHIVED
    client.force_login(team.outsider)
    with django_capture_on_commit_callbacks():
        response = client.post(restore_url(dataset))
    assert response.status_code == 302 and status(dataset) == ArchiveStatus.RESTORING


def test_restore_is_post_only(client, team) -> None:
    client.force_login(team.participant)
    assert client.get(restore_url(archived(team.investigation))).status_code == 405


def test_htmx_restore_swaps_the_panel_which_then_polls(client, team) -> None:
    dataset = archived(team.investigation)
    client.force_login(team.participant)
    response = client.post(restore_url(dataset), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html and "Restoring from tape" in html and 'hx-trigger="every 3s"' in html
    panel = reverse("catalogue:dataset-download-panel", args=[dataset.pk])
    assert "Restoring" in client.get(panel, headers={"HX-Request": "true"}).content.decode()
    assert client.get(panel).status_code == 302  # without HTMX: the dataset page


def test_asking_twice_does_not_start_a_second_restore(client, team) -> None:
    dataset = archived(team.investigation)
    client.force_login(team.participant)
    client.post(restore_url(dataset))
    response = client.post(restore_url(dataset), follow=True)
    assert b"already being restored: your request joined it" in response.content
    assert DatasetRestore.objects.filter(dataset=dataset).count() == 1


def test_restore_copies_every_file_back_and_is_idempotent(
    team, settings, django_capture_on_commit_callbacks
) -> None:
    settings.RESTORE_THROTTLE_BPS = 0
    dataset = archived(team.investigation)
    restore = downloads.dataset_restore_request(dataset=dataset, by=team.participant)
    assert downloads.dataset_restore_request(dataset=dataset) is None  # one restore at a time
    with django_capture_on_commit_callbacks(execute=True):
        done = downloads.dataset_restore(restore_id=restore.pk)
    assert (
        done.status == "ready" and done.percent == 100 and status(dataset) == ArchiveStatus.ONLINE
    )
    for datafile in dataset.datafiles.all():
        restored = Path(settings.DATA_ROOT) / datafile.location
        assert (
            restored.read_bytes() == (Path(settings.ARCHIVE_ROOT) / datafile.location).read_bytes()
        )
    assert downloads.dataset_restore(restore_id=restore.pk) is None  # redelivered: nothing to do
    assert mail.outbox[0].to == [team.participant.email]
    assert dataset.name in mail.outbox[0].subject


def test_a_file_missing_from_tape_fails_the_restore_naming_it(client, team, settings) -> None:
    settings.RESTORE_THROTTLE_BPS = 0
    dataset = archived(team.investigation)
    lost = dataset.datafiles.last()
    (Path(settings.ARCHIVE_ROOT) / lost.location).unlink()
    restore = downloads.dataset_restore_request(dataset=dataset)
    failed = downloads.dataset_restore(restore_id=restore.pk)
    assert failed.status == "failed" and lost.location in failed.error
    assert status(dataset) == ArchiveStatus.ARCHIVED
    client.force_login(team.participant)
    page = client.get(dataset.get_absolute_url()).content.decode()
    assert "The last restore failed" in page and lost.location in page and "Request restore" in page


def test_a_stale_restore_is_swept_and_finished_by_the_next_attempt(team, settings) -> None:
    settings.RESTORE_THROTTLE_BPS = 0
    dataset = archived(team.investigation)
    restore = downloads.dataset_restore_request(dataset=dataset)
    DatasetRestore.objects.filter(pk=restore.pk).update(
        status="running", attempt=1, heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    assert downloads.download_jobs_sweep() == 1
    assert downloads.dataset_restore(restore_id=restore.pk).attempt == 2
    assert status(dataset) == ArchiveStatus.ONLINE
