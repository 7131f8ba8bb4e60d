"""The parcel status workflow: the one place that decides which status change is allowed, to whom.

A parcel moves along CREATED -> READY -> APPROVED -> SENT -> STORES -> BEAMLINE -> BACK_STORES ->
BACK_USER or DESTROYED, with REFUSED (safety says no; the team changes it and declares it ready
again) and REMOVED (cancelled before sending). Stores may receive an APPROVED parcel nobody marked
SENT: the history then records both steps. Pages, admin actions, the scan page and the API all
call `parcel.move_to(...)`, which calls `move()` here (the scan page's undo calls `restore()`);
nothing else writes `Parcel.status`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models, transaction
from django.utils import timezone

from catalogue import access

if TYPE_CHECKING:
    from portal.models import User

    from .models import Parcel, ParcelStatus

logger = logging.getLogger(__name__)


class Status(models.TextChoices):
    CREATED = "CREATED", "Created"
    READY = "READY", "Ready for safety check"
    APPROVED = "APPROVED", "Approved by safety"
    REFUSED = "REFUSED", "Refused by safety"
    SENT = "SENT", "Sent to the facility"
    STORES = "STORES", "At stores"
    BEAMLINE = "BEAMLINE", "At the beamline"
    BACK_STORES = "BACK_STORES", "Back at stores"
    BACK_USER = "BACK_USER", "Sent back to the user"
    DESTROYED = "DESTROYED", "Destroyed"
    REMOVED = "REMOVED", "Cancelled"


class Actor(models.TextChoices):
    TEAM = "team", "the experiment team"
    SAFETY = "safety", "the safety team"
    STORES = "stores", "stores or facility staff"


S, A = Status, Actor
# (from, to) -> who may make the change. Anything not listed is refused.
TRANSITIONS: dict[tuple[Status, Status], frozenset[Actor]] = {
    (S.CREATED, S.READY): frozenset({A.TEAM}),
    (S.CREATED, S.REMOVED): frozenset({A.TEAM}),
    (S.READY, S.CREATED): frozenset({A.TEAM}),  # take it back to change the content
    (S.READY, S.APPROVED): frozenset({A.SAFETY}),
    (S.READY, S.REFUSED): frozenset({A.SAFETY}),
    (S.READY, S.REMOVED): frozenset({A.TEAM}),
    (S.REFUSED, S.READY): frozenset({A.TEAM}),
    (S.REFUSED, S.REMOVED): frozenset({A.TEAM}),
    (S.APPROVED, S.SENT): frozenset({A.TEAM}),
    (S.APPROVED, S.REMOVED): frozenset({A.TEAM}),
    # Stores holding the parcel is proof it was sent, even if the team never said so.
    (S.APPROVED, S.STORES): frozenset({A.STORES}),
    (S.SENT, S.STORES): frozenset({A.STORES}),
    (S.STORES, S.BEAMLINE): frozenset({A.STORES}),
    (S.STORES, S.BACK_USER): frozenset({A.STORES}),
    (S.STORES, S.DESTROYED): frozenset({A.STORES}),
    (S.BEAMLINE, S.BACK_STORES): frozenset({A.STORES}),
    (S.BACK_STORES, S.BEAMLINE): frozenset({A.STORES}),
    (S.BACK_STORES, S.BACK_USER): frozenset({A.STORES}),
    (S.BACK_STORES, S.DESTROYED): frozenset({A.STORES}),
}
# The team may change a parcel's content only in these statuses: READY locks it for safety.
EDITABLE = frozenset({S.CREATED, S.REFUSED})
# A parcel not yet sent can still be cancelled; after that it is somewhere physical.
TERMINAL = frozenset({S.BACK_USER, S.DESTROYED, S.REMOVED})
NEEDS_COMMENT = frozenset({S.REFUSED})
NEEDS_TRACKING = frozenset({S.SENT, S.BACK_USER})
# The statuses a parcel goes through on the scan page, in order (see `next_scan_status`).
SCAN_NEXT = {
    S.APPROVED: S.STORES,
    S.SENT: S.STORES,
    S.STORES: S.BEAMLINE,
    S.BEAMLINE: S.BACK_STORES,
}
AT_FACILITY = frozenset({S.STORES, S.BEAMLINE, S.BACK_STORES})
LEAVES = frozenset({S.SENT, S.BACK_USER, S.DESTROYED, S.REMOVED})
# Parcels stores may still expect: not yet received, not cancelled.
EXPECTED = (S.CREATED, S.READY, S.APPROVED, S.REFUSED, S.SENT)
# Where a container sits in the beamline's sample changer is said while the parcel is being
# prepared, or at the beamline when it is loaded; the content itself stays locked there.
LOADABLE = frozenset({S.CREATED, S.REFUSED, S.BEAMLINE})
# Status changes that the team and the local contact hear about by e-mail.
NOTIFY = frozenset({S.REFUSED, S.STORES, S.BACK_USER})


class TransitionRefused(Exception):
    """A status change that the workflow does not allow; the message says why, for people."""


@dataclass(frozen=True)
class Change:
    status: Status
    location: str = ""
    comment: str = ""
    tracking_number: str = ""
    forwarder: str = ""


def actors_for(user: User | None, parcel: Parcel) -> set[Actor]:
    if user is None or not user.is_authenticated:
        return set()
    investigation = parcel.shipment.investigation
    actors = set()
    if access.can_manage_shipments(user, investigation):
        actors.add(Actor.TEAM)
    if access.is_safety_officer(user):
        actors.add(Actor.SAFETY)
    if access.is_stores(user):
        actors.add(Actor.STORES)
    return actors


def allowed_targets(parcel: Parcel, user: User | None) -> list[Status]:
    """The statuses this user may move this parcel to now (for buttons; `check` decides)."""
    targets = []
    for (source, target), _who in TRANSITIONS.items():
        if source == parcel.status and _refusal(parcel, target, user) is None:
            targets.append(target)
    return targets


def next_scan_status(parcel: Parcel) -> Status | None:
    """Where a scan at stores or the beamline takes the parcel next."""
    if parcel.status == S.BACK_STORES:
        return S.DESTROYED if parcel.return_instructions == "destroy" else S.BACK_USER
    return SCAN_NEXT.get(Status(parcel.status))


def _refusal(
    parcel: Parcel, target: str, user: User | None, change: Change | None = None
) -> str | None:
    """Why `user` may not move `parcel` to `target` (None when allowed)."""
    source = Status(parcel.status)
    try:
        target = Status(target)
    except ValueError:
        return f"“{target}” is not a parcel status."
    label = f"{source.label} → {target.label}"
    if source == target:
        return f"The parcel is already “{source.label}”."
    who = TRANSITIONS.get((source, target))
    if who is None:
        if source in TERMINAL:
            return f"The parcel is “{source.label}”: its journey is over, its status cannot change."
        nexts = ", ".join(t.label for (s, t) in TRANSITIONS if s == source)
        return (
            f"A parcel cannot go from “{source.label}” to “{target.label}”; next can be: {nexts}."
        )
    actors = actors_for(user, parcel)
    if not actors & who:
        names = " or ".join(a.label for a in who)
        return f"Only {names} may make the change {label}."
    if Actor.SAFETY in who and access.role_in(user, parcel.shipment.investigation) is not None:
        return "You are in this experiment's team: someone else from safety must check its parcel."
    if change is not None:
        if target in NEEDS_COMMENT and not change.comment.strip():
            return f"A reason is required for {label}: tell the team what to change."
        if target in NEEDS_TRACKING and not change.tracking_number.strip():
            return f"A tracking number is required for {label}."
        if target == S.READY and not parcel.items.exists():
            return "An empty parcel cannot be declared ready: add its content first."
    return None


def check(parcel: Parcel, change: Change, user: User | None) -> None:
    reason = _refusal(parcel, change.status, user, change)
    if reason:
        raise TransitionRefused(reason)


def move(parcel: Parcel, change: Change, *, by: User | None, notify: bool = True) -> ParcelStatus:
    """Check and apply one status change, record it in the history, and notify who needs to know."""
    from .models import Parcel as ParcelModel
    from .models import ParcelStatus

    with transaction.atomic():
        # Lock the row so two scanners (or a scanner and the admin) cannot both move it.
        locked = (
            ParcelModel.objects.select_for_update()
            .select_related("shipment__investigation__instrument")
            .get(pk=parcel.pk)
        )
        check(locked, change, by)
        now = timezone.now()
        fields = {"status": change.status, "status_changed_at": now}
        # The parcel's location is where it physically is: set at stores and beamline, cleared
        # when it travels or is gone; a safety decision happens elsewhere and does not move it.
        if change.status in AT_FACILITY:
            fields["location"] = change.location.strip()
        elif change.status in LEAVES:
            fields["location"] = ""
        if change.status == S.SENT:
            fields["tracking_number"] = change.tracking_number.strip()
            fields["forwarder"] = change.forwarder.strip()
        elif change.status == S.BACK_USER:
            fields["return_tracking_number"] = change.tracking_number.strip()
        ParcelModel.objects.filter(pk=parcel.pk).update(**fields)
        for name, value in fields.items():
            setattr(parcel, name, value)
        if locked.status == S.APPROVED and change.status == S.STORES:
            # The history tells the whole journey: the step the team skipped comes first.
            ParcelStatus.objects.create(
                parcel=parcel,
                status=S.SENT,
                created_by=by,
                created_at=now,
                comment="Not marked as sent by the team: recorded when stores received it.",
            )
        entry = ParcelStatus.objects.create(
            parcel=parcel,
            status=change.status,
            created_by=by,
            created_at=now,
            location=change.location.strip(),
            comment=change.comment.strip(),
            tracking_number=change.tracking_number.strip(),
        )
        if notify and change.status in NOTIFY:
            from .notifications import parcel_status_notify

            # Queued for the mail task on commit: a mail server down never blocks a move.
            parcel_status_notify(status_id=entry.pk)
    return entry


def restore(
    parcel: Parcel,
    *,
    status: Status,
    location: str,
    return_tracking_number: str,
    by: User,
    comment: str,
) -> ParcelStatus:
    """Put a parcel back where a wrong scan found it (the scan page's undo). Not a transition
    anyone may choose, so TRANSITIONS is not asked: only the reversal of a move just made, which
    the caller checked under the parcel's row lock."""
    from .models import Parcel as ParcelModel
    from .models import ParcelStatus

    now = timezone.now()
    fields = {
        "status": status,
        "status_changed_at": now,
        "location": location,
        "return_tracking_number": return_tracking_number,
    }
    ParcelModel.objects.filter(pk=parcel.pk).update(**fields)
    for name, value in fields.items():
        setattr(parcel, name, value)
    return ParcelStatus.objects.create(
        parcel=parcel,
        status=status,
        created_by=by,
        created_at=now,
        location=location,
        comment=comment,
    )


def start(parcel: Parcel, *, by: User | None, location: str = "") -> ParcelStatus:
    """The first line of a new parcel's history."""
    from .models import ParcelStatus

    return ParcelStatus.objects.create(
        parcel=parcel,
        status=S.CREATED,
        created_by=by,
        created_at=parcel.created_at,
        location=location,
    )


def edit_refusal(parcel: Parcel, user: User | None) -> str | None:
    """Why `user` may not change this parcel's description or content now (None when allowed)."""
    if user is None or not access.can_manage_shipments(user, parcel.shipment.investigation):
        return "Only the experiment team changes its parcels."
    if parcel.status not in EDITABLE:
        status = Status(parcel.status)
        if status == S.READY:
            return (
                "The parcel is ready for the safety check: its content is locked. "
                "Take it back to “Created” to change it."
            )
        return f"The parcel is “{status.label}”: its content can no longer change."
    return None


def loading_refusal(parcel: Parcel, user: User | None) -> str | None:
    """Why `user` may not say where a container of this parcel sits in the sample changer."""
    if user is None or not access.can_manage_shipments(user, parcel.shipment.investigation):
        return "Only the experiment team changes its parcels."
    if parcel.status not in LOADABLE:
        status = Status(parcel.status)
        return (
            f"The parcel is “{status.label}”: its containers are loaded into the sample changer "
            "at the beamline."
        )
    return None
