"""The beat schedule has the ICAT sync only where there is an ICAT to mirror."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]


def beat_schedule(**env: str) -> dict:
    code = (
        "import json, portal.settings as s; "
        "print(json.dumps({k: [v['task'], v['schedule'].total_seconds()]"
        " for k, v in s.CELERY_BEAT_SCHEDULE.items()}))"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ICAT_")}
    environment.update(SECRET_KEY="x", **env)
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_sync_is_scheduled_every_interval_when_icat_url_is_set() -> None:
    schedule = beat_schedule(ICAT_URL="https://icat.example.org", ICAT_SYNC_INTERVAL_MINUTES="5")
    assert schedule["catalogue-sync-icat"] == ["catalogue.tasks.sync_icat", 300.0]


def test_nothing_is_scheduled_without_icat_url() -> None:
    assert "catalogue-sync-icat" not in beat_schedule()


def test_a_malformed_interval_fails_loudly() -> None:
    with pytest.raises(subprocess.CalledProcessError) as failure:
        beat_schedule(ICAT_URL="https://icat.example.org", ICAT_SYNC_INTERVAL_MINUTES="often")
    assert "ICAT_SYNC_INTERVAL_MINUTES='often' is not a whole number" in failure.value.stderr
