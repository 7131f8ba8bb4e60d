"""Form fields for values typed by people or programs, bounded so that no value a field accepts
can fail later: a date near year 1 or 9999 overflows when a day is added or a time zone applied,
and an integer beyond 64 bits overflows the database driver. Every app imports these (portal is
the root of the dependency chain) rather than Django's unbounded fields for filters, forms and API
query parameters."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2200, 12, 31)
# The largest value of a 64-bit signed integer: PostgreSQL bigint, SQLite INTEGER.
LARGEST_ID = 2**63 - 1


def validate_date_in_range(value: date | datetime) -> None:
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValidationError(
            "Enter a date between %(earliest)s and %(latest)s.",
            code="date_out_of_range",
            params={"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()},
        )


class BoundedDateField(forms.DateField):
    """A date between EARLIEST_DATE and LATEST_DATE."""

    default_validators = [validate_date_in_range]


class BoundedDateTimeField(forms.DateTimeField):
    """A date and time whose day lies between EARLIEST_DATE and LATEST_DATE."""

    default_validators = [validate_date_in_range]


class IdField(forms.IntegerField):
    """A database id: a whole number from 1 to the largest 64-bit integer."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", LARGEST_ID)
        super().__init__(**kwargs)
