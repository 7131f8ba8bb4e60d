"""`/healthz`: whether this server can answer, for load balancers and monitoring.

Cheap by design (polled every few seconds by every balancer): one `SELECT 1`, one broker ping,
no session, no user, no template. 200 when both answer, else 503 naming what failed, so a
balancer takes the server out and a person reading the JSON knows where to look.
"""

from __future__ import annotations

import logging
import os
from functools import cache

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

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
