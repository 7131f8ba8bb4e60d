"""Data-policy workflows: early release by the principal investigator, embargo extensions asked
by the PI and answered by the data-policy office, and the proprietary flag set by that office.

Each one changes the investigation through its `save` (so the stored public flag and the DOI
signals follow at once), writes its audit row in the same transaction, and e-mails the people
concerned through portal.mail once it commits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal.mail import mail_send

from .audit import audit_record
from .models import Investigation, Role
from .models.policy import AccessEventKind, EmbargoExtension, ExtensionStatus

# What else becomes public with a session, counted by the app that owns it (the logbook
# registers its events in its AppConfig.ready: catalogue imports no other app).
_RELEASE_COUNTS: dict[str, Callable[[Investigation], int]] = {}


def release_count_register(label: str, count: Callable[[Investigation], int]) -> None:
    _RELEASE_COUNTS[label] = count


def release_contents(investigation: Investigation) -> list[tuple[str, int]]:
    """What a release makes public, as (label, number) for the confirmation page."""
    counts = [
        ("datasets", investigation.dataset_count),
        ("files", investigation.datafile_count),
        ("samples", investigation.samples.count()),
    ]
    return counts + [(label, count(investigation)) for label, count in _RELEASE_COUNTS.items()]


def _day(moment: datetime) -> str:
    return f"{timezone.localdate(moment):%Y-%m-%d}"


def _locked(investigation: Investigation) -> Investigation:
    return Investigation.objects.select_for_update().get(pk=investigation.pk)


def _team_addresses(investigation: Investigation) -> list[str]:
    return list(investigation.members.values_list("user__email", flat=True))


def _pi_addresses(investigation: Investigation) -> list[str]:
    pis = investigation.members.filter(role=Role.PRINCIPAL_INVESTIGATOR)
    return list(pis.values_list("user__email", flat=True))


@transaction.atomic
def investigation_release_now(*, investigation: Investigation, by) -> Investigation:
    """The embargo ends now: the data, logbook, samples and DOI metadata become public."""
    investigation = _locked(investigation)
    if investigation.proprietary:
        raise ValidationError("A proprietary session cannot be released.")
    if investigation.is_released:
        raise ValidationError("This session is already public.")
    before = investigation.release_date
    investigation.release_date = timezone.now()
    investigation.mod_time = investigation.release_date
    investigation.save()  # flips is_public; doi/signals.py sends the DOI record again
    EmbargoExtension.objects.filter(
        investigation=investigation, status=ExtensionStatus.PENDING
    ).update(
        status=ExtensionStatus.REFUSED,
        decided_at=investigation.release_date,
        answer="Withdrawn: the session was released.",
    )
    audit_record(
        kind=AccessEventKind.RELEASED,
        actor=by,
        investigation=investigation,
        summary=f"{investigation.name} released early (was embargoed until {_day(before)})",
        details={"previous_release_date": before.isoformat()},
    )
    mail_send(
        to=_team_addresses(investigation),
        template="investigation_released",
        context={"investigation": investigation, "by": by},
    )
    return investigation


def extension_limit(investigation: Investigation) -> datetime:
    return investigation.release_date + timedelta(days=settings.EMBARGO_EXTENSION_MAX_DAYS)


def _check_extension(investigation: Investigation, new_date: datetime, reason: str) -> None:
    errors: dict[str, str] = {}
    if investigation.proprietary or investigation.is_released:
        raise ValidationError("Only an embargoed session's release date can be extended.")
    granted = investigation.embargo_extensions.filter(status=ExtensionStatus.APPROVED).count()
    if granted >= settings.EMBARGO_EXTENSIONS_MAX:
        raise ValidationError(
            f"This session's embargo has been extended {granted} times, the most allowed."
        )
    if investigation.embargo_extensions.filter(status=ExtensionStatus.PENDING).exists():
        raise ValidationError("A request for this session is already waiting for an answer.")
    if new_date <= investigation.release_date:
        errors["new_release_date"] = (
            f"Choose a date after the current release date ({_day(investigation.release_date)})."
        )
    elif new_date > extension_limit(investigation):
        errors["new_release_date"] = (
            f"At most {settings.EMBARGO_EXTENSION_MAX_DAYS} days after the current release "
            f"date: {_day(extension_limit(investigation))} at the latest."
        )
    if not reason.strip():
        errors["reason"] = "Say why the data must stay closed longer."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def extension_request_create(
    *, investigation: Investigation, by, new_release_date: datetime, reason: str
) -> EmbargoExtension:
    investigation = _locked(investigation)  # two requests at once: one waits, then fails
    _check_extension(investigation, new_release_date, reason)
    extension = EmbargoExtension.objects.create(
        investigation=investigation,
        requested_by=by,
        current_release_date=investigation.release_date,
        new_release_date=new_release_date,
        reason=reason.strip(),
    )
    audit_record(
        kind=AccessEventKind.EXTENSION_REQUESTED,
        actor=by,
        investigation=investigation,
        summary=f"Extension of {investigation.name} to {_day(new_release_date)} requested",
        reason=extension.reason,
        details={"extension": extension.pk, "new_release_date": new_release_date.isoformat()},
    )
    return extension


@transaction.atomic
def extension_request_decide(
    *, extension: EmbargoExtension, by, approve: bool, answer: str
) -> EmbargoExtension:
    extension = EmbargoExtension.objects.select_for_update().get(pk=extension.pk)
    if extension.status != ExtensionStatus.PENDING:
        raise ValidationError("This request has already been answered.")
    if not answer.strip():
        raise ValidationError({"answer": "Give the reason for the decision."})
    investigation = _locked(extension.investigation)
    if approve and (investigation.proprietary or investigation.is_released):
        raise ValidationError("The session is no longer embargoed: refuse the request instead.")
    extension.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    extension.decided_by, extension.decided_at = by, timezone.now()
    extension.answer = answer.strip()
    extension.save()
    if approve:
        investigation.release_date = extension.new_release_date
        investigation.mod_time = extension.decided_at
        investigation.save()  # doi/signals.py sends the new "under embargo until"
    verb = "approved" if approve else "refused"
    audit_record(
        kind=AccessEventKind.EXTENSION_APPROVED if approve else AccessEventKind.EXTENSION_REFUSED,
        actor=by,
        investigation=investigation,
        summary=f"Extension of {investigation.name} to {_day(extension.new_release_date)} {verb}",
        reason=extension.answer,
        details={"extension": extension.pk, "previous": extension.current_release_date.isoformat()},
    )
    mail_send(
        to=_pi_addresses(investigation) + [getattr(extension.requested_by, "email", "")],
        template="embargo_extension_answered",
        context={"investigation": investigation, "extension": extension},
    )
    return extension


@transaction.atomic
def investigation_set_proprietary(
    *, investigation: Investigation, by, proprietary: bool, reason: str
) -> Investigation:
    """Proprietary sessions are never public and have no DOI (doi/signals.py withdraws it)."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why (it goes into the audit trail)."})
    investigation = _locked(investigation)
    if investigation.proprietary == proprietary:
        raise ValidationError("Nothing to change.")
    investigation.proprietary = proprietary
    investigation.mod_time = timezone.now()
    investigation.save()
    audit_record(
        kind=AccessEventKind.PROPRIETARY_SET
        if proprietary
        else AccessEventKind.PROPRIETARY_CLEARED,
        actor=by,
        investigation=investigation,
        summary=f"{investigation.name} "
        + ("made proprietary" if proprietary else "no longer proprietary"),
        reason=reason.strip(),
    )
    return investigation
