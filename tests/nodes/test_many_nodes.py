"""Issue 20: two web nodes, a worker per queue, beat, a private Redis; then faults during work.

A client alternates between the nodes and notices nothing; workers, Redis and a web node are
killed mid-work and the work still ends once, right. Recovery times are printed (pytest -s).
"""

from __future__ import annotations

import json
import os
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db.models.signals import post_save
from factory.django import mute_signals

from catalogue.models import (
    ArchiveStatus,
    Datafile,
    Dataset,
    DatasetRestore,
    DownloadJob,
    DownloadJobStatus,
    Investigation,
    SyncCursor,
    SyncRun,
)
from catalogue.tasks import restore_dataset, sync_icat
from doi import services as doi_services
from doi.models import CollectionState
from doi.tasks import mint_collection
from tests import factories
from tests.catalogue.download_helpers import assert_zip_matches_disk, dataset_with_files
from tests.doi.conftest import filled_collection
from tests.doi.datacite_standin import PASSWORD, REPOSITORY_ID, DataCiteStandIn
from tests.nodes.cluster import STALE_SECONDS, SWEEP_SECONDS, Cluster
from tests.nodes.icat_worker import RECORDING
from tests.workers import wait_for

THROTTLE = 400_000  # bytes/s of every zip and restore: slow enough to kill mid-work
RECOVERY: dict[str, float] = {}


@pytest.fixture(scope="module")
def roots(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("nodes")
    folders = {
        name: base / name.lower()
        for name in ("DATA_ROOT", "DOWNLOAD_ROOT", "MEDIA_ROOT", "ARCHIVE_ROOT", "OUTBOX")
    }
    for folder in folders.values():
        folder.mkdir()
    return folders


@pytest.fixture(scope="module")
def datacite() -> Iterator[DataCiteStandIn]:
    standin = DataCiteStandIn().start()
    yield standin
    standin.stop()


@pytest.fixture(scope="module")
def cluster(django_db_setup, django_db_blocker, roots, datacite, tmp_path_factory):
    folders = {k: v for k, v in roots.items() if k != "OUTBOX"}
    cluster = Cluster(
        tmp_path_factory.mktemp("cluster"),
        roots=folders,
        extra_env={
            "PORTAL_TEST_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "PORTAL_TEST_EMAIL_FILE_PATH": str(roots["OUTBOX"]),
            "DOWNLOAD_THROTTLE_BPS": str(THROTTLE),
            "RESTORE_THROTTLE_BPS": str(THROTTLE),
            "THROTTLE_ANON_RATE": "6/min",
            "DATACITE_API_URL": datacite.url,
            "DATACITE_REPOSITORY_ID": REPOSITORY_ID,
            "DATACITE_PASSWORD": PASSWORD,
            "DATACITE_TIMEOUT": "60",  # a hung request keeps the worker busy until it is killed
            "DOI_RETRY_BACKOFF": "0",
        },
        sync_app="tests.nodes.icat_worker",
        sync_env={"ICAT_BATCH_SIZE": "2", "ICAT_SYNC_LOCK_SECONDS": str(STALE_SECONDS)},
    )
    with django_db_blocker.unblock():
        cluster.start()
    yield cluster
    cluster.stop()
    print("\nRecovery times (s):", {k: round(v, 1) for k, v in RECOVERY.items()})


@pytest.fixture(autouse=True)
def isolated_roots(settings, roots) -> None:
    """The cluster's folders, not a folder per test: its processes were started with them."""
    for name in ("DATA_ROOT", "DOWNLOAD_ROOT", "MEDIA_ROOT", "ARCHIVE_ROOT"):
        setattr(settings, name, roots[name])


class Client(requests.Session):
    """A browser that a load balancer sends to either node."""

    def __init__(self, cluster: Cluster) -> None:
        super().__init__()
        self.cluster = cluster

    def on(self, node: int, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"X-CSRFToken": self.cookies.get("csrftoken", ""), **kwargs.pop("headers", {})}
        url = self.cluster.webs[node].url + path
        return self.request(method, url, headers=headers, timeout=30, **kwargs)

    def login(self, node: int, user) -> None:
        self.on(node, "GET", "/login/")
        answer = self.on(
            node,
            "POST",
            "/login/",
            data={"username": user.username, "password": "pw"},
            allow_redirects=False,
        )
        assert answer.status_code == 302, answer.text[:500]


def user_with_password(user):
    user.set_password("pw")
    user.save()
    return user


def make_team():
    with mute_signals(post_save):  # no session DOI for the DataCite stand-in
        return factories.make_team()


def job_of(client: Client, node: int, dataset: Dataset) -> DownloadJob:
    answer = client.on(node, "POST", "/downloads/", data={"dataset": dataset.pk})
    assert answer.status_code == 200, answer.text[:500]
    return DownloadJob.objects.filter(owner__username=client.username).latest("created_at")


def wait_status(model, pk, status, *, timeout: float, cluster: Cluster):
    return wait_for(
        lambda: model.objects.filter(pk=pk, status=status).first(),
        timeout=timeout,
        message=f"{model.__name__} {pk} to be {status}; logs:\n{cluster.logs()}",
    )


def outbox_count(roots, text: str) -> int:
    return sum(text in p.read_text(errors="replace") for p in roots["OUTBOX"].glob("*"))


# One portal across the nodes -----------------------------------------------------------------


def test_a_client_alternating_between_nodes_sees_one_portal(transactional_db, cluster, roots):
    team = make_team()
    user = user_with_password(team.participant)
    dataset = dataset_with_files(team.investigation, files=4, size=50_000)
    client = Client(cluster)
    client.username = user.username
    client.login(0, user)

    assert client.on(1, "GET", "/experiments/").status_code == 200
    assert team.investigation.title in client.on(1, "GET", "/experiments/").text
    client.on(1, "POST", f"/basket/datasets/{dataset.pk}/toggle")
    assert dataset.name in client.on(0, "GET", "/basket/").text

    new = f"/investigations/{team.investigation.pk}/logbook/new/"
    client.on(0, "POST", new, data={"title": "Sample mounted", "content": "<p>Mounted</p>"})
    live = f"/investigations/{team.investigation.pk}/logbook/live/"
    first = client.on(0, "GET", live)
    poll = re.search(r'hx-get="([^"]*logbook/live/[^"]*)"', first.text).group(1)
    poll = poll.replace("&amp;", "&")
    assert client.on(1, "GET", poll).status_code == 204  # nothing new, seen from the other node
    created = client.on(1, "POST", new, data={"title": "Beam back", "content": "<p>Back</p>"})
    assert created.status_code in (200, 302), created.text[:500]
    news = client.on(0, "GET", poll)
    assert news.status_code == 200 and "Beam back" in news.text

    job = job_of(client, 0, dataset)
    assert client.on(1, "GET", f"/downloads/{job.pk}/").status_code == 200
    wait_status(DownloadJob, job.pk, DownloadJobStatus.READY, timeout=60, cluster=cluster)
    archive = client.on(0, "GET", f"/downloads/{job.pk}/file")
    assert archive.status_code == 200
    assert_zip_matches_disk(archive.content, list(dataset.datafiles.all()))

    visitor = Client(cluster)
    answers = [visitor.on(i % 2, "GET", "/api/investigations/").status_code for i in range(7)]
    assert answers == [200] * 6 + [429]  # THROTTLE_ANON_RATE=6/min, counted across both nodes


# Workers killed mid-work -----------------------------------------------------------------------


def test_a_zip_whose_worker_is_killed_completes_once_on_another(transactional_db, cluster, roots):
    team = make_team()
    user = user_with_password(team.participant)
    dataset = dataset_with_files(team.investigation, files=6, size=300_000)
    client = Client(cluster)
    client.username = user.username
    client.login(1, user)
    job = job_of(client, 1, dataset)
    wait_for(lambda: DownloadJob.objects.get(pk=job.pk).done_bytes > 0, timeout=60)

    cluster.workers["zip"].kill()
    killed = time.monotonic()
    cluster.start_worker("zip", queues="zip")
    job = wait_status(DownloadJob, job.pk, DownloadJobStatus.READY, timeout=90, cluster=cluster)
    RECOVERY["zip worker killed"] = time.monotonic() - killed

    assert job.attempt == 2
    assert_zip_matches_disk(
        Path(settings.DOWNLOAD_ROOT) / job.archive, list(dataset.datafiles.all())
    )
    wait_for(lambda: outbox_count(roots, str(job.pk)) == 1, timeout=30, message="one e-mail")


def test_a_restore_whose_worker_is_killed_completes_once(transactional_db, cluster, roots):
    team = make_team()
    dataset = dataset_with_files(team.investigation, files=5, size=300_000)
    originals = {}
    for datafile in dataset.datafiles.all():  # "to tape"
        source = Path(settings.DATA_ROOT) / datafile.location
        target = Path(settings.ARCHIVE_ROOT) / datafile.location
        target.parent.mkdir(parents=True, exist_ok=True)
        originals[datafile.location] = source.read_bytes()
        source.rename(target)
    Dataset.objects.filter(pk=dataset.pk).update(archive_status=ArchiveStatus.RESTORING)
    restore = DatasetRestore.objects.create(
        dataset=dataset, total_bytes=dataset.size, notify=["restore-watcher@example.org"]
    )
    cluster.send(restore_dataset, restore.pk)
    wait_for(lambda: DatasetRestore.objects.get(pk=restore.pk).done_bytes > 0, timeout=60)

    cluster.workers["zip"].kill()
    killed = time.monotonic()
    cluster.start_worker("zip", queues="zip")
    restore = wait_status(
        DatasetRestore, restore.pk, DownloadJobStatus.READY, timeout=90, cluster=cluster
    )
    RECOVERY["restore worker killed"] = time.monotonic() - killed

    assert restore.attempt == 2
    assert Dataset.objects.get(pk=dataset.pk).archive_status == ArchiveStatus.ONLINE
    for location, data in originals.items():
        assert (Path(settings.DATA_ROOT) / location).read_bytes() == data
    wait_for(lambda: outbox_count(roots, "restore-watcher@example.org") == 1, timeout=30)


def test_a_mint_whose_worker_is_killed_mints_once(transactional_db, cluster, datacite):
    team = make_team()
    with mute_signals(post_save):
        datasets = [factories.DatasetFactory(investigation=team.investigation)]
    collection = filled_collection(team.participant, datasets)
    doi_services.collection_mint(collection=collection, by=team.participant, confirmed=True)
    collection.refresh_from_db()
    identifier = collection.doi.identifier
    # The provider publishes the DOI, but its answer never comes: the worker dies waiting.
    datacite.script[:] = [None, None, "timeout-after"]
    sent = len(datacite.requests)
    cluster.send(mint_collection, collection.pk)
    wait_for(lambda: len(datacite.requests) >= sent + 3, timeout=60, message="the publish call")

    cluster.workers["doi"].kill()
    killed = time.monotonic()
    cluster.start_worker("doi", queues="doi,default")
    wait_for(
        lambda: type(collection).objects.get(pk=collection.pk).state == CollectionState.FINDABLE,
        timeout=120,
        message=f"the collection to be findable; logs:\n{cluster.logs()}",
    )
    RECOVERY["doi worker killed mid-mint"] = time.monotonic() - killed

    assert datacite.dois[identifier.upper()]["state"] == "findable"
    mine = [r for r in datacite.requests if identifier.lower() in str(r).lower()]
    assert len([r for r in mine if r["method"] == "POST"]) == 1
    publishes = [r for r in mine if r["method"] == "PUT" and "'publish'" in str(r["body"])]
    assert len(publishes) == 1
    assert Dataset.objects.filter(pk=datasets[0].pk, released_by_doi=True).exists()


# The broker, beat and a web node ----------------------------------------------------------------


def test_a_broker_restart_loses_no_job_mint_or_email(transactional_db, cluster, roots):
    """Redis keeps nothing on disk: queued and running tasks are forgotten when it restarts. The
    database says what is left to do, and the sweepers enqueue it again."""
    team = make_team()
    user = user_with_password(team.participant)
    running = dataset_with_files(team.investigation, files=6, size=300_000, seed=2)
    queued = dataset_with_files(team.investigation, files=3, size=100_000, seed=3)
    client = Client(cluster)
    client.username = user.username
    client.login(0, user)
    first = job_of(client, 0, running)
    wait_for(lambda: DownloadJob.objects.get(pk=first.pk).done_bytes > 0, timeout=60)
    second = job_of(client, 1, queued)  # waits behind the first on the zip worker
    with mute_signals(post_save):
        datasets = [factories.DatasetFactory(investigation=team.investigation)]
    collection = filled_collection(team.participant, datasets)
    # Its message goes to this process's broker, never the cluster's: as if Redis lost it.
    doi_services.collection_mint(collection=collection, by=team.participant, confirmed=True)

    cluster.redis.restart()
    restarted = time.monotonic()
    for job in (first, second):
        wait_status(DownloadJob, job.pk, DownloadJobStatus.READY, timeout=90, cluster=cluster)
    RECOVERY["redis restarted: both jobs ready"] = time.monotonic() - restarted
    wait_for(
        lambda: type(collection).objects.get(pk=collection.pk).state == CollectionState.FINDABLE,
        timeout=90,
        message=f"the collection to be findable; logs:\n{cluster.logs()}",
    )
    RECOVERY["redis restarted: mint findable"] = time.monotonic() - restarted

    for job, dataset in ((first, running), (second, queued)):
        job.refresh_from_db()
        assert_zip_matches_disk(
            Path(settings.DOWNLOAD_ROOT) / job.archive, list(dataset.datafiles.all())
        )
        wait_for(lambda job=job: outbox_count(roots, str(job.pk)) == 1, timeout=30)
    # The sessions outlive the cache: both nodes still know the user.
    for node in (0, 1):
        page = client.on(node, "GET", "/downloads/", allow_redirects=False)
        assert page.status_code == 200 and str(first.pk) in page.text


def _queued(cluster: Cluster) -> int:
    import redis

    broker = redis.Redis.from_url(cluster.redis.url)
    return sum(broker.llen(queue) for queue in ("zip", "doi"))


def test_a_second_beat_sends_no_periodic_task_twice(transactional_db, cluster):
    """Both sweepers run every SWEEP_SECONDS. With the workers paused, the messages pile up in
    Redis: two beats must not send them faster than one."""
    for worker in (cluster.workers["zip"], cluster.workers["doi"]):
        os.killpg(worker.process.pid, signal.SIGSTOP)
    try:
        cluster.start_beat()
        start, before = time.monotonic(), _queued(cluster)
        wait_for(lambda: _queued(cluster) >= before + 6, timeout=60, message="six sweeps")
        elapsed = time.monotonic() - start
    finally:
        cluster.beats.pop().stop()
        for worker in (cluster.workers["zip"], cluster.workers["doi"]):
            os.killpg(worker.process.pid, signal.SIGCONT)
    # Two sweepers, one message each per period: six messages take two periods; with each beat
    # sending its own, they would take one.
    assert elapsed >= 2 * SWEEP_SECONDS * 0.9, elapsed


def test_a_download_cut_by_a_dead_node_resumes_on_the_other(transactional_db, cluster):
    team = make_team()
    user = user_with_password(team.participant)
    dataset = dataset_with_files(team.investigation, files=1, size=40_000_000, seed=4)
    datafile = dataset.datafiles.get()
    expected = (Path(settings.DATA_ROOT) / datafile.location).read_bytes()
    client = Client(cluster)
    client.username = user.username
    client.login(0, user)
    url = f"/datafiles/{datafile.pk}/download"

    answer = client.on(0, "GET", url, stream=True)
    got = bytearray(answer.raw.read(1_000_000))
    cluster.webs[0].kill()
    stopped = time.monotonic()
    try:
        for chunk in answer.iter_content(65536):
            got += chunk
    except requests.RequestException:
        pass  # the connection died with the node
    assert 1_000_000 <= len(got) < len(expected)

    rest = client.on(
        1, "GET", url, headers={"Range": f"bytes={len(got)}-", "If-Range": answer.headers["ETag"]}
    )
    RECOVERY["web node killed: download resumed"] = time.monotonic() - stopped
    assert rest.status_code == 206
    assert bytes(got) + rest.content == expected
    cluster.webs[0].start()


def test_an_icat_sync_whose_worker_is_killed_resumes_on_another(transactional_db, cluster):
    """The sync commits a cursor per batch; a run killed between two batches leaves its lock to
    expire (ICAT_SYNC_LOCK_SECONDS) and the next scheduled run resumes from the cursors."""
    recording = json.loads(RECORDING.read_text())
    first = cluster.workers["sync"]
    cluster.send(sync_icat)
    wait_for(lambda: SyncCursor.objects.count() >= 3, timeout=90, message="three batches")

    first.kill()
    killed = time.monotonic()
    cluster.start_sync_worker()
    sent = [0.0]

    def resumed() -> bool:  # what beat does every ICAT_SYNC_INTERVAL_MINUTES
        if SyncRun.objects.filter(status=SyncRun.Status.SUCCESS).exists():
            return True
        if time.monotonic() - sent[0] > SWEEP_SECONDS:
            cluster.send(sync_icat)
            sent[0] = time.monotonic()
        return False

    wait_for(resumed, timeout=120, message=f"a successful run; logs:\n{cluster.logs()}")
    RECOVERY["sync worker killed mid-batch"] = time.monotonic() - killed

    crashed, done = SyncRun.objects.order_by("started")[:2]
    assert crashed.status == SyncRun.Status.FAILED and "interrupted" in str(crashed.errors)
    applied = sum(c.get("applied", 0) for c in done.counts.values())
    assert 0 < applied < sum(len(rows) for rows in recording.values())  # resumed, not redone
    assert sorted(Datafile.objects.values_list("icat_id", flat=True)) == sorted(
        row["id"] for row in recording["Datafile"]
    )
    assert Investigation.objects.count() == len(recording["Investigation"])
