from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from startups.models import (
    Audience,
    Event,
    FormerSlug,
    Incubator,
    IncubatorMembership,
    Organisation,
    Startup,
    StartupPhase,
    Theme,
)
from startups.services import refresh_current_phase, refresh_search_text


class HttpsByDefault:
    # A link typed without its scheme ("exemple.gouv.fr") becomes https://.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class StartupPhaseInline(admin.TabularInline):
    model = StartupPhase
    extra = 0
    fields = ["phase", "start", "end", "comment"]
    ordering = ["start", "position"]


class EventInline(admin.TabularInline):
    model = Event
    extra = 0
    fields = ["kind", "date", "comment"]


class FormerSlugInline(admin.TabularInline):
    model = FormerSlug
    extra = 0


@admin.register(Startup)
class StartupAdmin(HttpsByDefault, admin.ModelAdmin):
    list_display = [
        "title",
        "slug",
        "current_phase",
        "current_phase_start",
        "incubator",
        "accessibility_status",
        "is_published",
        "updated_at",
    ]
    list_filter = [
        "current_phase",
        "is_published",
        "accessibility_status",
        "incubator",
    ]
    search_fields = ["title", "slug", "mission"]
    list_select_related = ["incubator"]
    date_hierarchy = "updated_at"
    autocomplete_fields = [
        "incubator",
        "co_incubators",
        "sponsors",
        "themes",
        "audiences",
    ]
    readonly_fields = [
        "current_phase",
        "current_phase_start",
        "created_at",
        "updated_at",
    ]
    inlines = [StartupPhaseInline, EventInline, FormerSlugInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "mission", "description", "is_published"]}),
        (
            _("Incubation"),
            {
                "fields": [
                    "incubator",
                    "co_incubators",
                    "sponsors",
                    "current_phase",
                    "current_phase_start",
                ]
            },
        ),
        (
            _("Themes and audiences"),
            {"fields": ["themes", "audiences", "technologies"]},
        ),
        (
            _("Links"),
            {
                "fields": [
                    "website",
                    "repository",
                    "has_stats_page",
                    "stats_url",
                    "budget_url",
                    "impact_url",
                    "risk_analysis_url",
                    "dashlord_url",
                    "contact",
                ]
            },
        ),
        (
            _("Compliance and funding"),
            {
                "fields": [
                    "accessibility_status",
                    "risk_analysis_done",
                    "mon_service_securise",
                    "fast_promotion",
                    "fast_amount",
                ]
            },
        ),
        (
            _("Page"),
            {"fields": ["screenshot", "allow_indexing", "created_at", "updated_at"]},
        ),
    ]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Inline phase rows and many-to-many fields are saved after the
        # start-up: derive its current phase and search text from them now.
        refresh_current_phase(form.instance)
        refresh_search_text([form.instance])


@admin.register(StartupPhase)
class StartupPhaseAdmin(admin.ModelAdmin):
    list_display = ["startup", "phase", "start", "end"]
    list_filter = ["phase"]
    list_select_related = ["startup"]
    search_fields = ["startup__title", "startup__slug"]
    autocomplete_fields = ["startup"]
    date_hierarchy = "start"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        refresh_current_phase(obj.startup)

    def delete_model(self, request, obj):
        startup = obj.startup
        super().delete_model(request, obj)
        refresh_current_phase(startup)

    def delete_queryset(self, request, queryset):
        startups = {phase.startup for phase in queryset.select_related("startup")}
        super().delete_queryset(request, queryset)
        for startup in startups:
            refresh_current_phase(startup)


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["startup", "kind", "date"]
    list_filter = ["kind"]
    list_select_related = ["startup"]
    search_fields = ["startup__title", "comment"]
    autocomplete_fields = ["startup"]
    date_hierarchy = "date"


class IncubatorMembershipInline(admin.TabularInline):
    model = IncubatorMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Incubator)
class IncubatorAdmin(HttpsByDefault, admin.ModelAdmin):
    list_display = ["name", "slug", "owner", "is_hidden"]
    list_filter = ["is_hidden"]
    list_select_related = ["owner"]
    search_fields = ["name", "slug"]
    autocomplete_fields = ["owner", "highlighted_startups"]
    inlines = [IncubatorMembershipInline]


@admin.register(Organisation)
class OrganisationAdmin(HttpsByDefault, admin.ModelAdmin):
    list_display = ["name", "acronym", "slug", "kind", "ministerial_domain"]
    list_filter = ["kind", "ministerial_domain"]
    search_fields = ["name", "acronym", "slug"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Start-ups are found by their sponsors' names and acronyms.
        refresh_search_text(obj.sponsored_startups.all())


@admin.register(Theme, Audience)
class TermAdmin(admin.ModelAdmin):
    list_display = ["label", "slug"]
    search_fields = ["label", "slug"]
    prepopulated_fields = {"slug": ["label"]}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Start-ups are found by their themes' labels.
        if isinstance(obj, Theme):
            refresh_search_text(obj.startups.all())


@admin.register(IncubatorMembership)
class IncubatorMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "incubator"]
    list_select_related = ["user", "incubator"]
    list_filter = ["incubator"]
    autocomplete_fields = ["user", "incubator"]
    search_fields = ["user__username", "incubator__name"]
