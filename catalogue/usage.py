"""Usage figures: recording events where they happen, and rolling them up per day.

Recording is one INSERT per event, never a read of a big table. What counts as one download: a
GET answered with the file (200, or 206 for a Range) is a download, unless it is a Range
continuation (a range starting past byte 0) of a file the same person had counted within
USAGE_CONTINUATION_SECONDS: that one is recorded with count 0, so its bytes still add up but the
file is counted once. HEAD, 304 and refusals are not downloads.

The roll-up (`usage_rollup`, a beat task) recomputes whole days from the events and writes them
with INSERT ... ON CONFLICT DO UPDATE: running it twice, or twice at once, counts every event once.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone

from . import access
from .models import Dataset, Instrument, Investigation
from .models.usage import (
    DOWNLOAD_KINDS,
    Audience,
    CatalogueYear,
    UsageDay,
    UsageEvent,
    UsageKind,
    UsageTotal,
)

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

_RANGE_START = re.compile(r"bytes\s*=?\s*(\d+)-")


# Recording ---------------------------------------------------------------------------------------


def visitor_of(request: HttpRequest | None, user=None) -> str:
    """Who, for counting distinct people: the user, or a keyed hash of an anonymous caller's
    address (so the address is never stored, and the hash means nothing without SECRET_KEY)."""
    if user is not None and user.is_authenticated:
        return f"u{user.pk}"
    if request is None:
        return ""
    address = request.META.get("REMOTE_ADDR", "")
    digest = hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256)
    return "a" + digest.hexdigest()[:32]


def usage_record(
    *,
    kind: str,
    request: HttpRequest | None = None,
    user=None,
    investigation: Investigation | None = None,
    instrument: Instrument | None = None,
    audience: str | None = None,
    visitor: str | None = None,
    count: int = 1,
    size: int = 0,
) -> None:
    """Insert one event. Unless given, the audience is the team when the user is in the
    session's team (in the wide sense: members, beamline scientists, staff), else the public."""
    user = user if user is not None else getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    if audience is None:
        team = bool(investigation and signed_in and access.is_in_team(user, investigation))
        audience = Audience.TEAM if team else Audience.PUBLIC
    instrument = investigation.instrument if investigation else instrument
    UsageEvent.objects.create(
        kind=kind,
        investigation_id=investigation.pk if investigation else None,
        beamline=instrument.name if instrument else "",
        year=investigation.start_date.year if investigation else 0,
        audience=audience,
        user_id=user.pk if signed_in else None,
        visitor=visitor if visitor is not None else visitor_of(request, user),
        count=count,
        bytes=size,
    )


def _range_start(request: HttpRequest, response: HttpResponse) -> int:
    header = response.get("Content-Range") or request.headers.get("Range", "")
    match = _RANGE_START.match(header.strip())
    return int(match.group(1)) if match else 0


def _first_in_window(request: HttpRequest, response: HttpResponse, *, what: str, visitor: str):
    """Whether this answer is a new download of `what` (see the module's rule), remembering it."""
    key = f"usage:dl:{visitor}:{what}"
    window = settings.USAGE_CONTINUATION_SECONDS
    if _range_start(request, response) == 0:
        cache.set(key, 1, window)
        return True
    return cache.add(key, 1, window)  # a continuation counts only if nothing was counted lately


def _served(request: HttpRequest, response: HttpResponse) -> bool:
    return request.method == "GET" and response.status_code in (200, 206)


def _length(response: HttpResponse, default: int) -> int:
    try:
        return int(response["Content-Length"])
    except (KeyError, ValueError):
        return default  # nginx sends it (X-Accel-Redirect): the file's recorded size


def file_download_record(request: HttpRequest, response: HttpResponse, *, datafile, user) -> None:
    if not _served(request, response):
        return
    new = _first_in_window(
        request, response, what=f"f{datafile.pk}", visitor=visitor_of(request, user)
    )
    usage_record(
        kind=UsageKind.FILE_DOWNLOAD,
        request=request,
        user=user,
        investigation=datafile.dataset.investigation,
        count=int(new),
        size=_length(response, datafile.size or 0),
    )


def zip_download_record(
    request: HttpRequest, *, datafiles, user, response: HttpResponse | None = None, what: str = ""
) -> None:
    """One zip: one event per session it holds (a zip of two sessions is a download of each),
    with the size of that session's files in it. A built job's file (`response`, named by
    `what`) follows the single file's rule: a Range continuation counts neither again nor its
    bytes (the files' sizes were counted with the download)."""
    count = 1
    if response is not None:
        if not _served(request, response):
            return
        visitor = visitor_of(request, user)
        count = int(_first_in_window(request, response, what=what, visitor=visitor))
    by_dataset: dict[int, int] = {}
    for datafile in datafiles:
        by_dataset[datafile.dataset_id] = by_dataset.get(datafile.dataset_id, 0) + (
            datafile.size or 0
        )
    sessions = dict(Dataset.objects.filter(pk__in=by_dataset).values_list("pk", "investigation_id"))
    size_of: dict[int, int] = {}
    for dataset_id, size in by_dataset.items():
        size_of[sessions[dataset_id]] = size_of.get(sessions[dataset_id], 0) + size
    for investigation in Investigation.objects.filter(pk__in=size_of).select_related("instrument"):
        usage_record(
            kind=UsageKind.ZIP_DOWNLOAD,
            request=request,
            user=user,
            investigation=investigation,
            count=count,
            size=size_of[investigation.pk] if count else 0,
        )


# Rolling up --------------------------------------------------------------------------------------


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def usage_rollup(*, today: date | None = None) -> list[date]:
    """Recompute every day from the last one rolled up (yesterday at the latest, so the day that
    closed since the last run is finished) to today, then the sessions' totals and the
    catalogue's figures. Returns the days recomputed."""
    today = today or timezone.localdate()
    last = UsageDay.objects.aggregate(day=Max("day"))["day"]
    if last is None:
        first = UsageEvent.objects.aggregate(when=Min("when"))["when"]
        start = timezone.localtime(first).date() if first else today
    else:
        start = min(last, today - timedelta(days=1))
    days = [start + timedelta(days=n) for n in range((today - start).days + 1)]
    for day in days:
        usage_day_rollup(day=day)
    usage_totals_refresh(since=_day_start(start))
    catalogue_years_refresh()
    return days


def usage_day_rollup(*, day: date) -> int:
    """One day's rows, recomputed from its events and upserted (absolute values, never
    increments: a second or concurrent run writes the same numbers). Returns the rows written."""
    rows = (
        UsageEvent.objects.filter(
            when__gte=_day_start(day), when__lt=_day_start(day + timedelta(1))
        )
        .values("kind", "beamline", "year", "audience")
        .annotate(
            n=Sum("count"),
            people=Count("visitor", distinct=True, filter=Q(count__gt=0) & ~Q(visitor="")),
            size=Sum("bytes"),
        )
        # One order for every writer, so two runs at once take the row locks alike (no deadlock).
        .order_by("kind", "beamline", "year", "audience")
    )
    written = UsageDay.objects.bulk_create(
        [
            UsageDay(
                day=day,
                kind=row["kind"],
                beamline=row["beamline"],
                year=row["year"],
                audience=row["audience"],
                events=row["n"] or 0,
                users=row["people"],
                bytes=row["size"] or 0,
            )
            for row in rows
        ],
        update_conflicts=True,
        unique_fields=["day", "kind", "beamline", "year", "audience"],
        update_fields=["events", "users", "bytes"],
    )
    return len(written)


def usage_totals_refresh(*, since: datetime) -> int:
    """Downloads of each session downloaded since `since`, counted again over all its events."""
    downloads = UsageEvent.objects.filter(kind__in=DOWNLOAD_KINDS, investigation_id__isnull=False)
    touched = downloads.filter(when__gte=since).values("investigation_id")
    rows = (
        downloads.filter(
            investigation_id__in=touched.distinct(),
        )
        .filter(investigation_id__in=Investigation.objects.values("pk"))  # not a deleted one
        .values("investigation_id")
        .annotate(
            n=Sum("count"),
            people=Count("visitor", distinct=True, filter=Q(count__gt=0) & ~Q(visitor="")),
            size=Sum("bytes"),
        )
        .order_by("investigation_id")
    )
    written = UsageTotal.objects.bulk_create(
        [
            UsageTotal(
                investigation_id=row["investigation_id"],
                downloads=row["n"] or 0,
                people=row["people"],
                bytes=row["size"] or 0,
            )
            for row in rows
        ],
        update_conflicts=True,
        unique_fields=["investigation"],
        update_fields=["downloads", "people", "bytes"],
        batch_size=1000,
    )
    return len(written)


def catalogue_years_refresh() -> int:
    """Sessions and volume per beamline and start year: one aggregate over the sessions."""
    rows = (
        Investigation.objects.order_by()
        .annotate(year=ExtractYear("start_date"))
        .values("instrument__name", "year")
        .annotate(n=Count("id"), size=Sum("volume"))
        .order_by("instrument__name", "year")
    )
    fresh = [
        CatalogueYear(
            beamline=row["instrument__name"],
            year=row["year"],
            sessions=row["n"],
            volume=row["size"] or 0,
        )
        for row in rows
    ]
    with transaction.atomic():
        CatalogueYear.objects.bulk_create(
            fresh,
            update_conflicts=True,
            unique_fields=["beamline", "year"],
            update_fields=["sessions", "volume"],
        )
        kept = {(row.beamline, row.year) for row in fresh}
        gone = [
            pk
            for pk, beamline, year in CatalogueYear.objects.values_list("pk", "beamline", "year")
            if (beamline, year) not in kept
        ]
        CatalogueYear.objects.filter(pk__in=gone).delete()
    return len(fresh)
