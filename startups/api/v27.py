"""beta.gouv.fr's open-data files, /api/v2.7/*: the same files, written by
startups.betagouv.writer, of the whole catalogue or of any selection the
catalogue's parameters make (?incubator=anct: an incubator's own site), read
through the one StartupFilter. Published start-ups only; authors.json is not
published (personal data)."""

from __future__ import annotations

from heapq import merge
from itertools import chain, groupby
from operator import itemgetter

from django.db.models import F
from django.http import JsonResponse
from django.http.response import HttpResponseBase
from django.urls import reverse

from startups.api.http import open_data
from startups.api.views import INVALID_PARAMETERS, filter_errors
from startups.betagouv import writer
from startups.betagouv.writer import Stream, StreamObject, json_pieces
from startups.downloads import csv_lines, download, rows
from startups.filters import StartupFilter
from startups.models import Incubator, Organisation, Startup

JSON = "application/json; charset=utf-8"


class _BadParameters(Exception):
    def __init__(self, form):
        self.response = JsonResponse(
            {"detail": INVALID_PARAMETERS, "errors": filter_errors(form)},
            status=400,
            json_dumps_params={"ensure_ascii": False},
        )


def _selection(request):
    """The published start-ups the request's parameters select, by identifier."""
    startups = StartupFilter(request.GET, queryset=Startup.objects.for_api())
    if not startups.is_valid():
        raise _BadParameters(startups.form)
    return writer.in_file_order(startups.qs)


def _file(view):
    """A v2.7 file: open data (startups.api.http), 400 for bad parameters."""

    def wrapper(request):
        try:
            return view(request)
        except _BadParameters as bad:
            return bad.response

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return open_data(wrapper)


def _with_phases(selection):
    # These files show no other list.
    return selection.prefetch_related(None).prefetch_related("phases")


def _json_download(data) -> HttpResponseBase:
    return download(json_pieces(data), content_type=JSON)


def _incubators():
    return writer.in_file_order(Incubator.objects.select_related("owner"))


@_file
def startups_json(request):
    """{"links", "data": [start-ups], "included": [incubators]}: a fixed number
    of queries (rows, one per prefetched list, incubators)."""
    data = (writer.startup_resource(s) for s in rows(_selection(request)))
    return _json_download(
        {
            "links": {"self": request.build_absolute_uri(reverse("startups:list"))},
            "data": Stream(data),
            "included": [writer.incubator_resource(i) for i in _incubators()],
        }
    )


def _incubations(selection):
    """(incubator id, start-up) for each start-up under each of its incubators,
    in incubator order: main incubations and co-incubations read in two
    streams and merged, a chunk at a time."""
    main = (
        (startup.incubator_id, startup)
        for startup in rows(_with_phases(selection).order_by("incubator_id", "slug"))
    )
    through = Startup.co_incubators.through
    links = (
        through.objects.filter(startup__in=selection.values("pk"))
        .exclude(incubator_id=F("startup__incubator_id"))
        .select_related("startup")
        .prefetch_related("startup__phases")
        .order_by("incubator_id", "startup_id")
    )
    co = ((link.incubator_id, link.startup) for link in rows(links))
    return merge(main, co, key=itemgetter(0))


@_file
def incubators_json(request):
    """{incubator id: {startups: [every start-up it incubates, main or co],
    title, owner, contact, address, website, github}}."""
    incubations = groupby(_incubations(_selection(request)), key=itemgetter(0))
    group = next(incubations, None)

    def pairs():
        nonlocal group
        for incubator in Incubator.objects.select_related("owner").order_by("pk"):
            startups = None
            if group is not None and group[0] == incubator.pk:
                startups = Stream(writer.incubated_startup(s) for _, s in group[1])
                yield incubator.slug, writer.incubator_entry(incubator, startups)
                group = next(incubations, None)
            else:
                yield incubator.slug, writer.incubator_entry(incubator, None)

    return _json_download(StreamObject(pairs()))


@_file
def startups_details_json(request):
    """{start-up id: {active_members, previous_members, expired_members (empty:
    personal data), id, name, repository, contact, phases}}."""
    pairs = ((s.slug, writer.startup_details(s)) for s in rows(_selection(request)))
    return _json_download(StreamObject(pairs))


@open_data
def organisations_json(request):
    return _json_download(
        [
            writer.organisation_entry(o)
            for o in writer.in_file_order(Organisation.objects.all())
        ]
    )


@open_data
def sponsors_json(request):
    """{organisation id: {name, acronym, domaine_ministeriel, type}}."""
    return _json_download(
        {
            o.slug: writer.sponsor_entry(o)
            for o in writer.in_file_order(Organisation.objects.all())
        }
    )


AUTHORS_REFUSED = (
    "authors.json n'est pas publié ici : il décrit les membres des équipes "
    "(noms, rôles, missions, employeurs), des données personnelles. Les "
    "startups sont dans startups.json, leurs fiches dans startups_details.json."
)


@open_data
def authors_json(request):
    return JsonResponse(
        {"detail": AUTHORS_REFUSED},
        status=404,
        json_dumps_params={"ensure_ascii": False},
    )


@_file
def startups_csv(request):
    """Semicolon-separated, beta.gouv.fr's columns, with a BOM so that Excel
    reads UTF-8; formula cells neutralised (startups.downloads.csv_lines)."""

    selection = _selection(request)

    def lines():
        yield writer.CSV_COLUMNS
        for startup in rows(selection):
            yield writer.csv_row(startup)

    return download(
        chain(["\ufeff"], csv_lines(lines(), delimiter=";", lineterminator="\n")),
        content_type="text/csv; charset=utf-8",
    )
