"""The results page's figures: what became of the portfolio, computed from the
database for a queryset of published start-ups.

Query budget (constant in the number of start-ups; each grouped in the
database, so that a few rows a year or a phase come back):
  cohorts               1 (start-ups by year of start, furthest phase reached
                        and whether they stopped)
  median_days_to_phase  1 (phases by how many days after the start-up's start
                        they began)
  stop_reasons          1 (stopped start-ups by reason)
  national_impact       1 (national impact events by year)

Definitions (the page says them too):
- a start-up's cohort is the year its first phase started (`started_on`);
- its furthest phase is the latest one of the life cycle (investigation to
  operated) its history has reached by today; abandons and inconclusive
  investigations are not phases reached, they are counted as "stopped";
  start-ups whose history holds no life-cycle phase are left out of cohorts;
- the time to a phase is the number of days from the start-up's start to that
  phase's start, for the start-ups that reached it by today.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext_lazy as _

from startups import budgets
from startups.expressions import DaysBetween
from startups.filters import STOPPED_PHASES
from startups.models import Event, EventKind, Phase, Startup, StartupPhase
from startups.stats import PhaseDuration, Tally, _median, format_number

# The life cycle, in order: what a start-up can reach.
LIFE_PHASES = [
    Phase.INVESTIGATION,
    Phase.CONSTRUCTION,
    Phase.ACCELERATION,
    Phase.CONSOLIDATION,
    Phase.INTEGRATION,
    Phase.OPERATED,
]
REACHED = {Phase.INTEGRATION, Phase.OPERATED}


def _rank() -> Case:
    return Case(
        *(When(phase=p.value, then=Value(i)) for i, p in enumerate(LIFE_PHASES)),
        default=None,
        output_field=IntegerField(),
    )


@dataclass
class Cohort:
    """The start-ups that started in one year: how many got furthest to each
    phase, how many stopped, how many reached integration or operation."""

    year: int
    counts: list[Tally]
    stopped: int
    is_today: bool = False  # read by stats.stacked_chart

    @property
    def total(self) -> int:
        return sum(c.value for c in self.counts)

    @property
    def total_display(self) -> str:
        return format_number(self.total)

    @property
    def reached(self) -> int:
        return sum(c.value for c in self.counts if c.key in REACHED)

    @property
    def reached_percent(self) -> float | None:
        return 100 * self.reached / self.total if self.total else None

    @property
    def reached_percent_display(self) -> str:
        percent = self.reached_percent
        return "—" if percent is None else format_number(round(percent, 1), 1)

    @property
    def stopped_display(self) -> str:
        return format_number(self.stopped)

    @property
    def reached_display(self) -> str:
        return format_number(self.reached)


def cohorts(startups: QuerySet[Startup], *, today: dt.date) -> list[Cohort]:
    """One Cohort a year, from the first start to the last (empty years
    included), in one grouped query."""
    furthest = (
        StartupPhase.objects.filter(
            startup=OuterRef("pk"),
            start__lte=today,
            phase__in=[p.value for p in LIFE_PHASES],
        )
        .annotate(rank=_rank())
        .order_by("-rank")
        .values("rank")[:1]
    )
    rows = (
        startups.order_by()
        .filter(started_on__isnull=False, started_on__lte=today)
        .annotate(
            year=ExtractYear("started_on"),
            furthest=Subquery(furthest, output_field=IntegerField()),
            stopped=Case(
                When(current_phase__in=STOPPED_PHASES, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .filter(furthest__isnull=False)
        .values_list("year", "furthest", "stopped")
        .annotate(n=Count("pk"))
    )
    counts: dict[int, list[int]] = defaultdict(lambda: [0] * len(LIFE_PHASES))
    stopped: dict[int, int] = defaultdict(int)
    for year, rank, is_stopped, n in rows:
        counts[int(year)][int(rank)] += n
        if is_stopped:
            stopped[int(year)] += n
    if not counts:
        return []
    return [
        Cohort(
            year=year,
            counts=[
                Tally(p.value, str(p.label), counts[year][i])
                for i, p in enumerate(LIFE_PHASES)
            ],
            stopped=stopped[year],
        )
        for year in range(min(counts), max(counts) + 1)
    ]


def median_days_to_phase(
    startups: QuerySet[Startup], *, today: dt.date
) -> list[PhaseDuration]:
    """For each phase after investigation, the median number of days from the
    start-ups' start to that phase's start (those that reached it by today),
    from the number of phases begun each number of days after the start."""
    later = [p.value for p in LIFE_PHASES[1:]]
    rows = (
        StartupPhase.objects.filter(
            startup__in=startups.values("pk"),
            start__lte=today,
            phase__in=later,
            startup__started_on__isnull=False,
        )
        .order_by()
        .annotate(after=DaysBetween("start", "startup__started_on"))
        .values_list("phase", "after")
        .annotate(n=Count("pk"))
    )
    days: dict[str, dict[int, int]] = defaultdict(dict)
    for phase, after, n in rows:
        days[phase][int(after)] = days[phase].get(int(after), 0) + n
    return [
        PhaseDuration(
            p.value,
            str(p.label),
            _median(days[p.value]),
            sum(days[p.value].values()),
        )
        for p in LIFE_PHASES[1:]
    ]


def stop_reasons(startups: QuerySet[Startup]) -> list[Tally]:
    """Stopped start-ups (abandoned, inconclusive) by reason, most first;
    those without a recorded reason last."""
    rows = (
        startups.order_by()
        .filter(current_phase__in=STOPPED_PHASES)
        .values_list("stop_reason__slug", "stop_reason__label")
        .annotate(n=Count("pk"))
    )
    tallies, unknown = [], 0
    for slug, label, n in rows:
        if slug is None:
            unknown += n
        else:
            tallies.append(Tally(slug, label, n))
    tallies.sort(key=lambda t: (-t.value, t.label))
    if unknown:
        tallies.append(Tally("", str(_("No reason recorded")), unknown))
    return tallies


def national_impact_per_year(startups: QuerySet[Startup]) -> list[Tally]:
    """Start-ups certified of national impact each year (by the date of their
    national impact event; one certified twice in a year counts once), every
    year from the first to the last."""
    rows = dict(
        Event.objects.filter(
            kind=EventKind.NATIONAL_IMPACT, startup__in=startups.values("pk")
        )
        .order_by()
        .values_list(ExtractYear("date"))
        .annotate(n=Count("startup_id", distinct=True))
    )
    if not rows:
        return []
    rows = {int(year): n for year, n in rows.items()}
    return [
        Tally(str(year), str(year), rows.get(year, 0))
        for year in range(min(rows), max(rows) + 1)
    ]


def results_lines(figures: dict) -> list[list]:
    """The page's numbers as CSV rows (figure, row, column, value): one
    figure after another, in the page's order."""
    lines: list[list] = [["figure", "row", "column", "value"]]
    for cohort in figures["cohorts"]:
        for count in cohort.counts:
            lines.append(["cohort_furthest_phase", cohort.year, count.key, count.value])
        lines.append(["cohort_stopped", cohort.year, "", cohort.stopped])
        lines.append(["cohort_reached_integration", cohort.year, "", cohort.reached])
        lines.append(["cohort_total", cohort.year, "", cohort.total])
    for step in figures["time_to_phase"]:
        lines.append(
            [
                "median_days_to_phase",
                step.key,
                "",
                "" if step.median_days is None else step.median_days,
            ]
        )
        lines.append(["phases_measured", step.key, "", step.measured])
    for reason in figures["stop_reasons"]:
        lines.append(["stop_reason", reason.key, reason.label, reason.value])
    for year in figures["national_impact"]:
        lines.append(["national_impact_per_year", year.key, "", year.value])
    totals = figures["budgets"]
    for year in totals.by_year:
        lines.append(["budget_actual_per_year", year.year, "", _euros(year.actual)])
        lines.append(["budget_forecast_per_year", year.year, "", _euros(year.forecast)])
        lines.append(
            ["cost_per_active_service", year.year, "", _euros(year.cost_per_service)]
        )
    for name, groups in (
        ("budget_by_incubator", totals.by_incubator),
        ("budget_by_phase", totals.by_phase),
    ):
        for group in groups:
            lines.append(
                [f"{name}_actual", group.key, group.label, _euros(group.actual)]
            )
            lines.append(
                [f"{name}_forecast", group.key, group.label, _euros(group.forecast)]
            )
    return lines


def _euros(amount: int | None):
    return "" if amount is None else amount


def figures_of(startups: QuerySet[Startup], *, today: dt.date) -> dict:
    return {
        "cohorts": cohorts(startups, today=today),
        "time_to_phase": median_days_to_phase(startups, today=today),
        "stop_reasons": stop_reasons(startups),
        "national_impact": national_impact_per_year(startups),
        # Budget per year (actual and forecast), by main incubator and by
        # current phase, and the cost per active service (four queries).
        "budgets": budgets.network_totals(startups),
    }


def reached_share(cohort_list: list[Cohort]) -> tuple[int, int]:
    """(reached integration or operation, start-ups) over every cohort."""
    return (
        sum(c.reached for c in cohort_list),
        sum(c.total for c in cohort_list),
    )
