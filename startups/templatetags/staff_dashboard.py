"""The staff home's "Your start-ups" block, shown on the admin index."""

from datetime import timedelta

from django import template
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from startups.models import STALE_AFTER_DAYS, Incubator, Startup

register = template.Library()

# Enough to work through in one sitting; the change list has the rest.
LISTED = 50


@register.inclusion_tag("admin/startups/_staff_dashboard.html", takes_context=True)
def staff_dashboard(context):
    """Two queries for a superuser, three for incubator staff, whatever the
    number of start-ups: the counts, the listed rows with their incubator, and
    the names of the user's incubators."""
    request = context["request"]
    user = request.user
    incubators = None
    if not user.is_superuser:
        incubators = list(
            Incubator.objects.kept_by(user)
            .order_by("name")
            .values_list("name", flat=True)
        )
        if not incubators:
            return {"no_incubator": True}
    before = timezone.now() - timedelta(days=STALE_AFTER_DAYS)
    theirs = Startup.objects.kept_by(user)
    counts = theirs.count_stale(before=before)
    rows = list(theirs.for_staff_home()[:LISTED])
    stale = [s for s in rows if s.updated_at < before]
    return {
        "incubators": incubators,
        "total": counts["total"],
        "stale_count": counts["stale"],
        "stale": stale,
        "others": rows[len(stale) :],
        "listed": len(rows),
        "changelist_url": _changelist_url(request),
        "stale_changelist_url": _changelist_url(
            request, updated_at__date__lt=timezone.localdate(before).isoformat()
        ),
    }


def _changelist_url(request, **filters) -> str:
    """The start-ups' change list, least recently updated first."""
    params = dict(filters)
    model_admin = admin.site._registry.get(Startup)
    if model_admin is not None:
        columns = list(model_admin.get_list_display(request))
        if "updated_at" in columns:
            params["o"] = columns.index("updated_at") + 1
    url = reverse("admin:startups_startup_changelist")
    return f"{url}?{urlencode(params)}" if params else url
