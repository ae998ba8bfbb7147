"""The statistics page's figures, computed from a queryset of published start-ups,
and the geometry of their server-rendered SVG charts.

Query budget (constant in the number of start-ups):
  by_current_phase        1 grouped query
  by_incubator            1 grouped query
  by_ministerial_domain   2 (one grouped on the sponsor table, one count of
                          start-ups without a sponsor)
  started_per_year        1 grouped query
  portfolio_by_year and   1 statement over the whole phase history, grouped in
  median_days_per_phase   the database (shared: history_figures); a few rows
                          a year and a phase duration come back, never the
                          history itself
  reach_share             1 aggregate query
  indicators_by_part      1 grouped query on the impact indicators
  transparency_coverage   1 grouped query
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Window
from django.db.models.functions import ExtractYear, Lead
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from startups.models import MinisterialDomain, Phase, Startup, StartupPhase


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
    rows = dict(
        startups.order_by()
        .filter(started_on__isnull=False)
        .values_list(ExtractYear("started_on"))
        .annotate(n=Count("pk"))
    )
    if not rows:
        return []
    catalogue = reverse("startups:list")
    return [
        Tally(str(year), str(year), rows.get(year, 0), f"{catalogue}?year={year}")
        for year in range(min(rows), max(rows) + 1)
    ]


# 5 and 6 read the whole phase history, in the database


def _phase_steps(startups: QuerySet[Startup]):
    """Every phase row of these start-ups with the start of the row that follows
    it in the history (start date, then the order listed): the phase is the
    current one from its start until that next start, the current-phase rule
    (models.current_phase_entry) read along the history. Two rows starting the
    same day: the first lasts no day at all."""
    following = {
        "partition_by": F("startup_id"),
        "order_by": [F("start").asc(), F("position").asc()],
    }
    return (
        StartupPhase.objects.filter(startup__in=startups.values("pk"))
        .order_by()
        .annotate(
            start_year=ExtractYear("start"),
            next_start=Window(Lead("start"), **following),
            next_year=Window(Lead(ExtractYear("start")), **following),
        )
        .values("phase", "start", "end", "start_year", "next_start", "next_year")
    )


def history_figures(startups: QuerySet[Startup], *, today: dt.date) -> list[tuple]:
    """One statement over the phase history, grouped in the database so that
    what comes back is a few rows per year and per phase duration, whatever the
    number of start-ups:
    ("enter", phase, year, n): n phases became current in that year (by today);
    ("leave", phase, year, n): n phases stopped being current in that year;
    ("days", phase, days, n): n phases lasted that many days (ended by today)."""
    steps_sql, params = _phase_steps(startups).query.sql_with_params()
    day = connection.ops.adapt_datefield_value(today)
    # A phase lasts until its end date, or else until the next phase starts.
    until = 'COALESCE("end", "next_start")'
    if connection.vendor == "postgresql":
        days = f'({until} - "start")'
    else:
        days = f'CAST(julianday({until}) - julianday("start") AS INTEGER)'
    statement = (
        f"WITH steps AS ({steps_sql}) "
        'SELECT \'enter\', "phase", "start_year", COUNT(*) FROM steps '
        'WHERE "start" <= %s GROUP BY "phase", "start_year" '
        "UNION ALL "
        'SELECT \'leave\', "phase", "next_year", COUNT(*) FROM steps '
        'WHERE "next_start" <= %s GROUP BY "phase", "next_year" '
        "UNION ALL "
        f"SELECT 'days', \"phase\", {days}, COUNT(*) FROM steps "
        f'WHERE {until} > "start" AND {until} <= %s GROUP BY "phase", {days}'
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, day, day, day])
        return cursor.fetchall()


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


def portfolio_by_year(
    startups: QuerySet[Startup], *, today: dt.date, figures: list[tuple] | None = None
) -> list[PortfolioYear]:
    """The portfolio on 31 December of each year since the first start, and
    today for the current year: in each year, the phases that became current
    minus those that stopped being current, added up year after year. End
    dates are not read, as for the current phase, so that today's figures agree
    with the by-phase chart. `figures`: history_figures, if already read."""
    figures = history_figures(startups, today=today) if figures is None else figures
    change: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for kind, phase, year, n in figures:
        if kind in ("enter", "leave"):
            # int(): PostgreSQL's EXTRACT gives a numeric, which the raw cursor
            # hands back as a Decimal.
            change[int(year)][phase] += n if kind == "enter" else -n
    if not change:
        return []
    counts = dict.fromkeys(Phase.values, 0)
    years = []
    for year in range(min(change), today.year + 1):
        for phase, n in change[year].items():
            counts[phase] += n
        day = min(dt.date(year, 12, 31), today)
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
    startups: QuerySet[Startup], *, today: dt.date, figures: list[tuple] | None = None
) -> list[PhaseDuration]:
    """For each phase, the median number of days start-ups spent in it. A phase
    lasts until its end date, or else until the next phase starts; a phase with
    neither (the open current phase), or whose end is still to come, is left
    out, and so is a phase that lasted no day at all: two phases recorded with the
    same start date (52 construction phases of the real data) say nothing of how
    long a phase lasts. The median of an even count is rounded to the nearest
    day. Read from the number of phases of each duration (a few thousand rows
    at most, whatever the number of start-ups). `figures`: history_figures, if
    already read."""
    figures = history_figures(startups, today=today) if figures is None else figures
    durations: dict[str, dict[int, int]] = defaultdict(dict)
    for kind, phase, days, n in figures:
        if kind == "days":
            durations[phase][int(days)] = n
    return [
        PhaseDuration(
            p.value,
            p.label,
            _median(durations[p.value]),
            sum(durations[p.value].values()),
        )
        for p in Phase
    ]


def _median(counts: dict[int, int]) -> int | None:
    """The median of values given as {value: how many times}, rounded to the
    nearest (even) integer as round() does."""
    total = sum(counts.values())
    if not total:
        return None
    middle = [(total - 1) // 2, total // 2]  # 0-based ranks of the middle values
    found, seen = [], 0
    for value in sorted(counts):
        seen += counts[value]
        while middle and middle[0] < seen:
            found.append(value)
            middle.pop(0)
    return round(statistics.mean(found))


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
    # Semi-joins on the phase table, which the database hashes once, rather
    # than a lookup per start-up. Integration and operation are past
    # investigation too.
    def ever(phases):
        return Q(
            pk__in=StartupPhase.objects.filter(phase__in=phases).values("startup_id")
        )

    totals = startups.order_by().aggregate(
        past_investigation=Count("pk", filter=ever(PAST_INVESTIGATION)),
        reached=Count("pk", filter=ever(REACHED)),
    )
    return ReachShare(**totals)


# 8. Transparency criteria by current phase


@dataclass
class CoverageRow:
    key: str
    label: str
    cells: list[str]


@dataclass
class Coverage:
    """Each transparency criterion's share of sheets meeting it, in each
    current phase (columns: the phases with start-ups, then all)."""

    columns: list[Tally]
    rows: list[CoverageRow]


def transparency_coverage(startups: QuerySet[Startup]) -> Coverage:
    """One grouped query: for each current phase, the number of start-ups and
    of those meeting each criterion (read from the stored keys)."""
    from startups import transparency

    counted = {
        c.key: Count(
            "pk",
            filter=Q(transparency_met__contains=transparency.stored_pattern(c.key)),
        )
        for c in transparency.CRITERIA
    }
    rows = {
        row["current_phase"]: row
        for row in startups.order_by()
        .values("current_phase")
        .annotate(total=Count("pk"), **counted)
    }
    phases = [p for p in Phase if rows.get(p.value, {}).get("total")]
    totals = {name: sum(r[name] for r in rows.values()) for name in ["total", *counted]}
    columns = [Tally(p.value, p.label, rows[p.value]["total"]) for p in phases]
    columns.append(Tally("all", str(_("All phases")), totals["total"]))

    def share(met: int, total: int) -> str:
        return format_number(round(100 * met / total)) if total else "—"

    return Coverage(
        columns=columns,
        rows=[
            CoverageRow(
                c.key,
                str(c.label),
                [share(rows[p.value][c.key], rows[p.value]["total"]) for p in phases]
                + [share(totals[c.key], totals["total"])],
            )
            for c in transparency.CRITERIA
        ],
    )


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


# 8. Impact indicators


@dataclass
class ImpactPartRow:
    """One part of the impact matrix: how many published sheets have at least
    one indicator in it, in all and in each current phase (Phase's order)."""

    key: str
    label: str
    total: int
    by_phase: list[Tally]

    @property
    def total_display(self) -> str:
        return format_number(self.total)


def indicators_by_part(startups: QuerySet[Startup]) -> list[ImpactPartRow]:
    """Sheets with indicators, by part of the impact matrix and current phase
    (a sheet counts once in each part it measures): one grouped query."""
    from startups.indicators import ImpactPart, Indicator

    counts = Indicator.objects.filter(
        startup__in=startups
    ).count_sheets_by_part_and_phase()
    rows = []
    for part in ImpactPart:
        of_part = counts.get(part.value, {})
        rows.append(
            ImpactPartRow(
                key=part.value,
                label=part.label,
                total=sum(of_part.values()),
                by_phase=[
                    Tally(p.value, p.label, of_part.get(p.value, 0)) for p in Phase
                ],
            )
        )
    return rows
