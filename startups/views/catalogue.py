from itertools import chain

from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from startups.caching import Parts, cached, cached_page, normalised_query
from startups.downloads import csv_lines, download, rows, xlsx_download
from startups.expressions import listed
from startups.filters import PAGE_SIZE, SORTS, StartupFilter
from startups.models import Phase, Startup
from startups.paging import paginate


@cached_page
def home(request):
    counts = Startup.objects.published().count_by_current_phase()
    phases = [(phase, counts.get(phase.value, 0)) for phase in Phase]
    return render(
        request,
        "startups/home.html",
        {"phases": phases, "total": sum(counts.values())},
    )


@cached_page
def startup_list(request):
    # A built filter has validated its parameters (a query for the sponsors'
    # and incubators' slugs) and decided which words it searches for (a
    # typing mistake's corrections when the words typed find nothing, see
    # StartupFilter.terms): the facets, the count and the rows agree.
    startups = StartupFilter(request.GET, queryset=Startup.objects.for_catalogue())

    def facets():
        counts = startups.facets(cache=Parts(request, "facet"))
        html = render_to_string("startups/_facets.html", {"facets": counts.facets})
        return counts, html

    # The facets (their counts and their markup, hundreds of checkboxes) and
    # the count depend on the filters, not on the page or the sort: one entry
    # serves every page and order of a selection (and each facet's counts are
    # kept for every selection that shares them, see StartupFilter.facets).
    counts, facets_html = cached(
        request,
        "catalogue-facets",
        facets,
        query=normalised_query(request.GET, leave_out=("page", "sort")),
    )
    page = paginate(request, startups.qs, PAGE_SIZE, count=counts.total)
    return render(
        request,
        "startups/startup_list.html",
        {
            "filter": startups,
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


@cached_page
def export_xlsx(request):
    """The same selection as a spreadsheet: opens as it is in Excel (French or
    not) and LibreOffice, whatever their separator and encoding settings."""
    header, lines = _export_table(request)
    return xlsx_download(header, lines, filename="startups.xlsx", sheet=_("Start-ups"))
