"""One beat's worth of periodic tasks, however many beats run.

The README asks for exactly one beat, but a second one started by mistake (a restarted host, a
copied unit file) must not send every periodic task twice. Before sending an entry, a beat takes
that entry's lock in the shared cache (Redis in production) for most of its period; another beat
finding the lock taken skips the entry. Each period still sees one run: if the beat holding the
lock dies, the lock expires before the next period and the other beat takes over.
"""

from __future__ import annotations

import logging

from celery.beat import PersistentScheduler, ScheduleEntry
from django.core.cache import cache

log = logging.getLogger(__name__)
# Of the period: the lock must be gone when the next run is due, and outlast the offset between
# two beats started at different moments (cache timeouts are whole seconds).
LOCK_SHARE = 0.8


def _period_seconds(entry: ScheduleEntry) -> float:
    every = getattr(entry.schedule, "run_every", None)
    return every.total_seconds() if every is not None else 60.0  # crontab: at most once a minute


class LockedScheduler(PersistentScheduler):
    def apply_entry(self, entry: ScheduleEntry, producer=None) -> None:
        timeout = max(1, int(_period_seconds(entry) * LOCK_SHARE))
        try:
            mine = cache.add(f"beat-lock:{entry.name}", 1, timeout=timeout)
        except Exception:  # noqa: BLE001 - a cache down: better sent twice than never
            log.exception("No beat lock for %s: sending it anyway", entry.name)
            mine = True
        if not mine:
            log.info("Skipping %s: another beat sent it this period", entry.name)
            return
        super().apply_entry(entry, producer=producer)
