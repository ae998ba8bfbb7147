from dataclasses import dataclass
from itertools import chain
from urllib.parse import urlencode

from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from startups.caching import Parts, cached, cached_page, normalised_query
from startups.downloads import csv_lines, download, rows, xlsx_download
from startups.expressions import listed
from startups.facets import TOP_VALUES, Facet, FacetOption
from startups.filters import PAGE_SIZE, SORTS, STOPPED_PHASES, StartupFilter
from startups.models import BudgetLine, FundingSource, Phase, Startup
from startups.paging import paginate

# The home page's three groups of phases.
IN_PROGRESS = [
    Phase.INVESTIGATION,
    Phase.CONSTRUCTION,
    Phase.ACCELERATION,
    Phase.CONSOLIDATION,
]
PHASE_GROUPS = [
    ("ongoing", _lazy("In progress"), IN_PROGRESS),
    ("lasting", _lazy("Made permanent"), [Phase.INTEGRATION, Phase.OPERATED]),
    ("stopped", _lazy("Stopped"), STOPPED_PHASES),
]


@dataclass
class PhaseGroup:
    key: str
    label: str
    count: int
    phases: list[tuple[Phase, int]]
    query: str  # the catalogue's parameters for the whole group


@cached_page
def home(request):
    counts = Startup.objects.published().count_by_current_phase()
    groups = [
        PhaseGroup(
            key,
            label,
            sum(counts.get(p.value, 0) for p in phases),
            [(p, counts.get(p.value, 0)) for p in phases],
            urlencode([("phase", p.value) for p in phases]),
        )
        for key, label, phases in PHASE_GROUPS
    ]
    return render(
        request,
        "startups/home.html",
        # The total counts start-ups whose first phase is still to come too.
        {"groups": groups, "total": sum(counts.values())},
    )


# How a title names the start-ups of a phase: "Start-ups en construction".
PHASE_PHRASES = {
    Phase.INVESTIGATION: _lazy("in investigation"),
    Phase.CONSTRUCTION: _lazy("in construction"),
    Phase.ACCELERATION: _lazy("in acceleration"),
    Phase.CONSOLIDATION: _lazy("in consolidation"),
    Phase.INTEGRATION: _lazy("in integration"),
    Phase.OPERATED: _lazy("operated"),
    Phase.ABANDONED: _lazy("abandoned"),
    Phase.INCONCLUSIVE: _lazy("with an inconclusive investigation"),
}


def describe_selection(startups: StartupFilter, facets) -> str:
    """What a filtered page shows, for its title, heading and preview
    ("Start-ups en construction — Incubateur des Territoires"); "" without
    filters."""
    cleaned = startups.form.cleaned_data if startups.is_bound else {}
    phases = cleaned.get("phase") or []
    if phases:
        head = _("Start-ups %(phases)s") % {
            "phases": _(" or ").join(str(PHASE_PHRASES[Phase(p)]) for p in phases)
        }
    elif cleaned.get("hide_stopped"):
        head = _("Start-ups not stopped")
    else:
        head = _("Start-ups")
    values = [
        option.label
        for facet in facets
        if facet.name != "phase"
        for option in facet.options
        if option.selected
    ]
    if cleaned.get("year"):
        values.append(_("started in %(year)s") % {"year": cleaned["year"]})
    if startups.searching:
        values.insert(0, _("“%(value)s”") % {"value": cleaned["q"]})
    if not (values or phases or cleaned.get("hide_stopped")):
        return ""
    return " — ".join([head, ", ".join(values)]) if values else head


@dataclass
class ActiveFilter:
    label: str
    url: str  # the same page without it


def active_filters(request, facets, cleaned) -> list[ActiveFilter]:
    """Each filter in force, with the address of the page without it."""

    def without(name, value=None) -> str:
        query = request.GET.copy()
        for key in [
            k for k in query if k == "page" or k.startswith(("unfold", "find_"))
        ]:
            query.pop(key, None)
        if value is None:
            query.pop(name, None)
        else:
            query.setlist(name, [v for v in query.getlist(name) if v != value])
        return f"?{query.urlencode()}" if query else "?"

    found = []
    if q := request.GET.get("q", "").strip():
        found.append(
            ActiveFilter(_("Search: “%(value)s”") % {"value": q}, without("q"))
        )
    for facet in facets:
        for option in facet.options:
            if option.selected:
                found.append(
                    ActiveFilter(
                        f"{facet.label}: {option.label}",
                        without(facet.name, option.value),
                    )
                )
    if cleaned.get("year"):
        label = _("Started in %(year)s") % {"year": cleaned["year"]}
        found.append(ActiveFilter(label, without("year")))
    if cleaned.get("hide_stopped"):
        found.append(
            ActiveFilter(_("Stopped services hidden"), without("hide_stopped"))
        )
    return found


def _shared_url(request) -> str:
    """The page's address as a shared link gives it: its selection, first page."""
    query = normalised_query(
        request.GET,
        leave_out=(
            "page",
            "unfold",
            *(k for k in request.GET if k.startswith("find_")),
        ),
    )
    return request.build_absolute_uri(request.path + (f"?{query}" if query else ""))


@dataclass
class FacetPanel:
    """A facet as the panel lists it: the values shown and how many more
    "see all" unfolds."""

    facet: Facet
    shown: list[FacetOption]
    unfolded: bool = False
    find: str = ""

    @property
    def more(self) -> int:
        """How many values are not listed."""
        return len(self.facet.options) - len(self.shown)

    @property
    def long(self) -> bool:
        """Whether the facet gets a filter box."""
        return self.find != "" or len(self.facet.options) > TOP_VALUES + 4


@cached_page
def startup_list(request):
    # A built filter has validated its parameters (a query for the sponsors'
    # and incubators' slugs) and decided which words it searches for (a
    # typing mistake's corrections when the words typed find nothing, see
    # StartupFilter.terms): the facets, the count and the rows agree.
    startups = StartupFilter(
        request.GET, queryset=Startup.objects.for_catalogue(), request=request
    )

    unfolded = request.GET.get("unfold")
    find = request.GET.get(f"find_{unfolded}", "")[:100] if unfolded else ""

    def facets():
        counts = startups.facets(cache=Parts(request, "facet"))
        html = render_to_string(
            "startups/_facets.html",
            {
                "panels": [
                    FacetPanel(
                        f,
                        f.shown(unfolded=f.name == unfolded, find=find),
                        unfolded=f.name == unfolded,
                        find=find if f.name == unfolded else "",
                    )
                    for f in counts.facets
                ],
                "unfolded": unfolded,
            },
        )
        return counts, html

    # The facets (their counts and their markup) and
    # the count depend on the filters, not on the page or the sort: one entry
    # serves every page and order of a selection (and each facet's counts are
    # kept for every selection that shares them, see StartupFilter.facets).
    counts, facets_html = cached(
        request,
        "catalogue-facets",
        facets,
        query=normalised_query(request.GET, leave_out=("page", "sort")),
    )
    page = paginate(request, startups.rows(), PAGE_SIZE, count=counts.total)
    filters = active_filters(request, counts.facets, startups.form.cleaned_data)
    return render(
        request,
        "startups/startup_list.html",
        {
            "filter": startups,
            "selection_title": describe_selection(startups, counts.facets),
            "og_url": _shared_url(request),
            "active_filters": filters,
            "correction": startups.correction,
            "page": page,
            "facets": counts.facets,
            "facets_html": facets_html,
            "ignored": startups.ignored_parameters(),
            "sorts": SORTS.items(),
        },
    )


CSV_SEPARATOR = " | "


def _export_table(request):
    """The export's header and rows (read a chunk at a time) of the selection."""
    startups = StartupFilter(request.GET, queryset=Startup.objects.for_export()).qs
    header = [
        _("identifier"),
        _("title"),
        _("mission"),
        _("current phase"),
        _("phase start date"),
        _("incubator"),
        _("co-incubators"),
        _("sponsors"),
        _("themes"),
        _("audiences"),
        _("website"),
        _("source code repository"),
        _("accessibility"),
        _("last update"),
    ]
    lines = (
        [
            s.slug,
            s.title,
            s.mission,
            s.get_current_phase_display(),
            s.current_phase_start.isoformat() if s.current_phase_start else "",
            s.incubator.name,
            CSV_SEPARATOR.join(listed(s.co_incubator_names)),
            CSV_SEPARATOR.join(listed(s.sponsor_names)),
            CSV_SEPARATOR.join(listed(s.theme_labels)),
            CSV_SEPARATOR.join(listed(s.audience_labels)),
            s.website,
            s.repository,
            s.get_accessibility_status_display(),
            timezone.localtime(s.updated_at).date().isoformat(),
        ]
        for s in rows(startups)
    )
    return header, lines


@cached_page
def export_csv(request):
    header, lines = _export_table(request)
    return download(
        # The byte order mark makes spreadsheet software read the file as UTF-8.
        chain(["\ufeff"], csv_lines(chain([header], lines))),
        content_type="text/csv; charset=utf-8",
        filename="startups.csv",
    )


def _budget_table(request):
    """The budget lines of the selection's sheets (read a chunk at a time), in
    the columns the sheet form's CSV upload reads back (startups.budget_upload):
    the source is a sponsor's identifier, or incubator, FAST or other."""
    startups = StartupFilter(request.GET, queryset=Startup.objects.all()).qs
    lines = BudgetLine.objects.for_export().filter(
        startup__in=startups.order_by().values("pk")
    )
    header = [
        _("start-up identifier"),
        _("start-up"),
        _("year"),
        _("category"),
        _("amount (euros)"),
        _("kind"),
        _("source"),
        _("statement date"),
    ]
    body = (
        [
            line.startup_slug,
            line.startup_title,
            line.year,
            str(line.category),
            line.amount,
            line.get_kind_display(),
            line.sponsor.slug
            if line.source == FundingSource.SPONSOR
            else line.get_source_display(),
            line.stated_on.isoformat(),
        ]
        for line in rows(lines)
    )
    return header, body


@cached_page
def export_budget_csv(request):
    """The selection's budget lines, one a row (the catalogue's parameters)."""
    header, lines = _budget_table(request)
    return download(
        chain(["\ufeff"], csv_lines(chain([header], lines))),
        content_type="text/csv; charset=utf-8",
        filename="budgets.csv",
    )


@cached_page
def export_xlsx(request):
    """The same selection as a spreadsheet: opens as it is in Excel (French or
    not) and LibreOffice, whatever their separator and encoding settings."""
    header, lines = _export_table(request)
    return xlsx_download(header, lines, filename="startups.xlsx", sheet=_("Start-ups"))
