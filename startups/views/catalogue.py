import csv

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from startups.caching import cached, conditional_page
from startups.filters import PAGE_SIZE, SORTS, StartupFilter
from startups.models import Phase, Startup


@conditional_page
def home(request):
    counts = cached(
        request,
        "home-counts",
        Startup.objects.published().count_by_current_phase,
        query=False,
    )
    phases = [(phase, counts.get(phase.value, 0)) for phase in Phase]
    return render(
        request,
        "startups/home.html",
        {"phases": phases, "total": sum(counts.values())},
    )


@conditional_page
def startup_list(request):
    startups = StartupFilter(request.GET, queryset=Startup.objects.for_catalogue())
    paginator = Paginator(startups.qs, PAGE_SIZE)

    def results():
        # get_page() turns page=abc into the first page and page=-1 or 999 into
        # the last one: an address typed by hand never fails.
        page = paginator.get_page(request.GET.get("page"))
        return paginator.count, page.number, list(page.object_list), startups.facets()

    # The count, the page's rows and the facets, once per catalogue version and
    # query string (startups.caching: never stale).
    count, number, rows, facets = cached(request, "catalogue", results)
    paginator.__dict__["count"] = count  # a cached_property: no COUNT query
    page = paginator.page(number)
    page.object_list = rows
    return render(
        request,
        "startups/startup_list.html",
        {
            "filter": startups,
            "page": page,
            "facets": facets,
            "ignored": startups.ignored_parameters(),
            "sorts": SORTS.items(),
        },
    )


CSV_SEPARATOR = " | "


@conditional_page
def export_csv(request):
    startups = StartupFilter(request.GET, queryset=Startup.objects.for_export()).qs
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="startups.csv"'
    # The byte order mark makes spreadsheet software read the file as UTF-8.
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(
        [
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
    )
    for s in startups:
        writer.writerow(
            [
                s.slug,
                s.title,
                s.mission,
                s.get_current_phase_display(),
                s.current_phase_start.isoformat() if s.current_phase_start else "",
                s.incubator.name,
                CSV_SEPARATOR.join(i.name for i in s.co_incubators.all()),
                CSV_SEPARATOR.join(str(o) for o in s.sponsors.all()),
                CSV_SEPARATOR.join(t.label for t in s.themes.all()),
                CSV_SEPARATOR.join(a.label for a in s.audiences.all()),
                s.website,
                s.repository,
                s.get_accessibility_status_display(),
                timezone.localtime(s.updated_at).date().isoformat(),
            ]
        )
    return response
