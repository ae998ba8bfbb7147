"""A fictitious catalogue for demos and load tests: invented services, incubators
and sponsors, written in bulk and always the same for a given seed.

Every name, mission and description is composed here from the word lists of
startups.demo.words; startups.demo.bulk writes the rows."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import count
from operator import attrgetter
from types import SimpleNamespace
from typing import Any, NamedTuple

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext

from startups.demo.budgets import add_demo_budgets
from startups.demo.bulk import Chunk, Writer, bulk_load
from startups.demo.impact import fill_demo_indicators
from startups.demo.results import fill_results
from startups.demo.words import (
    ACCESSIBILITY,
    ADJECTIVES,
    AUDIENCES,
    CHANNELS,
    COMPLEMENTS,
    EVENT_COMMENTS,
    EVENT_KINDS,
    FEATURES,
    INCUBATORS,
    MISSIONS,
    NEXT_PHASES,
    NOUNS,
    ORGANISATIONS,
    PLACES,
    PROBLEMS,
    PUBLICS,
    SECTORS,
    SOLUTIONS,
    TECHNOLOGIES,
    TOWNS,
    Sector,
    acronym,
)
from startups.history import save_sheet_versions
from startups.models import (
    AccessibilityStatus,
    Audience,
    EventKind,
    FormerSlug,
    Incubator,
    Organisation,
    OrganisationKind,
    Phase,
    Startup,
    Theme,
    current_phase_entry,
)
from startups.search import search_fields_of
from startups.services import catalogue_write, refresh_technologies

# "Today" for the generator: a fixed date, so that a seed gives the same catalogue
# whatever the day it runs.
REFERENCE_DATE = date(2026, 6, 30)
FIRST_START = date(2015, 1, 1)
FAST_FIRST_DAY = date(2019, 7, 1)
DEMO_DOMAIN = "demo.beta.gouv.fr"
# Start-ups are built and written this many at a time, so memory stays bounded.
CHUNK_SIZE = 5_000
BATCH_SIZE = 5_000


@dataclass(frozen=True)
class DemoSummary:
    startups: int
    phases: int
    events: int
    links: int  # rows of the sponsor, theme, audience and co-incubator tables
    incubators_created: int
    organisations_created: int
    themes_created: int
    audiences_created: int

    def __str__(self) -> str:
        return (
            f"{self.startups} start-ups, {self.phases} phases, {self.events} events, "
            f"{self.links} links; created {self.incubators_created} incubators, "
            f"{self.organisations_created} organisations, {self.themes_created} "
            f"themes, {self.audiences_created} audiences"
        )


def seed_demo(*, startups: int, seed: int = 1, history: bool = True) -> DemoSummary:
    """Add `startups` fictitious start-ups after those the database holds, with
    the incubators, organisations, themes and audiences they use (reused when
    their slugs exist). The same seed on the same database gives the same rows.
    Each new sheet gets a complete first version in its history (`history`)."""
    if startups < 0:
        raise ValueError(f"startups must be 0 or more, not {startups}")
    rng = random.Random(seed)
    with transaction.atomic(), catalogue_write(), bulk_load(startups):
        vocabulary = _Vocabulary()
        # Explicit primary keys: the children's rows are built without reading
        # ids back, the same way on SQLite and PostgreSQL.
        next_pk = (Startup.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        names = _Names(
            slugs=[
                *Startup.objects.values_list("slug", flat=True),
                *FormerSlug.objects.values_list("slug", flat=True),
            ],
            titles=Startup.objects.values_list("title", flat=True),
        )
        with Writer() as writer:
            for first in range(next_pk, next_pk + startups, CHUNK_SIZE):
                chunk = Chunk()
                for pk in range(first, min(first + CHUNK_SIZE, next_pk + startups)):
                    _build_startup(rng, pk, vocabulary, names, chunk)
                writer.write(chunk)
        totals = writer.totals
        # The technology facet's entries (services.refresh_technologies).
        refresh_technologies(
            Startup.objects.filter(pk__gte=next_pk).only("pk", "technologies")
        )
        add_demo_budgets(range(next_pk, next_pk + startups), seed=seed)
        fill_demo_indicators(range(next_pk, next_pk + startups), seed=seed)
        fill_results(range(next_pk, next_pk + startups), seed=seed)
        if history:
            # Each new sheet's history starts with a complete version of it.
            save_sheet_versions(
                range(next_pk, next_pk + startups), comment=gettext("Demo data")
            )
        # PostgreSQL's id sequence did not see the explicit keys.
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Startup]):
                cursor.execute(sql)
    return DemoSummary(startups=startups, **totals, **vocabulary.created)


class _Vocabulary:
    """The demo's incubators, organisations, themes and audiences, created unless
    their slugs exist, as ids in the order of the tables above."""

    def __init__(self):
        self.created = {}
        # Rows by model and id, as the database has them (for search texts).
        self.rows: dict[type, dict[int, Any]] = {}
        self.organisations = self._ensure(
            Organisation,
            [
                {
                    "slug": slugify(name),
                    "name": name,
                    "kind": kind,
                    "ministerial_domain": domain,
                    "acronym": acronym(name) if kind in _ACRONYM_KINDS else "",
                }
                for kind, domain, name in ORGANISATIONS
            ],
        )
        owner_of = {}
        for (_, domain, _), pk in zip(ORGANISATIONS, self.organisations, strict=True):
            owner_of.setdefault(domain, pk)
        self.incubators = self._ensure(
            Incubator,
            [
                _incubator(i, name, owner_of.get(domain))
                for i, (domain, name) in enumerate(INCUBATORS)
            ],
        )
        self.themes = self._ensure(
            Theme, [{"slug": slugify(s.theme), "label": s.theme} for s in SECTORS]
        )
        self.audiences = self._ensure(
            Audience, [{"slug": slugify(label), "label": label} for label in AUDIENCES]
        )
        # Per sector, the incubators and sponsors of its ministerial domain.
        self.incubators_of = self._by_domain(
            self.incubators, [domain for domain, _ in INCUBATORS]
        )
        self.sponsors_of = self._by_domain(
            self.organisations, [domain for _, domain, _ in ORGANISATIONS]
        )

    def _ensure(self, model, specs: list[dict]) -> list[int]:
        slugs = [spec["slug"] for spec in specs]
        known = set(model.objects.filter(slug__in=slugs).values_list("slug", flat=True))
        missing = [model(**spec) for spec in specs if spec["slug"] not in known]
        model.objects.bulk_create(missing, batch_size=BATCH_SIZE)
        self.created[f"{model._meta.model_name}s_created"] = len(missing)
        rows = model.objects.in_bulk(slugs, field_name="slug")
        self.rows[model] = {row.pk: row for row in rows.values()}
        return [rows[slug].pk for slug in slugs]

    @staticmethod
    def _by_domain(ids: list[int], domains: list[str]) -> list[list[int]]:
        of_domain: dict[str, list[int]] = {}
        for pk, domain in zip(ids, domains, strict=True):
            of_domain.setdefault(domain, []).append(pk)
        return [of_domain.get(sector.domain, ids) for sector in SECTORS]


_ACRONYM_KINDS = {
    OrganisationKind.CENTRAL_ADMINISTRATION,
    OrganisationKind.OPERATOR,
    OrganisationKind.SOCIAL_SECURITY,
    OrganisationKind.OTHER,
}


def _incubator(i: int, name: str, owner_id: int | None) -> dict:
    slug = slugify(name)
    return {
        "slug": slug,
        "name": name,
        "owner_id": owner_id,
        "short_description": "Incubateur fictif, créé pour la démonstration.",
        "description": (
            f"{name} accompagne des services publics numériques imaginaires.\n\n"
            "_Données de démonstration._"
        ),
        "contact": f"contact@{slug}.{DEMO_DOMAIN}",
        "website": f"https://{slug}.{DEMO_DOMAIN}",
        "address": f"{3 + 7 * i} rue des Tilleuls, {TOWNS[i % len(TOWNS)]}",
    }


class _Names:
    """Titles and slugs not used yet, by the database or by this run."""

    def __init__(self, *, slugs, titles):
        self.slugs = set(slugs)
        self.titles = {t.casefold() for t in titles}
        self.next_suffix: dict[str, int] = {}

    def pick(self, rng: random.Random, words: list[str]) -> tuple[str, str]:
        for _ in range(8):
            title = _title(rng, words)
            if self._free(title):
                return self._take(title)
        # Crowded: number the last title drawn, "Mon Aide Logement 2".
        base = title
        for n in count(self.next_suffix.get(base, 2)):
            if self._free(f"{base} {n}"):
                self.next_suffix[base] = n + 1
                return self._take(f"{base} {n}")
        raise AssertionError("unreachable")

    def _free(self, title: str) -> bool:
        return title.casefold() not in self.titles and slugify(title) not in self.slugs

    def _take(self, title: str) -> tuple[str, str]:
        slug = slugify(title)
        self.slugs.add(slug)
        self.titles.add(title.casefold())
        return title, slug


def _title(rng: random.Random, words: list[str]) -> str:
    possessive, noun = rng.choice(NOUNS)
    word = rng.choice(words)
    pattern = rng.random()
    if pattern < 0.25:
        return f"{possessive} {noun} {word}"
    if pattern < 0.45:
        return f"{noun} {rng.choice(ADJECTIVES)} {word}"
    if pattern < 0.70:
        return f"{noun} {word} {rng.choice(PUBLICS)}"
    if pattern < 0.85:
        return f"{noun} {word} {rng.choice(PLACES)}"
    return f"{possessive} {noun} {word} {rng.choice(PUBLICS)}"


class _PhaseRow(NamedTuple):
    phase: str
    start: date
    end: date | None
    position: int


def _build_startup(
    rng: random.Random, pk: int, vocabulary: _Vocabulary, names: _Names, chunk: Chunk
) -> None:
    sector_index = rng.randrange(len(SECTORS))
    sector = SECTORS[sector_index]
    title, slug = names.pick(rng, sector.words)
    phases = _phase_history(rng)
    current = current_phase_entry(phases)
    audiences = _pick_some(rng, range(len(AUDIENCES)), 1 + (rng.random() < 0.3))
    mission, description = _texts(rng, sector, title, AUDIENCES[audiences[0]])
    events, fast = _events(rng, phases)
    launched = len(phases) > 1 and phases[1].phase == Phase.CONSTRUCTION
    accelerated = len(phases) > 2 and phases[2].phase == Phase.ACCELERATION
    website = f"https://{slug}.{DEMO_DOMAIN}" if launched else ""
    stats = accelerated and rng.random() < 0.6
    sponsors = []
    for _ in range(rng.choices((0, 1, 2, 3), cum_weights=(15, 60, 90, 100))[0]):
        sponsor = rng.choice(
            vocabulary.sponsors_of[sector_index]
            if rng.random() < 0.6
            else vocabulary.organisations
        )
        if sponsor not in sponsors:
            sponsors.append(sponsor)
    themes = [vocabulary.themes[sector_index]]
    for _ in range(rng.choices((0, 1, 2), cum_weights=(50, 85, 100))[0]):
        theme = rng.choice(vocabulary.themes)
        if theme not in themes:
            themes.append(theme)
    incubator = rng.choice(
        vocabulary.incubators_of[sector_index]
        if rng.random() < 0.6
        else vocabulary.incubators
    )
    technologies = _pick_some(rng, TECHNOLOGIES, rng.randint(1, 3)) if launched else []
    chunk.startups.append(
        Startup(
            pk=pk,
            slug=slug,
            title=title,
            mission=mission,
            description=description,
            incubator_id=incubator,
            technologies=technologies,
            website=website,
            repository=f"https://code.{DEMO_DOMAIN}/{slug}"
            if launched and rng.random() < 0.7
            else "",
            has_stats_page=stats,
            stats_url=f"{website}/stats" if stats else "",
            budget_url=f"{website}/budget" if launched and rng.random() < 0.2 else "",
            contact=f"contact@{slug}.{DEMO_DOMAIN}",
            accessibility_status=rng.choices(
                ACCESSIBILITY[0], cum_weights=ACCESSIBILITY[1]
            )[0]
            if launched
            else AccessibilityStatus.NOT_ASSESSED,
            risk_analysis_done=launched and rng.random() < 0.4,
            mon_service_securise=launched and rng.random() < 0.3,
            fast_promotion=fast[0] if fast else None,
            fast_amount=fast[1] if fast else None,
            is_published=rng.random() < 0.97,
            current_phase=current.phase,
            current_phase_start=current.start,
            started_on=phases[0].start,
            **search_fields_of(
                SimpleNamespace(
                    title=title,
                    slug=slug,
                    former_slugs=_Prefetched({}, [], "slug"),
                    mission=mission,
                    description=description,
                    technologies=technologies,
                    themes=_Prefetched(vocabulary.rows[Theme], themes, "label"),
                    sponsors=_Prefetched(
                        vocabulary.rows[Organisation], sponsors, "name"
                    ),
                )
            ),
        )
    )
    to_db = connection.ops.adapt_datefield_value
    chunk.phases.extend(
        (pk, p.phase, to_db(p.start), to_db(p.end), "", p.position) for p in phases
    )
    chunk.events.extend(
        (pk, kind, to_db(day), EVENT_COMMENTS[kind]) for kind, day in events
    )

    links = chunk.links
    links["sponsors"].extend((pk, o) for o in sponsors)
    links["themes"].extend((pk, t) for t in themes)
    links["audiences"].extend((pk, vocabulary.audiences[i]) for i in audiences)
    if rng.random() < 0.15:
        co_incubator = rng.choice(vocabulary.incubators)
        if co_incubator != incubator:
            links["co_incubators"].append((pk, co_incubator))


class _Prefetched(list):
    """Rows that answer .all() like a prefetched relation (in the model's
    order), for search_fields_of."""

    def __init__(self, rows: dict[int, Any], pks: list[int], ordering: str):
        super().__init__(sorted((rows[pk] for pk in pks), key=attrgetter(ordering)))

    def all(self):
        return self


_SPAN = (REFERENCE_DATE - FIRST_START).days


def _phase_history(rng: random.Random) -> list[_PhaseRow]:
    """Phases along the life cycle from a start between 2015 and the reference
    date (more of them recent), each lasting 3 to 18 months; each phase ends
    when the next starts, and the last one is usually still open."""
    start = FIRST_START + timedelta(days=int(_SPAN * rng.random() ** 0.7))
    steps = [(Phase.INVESTIGATION, start)]
    phase = Phase.INVESTIGATION
    while phase in NEXT_PHASES:
        start += timedelta(days=rng.randint(91, 548))
        if start > REFERENCE_DATE:
            break
        options, cum_weights = NEXT_PHASES[phase]
        phase = rng.choices(options, cum_weights=cum_weights)[0]
        steps.append((phase, start))
    ends: list[date | None] = [day for _, day in steps[1:]]
    # Now and then a sheet closes its last phase without saying what came next.
    last_start = steps[-1][1]
    ends.append(
        min(last_start + timedelta(days=rng.randint(91, 548)), REFERENCE_DATE)
        if rng.random() < 0.05
        else None
    )
    return [
        _PhaseRow(phase, day, end, position)
        for position, ((phase, day), end) in enumerate(zip(steps, ends, strict=True))
    ]


def _texts(
    rng: random.Random, sector: Sector, title: str, audience: str
) -> tuple[str, str]:
    """A one-sentence mission and a short Markdown description."""
    audience = audience.lower()
    action = rng.choice(sector.actions)
    forms = {
        "aux": f"aux {audience}",
        "les": f"les {audience}",
        "des": f"des {audience}",
        "de_audience": _de(audience),
        "action": action,
        "de_action": _de(action),
        "complement": rng.choice(COMPLEMENTS),
        "channel": rng.choice(CHANNELS),
        "title": title,
    }
    mission = rng.choice(MISSIONS).format_map(forms)
    features = _pick_some(rng, FEATURES, 2 + (rng.random() < 0.5))
    description = (
        rng.choice(PROBLEMS).format_map(forms)
        + "\n\n## Notre solution\n\n"
        + rng.choice(SOLUTIONS).format_map(forms)
        + "\n\n"
        + "".join(f"- {feature}\n" for feature in features)
        + "\n_Service fictif, créé pour la démonstration._\n"
    )
    return mission, description


def _de(phrase: str) -> str:
    return f"d'{phrase}" if phrase[0] in "aeiouyéèêàâîôû" else f"de {phrase}"


def _events(
    rng: random.Random, phases: list[_PhaseRow]
) -> tuple[list[tuple[EventKind, date]], tuple[int, int] | None]:
    """Up to four (kind, date) inside the history, in date order, and the FAST
    (promotion, amount) if one of them is a FAST funding."""
    by_phase = {p.phase: p for p in phases}
    last = phases[-1]
    stopped = last.phase in (Phase.ABANDONED, Phase.INCONCLUSIVE)
    history_end = last.end or (last.start if stopped else REFERENCE_DATE)
    events = []
    fast = None
    if rng.random() < 0.08 and history_end >= FAST_FIRST_DAY:
        day = _day_between(rng, max(phases[0].start, FAST_FIRST_DAY), history_end)
        # Two FAST promotions a year since mid-2019.
        fast = (2 * (day.year - 2019) + (day.month > 6), rng.randrange(5, 51) * 10_000)
        events.append((EventKind.FAST, day))
    if last.phase == Phase.ABANDONED:
        events.append((EventKind.END, last.start))
    for _ in range(rng.randint(0, 4) - len(events)):
        kind = rng.choice(EVENT_KINDS)
        since, until = phases[0].start, history_end
        # A launch happens in construction or acceleration, a national impact
        # from acceleration on.
        if kind == EventKind.PRODUCT_LAUNCH and Phase.CONSTRUCTION in by_phase:
            construction = by_phase[Phase.CONSTRUCTION]
            since = construction.start
            until = by_phase.get(Phase.ACCELERATION, construction).end or until
        elif kind == EventKind.NATIONAL_IMPACT and Phase.ACCELERATION in by_phase:
            since = by_phase[Phase.ACCELERATION].start
        elif kind in (EventKind.PRODUCT_LAUNCH, EventKind.NATIONAL_IMPACT):
            kind = EventKind.COMMITTEE
        events.append((kind, _day_between(rng, since, until)))
    events.sort()
    return events, fast


def _day_between(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


def _pick_some(rng: random.Random, population, k: int) -> list:
    """k distinct items, in the population's order."""
    return [population[i] for i in sorted(rng.sample(range(len(population)), k))]
