"""The demo's budgets: plausible budget lines for a share of the demo start-ups
(not all: most real sheets publish no figures, and the catalogue must show both).
Only demo sheets get them; imported data keeps its links and nothing more."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date

from django.utils import timezone

from startups.models import (
    BUDGET_FIRST_YEAR,
    DEFAULT_BUDGET_CATEGORIES,
    BudgetCategory,
    BudgetKind,
    BudgetLine,
    FundingSource,
    Phase,
    Startup,
)

# About this share of the demo sheets publish their budget as figures.
SHARE = 0.4
CHUNK = 2000
# A year's cost of each category for a team in construction or later (euros),
# as (low, high): investigations cost a fraction of it.
COSTS = {
    "product-management": (60_000, 140_000),
    "development": (120_000, 420_000),
    "design": (20_000, 90_000),
    "coaching": (15_000, 45_000),
    "deployment-support": (10_000, 120_000),
    "hosting-tools": (3_000, 30_000),
    "other": (0, 15_000),
}
STOPPED = {Phase.ABANDONED, Phase.INCONCLUSIVE}


def add_demo_budgets(startup_ids: Iterable[int], *, seed: int = 1) -> int:
    """Budget lines for about SHARE of these start-ups: actual lines for the
    years since they started (four at most), a forecast for the next year
    unless they stopped. Returns the number of lines written (bulk: callers
    raise the catalogue version and keep history themselves)."""
    rng = random.Random(seed * 7919 + 16)
    if not BudgetCategory.objects.exists():
        # A database emptied since migrate (flush): the reference model again.
        BudgetCategory.objects.bulk_create(
            BudgetCategory(slug=slug, label=label, label_en=label_en, position=i)
            for i, (slug, label, label_en) in enumerate(DEFAULT_BUDGET_CATEGORIES)
        )
    categories = {c.slug: c.pk for c in BudgetCategory.objects.all()}
    today = timezone.localdate()
    ids = list(startup_ids)
    written = 0
    through = Startup.sponsors.through
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        sheets = list(
            Startup.objects.filter(pk__in=chunk, started_on__isnull=False)
            .order_by("pk")
            .values_list("pk", "started_on", "current_phase")
        )
        sponsors: dict[int, list[int]] = {}
        for startup_id, organisation_id in through.objects.filter(
            startup_id__in=chunk
        ).values_list("startup_id", "organisation_id"):
            sponsors.setdefault(startup_id, []).append(organisation_id)
        lines = []
        for pk, started_on, phase in sheets:
            if rng.random() >= SHARE:
                continue
            lines += _lines_of(
                rng, pk, started_on, phase, sponsors.get(pk, []), categories, today
            )
        BudgetLine.objects.bulk_create(lines, batch_size=500)
        written += len(lines)
    return written


def _lines_of(rng, pk, started_on, phase, sponsors, categories, today):
    first = max(started_on.year, today.year - 3, BUDGET_FIRST_YEAR)
    if first > today.year:
        return []
    years = range(first, today.year + 1)
    scale = 0.3 if phase == Phase.INVESTIGATION else 1.0
    lines = []

    def source():
        choice = rng.random()
        if sponsors and choice < 0.65:
            return FundingSource.SPONSOR, rng.choice(sponsors)
        if choice < 0.8:
            return FundingSource.INCUBATOR, None
        if choice < 0.92:
            return FundingSource.FAST, None
        return FundingSource.OTHER, None

    def line(year, slug, kind, amount, stated_on):
        kind_source, sponsor = source()
        return BudgetLine(
            startup_id=pk,
            year=year,
            category_id=categories[slug],
            amount=int(round(amount, -2)),
            kind=kind,
            source=kind_source,
            sponsor_id=sponsor,
            stated_on=stated_on,
        )

    kept = [
        s for s in COSTS if s in categories and (s != "other" or rng.random() < 0.3)
    ]
    for year in years:
        # The current year is stated at mid-year; earlier ones at year end.
        stated_on = (
            date(year, 12, 31) if year < today.year else min(today, date(year, 6, 30))
        )
        for slug in kept:
            low, high = COSTS[slug]
            amount = rng.uniform(low, high) * scale
            if year == today.year:
                amount *= max(today.timetuple().tm_yday / 366, 0.1)
            lines.append(line(year, slug, BudgetKind.ACTUAL, amount, stated_on))
    if phase not in STOPPED:
        for slug in kept:
            low, high = COSTS[slug]
            lines.append(
                line(
                    today.year + 1,
                    slug,
                    BudgetKind.FORECAST,
                    rng.uniform(low, high) * scale,
                    today,
                )
            )
    return lines
