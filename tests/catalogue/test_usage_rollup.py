"""The daily roll-up: every event counted once per day, whether the task runs once, twice or
twice at once; sessions' download totals; the catalogue's volume per beamline and year."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from catalogue import usage
from catalogue.models import (
    Audience,
    CatalogueYear,
    UsageDay,
    UsageEvent,
    UsageKind,
    UsageTotal,
)
from tests import factories

DAY = date(2026, 3, 10)


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def _event(investigation, *, when, visitor="u1", count=1, size=100, audience=Audience.PUBLIC):
    return UsageEvent.objects.create(
        when=when,
        kind=UsageKind.FILE_DOWNLOAD,
        investigation_id=investigation.pk,
        beamline=investigation.instrument.name,
        year=investigation.start_date.year,
        audience=audience,
        visitor=visitor,
        count=count,
        bytes=size,
    )


def _rows() -> set[tuple]:
    return set(
        UsageDay.objects.values_list(
            "day", "kind", "beamline", "audience", "events", "users", "bytes"
        )
    )


@pytest.fixture
def session(db):
    return factories.InvestigationFactory()


def _a_day_of_downloads(session) -> None:
    _event(session, when=_at(DAY, 1), visitor="u1")
    _event(session, when=_at(DAY, 2), visitor="u1", count=0, size=50)  # a continuation
    _event(session, when=_at(DAY, 23), visitor="a9f", size=7)
    _event(session, when=_at(DAY, 9), audience=Audience.TEAM, visitor="u2")
    _event(session, when=_at(DAY + timedelta(1), 0), visitor="u3")  # the next day


def test_a_day_is_counted_per_kind_beamline_and_audience(session) -> None:
    _a_day_of_downloads(session)

    usage.usage_day_rollup(day=DAY)

    beamline = session.instrument.name
    assert _rows() == {
        (DAY, "file_download", beamline, "public", 2, 2, 157),
        (DAY, "file_download", beamline, "team", 1, 1, 100),
    }


def test_rolling_up_twice_counts_each_event_once(session) -> None:
    _a_day_of_downloads(session)
    usage.usage_day_rollup(day=DAY)
    first = _rows()

    usage.usage_day_rollup(day=DAY)
    assert _rows() == first

    _event(session, when=_at(DAY, 12), visitor="u5")  # today so far, then a later event
    usage.usage_day_rollup(day=DAY)
    assert sum(row[4] for row in _rows()) == sum(row[4] for row in first) + 1


@pytest.mark.django_db(transaction=True)
def test_two_rollups_of_the_same_day_at_once_give_the_same_totals() -> None:
    session = factories.InvestigationFactory()
    for n in range(40):
        _event(
            session, when=_at(DAY, n % 24), visitor=f"u{n % 7}", audience=["public", "team"][n % 2]
        )
    usage.usage_day_rollup(day=DAY)
    expected = _rows()
    UsageDay.objects.all().delete()

    start = threading.Barrier(2)
    errors = []

    def rollup() -> None:
        try:
            with transaction.atomic():
                start.wait(timeout=10)
                usage.usage_day_rollup(day=DAY)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=rollup) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert _rows() == expected
    assert sum(row[4] for row in expected) == 40


def test_the_task_rolls_up_from_the_first_event_then_from_the_last_day_it_counted(
    session,
) -> None:
    _a_day_of_downloads(session)
    today = DAY + timedelta(days=3)

    assert usage.usage_rollup(today=today) == [DAY + timedelta(n) for n in range(4)]
    assert UsageDay.objects.filter(day=DAY + timedelta(1)).get().events == 1

    again = usage.usage_rollup(today=today)
    assert again == [DAY + timedelta(n) for n in (1, 2, 3)]
    _event(session, when=_at(today, 5))
    usage.usage_rollup(today=today)
    assert UsageDay.objects.get(day=today).events == 1
    assert usage.usage_rollup(today=today) == [today - timedelta(1), today]


def test_a_session_total_counts_downloads_and_distinct_people(session) -> None:
    _a_day_of_downloads(session)
    other = factories.InvestigationFactory()
    _event(other, when=_at(DAY, 3), visitor="u1")

    usage.usage_rollup(today=DAY + timedelta(1))
    usage.usage_rollup(today=DAY + timedelta(1))

    total = UsageTotal.objects.get(investigation=session)
    assert (total.downloads, total.people, total.bytes) == (4, 4, 357)
    assert UsageTotal.objects.get(investigation=other).downloads == 1


def test_catalogue_figures_are_sessions_and_volume_per_beamline_and_year(db) -> None:
    beamline = factories.InstrumentFactory(name="ID23")
    for volume in (1000, 2000):
        factories.InvestigationFactory(
            instrument=beamline, start_date=_at(date(2024, 5, 1), 8), volume=volume
        )
    factories.InvestigationFactory(instrument=beamline, start_date=_at(date(2025, 5, 1), 8))
    CatalogueYear.objects.create(beamline="GONE", year=2020, sessions=3)

    usage.catalogue_years_refresh()

    assert set(CatalogueYear.objects.values_list("beamline", "year", "sessions", "volume")) == {
        ("ID23", 2024, 2, 3000),
        ("ID23", 2025, 1, 0),
    }


def test_the_rollup_is_scheduled_on_beat() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["catalogue-usage-rollup"]
    assert entry["task"] == "catalogue.tasks.usage_rollup"
