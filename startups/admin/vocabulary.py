"""Sponsoring organisations and the vocabularies (themes, audiences, budget
categories): the national team keeps them; staff read them."""

from __future__ import annotations

from django.contrib import admin

from startups.admin.common import FormDefaults, KeptHistory, NationalTeamWrites
from startups.admin.site import site
from startups.models import Audience, BudgetCategory, Organisation, StopReason, Theme
from startups.services import refresh_search_text


@admin.register(Organisation, site=site)
class OrganisationAdmin(NationalTeamWrites, FormDefaults, KeptHistory):
    list_display = ["name", "acronym", "slug", "kind", "ministerial_domain"]
    list_filter = ["kind", "ministerial_domain"]
    search_fields = ["name", "acronym", "slug"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Start-ups are found by their sponsors' names and acronyms.
        refresh_search_text(obj.sponsored_startups.all())


@admin.register(Theme, Audience, site=site)
class TermAdmin(NationalTeamWrites, admin.ModelAdmin):
    list_display = ["label", "slug"]
    search_fields = ["label", "slug"]
    prepopulated_fields = {"slug": ["label"]}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Start-ups are found by their themes' labels.
        if isinstance(obj, Theme):
            refresh_search_text(obj.startups.all())


@admin.register(BudgetCategory, site=site)
class BudgetCategoryAdmin(NationalTeamWrites, admin.ModelAdmin):
    list_display = ["label", "label_en", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["label", "label_en", "slug"]


@admin.register(StopReason, site=site)
class StopReasonAdmin(admin.ModelAdmin):
    """Reasons for stopping: a list the staff keep (incubator staff add and
    rename; only the national team deletes one, and not while a sheet uses it:
    the foreign key protects it)."""

    list_display = ["label", "slug"]
    search_fields = ["label", "slug"]
    prepopulated_fields = {"slug": ["label"]}
