"""Team workflows: collaborators added and removed, access requests made and answered. Each one
records a TeamChange; its e-mails go through portal.mail once the transaction commits."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from portal.mail import mail_send

from .audit import audit_record
from .models import (
    AccessEventKind,
    AccessRequest,
    AccessRequestStatus,
    Investigation,
    InvestigationUser,
    Role,
    TeamChange,
    TeamChangeAction,
)


def _principal_investigators(investigation: Investigation):
    return [
        m.user
        for m in investigation.members.filter(role=Role.PRINCIPAL_INVESTIGATOR).select_related(
            "user"
        )
    ]


@transaction.atomic
def team_add_collaborator(*, investigation: Investigation, user, by) -> InvestigationUser:
    membership = InvestigationUser.objects.create(
        investigation=investigation, user=user, role=Role.COLLABORATOR, added_by=by
    )
    TeamChange.objects.create(
        investigation=investigation,
        action=TeamChangeAction.ADDED,
        by=by,
        user=user,
        role=Role.COLLABORATOR,
    )
    audit_record(
        kind=AccessEventKind.TEAM_ADDED,
        actor=by,
        investigation=investigation,
        summary=f"{user.display_name} added as collaborator",
        details={"user": user.get_username(), "role": Role.COLLABORATOR},
    )
    mail_send(
        template="collaborator_added",
        to=[user.email],
        context={"investigation": investigation, "user": user, "by": by},
    )
    return membership


@transaction.atomic
def team_remove_member(*, membership: InvestigationUser, by) -> None:
    investigation, user, role = membership.investigation, membership.user, membership.role
    membership.delete()
    TeamChange.objects.create(
        investigation=investigation, action=TeamChangeAction.REMOVED, by=by, user=user, role=role
    )
    audit_record(
        kind=AccessEventKind.TEAM_REMOVED,
        actor=by,
        investigation=investigation,
        summary=f"{user.display_name} removed from the team",
        details={"user": user.get_username(), "role": role},
    )
    mail_send(
        template="collaborator_removed",
        to=[user.email],
        context={"investigation": investigation, "user": user, "by": by},
    )


class AccessRequestRefused(Exception):
    """Why no request was made, for the requester; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


@transaction.atomic
def access_request_create(*, requester, proposal: str, message: str = "") -> AccessRequest:
    """Stored whatever the proposal: the requester gets the same answer either way, and the
    principal investigators of the proposal's sessions (if any) are told. At most one pending
    request per user and proposal, and ACCESS_REQUEST_DAILY_LIMIT a day, so that nobody can
    flood a principal investigator's mailbox; both refusals say nothing about the proposal."""
    proposal = proposal.strip().upper()
    # One user's requests one at a time, so parallel posts cannot all pass the checks below.
    get_user_model().objects.select_for_update().filter(pk=requester.pk).exists()
    mine = AccessRequest.objects.filter(requester=requester)
    if mine.filter(proposal__iexact=proposal, status=AccessRequestStatus.PENDING).exists():
        raise AccessRequestRefused(
            f"Your request for {proposal} is already pending: you will get an e-mail with the "
            "answer.",
            status=200,
        )
    limit = settings.ACCESS_REQUEST_DAILY_LIMIT
    if mine.filter(created_at__gte=timezone.now() - timedelta(days=1)).count() >= limit:
        raise AccessRequestRefused(
            f"You have made {limit} access requests in the last 24 hours, the most allowed; "
            "please try again tomorrow.",
            status=429,
        )
    request = AccessRequest.objects.create(requester=requester, proposal=proposal, message=message)
    for investigation in Investigation.objects.filter(name__iexact=proposal):
        TeamChange.objects.create(
            investigation=investigation,
            action=TeamChangeAction.REQUESTED,
            by=requester,
            user=requester,
        )
        audit_record(
            kind=AccessEventKind.ACCESS_REQUESTED,
            actor=requester,
            investigation=investigation,
            summary=f"{requester.display_name} asked for access",
            reason=message,
            details={"access_request": request.pk},
        )
        mail_send(
            template="access_request_received",
            to=[pi.email for pi in _principal_investigators(investigation)],
            context={"investigation": investigation, "access_request": request},
        )
    mail_send(
        template="access_request_sent", to=[requester.email], context={"access_request": request}
    )
    return request


@transaction.atomic
def access_request_decide(
    *, access_request: AccessRequest, investigation: Investigation, by, approve: bool
) -> AccessRequest:
    """Approve (the requester joins this session as a Collaborator) or decline."""
    requester = access_request.requester
    access_request.status = (
        AccessRequestStatus.APPROVED if approve else AccessRequestStatus.DECLINED
    )
    access_request.decided_by = by
    access_request.decided_at = timezone.now()
    access_request.save(update_fields=["status", "decided_by", "decided_at"])
    if approve and not investigation.members.filter(user=requester).exists():
        InvestigationUser.objects.create(
            investigation=investigation, user=requester, role=Role.COLLABORATOR, added_by=by
        )
    TeamChange.objects.create(
        investigation=investigation,
        by=by,
        user=requester,
        action=TeamChangeAction.APPROVED if approve else TeamChangeAction.DECLINED,
        role=Role.COLLABORATOR if approve else "",
    )
    audit_record(
        kind=AccessEventKind.ACCESS_APPROVED if approve else AccessEventKind.ACCESS_DECLINED,
        actor=by,
        investigation=investigation,
        summary=f"Access request of {requester.display_name} "
        + ("approved" if approve else "declined"),
        details={"access_request": access_request.pk, "user": requester.get_username()},
    )
    context = {"investigation": investigation, "access_request": access_request, "by": by}
    mail_send(template="access_request_answered", to=[requester.email], context=context)
    mail_send(template="access_request_decided", to=[by.email], context=context)
    return access_request
