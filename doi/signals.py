"""A new investigation gets its session DOI from a task, enqueued once the row is committed; a
session made proprietary gets its DOI withdrawn the same way."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from catalogue.models import Investigation


@receiver(post_save, sender=Investigation, dispatch_uid="doi-register-session-doi")
def session_doi_follows_investigation(
    sender, instance: Investigation, created: bool, raw: bool = False, **kwargs
) -> None:
    if raw:
        return
    if instance.proprietary:
        _withdraw_session_doi(instance)
        return
    if not created or not settings.DOI_REGISTER_SESSIONS:
        return
    from .tasks import register_session_doi

    transaction.on_commit(lambda: register_session_doi.delay(instance.pk))


def _withdraw_session_doi(investigation: Investigation) -> None:
    from .services import session_dois_to_withdraw
    from .tasks import withdraw_session_doi

    for doi_id in (
        session_dois_to_withdraw().filter(investigation=investigation).values_list("id", flat=True)
    ):
        transaction.on_commit(lambda doi_id=doi_id: withdraw_session_doi.delay(doi_id))
