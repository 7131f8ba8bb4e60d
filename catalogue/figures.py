"""Small bar charts drawn on the server as SVG: no chart library, no CDN, no JavaScript, and a
page that prints, reads in a screen reader (every bar has its title) and tests without a browser."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.template.defaultfilters import filesizeformat

SLOT = 44  # least horizontal room per bar, in SVG units (px at natural size): for "123.4 GB"
BAR = 28
MIN_WIDTH = 360  # a few bars spread over this width rather than huddle in a corner
PLOT_HEIGHT = 110
TOP = 16  # room for the value above the tallest bar
BOTTOM = 18  # room for the year below the axis


@dataclass(frozen=True)
class Bar:
    year: int
    label: str  # under the bar: the year, or its last two digits when bars are many
    value: int
    text: str
    x: float
    y: float
    height: float

    width = BAR

    @property
    def centre(self) -> float:
        return self.x + BAR / 2

    @property
    def text_y(self) -> float:
        return self.y - 3


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: list[Bar]
    width: float

    @property
    def height(self) -> int:
        return TOP + PLOT_HEIGHT + BOTTOM

    @property
    def axis_y(self) -> int:
        return TOP + PLOT_HEIGHT

    @property
    def label_y(self) -> int:
        return TOP + PLOT_HEIGHT + BOTTOM - 4

    @property
    def total(self) -> int:
        return sum(bar.value for bar in self.bars)


def bar_chart(title: str, points: Iterable[tuple[int, int]], fmt: Callable[[int], str]) -> BarChart:
    points = list(points)
    top = max((value for _, value in points), default=0) or 1
    # Two-digit years once there are many, so the labels never overlap.
    short = len(points) > 8
    slot = max(SLOT, MIN_WIDTH / max(len(points), 1))
    bars = []
    for i, (year, value) in enumerate(points):
        # A non-zero value keeps a sliver of a bar, so "a little" never reads as "nothing".
        height = 0 if value == 0 else max(2.0, PLOT_HEIGHT * value / top)
        bars.append(
            Bar(
                year=year,
                label=f"’{year % 100:02d}" if short else str(year),
                value=value,
                text=fmt(value),
                x=i * slot + (slot - BAR) / 2,
                y=TOP + PLOT_HEIGHT - height,
                height=height,
            )
        )
    return BarChart(title=title, bars=bars, width=slot * len(points))


@dataclass(frozen=True)
class YearFigures:
    sessions: BarChart
    volume: BarChart

    @property
    def empty(self) -> bool:
        return not self.sessions.bars


def sessions_per_year(sessions: QuerySet) -> YearFigures:
    """Sessions and data volume per year of their start, every year from the first to the last
    (an idle year is a zero bar, not a gap), in one query over the sessions given."""
    rows = (
        sessions.order_by()
        .annotate(year=ExtractYear("start_date"))
        .values("year")
        .annotate(count=Count("id"), volume=Sum("volume"))
        .order_by("year")
    )
    by_year = {row["year"]: (row["count"], row["volume"] or 0) for row in rows}
    years = range(min(by_year), max(by_year) + 1) if by_year else range(0)
    return YearFigures(
        sessions=bar_chart(
            "Sessions per year",
            [(y, by_year.get(y, (0, 0))[0]) for y in years],
            str,
        ),
        volume=bar_chart(
            "Data volume per year",
            [(y, by_year.get(y, (0, 0))[1]) for y in years],
            filesizeformat,
        ),
    )


# Stacked bars: a value per column split by series (public / team, or one per beamline) -----------

PALETTE = ["#13315c", "#7fb2e5", "#e07a5f", "#81b29a", "#f2cc8f", "#8d6a9f", "#5c677d", "#c9ada7"]
STACK_SLOT = 40
STACK_BAR = 26


@dataclass(frozen=True)
class Segment:
    series: str
    value: int
    y: float
    height: float
    colour: str


@dataclass(frozen=True)
class Column:
    label: str  # under the column
    name: str  # in its tooltip and in the CSV: "2026-03", "2025"
    segments: list[Segment]
    total: int
    text: str
    x: float

    width = STACK_BAR

    @property
    def centre(self) -> float:
        return self.x + STACK_BAR / 2

    @property
    def text_y(self) -> float:
        return min((s.y for s in self.segments if s.height), default=TOP + PLOT_HEIGHT) - 3


@dataclass(frozen=True)
class StackedChart:
    title: str
    columns: list[Column]
    series: list[tuple[str, str]]  # (name, colour), for the legend
    width: float
    values: dict[str, list[int]]  # series -> value per column, for the CSV

    height = TOP + PLOT_HEIGHT + BOTTOM
    axis_y = TOP + PLOT_HEIGHT
    label_y = TOP + PLOT_HEIGHT + BOTTOM - 4

    @property
    def total(self) -> int:
        return sum(column.total for column in self.columns)


def stacked_chart(
    title: str,
    columns: list[tuple[str, str]],
    series: dict[str, list[int]],
    fmt: Callable[[int], str],
) -> StackedChart:
    """`columns` are (label, name) pairs; `series` maps a name to one value per column."""
    colours = dict(zip(series, PALETTE * (len(series) // len(PALETTE) + 1), strict=False))
    totals = [sum(values[i] for values in series.values()) for i in range(len(columns))]
    top = max(totals, default=0) or 1
    slot = max(STACK_SLOT, MIN_WIDTH / max(len(columns), 1))
    drawn = []
    for i, (label, name) in enumerate(columns):
        y = TOP + PLOT_HEIGHT
        segments = []
        for series_name, values in series.items():
            height = PLOT_HEIGHT * values[i] / top
            if values[i]:
                height = max(height, 1.5)  # "a little" never reads as "nothing"
            y -= height
            segments.append(Segment(series_name, values[i], y, height, colours[series_name]))
        drawn.append(
            Column(
                label=label,
                name=name,
                segments=segments,
                total=totals[i],
                text=fmt(totals[i]),
                x=i * slot + (slot - STACK_BAR) / 2,
            )
        )
    return StackedChart(
        title=title,
        columns=drawn,
        series=list(colours.items()),
        width=slot * len(columns),
        values=series,
    )
