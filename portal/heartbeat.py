"""Heartbeats of Celery workers and beat: each process writes `(kind, name) -> now` into the
database every few seconds from a thread started by Celery's `worker_ready` / `beat_init` signals
(portal/celery.py). `/healthz/deep` and the admin read them; the database, not a broker or a cache,
so that every web node sees the same rows and a broker restart does not erase them."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from .models import Heartbeat

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 10
FORGET_AFTER = timedelta(days=7)  # rows of processes gone for good leave the admin list

_stop = threading.Event()


def heartbeat_record(*, kind: str, name: str, queues: str = "", started: bool = False) -> None:
    now = timezone.now()
    defaults = {"seen_at": now, "queues": queues[:255]}
    if started:
        defaults["started_at"] = now
    Heartbeat.objects.update_or_create(kind=kind, name=name[:255], defaults=defaults)


def heartbeat_start(*, kind: str, name: str, queues: str = "") -> threading.Thread:
    """Write at once (a test or an operator sees the process within a second), then every
    INTERVAL_SECONDS until `heartbeat_stop()` or the process ends."""
    _stop.clear()
    thread = threading.Thread(
        target=_beat, kwargs={"kind": kind, "name": name, "queues": queues}, daemon=True
    )
    thread.start()
    return thread


def heartbeat_stop() -> None:
    _stop.set()


def _beat(*, kind: str, name: str, queues: str) -> None:
    started = True
    while True:
        close_old_connections()  # a database restarted since the last beat: reconnect
        try:
            heartbeat_record(kind=kind, name=name, queues=queues, started=started)
            if started:
                Heartbeat.objects.filter(seen_at__lt=timezone.now() - FORGET_AFTER).delete()
            started = False
        except DatabaseError as error:  # the health check reports the database itself
            log.warning("heartbeat of %s %s not written: %s", kind, name, error)
        if _stop.wait(INTERVAL_SECONDS):
            return
