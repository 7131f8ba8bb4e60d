"""`/healthz`: whether this server can answer, for load balancers; `/healthz/deep`: the whole
installation, for staff and monitoring.

Cheap by design (polled every few seconds by every balancer): one `SELECT 1`, one broker ping,
no session, no user, no template. 200 when both answer, else 503 naming what failed, so a
balancer takes the server out and a person reading the JSON knows where to look.
"""

from __future__ import annotations

import hmac
import logging
import os
import shutil
from functools import cache
from pathlib import Path

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .models import Heartbeat

logger = logging.getLogger(__name__)
# A balancer gives up after a few seconds: a broker that does not answer within this is down.
BROKER_TIMEOUT_SECONDS = 2


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


@cache
def _redis(url: str) -> redis.Redis:
    # One client (and its connection pool) per URL for the process: a ping reuses a connection.
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=BROKER_TIMEOUT_SECONDS,
        socket_timeout=BROKER_TIMEOUT_SECONDS,
    )


def _broker() -> None:
    url = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://")):
        _redis(url).ping()
        return
    # kombu's filesystem transport (development): messages are files in this folder.
    folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]
    if not (os.path.isdir(folder) and os.access(folder, os.W_OK)):
        raise OSError(f"{folder} is not a writable folder")


CHECKS = {"database": (_database, DatabaseError), "broker": (_broker, (redis.RedisError, OSError))}


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    results = {}
    for name, (check, errors) in CHECKS.items():
        try:
            check()
        except errors as error:
            logger.warning("health check %s failed: %s", name, error)
            results[name] = "failed"
        else:
            results[name] = "ok"
    healthy = all(value == "ok" for value in results.values())
    return JsonResponse(results, status=200 if healthy else 503)


# `/healthz/deep`: everything an operator needs to know, for staff or a monitoring token ----------

DISK_ROOTS = ("DATA_ROOT", "DOWNLOAD_ROOT", "MEDIA_ROOT")


def _allowed(request: HttpRequest) -> bool:
    if request.user.is_authenticated and request.user.is_staff:
        return True
    token = settings.HEALTH_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    # As bytes: compare_digest refuses str with non-ASCII characters, which anyone can send.
    return (
        bool(token)
        and scheme.lower() == "bearer"
        and hmac.compare_digest(given.encode(), token.encode())
    )


def _required(name: str) -> dict:
    check, errors = CHECKS[name]
    try:
        check()
    except errors as error:
        logger.warning("health check %s failed: %s", name, error)
        return {"status": "failed", "error": str(error)[:200]}
    return {"status": "ok"}


def _workers() -> dict:
    rows = list(Heartbeat.objects.filter(kind=Heartbeat.Kind.WORKER))
    alive = [row for row in rows if row.is_alive]
    served = {queue for row in alive for queue in row.queues.split(",") if queue}
    missing = [q.name for q in settings.CELERY_TASK_QUEUES if q.name not in served]
    return {
        "status": "failed" if missing else "ok",
        "queues_without_worker": missing,
        "workers": [
            {
                "name": r.name,
                "queues": r.queues,
                "seen_seconds_ago": r.age_seconds,
                "alive": r.is_alive,
            }
            for r in rows
        ],
    }


def _beat() -> dict:
    rows = list(Heartbeat.objects.filter(kind=Heartbeat.Kind.BEAT))
    newest = min((row.age_seconds for row in rows), default=None)
    alive = newest is not None and newest <= settings.HEALTH_HEARTBEAT_STALE_SECONDS
    return {"status": "ok" if alive else "failed", "seen_seconds_ago": newest}


def _disk(path: Path) -> dict:
    # DOWNLOAD_ROOT and MEDIA_ROOT are made on first use: measure the disk they will be on.
    while not path.exists() and path != path.parent:
        path = path.parent
    usage = shutil.disk_usage(path)
    percent = round(100 * usage.free / usage.total, 1) if usage.total else 0.0
    low = percent < settings.HEALTH_DISK_WARN_PERCENT
    return {
        "status": "warn" if low else "ok",
        "path": str(path),
        "free_bytes": usage.free,
        "total_bytes": usage.total,
        "free_percent": percent,
    }


@never_cache
@require_safe
def healthz_deep(request: HttpRequest) -> JsonResponse:
    """Database, broker, workers per queue, beat, free space of the roots. 503 when a required
    part (all but the disks' warnings) is down; anyone but staff and the token gets a 404."""
    if not _allowed(request):
        raise Http404
    checks = {
        "database": _required("database"),
        "broker": _required("broker"),
        "workers": _guarded(_workers),
        "beat": _guarded(_beat),
        "disk": {name: _disk(Path(getattr(settings, name))) for name in DISK_ROOTS},
    }
    states = [c["status"] for c in checks.values() if "status" in c]
    states += [d["status"] for d in checks["disk"].values()]
    overall = "failed" if "failed" in states else "warn" if "warn" in states else "ok"
    return JsonResponse({"status": overall, **checks}, status=503 if overall == "failed" else 200)


def _guarded(check) -> dict:
    """Heartbeats are rows: with the database down they cannot be read, which is no news."""
    try:
        return check()
    except DatabaseError:
        return {"status": "failed", "error": "the database does not answer"}
