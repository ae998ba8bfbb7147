"""beta.gouv.fr's open-data files, api/v2.7/*, written from the database with the
structure beta.gouv.fr's own templates and plugins give them (read at commit
693fb7c: api/v2.7/*.json and startups.csv, _plugins/incubators.rb,
sponsors.rb, startups.rb), so that a site reading them there can point here.

What beta.gouv.fr's output does, this does, key for key:
- startups.json and startups.csv come from text templates: a value is written as
  text, "" where the file has none (`link`, `impact_url`, a phase's `end`, an
  event's `comment`), and some keys only when the file has a value
  (`budget_url`, `repository`, `analyse_risques`…). Sponsors are bare
  identifiers ("ademe"); the included incubators' `owner` keeps its
  "/organisations/…" path, as the files write it.
- incubators.json, sponsors.json and startups_details.json come from Ruby's
  JSON: a value the file lacks is null, a phase has `end` and `comment` only when
  it has them, and an incubator that incubates nothing has no "startups" key.
  incubators.json lists each start-up under every one of its incubators.

What differs, on purpose (the API documentation lists it, `CLEAN_UPS`): text is
written by the json and csv modules, valid whatever it holds (beta.gouv.fr's
templates break on a quote or a line break); values are the importer's clean
ones. Nothing here reads a request: startups.api.v27 serves these."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import quote

from django.db import connections
from django.db.models import QuerySet, Value
from django.db.models.functions import Collate, Concat

from startups.betagouv.vocabulary import BETAGOUV_ACCESSIBILITY, betagouv_phase
from startups.models import Incubator, Organisation, Startup, StartupPhase

# What our files do better than beta.gouv.fr's, shown on /api/ (French: the
# documentation page is French only).
CLEAN_UPS = [
    "Textes écrits par un encodeur JSON et CSV : un titre avec guillemets ou "
    "retour à la ligne reste valide (les gabarits de beta.gouv.fr le cassent).",
    "Espaces en trop retirés des textes, listes et adresses ; une adresse faite "
    "d'espaces seulement (un budget_url) est tenue pour absente.",
    "Adresses web décodées des entités HTML (&amp;) ; une adresse sans schéma "
    "reçoit https:// ; une adresse e-mail invalide est laissée vide.",
    "Thématiques aux graphies multiples fusionnées (« Data »/« data », "
    "« Éducation »/« Education ») ; technologies séparées par des virgules "
    "découpées, doublons retirés.",
    "Phases dans l'ordre chronologique ; une phase qui finit après le début de "
    "la suivante finit à ce début.",
    "Événements d'un nom inconnu écrits « other », le nom gardé en tête du "
    "commentaire.",
    "stats_url reste vide plutôt que « /stats » quand stats: true n'a pas de "
    "link pour base.",
    "L'incubateur caché est inclus (startups.json, incubators.json avec son "
    "titre) : toute référence d'une startup se résout.",
    "relationships.incubators et la colonne incubators commencent par "
    "l'incubateur principal ; sponsors et thématiques sont dans l'ordre "
    "alphabétique de leur nom (l'ordre du fichier n'est pas gardé).",
    "organisations.json écrit le nom tel quel (beta.gouv.fr l'échappe en HTML : "
    "&#39;) et « autre »/« autres » pour un type ou domaine absent ou inconnu.",
    'incubators.json et sponsors.json écrivent "" pour un champ vide ou absent '
    "d'un incubateur ou d'une organisation (beta.gouv.fr : \"\" s'il est vide, "
    "null s'il manque) : toujours du texte. Le dépôt d'une startup reste null "
    "quand il manque, comme chez beta.gouv.fr.",
    "startups.csv : encodé en UTF-8 avec BOM (accents justes dans Excel) ; une "
    "cellule commençant par = + - @, une tabulation ou un retour chariot est "
    "précédée d'une apostrophe (injection de formules, OWASP).",
    "Les listes de membres de startups_details.json (active_members, "
    "previous_members, expired_members) sont vides : ce sont des données "
    "personnelles, que ce site ne publie pas (authors.json répond 404).",
]

CSV_COLUMNS = [
    "id",
    "name",
    "mission",
    "start",
    "status",
    "incubator",
    "stats",
    "link",
    "repository",
    "accessibility",
    "contact",
    "incubators",
]


def _or_null(value: str) -> str | None:
    # Ruby's JSON writes nil for what the file lacks: a repository, mostly.
    return value or None


def in_file_order(queryset: QuerySet, field: str = "slug") -> QuerySet:
    """Jekyll's order, by file name (<id>.md) byte for byte ("estime.formation"
    before "estime"), the same on every database: not the database's collation,
    which on PostgreSQL ignores dots and hyphens."""
    collation = "C" if connections[queryset.db].vendor == "postgresql" else "BINARY"
    return queryset.alias(
        file_name=Collate(Concat(field, Value(".md")), collation)
    ).order_by("file_name")


def incubator_slugs(startup: Startup) -> list[str]:
    """Main incubator first, then the co-incubators (prefetched)."""
    co = [i.slug for i in startup.co_incubators.all() if i.pk != startup.incubator_id]
    return [startup.incubator.slug, *co]


def template_phases(startup: Startup) -> list[dict[str, str]]:
    # api/v2.7/startups.json: { "name", "start", "end" }, "" for no end.
    return [
        {
            "name": betagouv_phase(p.phase),
            "start": p.start.isoformat(),
            "end": p.end.isoformat() if p.end else "",
        }
        for p in startup.phases.all()
    ]


def front_matter_phases(phases: Iterable[StartupPhase]) -> list[dict[str, str]]:
    # The front matter's phases as Ruby's JSON writes them: `end` and `comment`
    # only when there is one.
    result = []
    for p in phases:
        entry = {"name": betagouv_phase(p.phase), "start": p.start.isoformat()}
        if p.end:
            entry["end"] = p.end.isoformat()
        if p.comment:
            entry["comment"] = p.comment
        result.append(entry)
    return result


def startup_attributes(startup: Startup) -> dict:
    # beta.gouv.fr's keys, in its order, present under the same conditions
    # (Liquid's: only a missing value is false, "" is written).
    attributes = {
        "name": startup.title,
        "pitch": startup.mission,
        "stats_url": startup.stats_address,
    }
    if startup.budget_url:
        attributes["budget_url"] = startup.budget_url
    # Every sheet has a `link` (empty or not): both keys are always written.
    attributes["impact_url"] = startup.impact_url
    attributes["link"] = startup.website
    if startup.repository:
        attributes["repository"] = startup.repository
    attributes |= {
        "contact": startup.contact,
        "content_url_encoded_markdown": quote(startup.description, safe=""),
        "events": [
            {"name": e.kind, "date": e.date.isoformat(), "comment": e.comment}
            for e in startup.events.all()
        ],
        "phases": template_phases(startup),
        "sponsors": [o.slug for o in startup.sponsors.all()],
        "thematiques": [t.label for t in startup.themes.all()],
        "technos": list(startup.technologies),
    }
    if startup.risk_analysis_done:
        attributes["analyse_risques"] = "true"
    if startup.risk_analysis_url:
        attributes["analyse_risques_url"] = startup.risk_analysis_url
    if startup.dashlord_url:
        attributes["dashlord_url"] = startup.dashlord_url
    if startup.accessibility_status in BETAGOUV_ACCESSIBILITY:
        attributes["accessibility_status"] = BETAGOUV_ACCESSIBILITY[
            startup.accessibility_status
        ]
    return attributes


def startup_resource(startup: Startup) -> dict:
    """One element of startups.json's "data" (JSON:API)."""
    return {
        "id": startup.slug,
        "type": "startup",
        "attributes": startup_attributes(startup),
        "relationships": {
            "incubator": {"data": {"type": "incubator", "id": startup.incubator.slug}},
            "incubators": {
                "data": [
                    {"type": "incubator", "id": slug}
                    for slug in incubator_slugs(startup)
                ]
            },
        },
    }


def owner_path(incubator: Incubator) -> str:
    return f"/organisations/{incubator.owner.slug}" if incubator.owner else ""


def incubator_resource(incubator: Incubator) -> dict:
    """One element of startups.json's "included"."""
    return {
        "id": incubator.slug,
        "type": "incubator",
        "attributes": {
            "title": incubator.name,
            "owner": owner_path(incubator),
            "website": incubator.website,
            "github": incubator.source_code_url,
            "contact": incubator.contact,
        },
    }


def incubated_startup(startup: Startup) -> dict:
    """A start-up in incubators.json's "startups" (_plugins/incubators.rb)."""
    return {
        "id": startup.slug,
        "name": startup.title,
        "pitch": startup.mission,
        "repository": _or_null(startup.repository),
        "contact": startup.contact,
        "phases": front_matter_phases(startup.phases.all()),
    }


def incubator_entry(incubator: Incubator, startups: Iterable | None) -> dict:
    """incubators.json's value for one incubator; `startups` None (no key) for
    one that incubates none, as beta.gouv.fr writes it. Its files write every
    field, "" when empty: "" here too (not null) for a field we have not."""
    entry = {} if startups is None else {"startups": startups}
    return entry | {
        "title": incubator.name,
        "owner": owner_path(incubator),
        "contact": incubator.contact,
        "address": incubator.address,
        "website": incubator.website,
        "github": incubator.source_code_url,
    }


def startup_details(startup: Startup) -> dict:
    """startups_details.json's value for one start-up (_plugins/startups.rb);
    its team lists stay empty: personal data."""
    return {
        "active_members": [],
        "previous_members": [],
        "expired_members": [],
        "id": startup.slug,
        "name": startup.title,
        "repository": _or_null(startup.repository),
        "contact": startup.contact,
        "phases": front_matter_phases(startup.phases.all()),
    }


def organisation_entry(organisation: Organisation) -> dict:
    """organisations.json (a template: "" for nothing)."""
    return {
        "id": organisation.slug,
        "name": organisation.name,
        "acronym": organisation.acronym,
        "domaine_ministeriel": organisation.ministerial_domain,
        "type": organisation.kind,
    }


def sponsor_entry(organisation: Organisation) -> dict:
    """sponsors.json's value for one organisation: text, "" for no acronym
    (the files write every field)."""
    return {
        "name": organisation.name,
        "acronym": organisation.acronym,
        "domaine_ministeriel": organisation.ministerial_domain,
        "type": organisation.kind,
    }


def csv_row(startup: Startup) -> list[str]:
    """One line of startups.csv: "null" for a missing stats page or repository
    and "" for an empty link, as beta.gouv.fr writes (every sheet has a
    `link`, empty or not); `status` the current phase."""
    phases = list(startup.phases.all())
    return [
        startup.slug,
        startup.title,
        startup.mission,
        phases[0].start.isoformat() if phases else "",
        betagouv_phase(startup.current_phase),
        startup.incubator.slug,
        startup.stats_url or "null",
        startup.website,
        startup.repository or "null",
        BETAGOUV_ACCESSIBILITY.get(startup.accessibility_status, ""),
        startup.contact,
        ",".join(incubator_slugs(startup)),
    ]


# JSON written a piece at a time: a file of 100,000 start-ups is never held whole.


@dataclass
class Stream:
    """A JSON array written from an iterator, never held whole."""

    items: Iterable


@dataclass
class StreamObject:
    """A JSON object written from an iterator of (key, value) pairs."""

    pairs: Iterable[tuple[str, object]]


def _has_stream(value) -> bool:
    if isinstance(value, Stream | StreamObject):
        return True
    return isinstance(value, dict) and any(_has_stream(v) for v in value.values())


def json_pieces(value) -> Iterator[str]:
    """`value` as JSON text, in pieces: a Stream or StreamObject is written
    element by element, anything else with json.dumps."""
    if isinstance(value, Stream):
        yield "["
        for i, item in enumerate(value.items):
            yield ", " if i else ""
            yield from json_pieces(item)
        yield "]"
    elif isinstance(value, StreamObject | dict) and (
        isinstance(value, StreamObject) or _has_stream(value)
    ):
        pairs = value.pairs if isinstance(value, StreamObject) else value.items()
        yield "{"
        for i, (key, item) in enumerate(pairs):
            yield (", " if i else "") + json.dumps(key, ensure_ascii=False) + ": "
            yield from json_pieces(item)
        yield "}"
    else:
        yield json.dumps(value, ensure_ascii=False)
