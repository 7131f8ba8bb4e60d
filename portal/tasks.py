from __future__ import annotations

from celery import shared_task

from catalogue.models import Investigation


@shared_task(soft_time_limit=30, time_limit=60)
def catalogue_census() -> dict[str, int]:
    """How many investigations the worker sees: a health check through broker and database."""
    return {"investigations": Investigation.objects.count()}
