"""The scan page's rules: which read moves a parcel at once, which asks first, which does nothing.

A barcode scanner reads a code twice as easily as once, and a parcel may stand at stores before
anyone said it was sent. So: receiving accepts an approved parcel as well as a sent one; a second
read within `REPEAT` of the first changes nothing; a move the scanner's location does not explain
(the parcel is already here, or it would go back or be destroyed) waits for a confirmation; and
whoever scanned may undo the read for `UNDO`. Status changes still go through the workflow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from . import workflow
from .models import Parcel, ParcelScan
from .workflow import Status

if TYPE_CHECKING:
    from portal.models import User

S = Status
REPEAT = timedelta(seconds=30)
UNDO = timedelta(minutes=1)


@dataclass(frozen=True)
class ScanResult:
    # moved | repeat | confirm | undone | refused
    kind: str
    message: str
    parcel: Parcel | None = None
    target: Status | None = None
    # What the confirm button sends back: the move as it was seen, so that a parcel moved by
    # someone else meanwhile asks again instead of taking a step nobody confirmed.
    token: str = ""
    code: str = ""  # what was read, when it names no parcel

    @property
    def ok(self) -> bool:
        return self.kind != "refused"

    @property
    def can_undo(self) -> bool:
        return self.kind == "moved"


def _same_place(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def scan_step(parcel: Parcel, *, location: str) -> tuple[Status | None, str]:
    """Where a read at `location` takes the parcel, and why to ask first ("" when obvious)."""
    source = Status(parcel.status)
    here = location.strip()
    if source == S.BACK_STORES and parcel.location and not _same_place(here, parcel.location):
        return S.BEAMLINE, (
            f"{parcel.code} is back at {parcel.location}, waiting to leave. "
            f"Take it back to the beamline at {here}?"
        )
    target = workflow.next_scan_status(parcel)
    if target is None:
        return None, ""
    if target == S.DESTROYED:
        return target, f"{parcel.code} is to be destroyed after the experiment. Destroy it now?"
    if source in (S.STORES, S.BEAMLINE) and _same_place(here, parcel.location):
        return target, (
            f"{parcel.code} is already “{source.label}” at {parcel.location}. "
            f"Move it on to “{target.label}” from here?"
        )
    return target, ""


def _not_scannable(parcel: Parcel) -> str:
    status = Status(parcel.status)
    why = {
        S.CREATED: "the team has not declared it ready, and safety has not approved it",
        S.READY: "safety has not approved it yet",
        S.REFUSED: "safety refused it",
    }.get(status, "its journey is over")
    return f"A “{status.label}” parcel does not move on by scanning: {why}."


def _last_scan(parcel: Parcel) -> ParcelScan | None:
    return parcel.scans.select_related("scanned_by").order_by("-scanned_at", "-id").first()


def _locked(parcel: Parcel) -> Parcel:
    """The parcel's row, locked: two scanners reading one parcel take turns."""
    return (
        Parcel.objects.select_for_update(of=("self",))
        .select_related("shipment__investigation__instrument")
        .get(pk=parcel.pk)
    )


def parcel_scan(
    *, parcel: Parcel, by: User, location: str, tracking_number: str = "", confirm: str = ""
) -> ScanResult:
    """One read of `parcel`'s code at `location`; `confirm` is the token of a confirmed move."""
    with transaction.atomic():
        parcel = _locked(parcel)
        now = timezone.now()
        last = _last_scan(parcel)
        if (
            last is not None
            and last.undone_at is None
            and last.to_status == parcel.status
            and now - last.scanned_at < REPEAT
        ):
            seconds = max(1, int((now - last.scanned_at).total_seconds()))
            return ScanResult(
                "repeat",
                f"Already received at {last.location or 'the facility'} "
                f"({parcel.get_status_display()}) {seconds} s ago: nothing changed.",
                parcel,
            )
        target, question = scan_step(parcel, location=location)
        if target is None:
            return ScanResult("refused", _not_scannable(parcel), parcel)
        token = f"{parcel.status}>{target}"
        if question and confirm != token:
            return ScanResult("confirm", question, parcel, target, token)
        before = (parcel.status, parcel.location, parcel.return_tracking_number)
        try:
            parcel.move_to(
                target,
                by=by,
                location=location,
                tracking_number=tracking_number,
                comment="Scanned",
            )
        except workflow.TransitionRefused as refused:
            return ScanResult("refused", str(refused), parcel, target)
        ParcelScan.objects.create(
            parcel=parcel,
            scanned_by=by,
            scanned_at=parcel.status_changed_at,
            location=location.strip(),
            from_status=before[0],
            from_location=before[1],
            from_return_tracking_number=before[2],
            to_status=target,
        )
    return ScanResult("moved", f"{parcel.get_status_display()} — {location}", parcel, target)


def parcel_scan_undo(*, parcel: Parcel, by: User) -> ScanResult:
    """Undo the parcel's last scan: only by whoever scanned, within `UNDO`, if nothing moved it
    since. The history keeps the wrong step and says it was undone."""
    with transaction.atomic():
        parcel = _locked(parcel)
        last = _last_scan(parcel)
        now = timezone.now()
        if last is None or last.undone_at is not None:
            return ScanResult("refused", f"{parcel.code} has no scan to undo.", parcel)
        if last.scanned_by_id != by.pk:
            who = last.scanned_by.display_name if last.scanned_by else "someone else"
            return ScanResult(
                "refused", f"Only {who}, who scanned {parcel.code}, can undo that scan.", parcel
            )
        if parcel.status != last.to_status:
            return ScanResult(
                "refused",
                f"{parcel.code} has moved on since that scan (now “{parcel.get_status_display()}”):"
                " it can no longer be undone.",
                parcel,
            )
        if now - last.scanned_at > UNDO:
            at = timezone.localtime(last.scanned_at)
            return ScanResult(
                "refused",
                f"The scan of {parcel.code} at {at:%H:%M:%S} was more than a minute ago: it can "
                "no longer be undone.",
                parcel,
            )
        previous = Status(last.from_status)
        workflow.restore(
            parcel,
            status=previous,
            location=last.from_location,
            return_tracking_number=last.from_return_tracking_number,
            by=by,
            comment=f"Scan undone: it had moved the parcel to “{Status(last.to_status).label}”.",
        )
        last.undone_at = now
        last.save(update_fields=["undone_at"])
    return ScanResult(
        "undone", f"Scan undone: {parcel.code} is “{previous.label}” again.", parcel, previous
    )
