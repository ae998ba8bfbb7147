"""/startups/embed/: a list of any catalogue selection (the catalogue's own
parameters, ?incubator=anct) meant for an <iframe> on an incubator's or a
ministry's site. The one page that other sites may frame: X-Frame-Options and
CSP frame-ancestors are relaxed here only. No cookie, no script, no form: a
frame reads it and nothing else."""

from __future__ import annotations

from csp.decorators import csp_replace
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_exempt

from startups.caching import cached_page, normalised_query
from startups.filters import StartupFilter
from startups.models import Startup

EMBED_LIMIT = 100  # start-ups shown; a link leads to the whole selection


# Outermost: they mark the response, fresh or from the cache.
@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})
@cached_page
def embed_list(request):
    startups = StartupFilter(request.GET, queryset=Startup.objects.for_catalogue())
    selection = startups.qs
    # Two queries: the count and the rows with their main incubator.
    total = selection.count()
    rows = list(selection[:EMBED_LIMIT])
    query = normalised_query(request.GET)
    catalogue = request.build_absolute_uri(reverse("startups:list"))
    return render(
        request,
        "startups/embed_list.html",
        {
            "startups": rows,
            "total": total,
            "more": total > len(rows),
            "catalogue_url": f"{catalogue}?{query}" if query else catalogue,
            "ignored": startups.form.ignored_parameters()
            if not startups.is_valid()
            else [],
        },
    )
