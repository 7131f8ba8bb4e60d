"""The logged-in home page: each user's work, block by block, and the navbar's pending counts.

One function per block, each one bounded query (a LIMIT or an aggregate), so the page costs the
same number of queries whatever the facility holds. Everything starts from catalogue/access.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Count, Min, Q, Sum
from django.utils import timezone

from catalogue import access
from catalogue.models import AccessRequestStatus, DownloadJobStatus, Instrument, Investigation
from doi.models import CollectionState
from shipments.workflow import AT_FACILITY, EXPECTED, TERMINAL, Status

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from portal.models import User

LIMIT = 6  # rows per block: the block links to the full list
NAV_CACHE_SECONDS = 30
IN_PROGRESS = (DownloadJobStatus.PENDING, DownloadJobStatus.WAITING, DownloadJobStatus.RUNNING)
MINTED = (CollectionState.FINDABLE, CollectionState.UPDATING)


def _today_start() -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate(), time.min))


def _week() -> tuple:
    """Monday and Sunday of this week, as the stores' "expected" page counts it."""
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    return monday, monday + timedelta(days=6)


# Blocks for everyone with a team -----------------------------------------------------------------


def my_sessions(user: User) -> list[Investigation]:
    """Ongoing and upcoming sessions of the user's teams, soonest first."""
    return list(
        access.member_investigations(user)
        .filter(end_date__gte=timezone.now())
        .select_related("instrument")
        .order_by("start_date", "id")[:LIMIT]
    )


def recent_experiments(user: User) -> list[Investigation]:
    return list(
        access.member_investigations(user)
        .filter(end_date__lt=timezone.now())
        .select_related("instrument")
        .order_by("-end_date", "-id")[:LIMIT]
    )


def access_requests(user: User) -> list:
    """Requests waiting for this user's answer (principal investigators, staff); oldest first,
    one more than shown so the block can say there are more."""
    return list(
        access.pending_access_requests_to_answer(user)
        .select_related("requester")
        .order_by("created_at", "id")[: LIMIT + 1]
    )


def my_pending_requests(user: User) -> list:
    """Requests the user sent that nobody answered yet: a newcomer's only work in progress."""
    return list(
        access.visible_access_requests(user)
        .filter(status=AccessRequestStatus.PENDING)
        .order_by("-created_at", "-id")[:LIMIT]
    )


def my_parcels(user: User) -> list:
    """Parcels of the user's teams that are still on their way somewhere, latest news first."""
    return list(
        access.visible_parcels(user)
        .filter(shipment__investigation__in=access.member_investigations(user))
        .exclude(status__in=TERMINAL)
        .select_related("shipment__investigation")
        .order_by("-status_changed_at", "-id")[:LIMIT]
    )


def my_downloads(user: User) -> list:
    return list(access.visible_download_jobs(user).active()[:LIMIT])


def my_restores(user: User) -> list:
    return list(
        access.visible_restores(user)
        .filter(status__in=IN_PROGRESS)
        .select_related("dataset")
        .order_by("-created_at", "-id")[:LIMIT]
    )


def my_doi_drafts(user: User) -> list:
    """Data collections the user made that are not minted yet (staff see only their own here)."""
    return list(
        access.visible_doi_collections(user)
        .filter(created_by=user)
        .exclude(state__in=MINTED)
        .order_by("-updated_at", "-id")[:LIMIT]
    )


# Role blocks ------------------------------------------------------------------------------------


def beamline_sessions(user: User, beamlines: list[Instrument]) -> list[Investigation]:
    """Sessions on the user's beamlines running today or at some point this week."""
    if not beamlines:
        return []
    monday, sunday = _week()
    week_end = timezone.make_aware(datetime.combine(sunday + timedelta(days=1), time.min))
    week_start = timezone.make_aware(datetime.combine(monday, time.min))
    return list(
        access.my_investigations(user)
        .filter(instrument__in=beamlines, start_date__lt=week_end, end_date__gte=week_start)
        .select_related("instrument")
        .order_by("start_date", "id")[: 2 * LIMIT]
    )


def safety_queue(user: User) -> dict:
    """Parcels waiting for the safety check: how many, and since when the oldest waits."""
    return (
        access.visible_parcels(user)
        .filter(status=Status.READY)
        .aggregate(
            count=Count("id"),
            dangerous=Count("id", filter=Q(is_dangerous=True)),
            oldest=Min("status_changed_at"),
        )
    )


def _expected_this_week_filter(user: User) -> Q:
    monday, sunday = _week()
    return Q(
        shipment__investigation__instrument__in=access.expected_parcel_instruments(user),
        expected_on__range=(monday, sunday),
        status__in=EXPECTED,
    )


def _expected_this_week(user: User) -> QuerySet:
    return access.visible_parcels(user).filter(_expected_this_week_filter(user))


def stores_figures(user: User) -> dict:
    today = timezone.localdate()
    expected = _expected_this_week_filter(user)
    figures = access.visible_parcels(user).aggregate(
        week=Count("id", filter=expected),
        today=Count("id", filter=expected & Q(expected_on=today)),
        at_facility=Count("id", filter=Q(status__in=AT_FACILITY)),
    )
    # Which parcels to look out for at the door today, not only how many.
    arriving = list(
        _expected_this_week(user)
        .filter(expected_on=today)
        .select_related("shipment__investigation__instrument")
        .order_by("shipment__investigation__instrument__name", "id")[:LIMIT]
    )
    return {**figures, "arriving": arriving}


def facility_figures(user: User) -> dict:
    """Counts for staff: one aggregate per table, no scan beyond what COUNT needs."""
    now = timezone.now()
    sessions = access.visible_investigations(user).aggregate(
        total=Count("id"),
        ongoing=Count("id", filter=Q(start_date__lte=now, end_date__gte=now)),
        datasets=Sum("dataset_count"),
        volume=Sum("volume"),
    )
    return {
        **sessions,
        "users": get_user_model().objects.filter(is_active=True).count(),
        "beamlines": Instrument.objects.count(),
    }


# The page and the navbar ------------------------------------------------------------------------


@dataclass
class Roles:
    """What the user does at the facility, as the navbar and the dashboard need to know it."""

    safety: bool = False
    stores: bool = False
    staff: bool = False
    beamlines: list[tuple[str, str]] = field(default_factory=list)  # (name, full name)

    @property
    def has_desk(self) -> bool:
        """Works for the facility: the dashboard leads with that, and hides empty team blocks."""
        return bool(self.safety or self.stores or self.staff or self.beamlines)


def roles_of(user: User) -> Roles:
    """Groups by membership (not staff's blanket rights): staff get their own figures instead."""
    groups = access.facility_groups(user)
    return Roles(
        safety="Safety" in groups,
        stores="Stores" in groups,
        staff=user.is_staff,
        beamlines=list(
            access.scientist_beamlines(user)
            .order_by("name")
            .values_list("name", "full_name")[:LIMIT]
        ),
    )


def dashboard(user: User) -> dict:
    roles = nav_roles(user)
    context = {
        "roles": roles,
        "sessions": my_sessions(user),
        "recent": recent_experiments(user),
        "access_requests": access_requests(user),
        "my_requests": my_pending_requests(user),
        "parcels": my_parcels(user),
        "downloads": my_downloads(user),
        "restores": my_restores(user),
        "doi_drafts": my_doi_drafts(user),
        "now": timezone.now(),
        "today_start": _today_start(),
        "LIMIT": LIMIT,
    }
    if roles.beamlines:
        names = [name for name, _ in roles.beamlines]
        instruments = access.scientist_beamlines(user).filter(name__in=names)
        context["beamline_sessions"] = beamline_sessions(user, instruments)
    if roles.safety or roles.staff:
        context["safety_queue"] = safety_queue(user)
    if roles.stores or roles.staff:
        context["stores"] = stores_figures(user)
    if roles.staff:
        context["facility"] = facility_figures(user)
    return context


def nav_roles(user: User) -> Roles:
    """The navbar's entries on every page: cached per user, so a page pays one cache read."""
    key = f"nav-roles:{user.pk}"
    roles = cache.get(key)
    if roles is None:
        roles = roles_of(user)
        cache.set(key, roles, NAV_CACHE_SECONDS)
    return roles


def nav_badges(user: User) -> dict:
    """Pending counts for the navbar, cached per user for NAV_CACHE_SECONDS: at most one COUNT
    per role the user has, each on an index."""
    key = f"nav-badges:{user.pk}"
    badges = cache.get(key)
    if badges is not None:
        return badges
    roles = nav_roles(user)
    badges = {"access_requests": access.pending_access_requests_to_answer(user).count()}
    if roles.safety:
        badges["safety"] = access.visible_parcels(user).filter(status=Status.READY).count()
    if roles.stores:
        today = timezone.localdate()
        badges["stores"] = _expected_this_week(user).filter(expected_on=today).count()
    cache.set(key, badges, NAV_CACHE_SECONDS)
    return badges
