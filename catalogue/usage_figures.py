"""The figures of /stats/, read from the rolled-up tables (usage.py writes them): one query for
the usage of a period, one for the catalogue's sessions and volume."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.dateformat import format as date_format

from .figures import StackedChart, stacked_chart
from .models.usage import Audience, CatalogueYear, UsageDay, UsageKind

LAST_12 = "12m"
AUDIENCES = [(Audience.PUBLIC, "Public"), (Audience.TEAM, "Team")]


@dataclass(frozen=True)
class Period:
    """A calendar year, or the last twelve months (this one included)."""

    key: str  # "12m" or "2025": what the query string says
    first: date  # first day of the first month
    months: int

    @classmethod
    def from_query(cls, value: str | None, *, today: date | None = None) -> Period:
        today = today or timezone.localdate()
        if value and value.isdigit() and 2000 <= int(value) <= today.year:
            return cls(key=value, first=date(int(value), 1, 1), months=12)
        start = _add_months(today.replace(day=1), -11)
        return cls(key=LAST_12, first=start, months=12)

    @property
    def month_starts(self) -> list[date]:
        return [_add_months(self.first, n) for n in range(self.months)]

    @property
    def end(self) -> date:
        return _add_months(self.first, self.months)

    @property
    def label(self) -> str:
        return "the last 12 months" if self.key == LAST_12 else self.key


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_choices(*, today: date | None = None) -> list[tuple[str, str]]:
    """The last 12 months, then every year that has figures, newest first."""
    today = today or timezone.localdate()
    first = UsageDay.objects.order_by("day").values_list("day", flat=True).first()
    years = range(today.year, (first.year if first else today.year) - 1, -1)
    return [(LAST_12, "Last 12 months")] + [(str(y), str(y)) for y in years]


def _count(value: int) -> str:
    return f"{value:,}"


def usage_charts(period: Period) -> dict[str, StackedChart]:
    rows = (
        UsageDay.objects.filter(day__gte=period.first, day__lt=period.end)
        .annotate(month=TruncMonth("day"))
        .values("month", "kind", "audience")
        .annotate(events=Sum("events"), size=Sum("bytes"))
        .order_by()
    )
    months = period.month_starts
    index = {month: i for i, month in enumerate(months)}
    events: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * len(months))
    size: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * len(months))
    for row in rows:
        month = row["month"]
        month = month.date() if hasattr(month, "date") else month
        if month in index:
            events[row["kind"], row["audience"]][index[month]] += row["events"] or 0
            size[row["kind"], row["audience"]][index[month]] += row["size"] or 0
    columns = [(date_format(m, "M"), m.strftime("%Y-%m")) for m in months]

    def by_audience(kind: str, table=events) -> dict[str, list[int]]:
        return {name: table[kind, audience] for audience, name in AUDIENCES}

    def everyone(kind: str) -> dict[str, list[int]]:
        both = by_audience(kind)
        return {"All": [sum(values) for values in zip(*both.values(), strict=True)]}

    file, zip_ = UsageKind.FILE_DOWNLOAD, UsageKind.ZIP_DOWNLOAD
    downloaded = {
        name: [a + b for a, b in zip(size[file, aud], size[zip_, aud], strict=True)]
        for aud, name in AUDIENCES
    }
    return {
        "files": stacked_chart("Files downloaded", columns, by_audience(file), _count),
        "bytes": stacked_chart("Bytes downloaded (files, zips)", columns, downloaded, _size),
        "zips": stacked_chart("Zips downloaded", columns, by_audience(zip_), _count),
        "landing": stacked_chart(
            "DOI landing page views", columns, by_audience(UsageKind.DOI_LANDING_VIEW), _count
        ),
        "oai": stacked_chart("OAI-PMH requests", columns, everyone(UsageKind.OAI_HARVEST), _count),
        "logbook": stacked_chart(
            "Logbook entries written", columns, everyone(UsageKind.LOGBOOK_EVENT), _count
        ),
    }


def _size(value: int) -> str:
    return filesizeformat(value).replace("\xa0", " ") if value else "0"


def catalogue_charts() -> dict[str, StackedChart]:
    """Sessions and data volume per start year, stacked by beamline."""
    rows = list(CatalogueYear.objects.values_list("beamline", "year", "sessions", "volume"))
    seen = {year for _, year, _, _ in rows}
    # Every year from the first to the last: an idle year is an empty column, not a gap.
    years = list(range(min(seen), max(seen) + 1)) if seen else []
    beamlines = sorted({beamline for beamline, _, _, _ in rows})
    index = {year: i for i, year in enumerate(years)}
    sessions = {b: [0] * len(years) for b in beamlines}
    volume = {b: [0] * len(years) for b in beamlines}
    for beamline, year, count, size in rows:
        sessions[beamline][index[year]] = count
        volume[beamline][index[year]] = size
    short = len(years) > 8
    columns = [(f"’{y % 100:02d}" if short else str(y), str(y)) for y in years]
    return {
        "sessions": stacked_chart("Sessions per beamline and year", columns, sessions, _count),
        "volume": stacked_chart("Data volume per beamline and year", columns, volume, _size),
    }


def all_charts(period: Period) -> dict[str, StackedChart]:
    return {**usage_charts(period), **catalogue_charts()}
