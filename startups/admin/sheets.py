"""The start-up sheet: one form with its phases, events, former identifiers
and editors. Phases and events have no admin page of their own: every write
of a phase goes through this form's rules (or the import's, or a restore's)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from startups import policy, transparency
from startups.admin.common import (
    FormDefaults,
    KeptHistory,
    MarkdownPreviewMixin,
    ScopedToUser,
)
from startups.admin.forms import (
    BudgetLineForm,
    BudgetLineFormSet,
    BudgetUploadForm,
    FormerSlugFormSet,
    KnownAutocompleteSelect,
    PhaseHistoryFormSet,
    StartupAdminForm,
    staff_startup_form,
)
from startups.admin.indicators import IndicatorInline, upload_url
from startups.admin.site import site
from startups.budget_upload import (
    COLUMNS,
    MAX_BYTES,
    MAX_LINES,
    BudgetFileRefused,
    upload_budget,
)
from startups.models import (
    BudgetLine,
    Event,
    FormerSlug,
    ImpactCertification,
    Startup,
    StartupEditor,
    StartupPhase,
)
from startups.services import (
    national_team_state,
    note_certification,
    refresh_current_phase,
    refresh_search_text,
    refresh_technologies,
    refresh_transparency,
    rename_startup,
)

# Events that record what the network certifies: set by the national team only.
NATIONAL_TEAM_EVENTS = policy.NATIONAL_TEAM_EVENTS
# national_team_state() of a sheet that certifies nothing (a new one).
UNCERTIFIED = ((ImpactCertification.NONE, None, None, None), [])


def _role(request, obj):
    """The user's role on a sheet, asked once per request and sheet."""
    cache = request.__dict__.setdefault("_sheet_roles", {})
    key = obj.pk if obj is not None else None
    if key not in cache:
        cache[key] = policy.role_on(request.user, obj)
    return cache[key]


class SheetInline(admin.TabularInline):
    """A part of the sheet: whoever may change the sheet changes it."""

    extra = 0

    def has_view_permission(self, request, obj=None):
        return obj is None or _role(request, obj) is not None

    def has_add_permission(self, request, obj=None):
        return obj is None or _role(request, obj) is not None

    has_change_permission = has_add_permission
    has_delete_permission = has_add_permission


class StartupPhaseInline(SheetInline):
    model = StartupPhase
    formset = PhaseHistoryFormSet
    fields = ["phase", "start", "end", "comment"]
    ordering = ["start", "position"]


class EventInline(SheetInline):
    model = Event
    fields = ["kind", "date", "comment"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if policy.is_national_team(request.user):
            return queryset
        # Shown read-only on the sheet ("Certified by the national team"), so
        # that the formset neither shows nor deletes them.
        return queryset.exclude(kind__in=NATIONAL_TEAM_EVENTS)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        field = super().formfield_for_choice_field(db_field, request, **kwargs)
        if db_field.name == "kind" and not policy.is_national_team(request.user):
            field.choices = [
                c for c in field.choices if c[0] not in NATIONAL_TEAM_EVENTS
            ]
        return field


class BudgetLineInline(SheetInline):
    model = BudgetLine
    form = BudgetLineForm
    formset = BudgetLineFormSet
    fields = ["year", "category", "amount", "kind", "source", "sponsor", "stated_on"]
    autocomplete_fields = ["sponsor"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("category", "sponsor")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "sponsor":
            kwargs["widget"] = KnownAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "category":
            # Read once for the whole table, not once per line.
            field.choices = [("", "---------")] + [
                (c.pk, str(c)) for c in field.queryset
            ]
        return field


class FormerSlugInline(SheetInline):
    model = FormerSlug
    formset = FormerSlugFormSet

    def has_add_permission(self, request, obj=None):
        # A sheet's addresses are its incubator's to manage, not its editors'.
        return obj is None or _role(request, obj) in (
            policy.Role.NATIONAL_TEAM,
            policy.Role.INCUBATOR_STAFF,
        )

    has_change_permission = has_add_permission
    has_delete_permission = has_add_permission


class StartupEditorInline(SheetInline):
    model = StartupEditor
    fields = ["user"]
    readonly_fields = ["user"]
    verbose_name_plural = _("sheet editors (invite one from the staff home)")

    def has_add_permission(self, request, obj=None):
        # People are invited by e-mail (the staff home's "Invite"), not picked
        # from the list of every account.
        return False

    def has_delete_permission(self, request, obj=None):
        return obj is not None and _role(request, obj) in (
            policy.Role.NATIONAL_TEAM,
            policy.Role.INCUBATOR_STAFF,
        )

    has_change_permission = has_delete_permission


@admin.register(Startup, site=site)
class StartupAdmin(MarkdownPreviewMixin, ScopedToUser, FormDefaults, KeptHistory):
    form = StartupAdminForm
    change_form_template = "admin/startups/startup/change_form.html"
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
        "successor",
    ]
    derived_fields = (
        "current_phase",
        "current_phase_start",
        "transparency_summary",
        "national_certifications",
        "certification_trail",
        "created_at",
        "updated_at",
    )
    inlines = [
        StartupPhaseInline,
        EventInline,
        BudgetLineInline,
        IndicatorInline,
        FormerSlugInline,
        StartupEditorInline,
    ]
    # The change form shows the inlines (phases and events) after this many
    # fieldsets: presentation, incubation, themes and links come first.
    inlines_after_fieldset = 4
    fieldsets = [
        (
            _("Presentation"),
            {"fields": ["title", "slug", "mission", "description", "screenshot"]},
        ),
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
            _("Transparency"),
            {
                "fields": [
                    "transparency_summary",
                    "accessibility_status",
                    "risk_analysis_done",
                    "mon_service_securise",
                ]
            },
        ),
        (
            _("Certified by the national team"),
            {
                "fields": [
                    "impact_certification",
                    "impact_certification_on",
                    "national_certifications",
                    "fast_promotion",
                    "fast_amount",
                    "certification_trail",
                ]
            },
        ),
        (
            _("End of the service"),
            {"fields": ["stop_reason", "stop_comment", "successor"]},
        ),
        (
            _("Publication"),
            {"fields": ["is_published", "allow_indexing", "created_at", "updated_at"]},
        ),
    ]

    def scope(self, request, queryset):
        if _choosing_successor(request):
            # A service may continue as another incubator's: any published
            # sheet can be named, besides those the user keeps.
            return queryset.filter(
                Q(is_published=True)
                | Q(pk__in=queryset.kept_by(request.user).values("pk"))
            )
        return queryset.kept_by(request.user)

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/budget/upload/",
                self.admin_site.admin_view(self.budget_upload_view),
                name=f"{opts.app_label}_{opts.model_name}_budget_upload",
            ),
            *super().get_urls(),
        ]

    def budget_upload_view(self, request, object_id):
        """A CSV file in the reference model's columns replaces the sheet's
        budget, or is refused whole with its problems line by line
        (startups.budget_upload). Whoever may change the sheet may upload."""
        startup = self.get_object(request, unquote(object_id))
        if startup is None:
            raise Http404
        if not self.has_change_permission(request, startup):
            raise PermissionDenied
        problems = []
        form = BudgetUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_BYTES:
                problems = [
                    gettext("The file is too large: %(max)d KB at most.")
                    % {"max": MAX_BYTES // 1024}
                ]
            else:
                try:
                    written = upload_budget(
                        startup=startup, data=upload.read(), user=request.user
                    )
                except BudgetFileRefused as refused:
                    problems = refused.problems
                else:
                    messages.success(
                        request,
                        ngettext(
                            "The budget is uploaded: %(n)d line.",
                            "The budget is uploaded: %(n)d lines.",
                            written,
                        )
                        % {"n": written},
                    )
                    return redirect("admin:startups_startup_change", startup.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Upload the budget of %s") % startup,
            "opts": self.model._meta,
            "original": startup,
            "form": form,
            "problems": problems,
            "columns": [aliases[0] for aliases in COLUMNS.values()],
            "max_kb": MAX_BYTES // 1024,
            "max_lines": MAX_LINES,
        }
        return TemplateResponse(
            request,
            "admin/startups/startup/budget_upload.html",
            context,
            status=400 if problems or form.errors else 200,
        )

    def has_view_permission(self, request, obj=None):
        if obj is not None and _role(request, obj) is None:
            return False
        return super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        if obj is not None and _role(request, obj) is None:
            return False
        return super().has_change_permission(request, obj)

    def has_add_permission(self, request):
        return _role(request, None) is not None and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        # Staff unpublish; only the national team deletes.
        return policy.is_national_team(request.user) and super().has_delete_permission(
            request, obj
        )

    def get_readonly_fields(self, request, obj=None):
        return (*self.derived_fields, *policy.readonly_fields_for(_role(request, obj)))

    @admin.display(description=_("certified by the national team"))
    def national_certifications(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        events = [e for e in obj.events.all() if e.kind in NATIONAL_TEAM_EVENTS]
        if not events:
            return "—"
        return format_html_join(
            ", ", "{} ({})", ((e.get_kind_display(), e.date) for e in events)
        )

    @admin.display(description=_("transparency score"))
    def transparency_summary(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        missing = transparency.missing_of(obj)
        if not missing:
            return format_html("{} %", obj.transparency_score)
        return format_html(
            "{} % — {} {}",
            obj.transparency_score,
            _("missing:"),
            ", ".join(str(label) for label in missing),
        )

    @admin.display(description=_("certification last set"))
    def certification_trail(self, obj):
        if obj is None or obj.certification_set_at is None:
            return "—"
        return format_html(
            "{} ({})",
            date_format(obj.certification_set_at, "j F Y"),
            obj.certification_set_by or _("deleted account"),
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if _role(request, obj) == policy.Role.INCUBATOR_STAFF:
            return staff_startup_form(form, request.user, obj)
        return form

    def render_change_form(self, request, context, *args, **kwargs):
        context["inlines_after_fieldset"] = self.inlines_after_fieldset
        context["indicator_upload_url"] = upload_url(request, context.get("original"))
        return super().render_change_form(request, context, *args, **kwargs)

    def save_model(self, request, obj, form, change):
        old_slug = form.initial.get("slug") if change else None
        # What the national team certifies, before this write: compared after
        # the inlines are saved (save_related) to record who changed it.
        before = Startup.objects.filter(pk=obj.pk).first() if change else None
        request._certified_before = national_team_state(before) if before else None
        super().save_model(request, obj, form, change)
        if old_slug and old_slug != obj.slug:
            rename_startup(startup=obj, old_slug=old_slug)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Inline phase rows and many-to-many fields are saved after the
        # start-up: derive its current phase and search text from them now.
        startup = form.instance
        refresh_current_phase(startup)
        refresh_search_text([startup])
        refresh_technologies([startup])
        refresh_transparency([startup])
        before = getattr(request, "_certified_before", None) or UNCERTIFIED
        if national_team_state(startup) != before and policy.is_national_team(
            request.user
        ):
            note_certification(
                startup=startup,
                user=request.user,
                redate="impact_certification" in form.changed_data
                and "impact_certification_on" not in form.changed_data,
            )


def _choosing_successor(request) -> bool:
    """Whether this request is the autocomplete of a sheet's "continued as"."""
    return (
        request.resolver_match is not None
        and request.resolver_match.url_name == "autocomplete"
        and request.GET.get("model_name") == "startup"
        and request.GET.get("field_name") == "successor"
    )
