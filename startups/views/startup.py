"""A start-up's public page, and the old addresses that lead to it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from startups.caching import cached_page
from startups.markdown import render_markdown
from startups.models import FormerSlug, Startup, StartupPhase

DATE_FORMAT = "j F Y"  # "1 février 2021", "1 February 2021"


def _visible_startups(request):
    # Staff preview the unpublished sheets they keep; to everyone else they do
    # not exist.
    return Startup.objects.visible_to(request.user)


def _moved_to(request, slug: str) -> str | None:
    """The current identifier of the visible start-up that used to be `slug`."""
    return (
        FormerSlug.objects.filter(slug=slug, startup__in=_visible_startups(request))
        .values_list("startup__slug", flat=True)
        .first()
    )


@cached_page
def startup_detail(request, slug: str):
    startup = _visible_startups(request).for_startup_page().filter(slug=slug).first()
    if startup is None:
        new_slug = _moved_to(request, slug)
        if new_slug is None:
            raise Http404(_("No start-up has this address."))
        return redirect("startups:detail", slug=new_slug, permanent=True)
    today = timezone.localdate()
    return render(
        request,
        "startups/startup_detail.html",
        {
            "startup": startup,
            # Under the page's "About the service" heading (an h2).
            "description_html": render_markdown(startup.description, top_level=3),
            "timeline": Timeline.of(list(startup.phases.all()), today),
            "fast_amount": format_euros(startup.fast_amount),
            "links": links_of(startup),
        },
    )


def legacy_redirect(request, slug: str):
    """beta.gouv.fr's address form, /startups/<id>.html: one permanent redirect
    to the page, even when <id> is a former identifier."""
    if _visible_startups(request).filter(slug=slug).exists():
        return redirect("startups:detail", slug=slug, permanent=True)
    new_slug = _moved_to(request, slug)
    if new_slug is None:
        raise Http404(_("No start-up has this address."))
    return redirect("startups:detail", slug=new_slug, permanent=True)


def links_of(startup: Startup) -> list[tuple[str, str]]:
    """(label, address) of every link the page offers, "" when the sheet has none:
    the page lists the missing ones too, as beta.gouv.fr does."""
    stats = startup.stats_url
    if not stats and startup.has_stats_page and startup.website:
        # beta.gouv.fr's convention: "stats: true" means a page at <website>/stats.
        stats = startup.website.rstrip("/") + "/stats"
    return [
        (_("Website"), startup.website),
        (_("Source code"), startup.repository),
        (_("Usage statistics"), stats),
        (_("Budget"), startup.budget_url),
        (_("Impact"), startup.impact_url),
        (_("Risk analysis"), startup.risk_analysis_url),
        (_("Dashlord report"), startup.dashlord_url),
    ]


def format_euros(amount: int | None) -> str:
    if amount is None:
        return ""
    # "230 000 €" in French; no-break spaces keep the figure on one line.
    template = _("%(amount)s €")
    return template % {"amount": number_format(amount, force_grouping=True)}


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from `start` to `end` (1 February to 30 June: 4)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return max(months - (end.day < start.day), 0)


def format_duration(start: dt.date, end: dt.date) -> str:
    """Such as "5 months", "1 year and 2 months" or "less than a month"."""
    years, months = divmod(months_between(start, end), 12)
    year_text = ngettext("%(n)d year", "%(n)d years", years) % {"n": years}
    month_text = ngettext("%(n)d month", "%(n)d months", months) % {"n": months}
    if years and months:
        return _("%(years)s and %(months)s") % {
            "years": year_text,
            "months": month_text,
        }
    if years:
        return year_text
    if months:
        return month_text
    return _("less than a month")


@dataclass
class TimelineRow:
    """One phase of the history, placed on the chart: `x` and `width` are
    percentages of the chart's width, `y` the row's top in pixels."""

    phase: StartupPhase
    start: dt.date
    end: dt.date
    ongoing: bool
    duration: str
    x: float
    width: float
    y: int

    @property
    def start_text(self) -> str:
        return date_format(self.start, DATE_FORMAT)

    @property
    def end_text(self) -> str:
        return date_format(self.end, DATE_FORMAT)


@dataclass
class TimelineTick:
    year: int
    x: float


@dataclass
class Timeline:
    rows: list[TimelineRow]
    ticks: list[TimelineTick]
    start: dt.date
    end: dt.date

    ROW_HEIGHT = 44
    AXIS_HEIGHT = 28

    @property
    def height(self) -> int:
        return len(self.rows) * self.ROW_HEIGHT + self.AXIS_HEIGHT

    @property
    def axis_y(self) -> int:
        return len(self.rows) * self.ROW_HEIGHT

    @property
    def label(self) -> str:
        return _(
            "Phase timeline from %(start)s to %(end)s, detailed in the list below"
        ) % {
            "start": date_format(self.start, DATE_FORMAT),
            "end": date_format(self.end, DATE_FORMAT),
        }

    @classmethod
    def of(cls, phases: Sequence[StartupPhase], today: dt.date) -> Timeline | None:
        """The phases in their order (start, position). A phase without an end
        date lasts until the next one starts; the last one, until today."""
        if not phases:
            return None
        ends = []
        for i, phase in enumerate(phases):
            if phase.end is not None:
                ends.append((phase.end, False))
            elif i + 1 < len(phases):
                ends.append((max(phases[i + 1].start, phase.start), False))
            else:
                ends.append((max(today, phase.start), True))
        first = min(p.start for p in phases)
        last = max(end for end, _ongoing in ends)
        span = max((last - first).days, 1)

        def percent(day: dt.date) -> float:
            return round((day - first).days / span * 100, 2)

        rows = []
        for i, (phase, (end, ongoing)) in enumerate(zip(phases, ends, strict=True)):
            x = percent(phase.start)
            # A phase of a few days still shows as a sliver.
            width = max(round(percent(end) - x, 2), 0.5)
            rows.append(
                TimelineRow(
                    phase=phase,
                    start=phase.start,
                    end=end,
                    ongoing=ongoing,
                    duration=format_duration(phase.start, end),
                    x=min(x, 99.5),
                    width=width,
                    y=i * cls.ROW_HEIGHT,
                )
            )
        years = range(first.year + 1, last.year + 1)
        step = max(1, len(years) // 8)  # at most about eight year marks
        ticks = [
            TimelineTick(year, percent(dt.date(year, 1, 1))) for year in years[::step]
        ]
        return cls(rows, ticks, first, last)
