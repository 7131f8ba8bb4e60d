"""A new investigation gets its session DOI from a task, enqueued once the row is committed."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from catalogue.models import Investigation


@receiver(post_save, sender=Investigation, dispatch_uid="doi-register-session-doi")
def register_session_doi_on_create(
    sender, instance: Investigation, created: bool, raw: bool = False, **kwargs
) -> None:
    if not created or raw or not settings.DOI_REGISTER_SESSIONS:
        return
    from .tasks import register_session_doi

    transaction.on_commit(lambda: register_session_doi.delay(instance.pk))
