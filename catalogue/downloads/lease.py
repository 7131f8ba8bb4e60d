"""Leases on long worker jobs (download jobs, tape restores): claim, heartbeat, sweep.

A job's row is its lease. A worker claims a pending row (or a running one whose heartbeat is
older than DOWNLOAD_STALE_SECONDS: its worker died), which bumps `attempt`; from then on every
write goes through `lease_mine`, filtered on that attempt, so a worker that lost its lease finds
zero rows to update and stops (`Superseded`). The sweeper, run by beat, puts stale rows back to
pending and enqueues them again: that covers a killed worker and a message the broker forgot
(a restarted Redis) alike, since the database, not the broker, says what is left to do.

Models using it have `status` (DownloadJobStatus values), `attempt` and `heartbeat_at`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from catalogue.models import DownloadJobStatus

ACTIVE = [DownloadJobStatus.PENDING, DownloadJobStatus.RUNNING]


class Superseded(Exception):
    """The sweeper gave this row to another attempt: stop without touching it."""


def stale_after() -> timedelta:
    return timedelta(seconds=settings.DOWNLOAD_STALE_SECONDS)


def lease_claim(model: type[models.Model], *, pk, **fields) -> bool:
    """Take the row for this worker: pending, or running with a stale heartbeat. A redelivered
    message or a second sweep gets False and leaves it alone. `fields` are reset on claim."""
    now = timezone.now()
    return bool(
        model.objects.filter(pk=pk)
        .filter(
            Q(status=DownloadJobStatus.PENDING)
            | Q(status=DownloadJobStatus.RUNNING, heartbeat_at__lt=now - stale_after())
        )
        .update(
            status=DownloadJobStatus.RUNNING, attempt=F("attempt") + 1, heartbeat_at=now, **fields
        )
    )


def lease_mine(model: type[models.Model], *, pk, attempt: int) -> QuerySet:
    """The row, as long as this attempt still holds it."""
    return model.objects.filter(pk=pk, attempt=attempt, status=DownloadJobStatus.RUNNING)


def lease_beat(mine: QuerySet, **fields) -> None:
    """Report progress and prove this worker alive; raise Superseded when the lease was lost."""
    if not mine.update(heartbeat_at=timezone.now(), **fields):
        raise Superseded


def lease_sweep(
    model: type[models.Model],
    *,
    enqueue: Callable[..., None],
    fields: tuple[str, ...] = (),
    older: timedelta | None = None,
) -> int:
    """Put rows whose worker went quiet back to pending and `enqueue(pk, *fields)` each again."""
    older = older or stale_after()
    now = timezone.now()
    stale = Q(status__in=ACTIVE, heartbeat_at__lt=now - older)
    count = 0
    for pk, *values in model.objects.filter(stale).values_list("pk", *fields):
        with transaction.atomic():
            if model.objects.filter(stale, pk=pk).update(
                status=DownloadJobStatus.PENDING, heartbeat_at=now
            ):
                enqueue(pk, *values)
                count += 1
    return count
