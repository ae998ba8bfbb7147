"""The demo's impact indicators: plausible figures for a share of the demo
start-ups past investigation, so that `make run` shows the sheet's charts, the
stats page's counts, the API and the downloads. Only the demo's own sheets get
them: an imported sheet shows the figures it has, never invented ones."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from decimal import Decimal

from django.utils import timezone

from startups.indicators import ImpactPart, Indicator, IndicatorValue, Periodicity
from startups.models import Phase, Startup

# The share of eligible demo sheets that get indicators, and a ceiling on how
# many (a large benchmark seed keeps a bounded number of values).
SHARE = 0.4
MAX_SHEETS = 1500
MAX_POINTS = 36

# label, unit, part, periodicity, start value, growth per period, noise
TEMPLATES = [
    ("Utilisateurs actifs", "utilisateurs", ImpactPart.USED, Periodicity.MONTH,
     200, 0.08, 0.1),
    ("Visites", "visites", ImpactPart.USED, Periodicity.WEEK, 800, 0.02, 0.15),
    ("Démarches réalisées en ligne", "démarches", ImpactPart.USED,
     Periodicity.MONTH, 500, 0.06, 0.1),
    ("Disponibilité du service", "%", ImpactPart.USABLE, Periodicity.MONTH,
     99.2, 0.0, 0.004),
    ("Pages conformes au RGAA", "%", ImpactPart.USABLE, Periodicity.QUARTER,
     40, 0.12, 0.03),
    ("Usagers satisfaits", "%", ImpactPart.USEFUL, Periodicity.QUARTER,
     72, 0.02, 0.03),
    ("Démarches menées à leur terme", "%", ImpactPart.USEFUL, Periodicity.MONTH,
     60, 0.01, 0.04),
    ("Heures d'agents économisées", "heures", ImpactPart.IMPACTFUL,
     Periodicity.MONTH, 150, 0.07, 0.12),
    ("Délai moyen de traitement", "jours", ImpactPart.IMPACTFUL,
     Periodicity.QUARTER, 45, -0.06, 0.05),
    ("Coût par démarche", "€", ImpactPart.EFFICIENT, Periodicity.YEAR,
     38, -0.2, 0.05),
]  # fmt: skip

STEP_DAYS = {
    Periodicity.WEEK: 7,
    Periodicity.MONTH: 30,
    Periodicity.QUARTER: 91,
    Periodicity.YEAR: 365,
}
_PAST_INVESTIGATION = [
    Phase.CONSTRUCTION,
    Phase.ACCELERATION,
    Phase.CONSOLIDATION,
    Phase.INTEGRATION,
    Phase.OPERATED,
]


def _dates(start: dt.date, today: dt.date, periodicity: str) -> list[dt.date]:
    """Period starts from `start` to today (the first day of each month,
    quarter or year; each Monday), the last MAX_POINTS of them."""
    if periodicity == Periodicity.WEEK:
        day = start - dt.timedelta(days=start.weekday())
        out = []
        while day <= today:
            out.append(day)
            day += dt.timedelta(days=7)
        return out[-MAX_POINTS:]
    months = {Periodicity.MONTH: 1, Periodicity.QUARTER: 3, Periodicity.YEAR: 12}[
        periodicity
    ]
    year, month = start.year, 1 + (start.month - 1) // months * months
    if periodicity == Periodicity.YEAR:
        month = 1
    out = []
    while dt.date(year, month, 1) <= today:
        out.append(dt.date(year, month, 1))
        month += months
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return out[-MAX_POINTS:]


def fill_demo_indicators(startup_ids: Iterable[int], *, seed: int = 1) -> int:
    """Give a share of these demo start-ups past investigation one to four
    indicators with values since their construction; returns the number of
    indicators written. The same seed gives the same figures."""
    rng = random.Random(seed * 7919)
    today = timezone.localdate()
    startups = list(
        Startup.objects.filter(
            pk__in=list(startup_ids), current_phase__in=_PAST_INVESTIGATION
        )
        .exclude(started_on=None)
        .order_by("pk")
        .values_list("pk", "started_on")
    )
    chosen = [s for s in startups if rng.random() < SHARE][:MAX_SHEETS]
    indicators, series = [], []
    for startup_id, started_on in chosen:
        start = started_on + dt.timedelta(days=120)
        if start >= today:
            continue
        for position, template in enumerate(
            rng.sample(TEMPLATES, rng.choice((1, 2, 2, 3, 4)))
        ):
            label, unit, part, periodicity, base, growth, noise = template
            indicators.append(
                Indicator(
                    startup_id=startup_id,
                    label=label,
                    unit=unit,
                    part=part,
                    periodicity=periodicity,
                    position=position,
                )
            )
            series.append(
                _values(
                    rng, _dates(start, today, periodicity), base, growth, noise, unit
                )
            )
    Indicator.objects.bulk_create(indicators, batch_size=500)
    IndicatorValue.objects.bulk_create(
        (
            IndicatorValue(indicator_id=indicator.pk, date=day, value=value)
            for indicator, points in zip(indicators, series, strict=True)
            for day, value in points
        ),
        batch_size=1000,
    )
    return len(indicators)


def _values(rng, dates, base, growth, noise, unit) -> list[tuple[dt.date, Decimal]]:
    scale = base * rng.uniform(0.5, 3) if unit != "%" else base
    out = []
    for i, day in enumerate(dates):
        value = scale * (1 + growth) ** i * (1 + rng.uniform(-noise, noise))
        if unit == "%":
            value = min(value, 99.9 if base > 90 else 100)
            out.append((day, Decimal(str(round(value, 1)))))
        else:
            out.append((day, Decimal(max(round(value), 0))))
    return out
