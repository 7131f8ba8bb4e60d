"""Demo step for data policy: Lena Fischer of the data-policy office (staff, group "Data
policy"), one extension request waiting in her queue, and an audit trail that reads like a few
months of a facility's life (team changes, an access request, an extension answered, a release).

Runs after `doi.demo` (DEMO_STEPS) and finds its sessions by querying. Past events are written
as rows with their dates (a backfill, as after importing an older system's records); what happens
from now on is written by the workflows themselves."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.utils import timezone

from portal.models import User

from .access import DATA_POLICY_GROUP
from .models import Investigation, InvestigationUser, Role
from .models.policy import AccessEvent, AccessEventKind, EmbargoExtension, ExtensionStatus

OFFICER = ("lfischer", "Dr Lena Fischer")


def _officer() -> User:
    username, full_name = OFFICER
    user, _ = User.objects.update_or_create(
        username=username,
        defaults={
            "full_name": full_name,
            "first_name": "Lena",
            "last_name": "Fischer",
            "email": f"{username}@facility.example.org",
            "is_staff": True,
            "password": make_password("demo"),
        },
    )
    user.groups.add(Group.objects.get_or_create(name=DATA_POLICY_GROUP)[0])
    return user


def _event(at, kind, actor, investigation, summary, reason="", **details) -> None:
    AccessEvent.objects.create(
        at=at,
        kind=kind,
        actor=actor,
        actor_name=actor.display_name if actor else "system",
        investigation=investigation,
        summary=summary,
        reason=reason,
        details=details,
    )


def seed(*, out) -> None:
    officer = _officer()
    if EmbargoExtension.objects.exists():  # a second run: the trail is there already
        out.write(f"Data policy: {OFFICER[0]} is in the {DATA_POLICY_GROUP!r} group.\n")
        return
    now = timezone.now()
    marie = User.objects.get(username="mdubois")
    embargoed = list(
        Investigation.objects.embargoed(now)
        .filter(proprietary=False, members__user=marie, members__role=Role.PRINCIPAL_INVESTIGATOR)
        .order_by("start_date")
    )
    admin = User.objects.filter(username="admin").first()
    collaborators = InvestigationUser.objects.filter(role=Role.COLLABORATOR)
    for membership in collaborators.select_related("investigation", "user")[:3]:
        _event(
            membership.added_at,
            AccessEventKind.TEAM_ADDED,
            membership.added_by or marie,
            membership.investigation,
            f"{membership.user.display_name} added as collaborator",
            user=membership.user.username,
        )
    if embargoed:
        first = embargoed[0]
        rbrown = User.objects.filter(username="rbrown").first()
        if rbrown:
            _event(
                now - timedelta(days=1),
                AccessEventKind.ACCESS_REQUESTED,
                rbrown,
                first,
                f"{rbrown.display_name} asked for access",
                reason="Reprocessing for a comparison paper.",
            )
        old_date = first.release_date - timedelta(days=180)
        EmbargoExtension.objects.get_or_create(
            investigation=first,
            status=ExtensionStatus.APPROVED,
            defaults={
                "requested_by": marie,
                "requested_at": now - timedelta(days=40),
                "current_release_date": old_date,
                "new_release_date": first.release_date,
                "reason": "The structures are part of a patent application filed this spring.",
                "decided_by": officer,
                "decided_at": now - timedelta(days=38),
                "answer": "Granted: patent filings are a listed ground for a first extension.",
            },
        )
        _event(
            now - timedelta(days=40),
            AccessEventKind.EXTENSION_REQUESTED,
            marie,
            first,
            f"Extension of {first.name} to {first.release_date:%Y-%m-%d} requested",
            reason="The structures are part of a patent application filed this spring.",
        )
        _event(
            now - timedelta(days=38),
            AccessEventKind.EXTENSION_APPROVED,
            officer,
            first,
            f"Extension of {first.name} to {first.release_date:%Y-%m-%d} approved",
            reason="Granted: patent filings are a listed ground for a first extension.",
        )
    if len(embargoed) > 1:
        waiting = embargoed[-1]
        EmbargoExtension.objects.get_or_create(
            investigation=waiting,
            status=ExtensionStatus.PENDING,
            defaults={
                "requested_by": marie,
                "requested_at": now - timedelta(days=2),
                "current_release_date": waiting.release_date,
                "new_release_date": waiting.release_date + timedelta(days=365),
                "reason": "A PhD thesis builds on these data; its defence is next year.",
            },
        )
        _event(
            now - timedelta(days=2),
            AccessEventKind.EXTENSION_REQUESTED,
            marie,
            waiting,
            f"Extension of {waiting.name} by a year requested",
            reason="A PhD thesis builds on these data; its defence is next year.",
        )
    _event(
        now - timedelta(days=90),
        AccessEventKind.API_KEY_CREATED,
        admin,
        None,
        "API key “ID23-1 MXCuBE” for ID23-1 created",
    )
    out.write(
        f"Data policy: {OFFICER[0]} in the {DATA_POLICY_GROUP!r} group, "
        f"{AccessEvent.objects.count()} audit events, "
        f"{EmbargoExtension.objects.filter(status='pending').count()} extension request pending\n"
    )
