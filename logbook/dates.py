"""The dates the logbook computes with: 1900 to 2200, in every form, filter and payload.

Beyond them a day later or a local time can overflow Python's year 9999 (a filter `?end=9999-12-31`,
a notification dated 9999-12-31T23:59:59 shown in Paris): such input is refused with a message, and
events stored with such dates by other means still show, in UTC, outside the calendar.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from django.utils import timezone

EARLIEST = date(1900, 1, 1)
LATEST = date(2200, 12, 31)
OUT_OF_RANGE = "Give a date between 1900-01-01 and 2200-12-31."
# The same bounds as aware datetimes, for queries (the end is exclusive).
EARLIEST_TIME = datetime.combine(EARLIEST, time.min, tzinfo=UTC)
AFTER_LATEST_TIME = datetime(LATEST.year + 1, 1, 1, tzinfo=UTC)


def in_range(value: date | datetime) -> bool:
    day = value.date() if isinstance(value, datetime) else value
    return EARLIEST <= day <= LATEST


def local(value: datetime) -> datetime:
    """The local time of a stored date; in UTC when the local one would overflow."""
    try:
        return timezone.localtime(value)
    except (OverflowError, ValueError):
        return value
