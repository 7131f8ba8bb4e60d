"""A new investigation gets its session DOI from a task, enqueued once the row is committed; a
session made proprietary gets its DOI withdrawn the same way; a change to what its DOI record
shows (title, summary, release date, team) sends the record again."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from catalogue.models import Investigation, InvestigationUser

from .refresh import metadata_changed


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


# What a session's DOI record shows of the investigation itself (the proprietary flag withdraws
# the DOI instead, above).
PUBLIC_FIELDS = ("title", "summary", "release_date")


@receiver(pre_save, sender=Investigation, dispatch_uid="doi-remember-public-fields")
def remember_public_fields(sender, instance: Investigation, raw: bool = False, **kwargs) -> None:
    if raw or instance.pk is None:
        return
    instance._doi_public_before = (
        Investigation.objects.filter(pk=instance.pk).values_list(*PUBLIC_FIELDS).first()
    )


@receiver(post_save, sender=Investigation, dispatch_uid="doi-update-on-public-change")
def session_doi_follows_public_fields(
    sender, instance: Investigation, created: bool, raw: bool = False, **kwargs
) -> None:
    before = getattr(instance, "_doi_public_before", None)
    if raw or created or instance.proprietary or before is None:
        return
    if before != tuple(getattr(instance, name) for name in PUBLIC_FIELDS):
        metadata_changed(investigation_id=instance.pk)


@receiver(post_save, sender=InvestigationUser, dispatch_uid="doi-update-on-team-save")
@receiver(post_delete, sender=InvestigationUser, dispatch_uid="doi-update-on-team-delete")
def session_doi_follows_team(sender, instance: InvestigationUser, raw: bool = False, **kwargs):
    """A member added, removed or given another role: the creators or contributors change."""
    if not raw:
        metadata_changed(investigation_id=instance.investigation_id)
