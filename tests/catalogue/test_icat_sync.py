"""The ICAT sync against recorded ICAT entities (RecordedGateway, the stand-in for an ICAT server:
JSON shaped like python-icat's `Entity.as_dict()`, in tests/catalogue/icat_fixtures/)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta
from django.core.cache import cache

from catalogue.icat import sync
from catalogue.icat.recorded import RecordedGateway
from catalogue.icat.records import Cursor, GatewayError
from catalogue.icat.sync import LOCK_KEY, SyncBusy, icat_sync
from catalogue.models import (
    Datafile,
    Dataset,
    DatasetParameter,
    IcatLink,
    IcatUser,
    Instrument,
    Investigation,
    InvestigationParameter,
    InvestigationUser,
    Role,
    Sample,
    SampleParameter,
    SyncCursor,
    SyncRun,
    Technique,
)
from portal.models import User
from tests import factories

FIXTURES = Path(__file__).parent / "icat_fixtures"
MIRROR = [
    Technique,
    Instrument,
    IcatUser,
    IcatLink,
    Investigation,
    InvestigationUser,
    Sample,
    Dataset,
    Datafile,
    InvestigationParameter,
    DatasetParameter,
    SampleParameter,
    User,
]


def recorded(*names: str) -> RecordedGateway:
    return RecordedGateway.from_json(*(FIXTURES / f"{name}.json" for name in names))


def snapshot() -> dict[str, list[dict]]:
    """Every row of the mirror (and the portal users it creates), to compare runs."""
    rows = {m.__name__: list(m.objects.order_by("pk").values()) for m in MIRROR}
    rows["scientists"] = list(Instrument.scientists.through.objects.order_by("pk").values())
    rows["techniques"] = list(Dataset.techniques.through.objects.order_by("pk").values())
    return rows


@pytest.fixture(autouse=True)
def _small_batches(settings) -> None:
    settings.ICAT_BATCH_SIZE = 2  # several batches per entity type even with a small recording
    settings.EMBARGO_YEARS = 3
    cache.delete(LOCK_KEY)


@pytest.fixture
def imported(db) -> RecordedGateway:
    gateway = recorded("initial")
    run = icat_sync(gateway=gateway)
    assert run.status == SyncRun.Status.SUCCESS, run.errors
    return gateway


def test_first_import_from_recorded_icat_fills_the_mirror(db) -> None:
    marie = factories.UserFactory(username="mdubois", icat_name="esrf/mdubois")
    james = factories.UserFactory(username="james", email="James.Smith@example.org")

    run = icat_sync(gateway=recorded("initial"))

    assert run.status == SyncRun.Status.SUCCESS and run.finished and run.reconciled
    assert run.counts["Datafile"] == {"applied": 4}
    mx = Investigation.objects.get(name="MX-2468")
    assert (mx.visit_id, mx.title, mx.instrument.name) == (
        "id231",
        "Lysozyme at room temperature",
        "ID23-1",
    )
    assert mx.release_date == datetime(2024, 2, 29, 8, tzinfo=UTC) + relativedelta(years=3)
    hc = Investigation.objects.get(name="HC-5000")
    assert (hc.release_date, hc.doi, hc.instrument.name) == (
        datetime(2021, 1, 12, 8, tzinfo=UTC),
        "10.15151/ESRF-ES-1",
        "BM29",
    )
    assert hc.is_released and not mx.is_released
    roles = {(m.user.username, m.role) for m in InvestigationUser.objects.filter(investigation=mx)}
    assert roles == {
        ("mdubois", Role.PRINCIPAL_INVESTIGATOR),
        ("james", Role.PARTICIPANT),
        ("pnovak", Role.LOCAL_CONTACT),  # also "Participant" in ICAT: the stronger role wins
    }
    # Marie by ICAT name, James by e-mail (any case); Petr had no portal account: one is made.
    assert IcatUser.objects.get(name="esrf/mdubois").user == marie
    assert IcatUser.objects.get(name="esrf/jsmith").user == james
    petr = User.objects.get(username="pnovak")
    assert (petr.icat_name, petr.full_name, petr.has_usable_password()) == (
        "esrf/pnovak",
        "Dr Petr Novák",
        False,
    )
    assert list(Instrument.objects.get(name="ID23-1").scientists.all()) == [petr]
    raw = Dataset.objects.get(icat_id=300)
    assert (raw.type, raw.sample.name, raw.sample.type) == ("raw", "lysozyme", "protein")
    assert raw.location == "data/visitor/mx2468/id231/lyso_0001"
    assert Dataset.objects.get(icat_id=301).type == "processed"
    assert [t.name for t in raw.techniques.all()] == ["macromolecular crystallography"]
    assert (raw.file_count, raw.size) == (2, 1024)
    assert (mx.dataset_count, mx.datafile_count, mx.volume) == (2, 3, 1524)
    assert str(raw.parameters.get()) == "energy = 12.7 keV"
    assert mx.parameters.get().value == "MX"
    assert raw.sample.parameters.get().value == "NXsample"
    assert {c.entity: c.last_id for c in SyncCursor.objects.all()}["Datafile"] == 403


def test_rerunning_recorded_icat_changes_nothing(imported) -> None:
    before = snapshot()

    again = icat_sync(gateway=imported)
    assert again.counts == {} and again.status == SyncRun.Status.SUCCESS
    full = icat_sync(gateway=imported, full=True)  # every record read and upserted again

    assert full.counts["Datafile"] == {"applied": 4}
    assert snapshot() == before


def test_incremental_run_from_recorded_icat_applies_only_what_changed(imported) -> None:
    imported.load(FIXTURES / "update.json")

    run = icat_sync(gateway=imported)

    assert run.counts == {
        "Investigation": {"applied": 1},
        "InvestigationInstrument": {"applied": 1},
        "Dataset": {"applied": 1},
        "Datafile": {"applied": 2},
    }
    raw = Dataset.objects.get(icat_id=300)
    assert (raw.name, raw.description, raw.file_count, raw.size) == (
        "lyso_0001_renamed",
        "re-indexed",
        3,
        5024,
    )
    assert Investigation.objects.get(name="MX-2468").volume == 5524
    assert Investigation.objects.get(name="MX-2469").instrument.name == "ID23-1"
    assert Datafile.objects.filter(dataset=raw).count() == 3


def test_deletions_in_recorded_icat_are_found_by_the_id_reconciliation(imported) -> None:
    mx = Investigation.objects.get(name="MX-2468")
    collaborator = factories.InvestigationUserFactory(
        investigation=mx, role=Role.COLLABORATOR
    )  # added in the portal
    imported.load(FIXTURES / "deletions.json")

    icat_sync(gateway=imported)  # not due yet: an incremental run cannot see deletions
    assert Datafile.objects.filter(icat_id=401).exists()

    run = icat_sync(gateway=imported, reconcile=True)

    assert run.reconciled
    assert run.counts["Datafile"] == {"deleted": 1}
    assert not Datafile.objects.filter(icat_id=401).exists()
    assert not Dataset.objects.filter(icat_id=302).exists()
    assert not InvestigationUser.objects.filter(icat_id=121).exists()
    assert InvestigationUser.objects.filter(pk=collaborator.pk).exists()  # not ICAT's to delete
    assert not Instrument.objects.get(name="ID23-1").scientists.exists()
    assert not Dataset.objects.get(icat_id=300).techniques.exists()
    raw = Dataset.objects.get(icat_id=300)
    assert (raw.file_count, raw.size) == (1, 1000)
    assert Investigation.objects.get(name="HC-5000").dataset_count == 0


def test_reconciliation_with_recorded_icat_reads_again_what_the_mirror_lacks(imported) -> None:
    Datafile.objects.filter(icat_id=402).delete()

    icat_sync(gateway=imported, reconcile=True)

    assert Datafile.objects.get(icat_id=402).name == "mtz.mtz"
    assert Dataset.objects.get(icat_id=301).file_count == 1


def test_reconciliation_runs_by_itself_when_due(imported, settings) -> None:
    SyncRun.objects.update(
        started=datetime.now(UTC) - timedelta(hours=settings.ICAT_RECONCILE_HOURS + 1)
    )
    imported.load(FIXTURES / "deletions.json")

    assert icat_sync(gateway=imported).reconciled
    assert not Datafile.objects.filter(icat_id=401).exists()


def test_crash_mid_batch_with_recorded_icat_then_resume_applies_everything_once(
    db, monkeypatch
) -> None:
    gateway = recorded("initial")
    real = sync.APPLY["Datafile"]
    calls = []

    def crash_on_second_batch(records, done):
        calls.append(len(records))
        real(records, done)  # the rows are written ...
        if len(calls) == 2:
            raise RuntimeError("worker killed")  # ... and then the process dies before the commit

    monkeypatch.setitem(sync.APPLY, "Datafile", crash_on_second_batch)
    with pytest.raises(RuntimeError):
        icat_sync(gateway=gateway)

    crashed = SyncRun.objects.get()
    assert crashed.status == SyncRun.Status.FAILED and "worker killed" in crashed.errors[0]["error"]
    assert sorted(Datafile.objects.values_list("icat_id", flat=True)) == [
        400,
        401,
    ]  # first batch only
    assert SyncCursor.objects.get(entity="Datafile").last_id == 401
    assert Dataset.objects.get(icat_id=300).file_count == 2

    monkeypatch.setitem(sync.APPLY, "Datafile", real)
    resumed = icat_sync(gateway=gateway)

    assert resumed.status == SyncRun.Status.SUCCESS
    assert resumed.counts["Datafile"] == {"applied": 2}  # only the batch that was lost
    assert sorted(Datafile.objects.values_list("icat_id", flat=True)) == [400, 401, 402, 403]
    assert Investigation.objects.get(name="MX-2468").datafile_count == 3


def test_a_malformed_record_from_recorded_icat_is_logged_and_skipped(imported, caplog) -> None:
    imported.load(FIXTURES / "malformed.json")
    caplog.set_level(logging.WARNING)

    run = icat_sync(gateway=imported)

    assert run.status == SyncRun.Status.PARTIAL
    assert sorted(Datafile.objects.filter(icat_id__gte=405).values_list("icat_id", flat=True)) == [
        405,
        408,
    ]
    skipped = {(e["entity"], e["icat_id"]) for e in run.errors}
    assert skipped == {("Datafile", 406), ("Datafile", 407), ("Investigation", 103)}
    assert "ICAT Datafile 406 skipped: fileSize 'large' is not a byte count" in caplog.text
    assert not Investigation.objects.filter(name="MX-9999").exists()
    assert SyncCursor.objects.get(entity="Datafile").last_id == 408  # the batch went on past them


class _FailingOn(RecordedGateway):
    """Recorded ICAT whose session cannot be renewed when `fail_entity` is read."""

    fail_entity = "Dataset"
    failing = False

    def read_batch(self, entity: str, after: Cursor, limit: int):
        if entity == self.fail_entity and self.failing:
            raise GatewayError("ICAT session expired and login again failed: Session id not found")
        return super().read_batch(entity, after, limit)


def test_recorded_icat_down_stops_the_run_cleanly_and_the_next_run_resumes(db) -> None:
    gateway = _FailingOn()
    gateway.load(FIXTURES / "initial.json")
    gateway.failing = True

    failed = icat_sync(gateway=gateway)

    assert failed.status == SyncRun.Status.FAILED and failed.finished
    assert "Session id not found" in failed.errors[-1]["error"]
    assert Sample.objects.count() == 1 and not Dataset.objects.exists()
    assert not SyncCursor.objects.filter(entity="Dataset").exists()
    assert cache.get(LOCK_KEY) is None  # the lock is released for the next run

    gateway.failing = False
    resumed = icat_sync(gateway=gateway)

    assert resumed.status == SyncRun.Status.SUCCESS
    assert "Sample" not in resumed.counts  # already in: read once only
    assert Dataset.objects.count() == 3 and Datafile.objects.count() == 4


def test_recorded_icat_down_from_the_start_records_the_error(db) -> None:
    gateway = recorded("initial")
    gateway.down = True

    run = icat_sync(gateway=gateway)

    assert run.status == SyncRun.Status.FAILED
    assert run.errors == [{"error": "ICAT unreachable (recorded gateway set down)"}]


def test_a_second_run_is_refused_while_the_first_holds_the_lock(db) -> None:
    cache.add(LOCK_KEY, "someone else", timeout=60)
    with pytest.raises(SyncBusy):
        icat_sync(gateway=recorded("initial"))
    assert not Investigation.objects.exists()


def test_a_run_left_running_by_a_killed_worker_is_marked_failed(db) -> None:
    stale = SyncRun.objects.create()  # its lock expired with the worker

    icat_sync(gateway=recorded("initial"))

    stale.refresh_from_db()
    assert stale.status == SyncRun.Status.FAILED and "interrupted" in stale.errors[0]["error"]


def test_resync_of_one_investigation_from_recorded_icat_restores_it_and_keeps_cursors(
    imported,
) -> None:
    Datafile.objects.filter(dataset__investigation__name="MX-2468").delete()
    Investigation.objects.filter(name="MX-2468").update(title="edited by mistake")
    Investigation.objects.filter(name="HC-5000").update(title="untouched")
    cursors = list(SyncCursor.objects.values("entity", "mod_time", "last_id"))

    run = icat_sync(gateway=imported, investigation="MX-2468")

    assert (run.kind, run.investigation, run.status) == (
        "investigation",
        "MX-2468",
        SyncRun.Status.SUCCESS,
    )
    mx = Investigation.objects.get(name="MX-2468")
    assert (mx.title, mx.datafile_count, mx.volume) == ("Lysozyme at room temperature", 3, 1524)
    assert Investigation.objects.get(name="HC-5000").title == "untouched"
    assert "Technique" not in run.counts
    assert list(SyncCursor.objects.values("entity", "mod_time", "last_id")) == cursors


def test_since_reads_again_what_changed_after_a_date(imported) -> None:
    Dataset.objects.filter(icat_id=300).update(name="stale")

    run = icat_sync(gateway=imported, since=datetime(2024, 1, 1, tzinfo=UTC))

    assert run.counts["Dataset"] == {"applied": 3}
    assert Dataset.objects.get(icat_id=300).name == "lyso_0001"


def test_users_can_be_matched_by_sso_subject(db, settings) -> None:
    settings.ICAT_USER_MATCH = ["subject"]
    jsmith = factories.UserFactory(username="jsmith", email="other@example.org")

    icat_sync(gateway=recorded("initial"))

    assert IcatUser.objects.get(name="esrf/jsmith").user == jsmith


def test_a_user_mapping_corrected_by_hand_survives_the_next_sync(imported) -> None:
    robert = factories.UserFactory(username="rbrown")
    IcatUser.objects.filter(name="esrf/pnovak").update(user=robert)

    icat_sync(gateway=imported, full=True)

    assert IcatUser.objects.get(name="esrf/pnovak").user == robert


def test_an_icat_name_already_taken_is_reused_when_name_matching_is_off(db, settings) -> None:
    settings.ICAT_USER_MATCH = ["email"]
    petr = factories.UserFactory(
        username="petr", email="elsewhere@example.org", icat_name="esrf/pnovak"
    )

    run = icat_sync(gateway=recorded("initial"))

    assert run.status == SyncRun.Status.SUCCESS
    assert IcatUser.objects.get(name="esrf/pnovak").user == petr


def test_since_a_date_after_the_cursor_skips_nothing_from_recorded_icat(db) -> None:
    gateway = recorded("initial")

    run = icat_sync(gateway=gateway, since=datetime(2030, 1, 1, tzinfo=UTC))

    assert run.counts["Datafile"] == {"applied": 4}  # never read: read from the start
    assert SyncCursor.objects.get(entity="Datafile").mod_time < datetime(2030, 1, 1, tzinfo=UTC)


def test_resync_of_one_investigation_drops_what_recorded_icat_deleted_of_it_only(imported) -> None:
    imported.load(FIXTURES / "deletions.json")

    run = icat_sync(gateway=imported, investigation="MX-2468")

    assert (
        run.counts["Datafile"]["deleted"] == 1 and run.counts["InvestigationUser"]["deleted"] == 1
    )
    assert not Datafile.objects.filter(icat_id=401).exists()
    assert Dataset.objects.get(icat_id=300).file_count == 1
    assert Dataset.objects.filter(icat_id=302).exists()  # HC-5000's: for the next reconciliation


def test_a_stronger_second_role_in_recorded_icat_upgrades_the_membership(imported) -> None:
    james = dict(imported.tables["InvestigationUser"][121].fields)
    james.update(id=125, role="Local contact", modTime="2024-03-05T08:00:00+00:00")
    imported.put("InvestigationUser", [james])

    run = icat_sync(gateway=imported)

    assert run.status == SyncRun.Status.SUCCESS
    member = InvestigationUser.objects.get(
        investigation__name="MX-2468", user__icat_name="esrf/jsmith"
    )
    assert (member.role, member.icat_id) == (Role.LOCAL_CONTACT, 121)


def test_without_user_creation_unmatched_recorded_icat_members_are_reported(db, settings) -> None:
    settings.ICAT_CREATE_USERS = False
    factories.UserFactory(username="mdubois", icat_name="esrf/mdubois")

    run = icat_sync(gateway=recorded("initial"))

    assert run.status == SyncRun.Status.PARTIAL
    assert not User.objects.filter(username="pnovak").exists()
    assert IcatUser.objects.get(name="esrf/pnovak").user is None
    members = InvestigationUser.objects.filter(investigation__name="MX-2468")
    assert [m.user.username for m in members] == ["mdubois"]
    assert {
        "entity": "InvestigationUser",
        "icat_id": 121,
        "error": "user 11 is not in the mirror",
    } in run.errors


def test_synced_rows_are_found_by_search(client, db) -> None:
    """Bulk upserts bypass save(); the sync keeps the search text current itself."""
    icat_sync(gateway=recorded("initial"))
    client.force_login(factories.UserFactory(username="curator", is_staff=True))

    page = client.get("/search/", {"q": "lysozyme", "kind": "datasets"})
    samples = client.get("/search/", {"q": "lysozyme", "kind": "samples"})

    assert page.status_code == 200
    assert "lyso_0001" in page.text
    assert "lysozyme" in samples.text
    assert "kinase_saxs" not in page.text
