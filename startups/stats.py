"""The statistics page's figures, computed from a queryset of published start-ups,
and the geometry of their server-rendered SVG charts.

Query budget (constant in the number of start-ups):
  by_current_phase        1 grouped query
  by_incubator            1 grouped query
  by_ministerial_domain   2 (one grouped on the sponsor table, one count of
                          start-ups without a sponsor)
  started_per_year        1 grouped query
  phase_spans             1 query reading (startup_id, phase, start, end, position)
                          of every phase row of the published start-ups: ~1,700
                          rows of five small columns for the 662 real start-ups.
                          portfolio_by_year and median_days_per_phase share it,
                          because both need each start-up's whole history.
  reach_share             1 aggregate query
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import ExtractYear
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from startups.models import (
    MinisterialDomain,
    Phase,
    Startup,
    StartupPhase,
    current_phase_entry,
)


def format_number(value: int | float, decimal_pos: int | None = None) -> str:
    """A number in the active language: "1 234" in French, "1,234" in English."""
    return number_format(value, decimal_pos=decimal_pos, force_grouping=True)


@dataclass(frozen=True)
class Tally:
    """One value of a chart: a label, a number, optionally the address of a page
    that lists the start-ups counted."""

    key: str
    label: str
    value: int
    url: str = ""

    @property
    def display(self) -> str:
        return format_number(self.value)


# 1. Current phase


def by_current_phase(startups: QuerySet[Startup]) -> list[Tally]:
    """Start-ups by current phase, in life-cycle order (zeros included).
    Start-ups without any phase are left out."""
    counts = startups.count_by_current_phase()
    catalogue = reverse("startups:list")
    return [
        Tally(p.value, p.label, counts.get(p.value, 0), f"{catalogue}?phase={p.value}")
        for p in Phase
    ]


# 2. Main incubator


def by_incubator(startups: QuerySet[Startup]) -> list[Tally]:
    """Start-ups by main incubator, most first (co-incubations not counted)."""
    rows = (
        startups.order_by()
        .values_list("incubator__slug", "incubator__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "incubator__name")
    )
    return [
        Tally(slug, name, n, reverse("startups:incubator_detail", args=[slug]))
        for slug, name, n in rows
    ]


# 3. Ministerial domain of the sponsors


def by_ministerial_domain(startups: QuerySet[Startup]) -> list[Tally]:
    """Start-ups by ministerial domain of their sponsors, most first: a start-up
    counts once per domain (two sponsors of one domain count once; sponsors of
    two domains count in both). Start-ups without a sponsor come last."""
    through = Startup.sponsors.through
    rows = (
        through.objects.filter(startup__in=startups.values("pk"))
        .values_list("organisation__ministerial_domain")
        .annotate(n=Count("startup_id", distinct=True))
        .order_by()
    )
    labels = dict(MinisterialDomain.choices)
    counts = sorted(
        (Tally(domain, labels.get(domain, domain), n) for domain, n in rows),
        key=lambda c: (-c.value, str(c.label)),
    )
    without = startups.filter(~Exists(through.objects.filter(startup=OuterRef("pk"))))
    if n := without.count():
        counts.append(Tally("", _("No sponsor recorded"), n))
    return counts


# 4. Started per year


def started_per_year(startups: QuerySet[Startup]) -> list[Tally]:
    """Start-ups by year of their first phase's start, every year from the first
    to the last (zeros included). Start-ups without any phase are left out."""
    first_start = (
        StartupPhase.objects.filter(startup=OuterRef("pk"))
        .order_by("start")
        .values("start")[:1]
    )
    rows = dict(
        startups.order_by()
        .annotate(year=ExtractYear(Subquery(first_start)))
        .filter(year__isnull=False)
        .values_list("year")
        .annotate(n=Count("pk"))
    )
    if not rows:
        return []
    catalogue = reverse("startups:list")
    return [
        Tally(str(year), str(year), rows.get(year, 0), f"{catalogue}?year={year}")
        for year in range(min(rows), max(rows) + 1)
    ]


# 5 and 6 read the whole phase history


class PhaseSpan(NamedTuple):
    startup_id: int
    phase: str
    start: dt.date
    end: dt.date | None
    position: int


def phase_spans(startups: QuerySet[Startup]) -> dict[int, list[PhaseSpan]]:
    """Each start-up's phase rows in history order: one query, five columns a row."""
    rows = (
        StartupPhase.objects.filter(startup__in=startups.values("pk"))
        .order_by("startup_id", "start", "position")
        .values_list("startup_id", "phase", "start", "end", "position")
    )
    histories: dict[int, list[PhaseSpan]] = defaultdict(list)
    for row in rows:
        histories[row[0]].append(PhaseSpan(*row))
    return histories


@dataclass
class PortfolioYear:
    """How many start-ups were in each phase on one date."""

    year: int
    date: dt.date
    is_today: bool
    counts: list[Tally]

    @property
    def total(self) -> int:
        return sum(c.value for c in self.counts)

    @property
    def total_display(self) -> str:
        return format_number(self.total)


def phase_on(history: Iterable[PhaseSpan], day: dt.date) -> str | None:
    """The phase a start-up was in on `day`: the current-phase rule
    (models.current_phase_entry) applied to the rows started by then. End dates
    are not read, as for the current phase, so that today's figures agree with
    the by-phase chart."""
    entry = current_phase_entry(p for p in history if p.start <= day)
    return entry.phase if entry else None


def portfolio_by_year(
    histories: dict[int, list[PhaseSpan]], *, today: dt.date
) -> list[PortfolioYear]:
    """The portfolio on 31 December of each year since the first start, and
    today for the current year."""
    starts = [p.start for history in histories.values() for p in history]
    if not starts:
        return []
    years = []
    for year in range(min(starts).year, today.year + 1):
        day = min(dt.date(year, 12, 31), today)
        counts = dict.fromkeys(Phase.values, 0)
        for history in histories.values():
            if (phase := phase_on(history, day)) is not None:
                counts[phase] += 1
        years.append(
            PortfolioYear(
                year=year,
                date=day,
                is_today=day == today,
                counts=[Tally(p.value, p.label, counts[p.value]) for p in Phase],
            )
        )
    return years


@dataclass(frozen=True)
class PhaseDuration:
    key: str
    label: str
    median_days: int | None
    measured: int

    @property
    def value(self) -> int:
        return self.median_days or 0

    @property
    def display(self) -> str:
        return "—" if self.median_days is None else format_number(self.median_days)

    @property
    def measured_display(self) -> str:
        return format_number(self.measured)


def median_days_per_phase(
    histories: dict[int, list[PhaseSpan]], *, today: dt.date
) -> list[PhaseDuration]:
    """For each phase, the median number of days start-ups spent in it. A phase
    lasts until its end date, or else until the next phase starts; a phase with
    neither (the open current phase), or whose end is still to come, is left
    out, and so is a phase that lasted no day at all: two phases recorded with the
    same start date (52 construction phases of the real data) say nothing of how
    long a phase lasts. The median of an even count is rounded to the nearest
    day."""
    days: dict[str, list[int]] = defaultdict(list)
    for history in histories.values():
        for span, following in zip(history, [*history[1:], None], strict=True):
            until = span.end or (following.start if following else None)
            if until is not None and span.start < until <= today:
                days[span.phase].append((until - span.start).days)
    return [
        PhaseDuration(
            p.value,
            p.label,
            round(statistics.median(days[p.value])) if days[p.value] else None,
            len(days[p.value]),
        )
        for p in Phase
    ]


# 7. Share of start-ups that reached integration or operation

PAST_INVESTIGATION = [
    Phase.CONSTRUCTION,
    Phase.ACCELERATION,
    Phase.CONSOLIDATION,
    Phase.INTEGRATION,
    Phase.OPERATED,
]
REACHED = [Phase.INTEGRATION, Phase.OPERATED]


@dataclass(frozen=True)
class ReachShare:
    """Among the start-ups that went past investigation (ever had a
    construction, acceleration, consolidation, integration or operated phase),
    how many ever had an integration or operated phase."""

    past_investigation: int
    reached: int

    @property
    def not_reached(self) -> int:
        return self.past_investigation - self.reached

    @property
    def percent(self) -> float | None:
        if not self.past_investigation:
            return None
        return 100 * self.reached / self.past_investigation

    @property
    def reached_display(self) -> str:
        return format_number(self.reached)

    @property
    def past_investigation_display(self) -> str:
        return format_number(self.past_investigation)

    @property
    def percent_display(self) -> str:
        return "—" if self.percent is None else format_number(self.percent, 1)

    @property
    def counts(self) -> list[Tally]:
        return [
            Tally("reached", _("Reached integration or operation"), self.reached),
            Tally("not-reached", _("Not (yet) reached"), self.not_reached),
        ]


def reach_share(startups: QuerySet[Startup]) -> ReachShare:
    def ever(phases):
        return Exists(
            StartupPhase.objects.filter(startup=OuterRef("pk"), phase__in=phases)
        )

    past = ever(PAST_INVESTIGATION)
    totals = startups.order_by().aggregate(
        past_investigation=Count("pk", filter=Q(past)),
        reached=Count("pk", filter=Q(past) & Q(ever(REACHED))),
    )
    return ReachShare(**totals)


# SVG geometry: computed here so that templates only print numbers.

CHART_WIDTH = 400  # the viewBox width; charts shrink to fit narrow screens
VALUE_SPACE = 64  # room right of the longest bar for its value
LABEL_CHARS = 50  # longer labels are shortened in the chart (the table has them)


def _shorten(label: str) -> str:
    label = str(label)
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


@dataclass
class Bar:
    label: str
    display: str
    label_x: int
    label_y: int
    x: int
    y: int
    width: int
    value_x: int
    value_y: int


@dataclass
class BarChart:
    """A horizontal bar chart: short labels (years) left of their bar, longer
    ones above it."""

    id: str
    title: str
    bars: list[Bar]
    label_anchor: str = "start"
    width: int = CHART_WIDTH
    height: int = 0


BAR = 20  # bar thickness; the templates repeat it
ROW_ABOVE = 44  # label line (18) + bar (20) + gap (6)
ROW_LEFT = 28  # bar (20) + gap (8)
SHORT_LABEL = 8  # characters
SHORT_LABEL_WIDTH = 56


def bar_chart(id: str, title: str, values: Sequence[Tally]) -> BarChart:
    largest = max((v.value for v in values), default=0) or 1
    left = all(len(str(v.label)) <= SHORT_LABEL for v in values)
    x = SHORT_LABEL_WIDTH if left else 0
    row = ROW_LEFT if left else ROW_ABOVE
    room = CHART_WIDTH - x - VALUE_SPACE
    bars = []
    for i, v in enumerate(values):
        top = i * row
        bar_y = top if left else top + 18
        width = round(room * v.value / largest)
        bars.append(
            Bar(
                label=_shorten(v.label),
                display=v.display,
                label_x=x - 8 if left else 0,
                label_y=bar_y + 15 if left else top + 14,
                x=x,
                y=bar_y,
                width=width,
                value_x=x + width + 6,
                value_y=bar_y + 15,
            )
        )
    return BarChart(
        id=id,
        title=title,
        bars=bars,
        label_anchor="end" if left else "start",
        height=max(len(values) * row, 1),
    )


@dataclass
class Segment:
    phase: str
    x: int
    width: int


@dataclass
class StackedRow:
    label: str
    display: str
    y: int
    text_y: int
    segments: list[Segment]
    value_x: int


@dataclass
class StackedChart:
    """Horizontal bars, one a row, each split by phase (life-cycle order)."""

    id: str
    title: str
    rows: list[StackedRow]
    legend: list[Tally] = field(default_factory=list)
    width: int = CHART_WIDTH
    height: int = 0
    label_width: int = 0


STACK_ROW = 28
STACK_BAR = 20
STACK_LABEL = 100  # room for "Aujourd'hui" (French for "today")


def stacked_chart(id: str, title: str, years: Sequence[PortfolioYear]) -> StackedChart:
    largest = max((y.total for y in years), default=0) or 1
    room = CHART_WIDTH - STACK_LABEL - VALUE_SPACE
    rows = []
    for i, year in enumerate(years):
        # Rounded on the running total, so that the segments add up exactly.
        segments, running, x = [], 0, STACK_LABEL
        for c in year.counts:
            running += c.value
            end = STACK_LABEL + round(room * running / largest)
            segments.append(Segment(c.key, x, end - x))
            x = end
        rows.append(
            StackedRow(
                label=str(_("today")) if year.is_today else str(year.year),
                display=year.total_display,
                y=i * STACK_ROW,
                text_y=i * STACK_ROW + 15,
                segments=segments,
                value_x=x + 6,
            )
        )
    return StackedChart(
        id=id,
        title=title,
        rows=rows,
        legend=[Tally(p.value, p.label, 0) for p in Phase],
        height=max(len(rows) * STACK_ROW, 1),
        label_width=STACK_LABEL - 8,
    )
