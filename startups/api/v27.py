"""beta.gouv.fr's open-data files, /api/v2.7/*.json and startups.csv, with the
same structure, so that a site reading them there can point here instead.

beta.gouv.fr writes them with text templates, which break on a quote or a line
break in a title; these are written by the json and csv modules, valid whatever
the text holds. Phase names, accessibility statuses and organisation references
are put back in beta.gouv.fr's spelling. Published start-ups only."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby
from operator import attrgetter
from urllib.parse import quote

from django.http import HttpResponse
from django.urls import reverse

from startups.api.http import open_data
from startups.api.serializers import stats_address
from startups.betagouv.vocabulary import BETAGOUV_ACCESSIBILITY, betagouv_phase
from startups.downloads import csv_lines, download, rows
from startups.models import Incubator, Organisation, Startup


def organisation_ref(organisation: Organisation | None) -> str:
    return f"/organisations/{organisation.slug}" if organisation else ""


def _phases(startup: Startup) -> list[dict[str, str]]:
    return [
        {
            "name": betagouv_phase(p.phase),
            "start": p.start.isoformat(),
            "end": p.end.isoformat() if p.end else "",
        }
        for p in startup.phases.all()
    ]


def _incubator_slugs(startup: Startup) -> list[str]:
    co = [i.slug for i in startup.co_incubators.all() if i.pk != startup.incubator_id]
    return [startup.incubator.slug, *co]


def _startups():
    return Startup.objects.for_api().order_by("slug")


def _json(data) -> HttpResponse:
    return HttpResponse(
        json.dumps(data, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )


def _json_pieces(value) -> Iterator[str]:
    """`value` as JSON text, in pieces: a _Stream (a list read as it goes) is
    written element by element, anything else with json.dumps, as _json
    would."""
    if isinstance(value, _Stream):
        yield "["
        for i, item in enumerate(value.items):
            if i:
                yield ", "
            yield from _json_pieces(item)
        yield "]"
    elif isinstance(value, dict) and any(_has_stream(v) for v in value.values()):
        yield "{"
        for i, (key, item) in enumerate(value.items()):
            yield (", " if i else "") + json.dumps(key, ensure_ascii=False) + ": "
            yield from _json_pieces(item)
        yield "}"
    else:
        yield json.dumps(value, ensure_ascii=False)


@dataclass
class _Stream:
    """A JSON array written from an iterator, never held whole."""

    items: Iterable


def _has_stream(value) -> bool:
    if isinstance(value, _Stream):
        return True
    return isinstance(value, dict) and any(_has_stream(v) for v in value.values())


def _json_download(data) -> HttpResponse:
    return download(_json_pieces(data), content_type="application/json; charset=utf-8")


def _startup_attributes(startup: Startup) -> dict:
    # beta.gouv.fr's keys, in its order, present under the same conditions.
    attributes = {
        "name": startup.title,
        "pitch": startup.mission,
        "stats_url": stats_address(startup),
    }
    if startup.budget_url:
        attributes["budget_url"] = startup.budget_url
    if startup.website:
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
        "phases": _phases(startup),
        "sponsors": [organisation_ref(o) for o in startup.sponsors.all()],
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


@open_data
def startups_json(request):
    """{"links", "data": [start-ups], "included": [incubators]}: a fixed number
    of queries (rows, one per prefetched list, incubators)."""
    data = (
        {
            "id": startup.slug,
            "type": "startup",
            "attributes": _startup_attributes(startup),
            "relationships": {
                "incubator": {
                    "data": {"type": "incubator", "id": startup.incubator.slug}
                },
                "incubators": {
                    "data": [
                        {"type": "incubator", "id": slug}
                        for slug in _incubator_slugs(startup)
                    ]
                },
            },
        }
        for startup in rows(_startups())
    )
    included = [
        {
            "id": incubator.slug,
            "type": "incubator",
            "attributes": {
                "title": incubator.name,
                "owner": organisation_ref(incubator.owner),
                "website": incubator.website,
                "github": incubator.source_code_url,
                "contact": incubator.contact,
            },
        }
        for incubator in Incubator.objects.select_related("owner").order_by("slug")
    ]
    return _json_download(
        {
            "links": {"self": request.build_absolute_uri(reverse("startups:list"))},
            "data": _Stream(data),
            "included": included,
        }
    )


@open_data
def incubators_json(request):
    """{incubator id: {title, owner, contact, address, website, github,
    startups: [those it incubates as main incubator]}}, the start-ups read in
    the incubators' order, a chunk at a time."""
    groups = groupby(
        rows(_startups().order_by("incubator__slug", "slug")),
        key=attrgetter("incubator_id"),
    )
    group = next(groups, None)

    def startups_of(incubator):
        # Written in the incubators' order, as the start-ups are read.
        nonlocal group
        if group is None or group[0] != incubator.pk:
            return
        for startup in group[1]:
            yield {
                "id": startup.slug,
                "name": startup.title,
                "pitch": startup.mission,
                "repository": startup.repository,
                "contact": startup.contact,
                "phases": _phases(startup),
            }
        group = next(groups, None)

    result = {
        incubator.slug: {
            "startups": _Stream(startups_of(incubator)),
            "title": incubator.name,
            "owner": organisation_ref(incubator.owner),
            "contact": incubator.contact,
            "address": incubator.address,
            "website": incubator.website,
            "github": incubator.source_code_url,
        }
        for incubator in Incubator.objects.select_related("owner").order_by("slug")
    }
    return _json_download(result)


@open_data
def organisations_json(request):
    return _json(
        [
            {
                "id": o.slug,
                "name": o.name,
                "acronym": o.acronym,
                "domaine_ministeriel": o.ministerial_domain,
                "type": o.kind,
            }
            for o in Organisation.objects.order_by("slug")
        ]
    )


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


@open_data
def startups_csv(request):
    """Semicolon-separated; "null" for a missing link, as beta.gouv.fr writes."""

    def lines():
        yield CSV_COLUMNS
        for startup in rows(_startups()):
            phases = list(startup.phases.all())
            yield [
                startup.slug,
                startup.title,
                startup.mission,
                phases[0].start.isoformat() if phases else "",
                betagouv_phase(startup.current_phase),
                startup.incubator.slug,
                stats_address(startup) or "null",
                startup.website or "null",
                startup.repository or "null",
                BETAGOUV_ACCESSIBILITY.get(startup.accessibility_status, ""),
                startup.contact,
                ",".join(_incubator_slugs(startup)),
            ]

    return download(
        csv_lines(lines(), delimiter=";", lineterminator="\n"),
        content_type="text/csv; charset=utf-8",
    )
