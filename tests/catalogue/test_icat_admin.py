"""The ICAT sync admin page: cursors, last runs, "sync now" and "resync this investigation now"."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse

from catalogue.icat.recorded import RecordedGateway
from catalogue.icat.sync import icat_sync
from catalogue.models import SyncRun
from tests import factories
from tests.workers import CeleryWorker, purge_queues, wait_for

FIXTURES = Path(__file__).parent / "icat_fixtures"
URL = "/admin/catalogue/syncrun/icat/"


@pytest.fixture
def operator(db):
    user = factories.UserFactory(username="operator", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_syncrun", "run_sync"]))
    return user


def test_url_name_is_stable() -> None:
    assert reverse("admin:catalogue_icat_sync") == URL


def test_page_shows_cursors_and_last_runs_after_a_recorded_icat_sync(client, operator) -> None:
    icat_sync(
        gateway=RecordedGateway.from_json(FIXTURES / "initial.json", FIXTURES / "malformed.json")
    )
    client.force_login(operator)

    response = client.get(URL)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Datafile" in page and "408" in page  # the Datafile cursor
    assert "Succeeded with skipped records" in page
    assert "Datafile 406: fileSize" in page
    assert "Resync this investigation now" in page
    assert "ICAT_URL is not set" in page


def test_staff_without_the_permission_sees_no_buttons_and_cannot_post(client, operator) -> None:
    viewer = factories.UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_syncrun"))
    client.force_login(viewer)

    assert "Resync this investigation now" not in client.get(URL).content.decode()
    assert client.post(URL, {"investigation": "MX-2468"}).status_code == 403
    assert not SyncRun.objects.exists()


def test_outsiders_are_sent_to_the_admin_login(client, db) -> None:
    client.force_login(factories.UserFactory(username="rbrown"))
    response = client.get(URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_resync_without_icat_url_explains_and_queues_nothing(client, operator, settings) -> None:
    settings.ICAT_URL = ""
    client.force_login(operator)
    response = client.post(URL, {"investigation": "MX-2468"}, follow=True)
    assert "ICAT_URL is not set" in [str(m) for m in get_messages(response.wsgi_request)][0]


def test_resync_with_an_empty_proposal_shows_the_field_error(client, operator, settings) -> None:
    settings.ICAT_URL = "http://127.0.0.1:9/"
    client.force_login(operator)
    response = client.post(URL, {"investigation": "  "})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


def test_resync_button_runs_on_a_real_worker_and_records_icat_down(
    client, operator, settings, transactional_db, tmp_path
) -> None:
    """The task goes through the broker to a real worker, which tries the real python-icat client
    against a closed port: the run stops cleanly with the error recorded."""
    settings.ICAT_URL = "http://127.0.0.1:9/"
    purge_queues()
    worker = CeleryWorker(
        tmp_path / "worker.log", extra_env={"ICAT_URL": settings.ICAT_URL}
    ).start()
    try:
        client.force_login(operator)
        response = client.post(URL, {"investigation": "MX-2468"}, follow=True)
        assert "MX-2468 will be read again from ICAT now." in response.content.decode()

        run = wait_for(
            lambda: SyncRun.objects.filter(status=SyncRun.Status.FAILED).first(),
            timeout=90,
            message=f"the worker's failed run\n{worker.log()}",
        )
        assert (run.kind, run.investigation) == ("investigation", "MX-2468")
        assert "unreachable at http://127.0.0.1:9/" in run.errors[0]["error"]

        client.post(URL, {"sync": "1"})
        wait_for(
            lambda: SyncRun.objects.filter(
                kind="incremental", status=SyncRun.Status.FAILED
            ).exists(),
            timeout=90,
            message=f"the incremental run\n{worker.log()}",
        )
        assert "catalogue.tasks.sync_icat" in worker.log()
    finally:
        worker.stop()
