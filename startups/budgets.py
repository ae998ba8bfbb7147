"""Budgets as figures: a sheet's budget section (from its prefetched lines, no
query), the network's totals (computed in the database, a constant number of
grouped queries) and the geometry of their server-drawn SVG chart.

A year or a category without a line shows no figure ("—"), never a zero: no
sheet shows a figure it doesn't have.

Query budget of network_totals (whatever the number of start-ups or lines):
  by year (actual, forecast, services with an actual line)   1 grouped query
  by main incubator                                           1 grouped query
  by current phase                                            1 grouped query
  by funding source (each sponsor organisation, the others)   1 grouped query
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Sum
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from startups.models import (
    BudgetKind,
    BudgetLine,
    FundingSource,
    Organisation,
    Phase,
    Startup,
)

ACTUAL, FORECAST = BudgetKind.ACTUAL, BudgetKind.FORECAST


def format_euros(amount: int | None) -> str:
    """ "12 000 €" in French, "€12,000"-like in English; "—" for no figure."""
    if amount is None:
        return "—"
    return _("%(amount)s €") % {"amount": number_format(amount, force_grouping=True)}


# A sheet's budget


@dataclass
class CategoryRow:
    category: str
    actual: int | None = None
    forecast: int | None = None
    # (who paid, amount), in the order of the lines
    sources: list[tuple[str, int]] = field(default_factory=list)

    @property
    def actual_display(self) -> str:
        return format_euros(self.actual)

    @property
    def forecast_display(self) -> str:
        return format_euros(self.forecast)

    @property
    def sources_display(self) -> str:
        return "; ".join(
            _("%(who)s: %(amount)s") % {"who": who, "amount": format_euros(n)}
            for who, n in self.sources
        )


@dataclass
class BudgetYear:
    year: int
    actual: int | None = None
    forecast: int | None = None
    rows: list[CategoryRow] = field(default_factory=list)

    @property
    def actual_display(self) -> str:
        return format_euros(self.actual)

    @property
    def forecast_display(self) -> str:
        return format_euros(self.forecast)


def _add(total: int | None, amount: int) -> int:
    return amount if total is None else total + amount


@dataclass
class SheetBudget:
    years: list[BudgetYear]
    sources: list[tuple[str, int]]  # who paid, all years and kinds together
    last_statement: object  # a date
    chart: BudgetChart

    @classmethod
    def of(cls, lines: Iterable[BudgetLine], *, title: str) -> SheetBudget | None:
        """The section of a sheet from its lines (category and sponsor already
        read: for_startup_page), None without any line."""
        lines = list(lines)
        if not lines:
            return None
        years: dict[int, BudgetYear] = {}
        rows: dict[tuple[int, int], CategoryRow] = {}
        sources: dict[str, int] = {}
        for line in sorted(
            lines, key=lambda b: (b.year, b.category.position, b.category.label)
        ):
            year = years.setdefault(line.year, BudgetYear(line.year))
            row = rows.get((line.year, line.category_id))
            if row is None:
                row = rows[line.year, line.category_id] = CategoryRow(
                    str(line.category)
                )
                year.rows.append(row)
            if line.kind == ACTUAL:
                row.actual = _add(row.actual, line.amount)
                year.actual = _add(year.actual, line.amount)
            else:
                row.forecast = _add(row.forecast, line.amount)
                year.forecast = _add(year.forecast, line.amount)
            who = line.source_display
            row.sources.append((who, line.amount))
            sources[who] = sources.get(who, 0) + line.amount
        ordered = [years[y] for y in sorted(years)]
        return cls(
            years=ordered,
            sources=sorted(sources.items(), key=lambda s: -s[1]),
            last_statement=max(line.stated_on for line in lines),
            chart=BudgetChart.of(
                "budget",
                title,
                [(y.year, y.actual, y.forecast) for y in ordered],
            ),
        )

    @property
    def sources_display(self) -> list[str]:
        return [
            _("%(who)s: %(amount)s") % {"who": who, "amount": format_euros(n)}
            for who, n in self.sources
        ]


# The network's totals


@dataclass
class YearTotal:
    year: int
    actual: int | None
    forecast: int | None
    services: int  # start-ups with an actual line that year

    @property
    def actual_display(self) -> str:
        return format_euros(self.actual)

    @property
    def forecast_display(self) -> str:
        return format_euros(self.forecast)

    @property
    def cost_per_service(self) -> int | None:
        if self.actual is None or not self.services:
            return None
        return round(self.actual / self.services)

    @property
    def cost_per_service_display(self) -> str:
        return format_euros(self.cost_per_service)

    @property
    def services_display(self) -> str:
        return number_format(self.services, force_grouping=True)


@dataclass
class GroupTotal:
    key: str
    label: str
    actual: int | None
    forecast: int | None
    url: str = ""

    @property
    def actual_display(self) -> str:
        return format_euros(self.actual)

    @property
    def forecast_display(self) -> str:
        return format_euros(self.forecast)


@dataclass
class NetworkTotals:
    by_year: list[YearTotal]
    by_incubator: list[GroupTotal]
    by_phase: list[GroupTotal]
    by_source: list[GroupTotal]
    chart: BudgetChart

    @property
    def empty(self) -> bool:
        return not self.by_year


def _sums(prefix: str = ""):
    amount = f"{prefix}amount"
    kind = f"{prefix}kind"
    return {
        "actual": Sum(amount, filter=Q(**{kind: ACTUAL})),
        "forecast": Sum(amount, filter=Q(**{kind: FORECAST})),
    }


def network_totals(startups: QuerySet[Startup] | None = None) -> NetworkTotals:
    """The budget lines of `startups` (by default the published ones) added up
    by year (with the actual cost per service that had an actual line that
    year), by main incubator, by current phase and by funding source: four
    grouped queries, whatever the number of start-ups or lines."""
    startups = Startup.objects.published() if startups is None else startups
    lines = BudgetLine.objects.filter(startup__in=startups.order_by().values("pk"))
    by_year = [
        YearTotal(year, actual, forecast, services)
        for year, actual, forecast, services in lines.order_by()
        .values("year")
        .annotate(
            **_sums(),
            services=Count("startup", distinct=True, filter=Q(kind=ACTUAL)),
        )
        .values_list("year", "actual", "forecast", "services")
        .order_by("year")
    ]
    by_incubator = [
        GroupTotal(
            slug,
            name,
            actual,
            forecast,
            reverse("startups:incubator_detail", args=[slug]),
        )
        for slug, name, actual, forecast in lines.order_by()
        .values("startup__incubator__slug", "startup__incubator__name")
        .annotate(**_sums())
        .values_list(
            "startup__incubator__slug", "startup__incubator__name", "actual", "forecast"
        )
        .order_by("startup__incubator__name", "startup__incubator__slug")
    ]
    phases = {
        phase: (actual, forecast)
        for phase, actual, forecast in lines.order_by()
        .values("startup__current_phase")
        .annotate(**_sums())
        .values_list("startup__current_phase", "actual", "forecast")
    }
    catalogue = reverse("startups:list")
    by_phase = [
        GroupTotal(p.value, str(p.label), *phases[p.value], f"{catalogue}?phase={p}")
        for p in Phase
        if p.value in phases
    ]
    if "" in phases:
        by_phase.append(GroupTotal("", _("No phase recorded"), *phases[""]))
    source_rows = (
        lines.order_by()
        .values("source", "sponsor_id")
        .annotate(**_sums())
        .values_list(
            "source",
            "sponsor__slug",
            Organisation.str_in_sql("sponsor__"),
            "actual",
            "forecast",
        )
    )
    labels = dict(FundingSource.choices)
    sponsors, others = [], []
    for source, slug, name, actual, forecast in source_rows:
        if source == FundingSource.SPONSOR:
            sponsors.append(
                GroupTotal(
                    slug,
                    name,
                    actual,
                    forecast,
                    reverse("startups:sponsor_detail", args=[slug]),
                )
            )
        else:
            others.append(GroupTotal(source, str(labels[source]), actual, forecast))
    order = list(FundingSource.values)
    by_source = sorted(sponsors, key=lambda g: g.label.casefold()) + sorted(
        others, key=lambda g: order.index(g.key)
    )
    return NetworkTotals(
        by_year=by_year,
        by_incubator=by_incubator,
        by_phase=by_phase,
        by_source=by_source,
        chart=BudgetChart.of(
            "budget-totals",
            _("Budget of the start-ups per year, actual and forecast (euros)"),
            [(y.year, y.actual, y.forecast) for y in by_year],
        ),
    )


# The chart: per year, an actual bar above a forecast bar.

CHART_WIDTH = 400
LABEL_WIDTH = 48
VALUE_SPACE = 96  # "12 345 678 €"
BAR = 14
ROW = 2 * BAR + 12
LEGEND = 24


@dataclass
class ChartBar:
    kind: str  # "actual" or "forecast"
    x: int
    y: int
    width: int
    display: str
    value_x: int
    value_y: int


@dataclass
class ChartRow:
    label: str
    label_y: int
    bars: list[ChartBar]


@dataclass
class BudgetChart:
    id: str
    title: str
    description: str
    rows: list[ChartRow]
    width: int = CHART_WIDTH
    height: int = 0
    legend_y: int = 0

    @classmethod
    def of(
        cls, id: str, title: str, years: Sequence[tuple[int, int | None, int | None]]
    ) -> BudgetChart:
        largest = max((n or 0 for _y, *ns in years for n in ns), default=0) or 1
        room = CHART_WIDTH - LABEL_WIDTH - VALUE_SPACE
        rows = []
        for i, (year, actual, forecast) in enumerate(years):
            top = LEGEND + i * ROW
            bars = []
            for j, (kind, amount) in enumerate(
                ((ACTUAL, actual), (FORECAST, forecast))
            ):
                if amount is None:
                    continue
                y = top + j * BAR
                width = max(round(room * amount / largest), 1 if amount else 0)
                bars.append(
                    ChartBar(
                        kind=kind,
                        x=LABEL_WIDTH,
                        y=y,
                        width=width,
                        display=format_euros(amount),
                        value_x=LABEL_WIDTH + width + 4,
                        value_y=y + BAR - 3,
                    )
                )
            rows.append(ChartRow(str(year), top + BAR + 4, bars))
        first, last = (years[0][0], years[-1][0]) if years else ("", "")
        description = _(
            "Actual and forecast amounts per year, from %(first)s to %(last)s, "
            "in euros; the same figures are in the table below."
        ) % {"first": first, "last": last}
        return cls(
            id=id,
            title=title,
            description=description,
            rows=rows,
            height=LEGEND + max(len(rows), 1) * ROW,
            legend_y=12,
        )
