"""The beat lock (portal/beat.py): a second beat started by mistake sends nothing twice.
The many-nodes test (tests/nodes/) checks the same with two real beat processes."""

from __future__ import annotations

from datetime import timedelta

from celery.beat import ScheduleEntry

from portal.beat import LockedScheduler
from portal.celery import app


def _beat(tmp_path, n: int, sent: list) -> LockedScheduler:
    beat = LockedScheduler(app=app, schedule_filename=str(tmp_path / f"beat-{n}"), lazy=True)
    beat.apply_async = lambda entry, **kwargs: sent.append((n, entry.name))
    return beat


def _entry(name: str) -> ScheduleEntry:
    return ScheduleEntry(
        name=name, task="catalogue.tasks.download_sweep", schedule=timedelta(minutes=1), app=app
    )


def test_a_second_beat_skips_what_the_first_sent_this_period(tmp_path) -> None:
    sent: list = []
    first, second = _beat(tmp_path, 1, sent), _beat(tmp_path, 2, sent)

    second.apply_entry(_entry("download-sweep"))
    first.apply_entry(_entry("download-sweep"))
    first.apply_entry(_entry("catalogue-release-due"))
    second.apply_entry(_entry("catalogue-release-due"))

    assert sent == [(2, "download-sweep"), (1, "catalogue-release-due")]


def test_the_next_period_is_sent_again(tmp_path) -> None:
    from django.core.cache import cache

    sent: list = []
    beat = _beat(tmp_path, 1, sent)
    beat.apply_entry(_entry("download-sweep"))
    cache.delete("beat-lock:download-sweep")  # what the lock's timeout does before the next period
    beat.apply_entry(_entry("download-sweep"))

    assert sent == [(1, "download-sweep"), (1, "download-sweep")]
