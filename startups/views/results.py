"""The results page: what became of the portfolio (startups.results), each
chart followed by its table, and the same numbers as CSV."""

from __future__ import annotations

from itertools import chain

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from startups import results, stats
from startups.caching import cached_page
from startups.downloads import csv_lines, download
from startups.models import Startup
from startups.results import LIFE_PHASES


@cached_page
def results_page(request):
    """Queries (see startups.results): 1 cohorts, 1 time to each phase, 1
    reasons for stopping, 1 national impact, 4 budget totals: 8 whatever the
    number of start-ups; none while the catalogue is unchanged
    (startups.caching)."""
    return render(request, "startups/results.html", _results_context())


@cached_page
def results_csv(request):
    """The page's numbers, one per line (figure, row, column, value)."""
    figures = results.figures_of(
        Startup.objects.published(), today=timezone.localdate()
    )
    return download(
        chain(["\ufeff"], csv_lines(results.results_lines(figures))),
        content_type="text/csv; charset=utf-8",
        filename="results.csv",
    )


def _results_context() -> dict:
    figures = results.figures_of(
        Startup.objects.published(), today=timezone.localdate()
    )
    cohorts = figures["cohorts"]
    cohort_chart = stats.stacked_chart(
        "cohorts", _("How far each cohort went: start-ups by furthest phase"), cohorts
    )
    # The legend lists the phases a cohort can reach, not the stops.
    cohort_chart.legend = [stats.Tally(p.value, p.label, 0) for p in LIFE_PHASES]
    reached, total = results.reached_share(cohorts)
    reach_rows = [
        stats.Tally(str(c.year), str(c.year), round(c.reached_percent or 0))
        for c in cohorts
    ]
    return {
        **figures,
        "legend": cohort_chart.legend,
        "cohort_chart": cohort_chart,
        "reached": stats.format_number(reached),
        "reached_total": stats.format_number(total),
        "reached_percent": "—"
        if not total
        else stats.format_number(round(100 * reached / total, 1), 1),
        "reach_chart": stats.bar_chart(
            "reach-by-cohort",
            _("Share of each cohort that reached integration or operation (%)"),
            reach_rows,
        ),
        "time_chart": stats.bar_chart(
            "time-to-phase",
            _("Median days from the start to each phase"),
            [t for t in figures["time_to_phase"] if t.median_days is not None],
        ),
        "reasons_chart": stats.bar_chart(
            "stop-reasons", _("Stopped services by reason"), figures["stop_reasons"]
        ),
        "national_chart": stats.bar_chart(
            "national-impact",
            _("Start-ups certified of national impact each year"),
            figures["national_impact"],
        ),
    }
