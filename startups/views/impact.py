"""The impact indicators' download: every value of the selection's indicators,
one line each, through the site's one CSV writer (startups.downloads)."""

from __future__ import annotations

from itertools import chain

from django.utils.translation import gettext as _

from startups.caching import cached_page
from startups.downloads import csv_lines, download, rows
from startups.filters import StartupFilter
from startups.indicators import IndicatorValue
from startups.models import Startup


def _number(value) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


@cached_page
def indicators_csv(request):
    """The values of the impact indicators of the published start-ups the
    catalogue's parameters select (all of them by default), in the order of
    the catalogue, then part of the matrix, then date: one query, read a chunk
    at a time."""
    startups = StartupFilter(request.GET, queryset=Startup.objects.published()).qs
    values = (
        IndicatorValue.objects.filter(indicator__startup__in=startups.values("pk"))
        .select_related("indicator__startup")
        .only(
            "date",
            "value",
            "indicator__label",
            "indicator__unit",
            "indicator__part",
            "indicator__periodicity",
            "indicator__source_url",
            "indicator__startup__slug",
            "indicator__startup__title",
        )
        .order_by(
            "indicator__startup__sort_title",
            "indicator__startup_id",
            "indicator__part",
            "indicator__position",
            "indicator_id",
            "date",
        )
    )
    header = [
        _("identifier"),
        _("title"),
        _("indicator identifier"),
        _("indicator"),
        _("unit"),
        _("part of the impact matrix"),
        _("periodicity"),
        _("statistics address"),
        _("date"),
        _("value"),
    ]
    lines = (
        [
            v.indicator.startup.slug,
            v.indicator.startup.title,
            v.indicator_id,
            v.indicator.label,
            v.indicator.unit,
            v.indicator.get_part_display(),
            v.indicator.get_periodicity_display(),
            v.indicator.source_url,
            v.date.isoformat(),
            _number(v.value),
        ]
        for v in rows(values)
    )
    return download(
        # The byte order mark makes spreadsheet software read the file as UTF-8.
        chain(["\ufeff"], csv_lines(chain([header], lines))),
        content_type="text/csv; charset=utf-8",
        filename="indicators.csv",
    )
