"""The incubators and the sponsoring organisations: who builds the start-ups d'État
and who asks for them."""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.shortcuts import get_object_or_404, render
from django.utils.html import strip_tags
from pyroaring import BitMap

from startups import catalogue_index
from startups.caching import cached_page, catalogue_version
from startups.markdown import render_markdown
from startups.models import (
    Incubator,
    MinisterialDomain,
    Organisation,
    Phase,
    Startup,
)
from startups.paging import paginate
from startups.search import normalise_text

# Start-ups a page on an incubator's or a sponsor's page (a multiple of the
# three columns of the cards). Every incubator of the real network fits on one
# (the largest lists 124).
DIRECTORY_PAGE_SIZE = 150


@dataclass
class PhaseGroup:
    """The start-ups of one current phase on this page; `phase` is None for a
    start-up whose history is empty; `count`, how many there are on every
    page."""

    phase: Phase | None
    count: int = 0
    startups: list[Startup] = field(default_factory=list)


def group_by_phase(
    startups: Iterable[Startup], counts: dict[str, int]
) -> list[PhaseGroup]:
    """Groups in life-cycle order, then the start-ups without a phase.
    `counts`: the number of start-ups in each phase ("" for none), all pages
    together."""
    groups = {phase: PhaseGroup(phase, counts.get(phase.value, 0)) for phase in Phase}
    unknown = PhaseGroup(None, counts.get("", 0))
    for startup in startups:
        phase = startup.current_phase
        (groups[Phase(phase)] if phase else unknown).startups.append(startup)
    return [g for g in [*groups.values(), unknown] if g.startups]


def phase_groups_page(request, startups, *, facet: str, value: str) -> dict:
    """A page of `startups` (a for_directory_page() queryset: the start-ups
    whose `facet` of the catalogue is `value`) grouped by current phase: from
    the catalogue index when it is built (one query, the page's cards), else
    two queries whatever their number, the counts by phase and the cards."""
    index = catalogue_index.for_version(catalogue_version(request), using=startups.db)
    if index is None:
        counts = startups.count_by_current_phase()
        rows = startups
    else:
        selection = index.values[facet].get(value, BitMap())
        counts = {
            phase: n
            for phase, ids in index.values["phase"].items()
            if (n := selection.intersection_cardinality(ids))
        }
        rows = catalogue_index.IndexedRows(index, selection, "phase", startups)
    page = paginate(request, rows, DIRECTORY_PAGE_SIZE, count=sum(counts.values()))
    return {
        "page": page,
        "groups": group_by_phase(page.object_list, counts),
        "startup_count": page.paginator.count,
    }


def plain_text(text: str) -> str:
    """beta.gouv.fr's short descriptions hold bits of HTML (<span>, &quot;): the
    text alone, which the template escapes again."""
    return " ".join(html.unescape(strip_tags(text)).split())


@dataclass
class IncubatorSummary:
    incubator: Incubator
    startup_count: int
    phase_counts: list[tuple[Phase, int]]

    @property
    def short_description(self) -> str:
        return plain_text(self.incubator.short_description)


@cached_page
def incubator_list(request):
    incubators = Incubator.objects.for_incubator_list()
    counts = Startup.objects.published().count_by_incubator_and_phase()
    summaries = []
    for incubator in incubators:
        by_phase = counts.get(incubator.pk, {})
        summaries.append(
            IncubatorSummary(
                incubator,
                sum(by_phase.values()),
                [(p, by_phase[p.value]) for p in Phase if by_phase.get(p.value)],
            )
        )
    return render(request, "startups/incubator_list.html", {"incubators": summaries})


@cached_page
def incubator_detail(request, slug: str):
    # A hidden incubator is left out of the list, but its page still answers:
    # its start-ups are public and may link to it.
    incubator = get_object_or_404(Incubator.objects.for_incubator_page(), slug=slug)
    startups = Startup.objects.for_directory_page().of_incubator(incubator)
    return render(
        request,
        "startups/incubator_detail.html",
        {
            "incubator": incubator,
            "short_description": plain_text(incubator.short_description),
            "description_html": render_markdown(incubator.description),
            **phase_groups_page(
                request, startups, facet="incubator", value=incubator.slug
            ),
        },
    )


@dataclass
class DomainGroup:
    domain: MinisterialDomain
    organisations: list[Organisation] = field(default_factory=list)


@cached_page
def sponsor_list(request):
    groups: dict[str, DomainGroup] = {}
    for organisation in Organisation.objects.for_sponsor_list():
        domain = MinisterialDomain(organisation.ministerial_domain)
        groups.setdefault(domain, DomainGroup(domain)).organisations.append(
            organisation
        )
    # In the order of the labels as the visitor reads them, in their language.
    domains = sorted(groups.values(), key=lambda g: normalise_text(str(g.domain.label)))
    return render(request, "startups/sponsor_list.html", {"domains": domains})


@cached_page
def sponsor_detail(request, slug: str):
    organisation = get_object_or_404(Organisation.objects.for_sponsor_page(), slug=slug)
    startups = Startup.objects.for_directory_page().sponsored_by(organisation)
    return render(
        request,
        "startups/sponsor_detail.html",
        {
            "organisation": organisation,
            **phase_groups_page(
                request, startups, facet="sponsor", value=organisation.slug
            ),
        },
    )
