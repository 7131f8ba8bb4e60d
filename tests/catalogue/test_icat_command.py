"""`manage.py sync_icat`, fed recorded ICAT entities (--recorded, the stand-in for a server)."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command

from catalogue.icat.sync import LOCK_KEY
from catalogue.models import Datafile, Dataset, Investigation, SyncRun

FIXTURES = Path(__file__).parent / "icat_fixtures"


def sync_icat(*args: str) -> str:
    out = StringIO()
    call_command("sync_icat", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_command_imports_recorded_icat_and_shows_progress(db) -> None:
    output = sync_icat("--recorded", str(FIXTURES / "initial.json"))

    assert "Datafile: 4 read" in output
    assert "ICAT sync succeeded" in output
    assert Investigation.objects.filter(name="MX-2468").exists()


def test_command_resyncs_one_investigation_from_recorded_icat(db) -> None:
    sync_icat("--recorded", str(FIXTURES / "initial.json"))
    Dataset.objects.filter(icat_id=300).update(name="stale")

    output = sync_icat("--recorded", str(FIXTURES / "initial.json"), "--investigation", "MX-2468")

    assert "MX-2468 Dataset: 2 read" in output
    assert Dataset.objects.get(icat_id=300).name == "lyso_0001"
    assert SyncRun.objects.first().kind == "investigation"


def test_command_reports_skipped_recorded_icat_records_on_stderr(db) -> None:
    err = StringIO()
    call_command(
        "sync_icat",
        "--recorded",
        str(FIXTURES / "initial.json"),
        str(FIXTURES / "malformed.json"),
        stdout=StringIO(),
        stderr=err,
    )
    assert "Datafile 406 fileSize 'large' is not a byte count" in err.getvalue()
    assert Datafile.objects.filter(icat_id=408).exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--since", "last tuesday"], "'last tuesday' is not a date"),
        (["--investigation", "MX-1", "--full"], "cannot be combined"),
        ([], "ICAT_URL is not set"),
    ],
)
def test_command_refuses_bad_arguments_and_changes_nothing(db, args, message) -> None:
    recorded = ["--recorded", str(FIXTURES / "initial.json")] if args else []
    with pytest.raises(CommandError, match=message):
        sync_icat(*recorded, *args)
    assert not SyncRun.objects.exists() and not Investigation.objects.exists()


def test_command_says_so_when_a_sync_is_already_running(db) -> None:
    cache.add(LOCK_KEY, "worker", timeout=60)
    try:
        with pytest.raises(CommandError, match="already running"):
            sync_icat("--recorded", str(FIXTURES / "initial.json"))
    finally:
        cache.delete(LOCK_KEY)


def test_command_fails_with_the_error_when_icat_is_unreachable(db, settings) -> None:
    settings.ICAT_URL = "http://127.0.0.1:9/"  # the real python-icat client, nothing listening
    with pytest.raises(CommandError, match="unreachable"):
        sync_icat()
    assert SyncRun.objects.get().status == SyncRun.Status.FAILED
