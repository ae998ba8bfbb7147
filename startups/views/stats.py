from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from startups import budgets, stats
from startups.caching import cached_page
from startups.models import Phase, Startup


@cached_page
def statistics(request):
    """The catalogue in figures. Queries (see startups.stats): 1 by phase, 1 by
    incubator, 2 by ministerial domain, 1 started per year, 1 phase history
    (portfolio and durations), 1 reach share, 4 budget totals (see
    startups.budgets), 1 impact indicators by part, 1 transparency coverage:
    13 whatever the number of
    start-ups; none while the catalogue is unchanged (startups.caching)."""
    return render(request, "startups/stats.html", _statistics_context())


def _statistics_context() -> dict:
    startups = Startup.objects.published()
    today = timezone.localdate()
    figures = stats.history_figures(startups, today=today)
    by_phase = stats.by_current_phase(startups)
    by_incubator = stats.by_incubator(startups)
    by_domain = stats.by_ministerial_domain(startups)
    per_year = stats.started_per_year(startups)
    portfolio = stats.portfolio_by_year(startups, today=today, figures=figures)
    durations = stats.median_days_per_phase(startups, today=today, figures=figures)
    reach = stats.reach_share(startups)
    impact = stats.indicators_by_part(startups)
    return {
        "budget_totals": budgets.network_totals(startups),
        "impact": impact,
        "impact_chart": stats.bar_chart(
            "impact",
            _("Start-ups with impact indicators, by part of the impact matrix"),
            [
                stats.Tally(row.key, str(row.label).capitalize(), row.total)
                for row in impact
            ],
        ),
        "impact_phases": [stats.Tally(p.value, p.label, 0) for p in Phase],
        "transparency": stats.transparency_coverage(startups),
        "total": stats.format_number(sum(c.value for c in by_phase)),
        "by_phase": by_phase,
        "by_phase_chart": stats.bar_chart(
            "by-phase", _("Start-ups by current phase"), by_phase
        ),
        "by_incubator": by_incubator,
        "by_incubator_chart": stats.bar_chart(
            "by-incubator", _("Start-ups by main incubator"), by_incubator
        ),
        "by_domain": by_domain,
        "by_domain_chart": stats.bar_chart(
            "by-domain",
            _("Start-ups by ministerial domain of their sponsors"),
            by_domain,
        ),
        "per_year": per_year,
        "per_year_chart": stats.bar_chart(
            "per-year", _("Start-ups started each year"), per_year
        ),
        "portfolio": portfolio,
        "portfolio_chart": stats.stacked_chart(
            "portfolio",
            _("Start-ups in each phase at the end of each year"),
            portfolio,
        ),
        "durations": durations,
        "durations_chart": stats.bar_chart(
            "durations",
            _("Median days spent in each phase"),
            [d for d in durations if d.median_days is not None],
        ),
        "reach": reach,
        "reach_chart": stats.bar_chart(
            "reach",
            _("Start-ups past investigation that reached integration or operation"),
            reach.counts,
        ),
    }
