"""The beat schedule has the ICAT sync only where there is an ICAT to mirror."""

from __future__ import annotations

import subprocess

import pytest

from tests.settings_probe import settings_in_fresh_process


def beat_schedule(**env: str) -> dict:
    code = (
        "import json, portal.settings as s; "
        "print(json.dumps({k: [v['task'], v['schedule'].total_seconds()]"
        " for k, v in s.CELERY_BEAT_SCHEDULE.items()}))"
    )
    return settings_in_fresh_process(code, drop_prefix="ICAT_", **env)


def test_sync_is_scheduled_every_interval_when_icat_url_is_set() -> None:
    schedule = beat_schedule(ICAT_URL="https://icat.example.org", ICAT_SYNC_INTERVAL_MINUTES="5")
    assert schedule["catalogue-sync-icat"] == ["catalogue.tasks.sync_icat", 300.0]


def test_nothing_is_scheduled_without_icat_url() -> None:
    assert "catalogue-sync-icat" not in beat_schedule()


def test_a_malformed_interval_fails_loudly() -> None:
    with pytest.raises(subprocess.CalledProcessError) as failure:
        beat_schedule(ICAT_URL="https://icat.example.org", ICAT_SYNC_INTERVAL_MINUTES="often")
    assert "ICAT_SYNC_INTERVAL_MINUTES='often' is not a whole number" in failure.value.stderr
