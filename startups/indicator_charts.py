"""A start-up's impact indicators as charts drawn on the server: an SVG whose
geometry is computed here (no JavaScript), bars for a few monthly, quarterly
or yearly values, a line otherwise; each followed on the page by its table."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from startups.indicators import Indicator, Periodicity

# Narrow enough that its text stays legible on a 360 px screen.
WIDTH, HEIGHT = 480, 220
LEFT, RIGHT, TOP, BOTTOM = 60, 10, 12, 30
# A line of more points than this is drawn from an even sample of them (the
# table lists them all).
MAX_DRAWN = 400
MAX_BARS = 36


def format_value(value) -> str:
    """A value in the active language, without trailing zeros ("1 250",
    "180,5" in French)."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return number_format(int(value), force_grouping=True)
    places = len(format(value.normalize(), "f").split(".")[1])
    return number_format(value, decimal_pos=min(places, 6), force_grouping=True)


def format_day(day: dt.date, periodicity: str) -> str:
    if periodicity == Periodicity.YEAR:
        return str(day.year)
    if periodicity in (Periodicity.MONTH, Periodicity.QUARTER):
        return date_format(day, "YEAR_MONTH_FORMAT")
    return date_format(day, "j M Y")


def _nice_step(value: float) -> float:
    """The smallest of 1, 2, 2.5, 3, 4, 5, 6, 8 × 10^n at least `value`."""
    if value <= 0:
        return 1.0
    magnitude = 10.0 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * magnitude >= value * (1 - 1e-9):
            return step * magnitude
    return 10 * magnitude


@dataclass
class Tick:
    y: float
    label: str


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float


@dataclass
class Row:
    date: dt.date
    date_text: str
    value_text: str


@dataclass
class IndicatorChart:
    indicator: Indicator
    kind: str  # "bars" or "line"
    rows: list[Row]
    ticks: list[Tick]
    bars: list[Bar]
    points: str  # the polyline's "x,y x,y …"
    x_labels: list[tuple[float, str, str]]  # (x, anchor, text)
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def id(self) -> str:
        return f"indicator-{self.indicator.pk}"

    @property
    def title(self) -> str:
        unit = self.indicator.unit
        return f"{self.indicator.label} ({unit})" if unit else self.indicator.label

    @property
    def description(self) -> str:
        if not self.rows:
            return _("No value yet.")
        first, last = self.rows[0], self.rows[-1]
        return _(
            "%(n)s values from %(start)s (%(first)s) to %(end)s (%(last)s), "
            "detailed in the table below."
        ) % {
            "n": number_format(len(self.rows), force_grouping=True),
            "start": first.date_text,
            "first": first.value_text,
            "end": last.date_text,
            "last": last.value_text,
        }

    @property
    def axis_y(self) -> int:
        return HEIGHT - BOTTOM

    @property
    def plot_left(self) -> int:
        return LEFT

    @property
    def plot_right(self) -> int:
        return WIDTH - RIGHT

    @classmethod
    def of(cls, indicator: Indicator) -> IndicatorChart:
        """The chart of an indicator whose `values` are prefetched in date order."""
        values = list(indicator.values.all())
        rows = [
            Row(
                v.date, format_day(v.date, indicator.periodicity), format_value(v.value)
            )
            for v in values
        ]
        chart = cls(indicator, "line", rows, [], [], "", [])
        if not values:
            return chart
        numbers = [float(v.value) for v in values]
        low = min(0.0, min(numbers))
        high = max(0.0, max(numbers))
        # Four equal steps of a round size from zero (or from a round
        # negative bottom) to at least the highest value.
        step = _nice_step((high - low) / 4 or 0.25)
        bottom = math.floor(low / step) * step if low < 0 else 0.0
        top = bottom + 4 * step
        while top < high:
            step = _nice_step(step * 1.01)
            bottom = math.floor(low / step) * step if low < 0 else 0.0
            top = bottom + 4 * step
        plot_h = HEIGHT - TOP - BOTTOM
        plot_w = WIDTH - LEFT - RIGHT

        def y_of(number: float) -> float:
            return round(TOP + (top - number) / (top - bottom) * plot_h, 1)

        chart.ticks = [
            Tick(
                y_of(bottom + (top - bottom) * i / 4),
                format_value(Decimal(str(round(bottom + (top - bottom) * i / 4, 6)))),
            )
            for i in range(5)
        ]
        few = len(values) <= MAX_BARS
        periodic = indicator.periodicity in (
            Periodicity.MONTH,
            Periodicity.QUARTER,
            Periodicity.YEAR,
        )
        if (few and periodic) or len(values) == 1:
            chart.kind = "bars"
            slot = plot_w / len(values)
            zero = y_of(0.0)
            for i, number in enumerate(numbers):
                y = y_of(number)
                chart.bars.append(
                    Bar(
                        x=round(LEFT + i * slot + slot * 0.15, 1),
                        y=min(y, zero),
                        width=round(slot * 0.7, 1),
                        height=max(round(abs(zero - y), 1), 0.5),
                    )
                )
            centres = [LEFT + (i + 0.5) * slot for i in range(len(values))]
        else:
            first, last = values[0].date, values[-1].date
            span = max((last - first).days, 1)
            step = max(1, -(-len(values) // MAX_DRAWN))
            drawn = list(range(0, len(values), step))
            if drawn[-1] != len(values) - 1:
                drawn.append(len(values) - 1)
            centres = [LEFT + (v.date - first).days / span * plot_w for v in values]
            chart.points = " ".join(
                f"{round(centres[i], 1)},{y_of(numbers[i])}" for i in drawn
            )
        label_at = sorted({0, len(values) // 2, len(values) - 1})
        chart.x_labels = [
            (
                round(centres[i], 1),
                "start" if i == 0 else ("end" if i == len(values) - 1 else "middle"),
                rows[i].date_text,
            )
            for i in label_at
        ]
        if len(chart.x_labels) == 1:
            chart.x_labels = [(chart.x_labels[0][0], "middle", chart.x_labels[0][2])]
        return chart


@dataclass
class IndicatorGroup:
    part: str
    label: str
    charts: list[IndicatorChart]


def indicator_groups(indicators) -> list[IndicatorGroup]:
    """The page's indicators grouped by part of the impact matrix, in the
    matrix's order."""
    groups: dict[str, IndicatorGroup] = {}
    for indicator in indicators:
        group = groups.setdefault(
            indicator.part,
            IndicatorGroup(indicator.part, indicator.get_part_display(), []),
        )
        group.charts.append(IndicatorChart.of(indicator))
    order = list(Indicator.Part.values)
    return sorted(
        groups.values(),
        key=lambda g: order.index(g.part) if g.part in order else len(order),
    )
