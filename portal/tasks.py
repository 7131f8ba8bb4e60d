from __future__ import annotations

import logging

from celery import shared_task
from django.apps import apps
from django.conf import settings
from django.core.mail import EmailMultiAlternatives

log = logging.getLogger(__name__)


@shared_task(soft_time_limit=30, time_limit=60)
def catalogue_census() -> dict[str, int]:
    """How many investigations the worker sees: a health check through broker and database."""
    # By name, not import: portal is the base the catalogue builds on.
    return {"investigations": apps.get_model("catalogue", "Investigation").objects.count()}


@shared_task(
    soft_time_limit=60,
    time_limit=90,
    # SMTPException and socket errors (refused, timed out) are both OSError.
    autoretry_for=(OSError,),
    retry_backoff=settings.MAIL_RETRY_BACKOFF,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=settings.MAIL_MAX_RETRIES,
)
def mail_deliver(*, to: list[str], subject: str, text: str, html: str = "") -> int:
    """Send one message rendered by `portal.mail.mail_send`; answers how many people it went to."""
    message = EmailMultiAlternatives(subject, text, to=to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
    log.info("e-mailed %d people: %s", len(to), subject)
    return len(to)
