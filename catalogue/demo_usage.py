"""Demo step for the usage figures: a year of believable use, rolled up, so /stats/ has charts.

Runs last (see DEMO_STEPS): downloads of the demo's sessions (the public's of released ones, the
team's mostly of recent ones), DOI landing views, harvester requests and logbook entries, busier on
weekdays and during the facility's run periods, growing over the year. A second run adds nothing.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from . import usage
from .models import Audience, Investigation, UsageEvent, UsageKind

DAYS = 365
SEED = 18


def seed(*, out) -> None:
    today = timezone.localdate()
    first = today - timedelta(days=DAYS)
    if UsageEvent.objects.filter(when__lt=_at(today - timedelta(days=2), 0)).exists():
        out.write("  usage history already there\n")
        return
    sessions = list(Investigation.objects.select_related("instrument").order_by("start_date", "id"))
    users = list(get_user_model().objects.values_list("pk", flat=True)[:60])
    if not sessions:
        return
    rng = random.Random(SEED)
    events = []
    for n in range(DAYS):
        day = first + timedelta(days=n)
        events += _day_events(rng, day, n, sessions, users)
    UsageEvent.objects.bulk_create(events, batch_size=5000)
    usage.usage_rollup(today=today)
    out.write(f"  usage history: {len(events)} events over {DAYS} days\n")


def _at(day, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _busy(rng: random.Random, day, n: int) -> float:
    """How busy a day is: growth over the year, quiet weekends, a dip in the August shutdown."""
    growth = 0.6 + 0.8 * n / DAYS
    weekend = 0.35 if day.weekday() >= 5 else 1.0
    shutdown = 0.3 if day.month == 8 else 1.0
    season = 1 + 0.25 * math.sin(2 * math.pi * day.timetuple().tm_yday / 365)
    return growth * weekend * shutdown * season * rng.uniform(0.7, 1.3)


def _day_events(rng, day, n: int, sessions, users) -> list[UsageEvent]:
    busy = _busy(rng, day, n)
    now = timezone.now()
    released = [s for s in sessions if s.release_date <= now and not s.proprietary] or sessions
    recent = sessions[-max(3, len(sessions) // 3) :]
    made = []

    def add(kind, session=None, *, audience=Audience.PUBLIC, visitor="", count=1, size=0):
        when = _at(day, rng.randrange(24), rng.randrange(60))
        made.append(
            UsageEvent(
                when=when,
                kind=kind,
                investigation_id=session.pk if session else None,
                beamline=session.instrument.name if session else "",
                year=session.start_date.year if session else 0,
                audience=audience,
                visitor=visitor or f"a{rng.randrange(400):x}",
                user_id=None,
                count=count,
                bytes=size,
            )
        )

    for _ in range(_poisson(rng, 14 * busy)):  # the public's file downloads
        session = rng.choice(released)
        add(UsageKind.FILE_DOWNLOAD, session, size=int(rng.lognormvariate(17.5, 1.2)))
    for _ in range(_poisson(rng, 9 * busy)):  # the teams', mostly of their recent sessions
        session = rng.choice(recent if rng.random() < 0.8 else sessions)
        user = rng.choice(users) if users else 0
        add(
            UsageKind.FILE_DOWNLOAD,
            session,
            audience=Audience.TEAM,
            visitor=f"u{user}",
            size=int(rng.lognormvariate(18.5, 1.3)),
        )
    for _ in range(_poisson(rng, 1.5 * busy)):
        session = rng.choice(released)
        add(UsageKind.ZIP_DOWNLOAD, session, size=int(rng.lognormvariate(21, 1)))
    for _ in range(_poisson(rng, 1.0 * busy)):
        session = rng.choice(recent)
        add(
            UsageKind.ZIP_DOWNLOAD,
            session,
            audience=Audience.TEAM,
            visitor=f"u{rng.choice(users) if users else 0}",
            size=int(rng.lognormvariate(22, 1)),
        )
    for _ in range(_poisson(rng, 6 * busy)):
        add(UsageKind.DOI_LANDING_VIEW, rng.choice(released))
    for _ in range(_poisson(rng, 25 if day.weekday() == 6 else 4)):  # weekly full harvests
        add(UsageKind.OAI_HARVEST, visitor=f"h{rng.randrange(3)}")
    for _ in range(_poisson(rng, 20 * busy)):
        session = rng.choice(recent)
        add(
            UsageKind.LOGBOOK_EVENT,
            session,
            audience=Audience.TEAM,
            visitor=f"n{rng.randrange(30)}",
        )
    return made


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: fine for the small means here."""
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
