"""The download area's budget (DOWNLOAD_ROOT_QUOTA) and a disk that fills up while a zip is
written: zips wait for space in order, expired archives make room oldest first, "no space left"
fails the job cleanly."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from catalogue import downloads
from catalogue.models import Datafile, DownloadJob, DownloadJobStatus
from catalogue.tasks import download_build
from tests.catalogue.download_helpers import (
    assert_zip_matches_disk,
    dataset_with_files,
    start_worker,
)
from tests.workers import purge_queues, wait_for


def make_job(owner, dataset) -> DownloadJob:
    files = list(Datafile.objects.filter(dataset=dataset).select_related("dataset__investigation"))
    job, created = downloads.download_job_create(owner=owner, datafiles=files, label="test")
    assert created
    return job


def built(owner, dataset, *, expired_days_ago: int | None = None) -> DownloadJob:
    """A ready job with its archive on disk, expired that many days ago if given."""
    job = downloads.download_job_build(job_id=make_job(owner, dataset).pk)
    assert job.status == DownloadJobStatus.READY
    if expired_days_ago is not None:
        job.expires_at = timezone.now() - timedelta(days=expired_days_ago)
        job.save(update_fields=["expires_at"])
    return job


def archive_exists(job: DownloadJob) -> bool:
    return (Path(settings.DOWNLOAD_ROOT) / str(job.pk)).exists()


def status(job: DownloadJob) -> str:
    return DownloadJob.objects.get(pk=job.pk).status


@pytest.mark.django_db
def test_expired_archives_make_room_oldest_first(team, settings) -> None:
    owner = team.participant
    oldest = built(owner, dataset_with_files(team.investigation, seed=1), expired_days_ago=3)
    newer = built(owner, dataset_with_files(team.investigation, seed=2), expired_days_ago=1)
    fresh = built(owner, dataset_with_files(team.investigation, seed=3))
    wanted = dataset_with_files(team.investigation, seed=4)
    used = oldest.total_bytes + newer.total_bytes + fresh.total_bytes
    size = len(downloads.zip_stream(entries=downloads.zip_entries(wanted.datafiles.all())))
    # Room for the new zip once one archive is gone, not before.
    settings.DOWNLOAD_ROOT_QUOTA = used + size - 1

    job = downloads.download_job_build(job_id=make_job(owner, wanted).pk)

    assert job.status == DownloadJobStatus.READY
    assert_zip_matches_disk(
        Path(settings.DOWNLOAD_ROOT) / job.archive, list(wanted.datafiles.all())
    )
    assert status(oldest) == DownloadJobStatus.EXPIRED and not archive_exists(oldest)
    assert status(newer) == DownloadJobStatus.READY and archive_exists(newer)
    assert status(fresh) == DownloadJobStatus.READY and archive_exists(fresh)


@pytest.mark.django_db
def test_a_zip_larger_than_the_whole_quota_fails_saying_so(team, settings) -> None:
    settings.DOWNLOAD_ROOT_QUOTA = 1000
    job = make_job(team.participant, dataset_with_files(team.investigation))
    job = downloads.download_job_build(job_id=job.pk)
    assert job.status == DownloadJobStatus.FAILED
    assert "larger than the download area (1000" in job.error


@pytest.mark.django_db
def test_waiting_zips_start_in_order_as_they_fit(
    team, settings, django_capture_on_commit_callbacks
) -> None:
    owner = team.participant
    kept = built(owner, dataset_with_files(team.investigation, seed=1))
    settings.DOWNLOAD_ROOT_QUOTA = 2 * kept.total_bytes + 100
    first = downloads.download_job_build(
        job_id=make_job(owner, dataset_with_files(team.investigation, seed=2)).pk
    )
    assert first.status == DownloadJobStatus.READY
    second = downloads.download_job_build(
        job_id=make_job(owner, dataset_with_files(team.investigation, seed=3)).pk
    )
    third = downloads.download_job_build(
        job_id=make_job(owner, dataset_with_files(team.investigation, seed=4)).pk
    )
    assert second.status == third.status == DownloadJobStatus.WAITING

    DownloadJob.objects.filter(pk=kept.pk).update(expires_at=timezone.now())
    with django_capture_on_commit_callbacks() as enqueued:
        downloads.download_jobs_expire()

    # Room for one: the older waits no more, the younger keeps waiting behind it.
    assert len(enqueued) == 1
    assert status(second) == DownloadJobStatus.PENDING
    assert status(third) == DownloadJobStatus.WAITING
    assert downloads.download_jobs_sweep() == 0


@pytest.mark.django_db
def test_a_small_zip_asked_later_does_not_overtake_a_waiting_one(team, settings) -> None:
    owner = team.participant
    kept = built(owner, dataset_with_files(team.investigation, files=1, size=40_000, seed=1))
    settings.DOWNLOAD_ROOT_QUOTA = kept.total_bytes + 30_000  # room for the small one only
    big = make_job(owner, dataset_with_files(team.investigation, files=1, size=40_000, seed=2))
    small = make_job(owner, dataset_with_files(team.investigation, files=1, size=5_000, seed=3))

    assert downloads.download_job_build(job_id=big.pk).status == DownloadJobStatus.WAITING
    assert downloads.download_job_build(job_id=small.pk).status == DownloadJobStatus.WAITING


def test_a_waiting_zip_is_built_by_the_worker_once_space_is_freed(
    client, team_db, tmp_path, settings
) -> None:
    """Real worker, quota for two archives: the second waits, visibly, until the first expires;
    then the expiry task starts it and the worker writes the whole zip."""
    team, owner = team_db, team_db.participant
    first_data = dataset_with_files(team.investigation, files=4, size=50_000, seed=1)
    second_data = dataset_with_files(team.investigation, files=4, size=50_000, seed=2)
    quota = 300_000  # one of these zips (~200 kB) fits, two do not
    settings.DOWNLOAD_ROOT_QUOTA = quota
    purge_queues()
    worker = start_worker(tmp_path, "quota", DOWNLOAD_ROOT_QUOTA=str(quota))
    try:
        first = make_job(owner, first_data)
        wait_for(lambda: status(first) == DownloadJobStatus.READY, message=worker.log())
        second = make_job(owner, second_data)
        wait_for(lambda: status(second) == DownloadJobStatus.WAITING, message=worker.log())

        client.force_login(owner)
        page = client.get(reverse("catalogue:download-job", args=[second.pk]))
        assert "Waiting for space: the download area is full" in page.content.decode()
        listed = client.get(reverse("catalogue:downloads")).content.decode()
        assert "Waiting for space" in listed
        api = client.get(reverse("api-download-detail", args=[second.pk])).json()
        assert api["status"] == "waiting" and "download area is full" in api["status_text"]

        DownloadJob.objects.filter(pk=first.pk).update(expires_at=timezone.now())
        downloads.download_jobs_expire()
        wait_for(lambda: status(second) == DownloadJobStatus.READY, message=worker.log())
    finally:
        worker.stop()
    second.refresh_from_db()
    archive = Path(settings.DOWNLOAD_ROOT) / second.archive
    assert second.done_bytes == second.total_bytes == archive.stat().st_size <= quota
    assert_zip_matches_disk(archive, list(second_data.datafiles.all()))
    assert not archive_exists(first)


@pytest.mark.django_db
def test_no_space_left_fails_the_job_tells_the_user_and_staff_and_removes_the_partial_file(
    team, caplog
) -> None:
    job = make_job(team.participant, dataset_with_files(team.investigation, size=200_000))
    # The kernel's own "disk full": the first attempt's partial file is /dev/full.
    partial = Path(settings.DOWNLOAD_ROOT) / ".partial"
    partial.mkdir(parents=True, exist_ok=True)
    (partial / f"{job.pk}-1.part").symlink_to("/dev/full")
    caplog.set_level(logging.ERROR, logger="catalogue.downloads")

    assert download_build(str(job.pk)) == DownloadJobStatus.FAILED  # the task, in this process

    job.refresh_from_db()
    assert job.error.startswith("The download area is full; try again later")
    assert f"Download job {job.pk}: no space left" in caplog.text
    assert not list(partial.iterdir()) and not archive_exists(job)


@pytest.fixture
def team_db(transactional_db):
    from tests import factories

    return factories.make_team()
