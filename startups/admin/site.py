"""The staff space: Django's admin under the catalogue's name. `site` is the
default site (portfolio.apps.StaffAdminConfig names `default_site()`), so that
every app's `admin.site.register()` lands here. This package's own modules
register on `site` itself: they are imported while Django sets the default site
up, when `admin.site` can't be asked yet."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from startups import transparency
from startups.models import STALE_AFTER_DAYS, Incubator, Startup

# Enough to work through in one sitting; the change list has the rest.
DASHBOARD_LISTED = 50
# The least complete sheets the staff home lists (transparency score).
DASHBOARD_INCOMPLETE = 10


class StaffAdminSite(admin.AdminSite):
    site_header = _("Start-ups d'État catalogue · staff space")
    site_title = _("Staff space")
    index_title = _("Staff space")
    enable_nav_sidebar = False

    # With DJANGO_ADMIN_REQUIRE_OTP=1 only users verified by one of their own
    # authenticator apps get in (django-otp), read at each request.
    @property
    def login_form(self):
        if settings.ADMIN_REQUIRE_OTP:
            from portfolio.login_protection import OneDeviceOTPAuthenticationForm

            return OneDeviceOTPAuthenticationForm
        return AdminAuthenticationForm

    @property
    def login_template(self):
        return "otp/admin111/login.html" if settings.ADMIN_REQUIRE_OTP else None

    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        return not settings.ADMIN_REQUIRE_OTP or request.user.is_verified()

    def get_urls(self):
        from startups.admin.people import invite_view

        return [
            path("invite/", self.admin_view(invite_view), name="invite"),
            *super().get_urls(),
        ]

    def index(self, request, extra_context=None):
        from startups.policy import Role, role_on

        extra_context = {
            **(extra_context or {}),
            "dashboard": dashboard(request),
            "can_invite": role_on(request.user, None)
            in (Role.NATIONAL_TEAM, Role.INCUBATOR_STAFF),
        }
        return super().index(request, extra_context)


def dashboard(request) -> dict:
    """The staff home's "Your start-ups" block: three queries for the national
    team, four for others, whatever the number of start-ups (the counts, the
    listed rows with their incubator, the least complete sheets, and the names
    of the user's incubators)."""
    from startups.policy import is_national_team

    user = request.user
    incubators = None
    theirs = Startup.objects.kept_by(user)
    if not is_national_team(user):
        incubators = list(
            Incubator.objects.kept_by(user)
            .order_by("name")
            .values_list("name", flat=True)
        )
        if not incubators and not user.edited_startups.exists():
            return {"no_incubator": True}
    before = timezone.now() - timedelta(days=STALE_AFTER_DAYS)
    counts = theirs.count_stale(before=before)
    rows = list(theirs.for_staff_home()[:DASHBOARD_LISTED])
    stale = [s for s in rows if s.updated_at < before]
    incomplete = list(theirs.for_transparency_list()[:DASHBOARD_INCOMPLETE])
    return {
        "incomplete": [(s, transparency.missing_of(s)) for s in incomplete],
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
    model_admin = site._registry.get(Startup)
    if model_admin is not None:
        columns = list(model_admin.get_list_display(request))
        if "updated_at" in columns:
            params["o"] = columns.index("updated_at") + 1
    url = reverse("admin:startups_startup_changelist")
    return f"{url}?{urlencode(params)}" if params else url


site = StaffAdminSite()


def default_site() -> StaffAdminSite:
    return site
