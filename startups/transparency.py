"""The transparency score: the criteria of an up-to-date sheet, in one place.

Each criterion reads a start-up's own fields (and its committee events): the
score is the share of criteria met, in percent. services.refresh_transparency
stores the score and the keys of the criteria met on the start-up
(`transparency_score`, `transparency_met`), so that the catalogue sorts by it
and the statistics count it in SQL; pages and the API read those back with
`criteria_of()`, without loading anything else.

A criterion is a plain function of the sheet: the budget helper's lines, for
instance, extend `has_budget` (a budget link for now)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

# What the criteria read of a start-up (services.refresh_transparency loads
# these and the committee events, nothing more).
FIELDS = (
    "website",
    "stats_url",
    "has_stats_page",
    "budget_url",
    "impact_url",
    "repository",
    "accessibility_status",
    "risk_analysis_done",
    "risk_analysis_url",
    "mon_service_securise",
    "description",
    "contact",
)

# beta.gouv.fr's sheets say what problem they solve and how under headings
# of their description: "## Le problème", "## Problème visé :", "### La
# solution", "## Notre solution", "## Hypothèses de solution".
_PROBLEM = re.compile(r"^\s{0,3}#{1,6}\s.*probl[eè]m", re.IGNORECASE | re.MULTILINE)
_SOLUTION = re.compile(r"^\s{0,3}#{1,6}\s.*solution", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class Sheet:
    """What a criterion looks at: the start-up (a model instance or anything
    with FIELDS) and its committee events as (date, comment), oldest first."""

    startup: Any
    committees: Sequence[tuple[Any, str]] = ()
    # Whether it states its budget as figures (budget lines).
    budget_lines: bool = False


def has_budget(sheet: Sheet) -> bool:
    """A budget published: as figures (budget lines) or as a document."""
    return sheet.budget_lines or bool(sheet.startup.budget_url)


def has_stats(sheet: Sheet) -> bool:
    return bool(sheet.startup.stats_url) or bool(sheet.startup.has_stats_page)


def has_accessibility_status(sheet: Sheet) -> bool:
    return sheet.startup.accessibility_status not in ("", "not_assessed")


def has_risk_analysis(sheet: Sheet) -> bool:
    return bool(sheet.startup.risk_analysis_done or sheet.startup.risk_analysis_url)


def states_problem(sheet: Sheet) -> bool:
    return bool(_PROBLEM.search(sheet.startup.description or ""))


def states_solution(sheet: Sheet) -> bool:
    return bool(_SOLUTION.search(sheet.startup.description or ""))


def has_committee_objectives(sheet: Sheet) -> bool:
    """The last investment committee recorded what it decided (its comment)."""
    if not sheet.committees:
        return False
    _date, comment = max(sheet.committees, key=lambda c: c[0])
    return bool((comment or "").strip())


def _field(name: str) -> Callable[[Sheet], bool]:
    return lambda sheet: bool(getattr(sheet.startup, name))


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    met: Callable[[Sheet], bool]


CRITERIA: tuple[Criterion, ...] = (
    Criterion("website", _("Product link"), _field("website")),
    Criterion("stats", _("Usage statistics"), has_stats),
    Criterion("budget", _("Budget"), has_budget),
    Criterion("impact", _("Impact"), _field("impact_url")),
    Criterion("repository", _("Source code"), _field("repository")),
    Criterion("accessibility", _("Accessibility status"), has_accessibility_status),
    Criterion("risk_analysis", _("Risk analysis"), has_risk_analysis),
    Criterion(
        "security",
        _("Security approval (MonServiceSécurisé)"),
        _field("mon_service_securise"),
    ),
    Criterion("problem", _("The problem"), states_problem),
    Criterion("solution", _("The solution"), states_solution),
    Criterion(
        "objectives",
        _("Objectives set at the last committee"),
        has_committee_objectives,
    ),
    Criterion("contact", _("A contact"), _field("contact")),
)
KEYS = tuple(c.key for c in CRITERIA)


def evaluate(sheet: Sheet) -> tuple[int, str]:
    """(score in percent, the stored keys of the criteria met: ",a,b,")."""
    met = [c.key for c in CRITERIA if c.met(sheet)]
    return score_of(len(met)), stored_keys(met)


def score_of(met_count: int) -> int:
    return round(100 * met_count / len(CRITERIA))


def stored_keys(keys: Iterable[str]) -> str:
    keys = list(keys)
    return f",{','.join(keys)}," if keys else ""


def stored_pattern(key: str) -> str:
    """What `transparency_met` holds when `key` is met (for __contains)."""
    return f",{key},"


@dataclass(frozen=True)
class CriterionState:
    key: str
    label: str
    met: bool


def criteria_of(startup) -> list[CriterionState]:
    """Every criterion of a start-up, met or not, from its stored keys."""
    met = set(filter(None, (startup.transparency_met or "").split(",")))
    return [CriterionState(c.key, str(c.label), c.key in met) for c in CRITERIA]


def missing_of(startup) -> list[str]:
    return [c.label for c in criteria_of(startup) if not c.met]
