"""Thin Celery tasks of the shipments app: each takes ids and calls one service."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task

from .notifications import parcel_status_notify as notify


@shared_task(
    soft_time_limit=60,
    time_limit=90,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    max_retries=5,
)
def parcel_status_notify(status_id: int) -> int:
    """E-mail the team and the local contact about one status change (see workflow.NOTIFY)."""
    return notify(status_id=status_id)
