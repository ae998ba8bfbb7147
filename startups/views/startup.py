"""A start-up's public page, and the old addresses that lead to it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from startups import budgets, transparency
from startups.budgets import SheetBudget
from startups.caching import cached_page
from startups.indicator_charts import indicator_groups
from startups.markdown import render_markdown
from startups.models import (
    Event,
    FormerSlug,
    Phase,
    Startup,
    StartupPhase,
    current_phase_entry,
)

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
            "timeline": Timeline.of(
                list(startup.phases.all()), today, list(startup.events.all())
            ),
            "fast_amount": format_euros(startup.fast_amount),
            "links": links_of(startup),
            "budget": SheetBudget.of(
                startup.budget_lines.all(),
                title=_("Budget of %(title)s per year, actual and forecast (euros)")
                % {"title": startup.title},
            ),
            "indicator_groups": indicator_groups(startup.indicators.all()),
            "transparency": transparency.criteria_of(startup),
            "successor": startup.successor
            if startup.successor and startup.successor.is_published
            else None,
            "predecessors": list(startup.predecessors.all()),
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
    return [
        (_("Website"), startup.website),
        (_("Source code"), startup.repository),
        (_("Usage statistics"), startup.stats_address),
        (_("Budget"), startup.budget_url),
        (_("Impact"), startup.impact_url),
        (_("Risk analysis"), startup.risk_analysis_url),
        (_("Dashlord report"), startup.dashlord_url),
    ]


def format_euros(amount: int | None) -> str:
    # "230 000 €" in French (the budgets' rule); nothing without an amount.
    return "" if amount is None else budgets.format_euros(amount)


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


# Phases that stop a start-up: a moment on the timeline, not a span.
STOPS = {Phase.ABANDONED, Phase.INCONCLUSIVE}


@dataclass
class TimelineRow:
    """One phase of the history, placed on the chart: `x` and `width` are
    percentages of the chart's width, `y` the row's top in pixels. `state`:
    "done" (followed by the next phase), "ongoing" (the current phase, open),
    "ended" (the last phase, its end date past), "stop" (an abandon or an
    inconclusive investigation: a moment) or "planned" (not begun)."""

    phase: StartupPhase | None
    start: dt.date
    end: dt.date
    state: str
    duration: str
    x: float
    width: float
    y: int
    event: Event | None = None  # the end of the service, a moment

    @property
    def label(self) -> str:
        if self.event is not None:
            return self.event.get_kind_display()
        return self.phase.get_phase_display()

    @property
    def css(self) -> str:
        return "end" if self.event is not None else self.phase.phase

    @property
    def comment(self) -> str:
        return (self.event or self.phase).comment

    @property
    def ongoing(self) -> bool:
        return self.state == "ongoing"

    @property
    def start_text(self) -> str:
        return date_format(self.start, DATE_FORMAT)

    @property
    def end_text(self) -> str:
        return date_format(self.end, DATE_FORMAT)

    @property
    def marker_x(self) -> float:
        return min(self.x, 99.0)


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
    today_x: float | None = None

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
    def of(
        cls,
        phases: Sequence[StartupPhase],
        today: dt.date,
        events: Sequence[Event] = (),
    ) -> Timeline | None:
        """The phases in their order (start, position). A phase that has begun
        lasts until its end date, or else until the next begun phase starts;
        the current one, until today, or until the service's end (an "end"
        event by today, drawn as a moment). A phase starting after today is
        planned (models.current_phase_entry): drawn from its start, never
        current."""
        if not phases:
            return None
        end_event = max(
            (e for e in events if e.kind == Event.Kind.END and e.date <= today),
            key=lambda e: e.date,
            default=None,
        )
        current = current_phase_entry(phases, today)
        begun = [p for p in phases if p.start <= today]
        spans = []  # (end, state)
        for phase in phases:
            following = [
                p.start
                for p in begun
                if (p.start, p.position) > (phase.start, phase.position)
            ]
            if phase.start > today:
                spans.append((phase.end or phase.start, "planned"))
            elif phase.phase in STOPS:
                spans.append((phase.start, "stop"))
            elif phase.end is not None and (following or phase.end <= today):
                spans.append((phase.end, "done" if following else "ended"))
            elif following:
                spans.append((max(following[0], phase.start), "done"))
            elif phase is current and end_event and end_event.date >= phase.start:
                spans.append((end_event.date, "ended"))
            elif phase is current:
                spans.append((max(today, phase.start), "ongoing"))
            else:  # an earlier phase on the day of the current one
                spans.append((phase.start, "done"))
        first = min(p.start for p in phases)
        last = max(
            [end for end, _state in spans] + ([end_event.date] if end_event else [])
        )
        planned = [
            p.start
            for p, (_end, state) in zip(phases, spans, strict=True)
            if state == "planned"
        ]
        if planned:
            # Room after the latest planned start for its (dashed) bar.
            stub = max((last - first).days // 12, 60)
            last = max(last, max(planned) + dt.timedelta(days=stub))
            spans = [
                (last if state == "planned" and end == phase.start else end, state)
                for phase, (end, state) in zip(phases, spans, strict=True)
            ]
        span = max((last - first).days, 1)

        def percent(day: dt.date) -> float:
            return round((day - first).days / span * 100, 2)

        rows = []
        for i, (phase, (end, state)) in enumerate(zip(phases, spans, strict=True)):
            x = percent(phase.start)
            # A phase of a few days still shows as a sliver; a planned one
            # without an end as a short stub.
            width = max(round(percent(end) - x, 2), 2 if state == "planned" else 0.5)
            rows.append(
                TimelineRow(
                    phase=phase,
                    start=phase.start,
                    end=end,
                    state=state,
                    duration=format_duration(phase.start, end),
                    x=min(x, 99.5),
                    width=min(width, round(100 - min(x, 99.5), 2)),
                    y=i * cls.ROW_HEIGHT,
                )
            )
        if end_event is not None:
            x = percent(end_event.date)
            rows.append(
                TimelineRow(
                    phase=None,
                    start=end_event.date,
                    end=end_event.date,
                    state="stop",
                    duration="",
                    x=min(x, 99.5),
                    width=0.5,
                    y=len(rows) * cls.ROW_HEIGHT,
                    event=end_event,
                )
            )
        years = range(first.year + 1, last.year + 1)
        step = max(1, len(years) // 8)  # at most about eight year marks
        ticks = [
            TimelineTick(year, percent(dt.date(year, 1, 1))) for year in years[::step]
        ]
        today_x = percent(today) if first <= today <= last else None
        return cls(rows, ticks, first, last, today_x)
