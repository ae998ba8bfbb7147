"""Incubators: their staff write their presentation; the national team the rest."""

from __future__ import annotations

from django.contrib import admin

from startups.admin.common import (
    FormDefaults,
    KeptHistory,
    MarkdownPreviewMixin,
    ScopedToUser,
)
from startups.admin.forms import IncubatorAdminForm
from startups.admin.site import site
from startups.models import Incubator, IncubatorMembership
from startups.policy import is_national_team


class IncubatorMembershipInline(admin.TabularInline):
    model = IncubatorMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Incubator, site=site)
class IncubatorAdmin(MarkdownPreviewMixin, ScopedToUser, FormDefaults, KeptHistory):
    form = IncubatorAdminForm
    list_display = ["name", "slug", "owner", "is_hidden"]
    list_filter = ["is_hidden"]
    list_select_related = ["owner"]
    search_fields = ["name", "slug"]
    autocomplete_fields = ["owner", "highlighted_startups"]
    inlines = [IncubatorMembershipInline]

    def scope(self, request, queryset):
        return queryset.kept_by(request.user)

    def has_add_permission(self, request):
        return is_national_team(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_national_team(request.user)

    def get_readonly_fields(self, request, obj=None):
        if is_national_team(request.user):
            return ()
        # Staff write their incubator's presentation, not its identity.
        return ("slug", "name", "owner", "is_hidden")

    def get_inlines(self, request, obj):
        return self.inlines if is_national_team(request.user) else []
