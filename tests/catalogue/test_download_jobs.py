"""Download jobs: the state machine, the builder, the pages, real workers (killed mid-job too)."""

from __future__ import annotations

import os
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from catalogue import downloads
from catalogue.models import ArchiveStatus, Datafile, DownloadJob, DownloadJobStatus
from portal import keyset
from tests import factories
from tests.catalogue.download_helpers import (
    assert_zip_matches_disk,
    dataset_with_files,
    start_worker,
)
from tests.workers import purge_queues, wait_for

DOWNLOADS = reverse("catalogue:downloads")


def make_job(owner, *datasets) -> DownloadJob:
    files = list(
        Datafile.objects.filter(dataset__in=datasets).select_related("dataset__investigation")
    )
    job, created = downloads.download_job_create(owner=owner, datafiles=files, label="test")
    assert created
    return job


def archive_of(job: DownloadJob) -> Path:
    return Path(settings.DOWNLOAD_ROOT) / job.archive


# The builder, in this process ----------------------------------------------------------------


@pytest.mark.django_db
def test_build_writes_a_correct_zip_marks_it_ready_and_emails_the_owner(
    team, django_capture_on_commit_callbacks
) -> None:
    dataset = dataset_with_files(team.investigation, files=4, size=30_000)
    job = make_job(team.participant, dataset)
    assert job.status == DownloadJobStatus.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        built = downloads.download_job_build(job_id=job.pk)

    assert built.status == DownloadJobStatus.READY and built.percent == 100
    assert built.done_bytes == built.total_bytes == archive_of(built).stat().st_size
    assert built.expires_at > timezone.now() + timedelta(days=settings.DOWNLOAD_EXPIRY_DAYS - 1)
    assert_zip_matches_disk(archive_of(built), list(dataset.datafiles.all()))
    assert not list((Path(settings.DOWNLOAD_ROOT) / ".partial").iterdir())
    assert mail.outbox[0].to == [team.participant.email]
    assert f"/downloads/{job.pk}/" in mail.outbox[0].body


@pytest.mark.django_db
def test_a_built_job_is_not_built_again(team, django_capture_on_commit_callbacks) -> None:
    job = make_job(team.participant, dataset_with_files(team.investigation))
    with django_capture_on_commit_callbacks(execute=True):
        downloads.download_job_build(job_id=job.pk)
        assert downloads.download_job_build(job_id=job.pk) is None
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_the_same_selection_asked_twice_reuses_the_job(team) -> None:
    dataset = dataset_with_files(team.investigation)
    job = make_job(team.participant, dataset)
    again, created = downloads.download_job_create(
        owner=team.participant, datafiles=list(dataset.datafiles.all())
    )
    assert not created and again.pk == job.pk
    other, created = downloads.download_job_create(
        owner=team.collaborator, datafiles=list(dataset.datafiles.all())
    )
    assert created and other.pk != job.pk


@pytest.mark.django_db
def test_a_missing_file_fails_the_job_naming_the_file(team) -> None:
    dataset = dataset_with_files(team.investigation, files=3)
    job = make_job(team.participant, dataset)
    lost = dataset.datafiles.all()[2]
    (Path(settings.DATA_ROOT) / lost.location).unlink()
    built = downloads.download_job_build(job_id=job.pk)
    assert built.status == DownloadJobStatus.FAILED
    assert lost.location in built.error
    assert not (Path(settings.DOWNLOAD_ROOT) / str(job.pk)).exists()


@pytest.mark.django_db
def test_a_job_fails_when_its_files_are_no_longer_visible(team) -> None:
    job = make_job(team.collaborator, dataset_with_files(team.investigation))
    team.investigation.members.filter(user=team.collaborator).delete()
    built = downloads.download_job_build(job_id=job.pk)
    assert built.status == DownloadJobStatus.FAILED and "no longer available" in built.error


@pytest.mark.django_db
def test_a_fresh_running_job_is_left_to_its_worker_and_a_stale_one_is_swept(team) -> None:
    job = make_job(team.participant, dataset_with_files(team.investigation))
    DownloadJob.objects.filter(pk=job.pk).update(status=DownloadJobStatus.RUNNING, attempt=1)
    assert downloads.download_job_build(job_id=job.pk) is None  # a redelivered message: no-op
    assert downloads.download_jobs_sweep() == 0
    DownloadJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    assert downloads.download_jobs_sweep() == 1
    job.refresh_from_db()
    assert job.status == DownloadJobStatus.PENDING
    assert downloads.download_job_build(job_id=job.pk).status == DownloadJobStatus.READY
    assert DownloadJob.objects.get(pk=job.pk).attempt == 2


@pytest.mark.django_db
def test_a_superseded_attempt_stops_without_touching_the_row(team, monkeypatch) -> None:
    job = make_job(team.participant, dataset_with_files(team.investigation, files=2))
    monkeypatch.setattr(downloads.jobs, "HEARTBEAT_SECONDS", 0)  # report after every chunk

    def sweeper_gives_the_job_away() -> None:
        DownloadJob.objects.filter(pk=job.pk).update(status=DownloadJobStatus.PENDING)

    assert downloads.download_job_build(job_id=job.pk, on_chunk=sweeper_gives_the_job_away) is None
    job.refresh_from_db()
    assert job.status == DownloadJobStatus.PENDING and not job.archive
    assert not (Path(settings.DOWNLOAD_ROOT) / str(job.pk)).exists()


@pytest.mark.django_db
def test_expired_archives_are_removed(team, client) -> None:
    job = downloads.download_job_build(
        job_id=make_job(team.participant, dataset_with_files(team.investigation)).pk
    )
    path = archive_of(job)
    assert downloads.download_jobs_expire() == 0
    assert downloads.download_jobs_expire(now=job.expires_at + timedelta(seconds=1)) == 1
    job.refresh_from_db()
    assert job.status == DownloadJobStatus.EXPIRED and not path.exists()
    client.force_login(team.participant)
    assert client.get(reverse("catalogue:download-job-file", args=[job.pk])).status_code == 404
    assert b"was deleted on" in client.get(job.get_absolute_url()).content


# Pages ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_asking_for_a_zip_creates_one_job_and_shows_its_page(client, team) -> None:
    dataset = dataset_with_files(team.investigation)
    client.force_login(team.participant)
    response = client.post(DOWNLOADS, {"dataset": dataset.pk}, follow=True)
    job = DownloadJob.objects.get()
    assert response.redirect_chain[-1][0] == job.get_absolute_url()
    assert b"being prepared" in response.content and b'role="progressbar"' in response.content
    again = client.post(DOWNLOADS, {"dataset": dataset.pk}, follow=True)
    assert DownloadJob.objects.count() == 1 and b"already asked" in again.content


@pytest.mark.django_db
def test_anonymous_is_sent_to_log_in_for_jobs(client, team) -> None:
    response = client.post(DOWNLOADS, {"dataset": 1})
    assert response.status_code == 302 and "/login/" in response.url
    assert DownloadJob.objects.count() == 0


@pytest.mark.django_db
def test_outsider_cannot_make_a_job_of_embargoed_data(client, team) -> None:
    dataset = dataset_with_files(team.investigation)
    client.force_login(team.outsider)
    assert client.post(DOWNLOADS, {"dataset": dataset.pk}).status_code == 400
    assert DownloadJob.objects.count() == 0


@pytest.mark.django_db
def test_a_job_of_archived_data_is_refused_up_front(client, team) -> None:
    dataset = dataset_with_files(team.investigation, archive_status=ArchiveStatus.ARCHIVED)
    client.force_login(team.participant)
    response = client.post(DOWNLOADS, {"dataset": dataset.pk})
    assert response.status_code == 409 and b"on tape" in response.content
    assert DownloadJob.objects.count() == 0


@pytest.mark.django_db
def test_job_pages_belong_to_their_owner(client, team) -> None:
    job = downloads.download_job_build(
        job_id=make_job(team.participant, dataset_with_files(team.investigation)).pk
    )
    pages = [job.get_absolute_url(), reverse("catalogue:download-job-file", args=[job.pk])]
    for who in (team.principal_investigator, team.staff, team.outsider):
        client.force_login(who)
        assert [client.get(p).status_code for p in pages] == [404, 404]
    client.logout()
    assert all(client.get(p).status_code == 302 for p in pages)
    client.force_login(team.participant)
    assert client.get(pages[0]).status_code == 200
    file = client.get(pages[1])
    assert (
        file.status_code == 200 and b"".join(file.streaming_content) == archive_of(job).read_bytes()
    )
    assert client.get("/downloads/not-a-uuid/").status_code == 404


@pytest.mark.django_db
def test_job_progress_partial_polls_until_done(client, team) -> None:
    job = make_job(team.participant, dataset_with_files(team.investigation))
    client.force_login(team.participant)
    partial = client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial and 'hx-trigger="every 1s"' in partial and "0%" in partial
    downloads.download_job_build(job_id=job.pk)
    done = client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in done and "100%" in done and "Download" in done


@pytest.mark.django_db
def test_downloads_list_shows_only_my_jobs_with_keyset_pages(
    client, team, django_assert_max_num_queries
) -> None:
    dataset = dataset_with_files(team.investigation, files=30, size=10)
    files = list(dataset.datafiles.select_related("dataset__investigation"))
    for i in range(25):
        downloads.download_job_create(
            owner=team.participant, datafiles=files[i : i + 2], label=f"job {i}"
        )
    make_job(team.collaborator, dataset)
    client.force_login(team.participant)
    with django_assert_max_num_queries(6):
        first = client.get(DOWNLOADS)
    assert len(first.context["jobs"]) == 20 and first.context["page"].next_cursor
    second = client.get(DOWNLOADS, {"cursor": first.context["page"].next_cursor})
    shown = {j.pk for j in first.context["jobs"]} | {j.pk for j in second.context["jobs"]}
    assert shown == set(
        DownloadJob.objects.filter(owner=team.participant).values_list("pk", flat=True)
    )
    assert b"every 2s" in first.content  # active jobs: the list refreshes itself
    assert client.get(DOWNLOADS, {"cursor": "garbage"}).status_code == 200


@pytest.mark.parametrize(
    "cursor",
    [
        "1_abc",  # the shape of the links before keyset pages
        keyset._encode(["2024-01-01T00:00:00+00:00", "abc"], "n"),  # not a UUID
        keyset._encode(["99999-01-01", str(uuid.UUID(int=1))], "n"),  # not a date
        keyset._encode([1e300, str(uuid.UUID(int=2))], "n"),
    ],
)
def test_damaged_downloads_page_link_shows_the_newest_jobs_with_a_message(
    client, team, cursor: str
) -> None:
    dataset = dataset_with_files(team.investigation, files=2, size=10)
    job = make_job(team.participant, dataset)
    client.force_login(team.participant)

    response = client.get(DOWNLOADS, {"cursor": cursor})

    assert response.status_code == 200
    assert [j.pk for j in response.context["jobs"]] == [job.pk]
    assert "That page link is damaged" in response.text


def test_old_style_before_link_answers_the_first_page(client, team) -> None:
    client.force_login(team.participant)

    assert client.get(DOWNLOADS, {"before": "1_abc"}).status_code == 200


# Real workers ---------------------------------------------------------------------------------


def test_a_worker_builds_the_job_asked_for_in_the_page(client, team_db, celery_worker) -> None:
    team = team_db
    dataset = dataset_with_files(team.investigation, files=6, size=40_000)
    client.force_login(team.participant)
    client.post(DOWNLOADS, {"dataset": dataset.pk})
    job = DownloadJob.objects.get()
    wait_for(
        lambda: DownloadJob.objects.get(pk=job.pk).status == DownloadJobStatus.READY,
        timeout=90,
        message=f"the job to be built; log:\n{celery_worker.log()}",
    )
    job.refresh_from_db()
    assert_zip_matches_disk(archive_of(job), list(dataset.datafiles.all()))


def test_a_job_survives_a_killed_worker(team_db, tmp_path) -> None:
    """SIGKILL a worker mid-zip; the sweeper (and, on Redis, redelivery) gives the job to another
    worker, which starts it over and finishes a correct archive. No half-built zip is served."""
    team = team_db
    dataset = dataset_with_files(team.investigation, files=20, size=100_000)
    purge_queues()
    job = make_job(team.participant, dataset)
    slow = start_worker(tmp_path, "slow", DOWNLOAD_THROTTLE_BPS=str(200_000))
    try:
        wait_for(
            lambda: DownloadJob.objects.get(pk=job.pk).done_bytes > 0,
            timeout=90,
            message=f"the slow worker to start the zip; log:\n{slow.log()}",
        )
    finally:
        slow.kill()
    job.refresh_from_db()
    assert (
        job.status == DownloadJobStatus.RUNNING
        and job.attempt == 1
        and job.done_bytes < job.total_bytes
    )
    assert not (Path(settings.DOWNLOAD_ROOT) / str(job.pk)).exists()

    wait_for(
        lambda: downloads.download_jobs_sweep(stale_after=timedelta(seconds=1)),
        timeout=30,
        message="the sweeper to see the dead worker's job go stale",
    )
    second = start_worker(tmp_path, "second", CELERY_VISIBILITY_TIMEOUT="2")
    try:
        wait_for(
            lambda: DownloadJob.objects.get(pk=job.pk).status == DownloadJobStatus.READY,
            timeout=120,
            message=f"the second worker to finish the job; log:\n{second.log()}",
        )
    finally:
        second.stop()
    job.refresh_from_db()
    assert job.attempt >= 2
    assert_zip_matches_disk(archive_of(job), list(dataset.datafiles.all()))
    assert not [
        p
        for p in (Path(settings.DOWNLOAD_ROOT) / ".partial").iterdir()
        if p.name.startswith(str(job.pk))
    ]


def test_a_worker_restores_an_archived_dataset_from_tape(client, team_db, tmp_path) -> None:
    team = team_db
    dataset = dataset_with_files(team.investigation, files=3, archive_status=ArchiveStatus.ARCHIVED)
    originals = {}
    for datafile in dataset.datafiles.all():  # "to tape": move the files to ARCHIVE_ROOT
        source = Path(settings.DATA_ROOT) / datafile.location
        target = Path(settings.ARCHIVE_ROOT) / datafile.location
        target.parent.mkdir(parents=True, exist_ok=True)
        originals[datafile.location] = source.read_bytes()
        os.replace(source, target)
    purge_queues()
    client.force_login(team.participant)
    response = client.post(reverse("catalogue:dataset-restore", args=[dataset.pk]), follow=True)
    assert (
        b"being restored from tape" in response.content
        and b"Restoring from tape" in response.content
    )
    worker = start_worker(tmp_path, "restore")
    try:
        wait_for(
            lambda: (
                dataset.__class__.objects.get(pk=dataset.pk).archive_status == ArchiveStatus.ONLINE
            ),
            timeout=90,
            message=f"the restore; log:\n{worker.log()}",
        )
    finally:
        worker.stop()
    for location, data in originals.items():
        assert (Path(settings.DATA_ROOT) / location).read_bytes() == data
    assert b"Download zip" in client.get(dataset.get_absolute_url()).content


@pytest.fixture
def team_db(transactional_db) -> factories.Team:
    return factories.make_team()


@pytest.mark.django_db
def test_downloads_list_htmx_fragment(client, team) -> None:
    job = make_job(team.participant, dataset_with_files(team.investigation))
    client.force_login(team.participant)
    html = client.get(DOWNLOADS, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in html and job.name in html and 'id="jobs"' in html
