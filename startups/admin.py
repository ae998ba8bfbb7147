from types import SimpleNamespace

import reversion
from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from reversion.admin import VersionAdmin

from startups.markdown import render_markdown
from startups.models import (
    Audience,
    Event,
    FormerSlug,
    Incubator,
    IncubatorMembership,
    Organisation,
    StaleReminder,
    Startup,
    StartupPhase,
    Theme,
)
from startups.rules import phase_history_errors
from startups.services import (
    refresh_current_phase,
    refresh_search_text,
    refresh_technologies,
    rename_startup,
)


class HttpsByDefault:
    # A link typed without its scheme ("exemple.gouv.fr") becomes https://.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class MarkdownPreviewMixin:
    """A live preview under the Markdown description, rendered by the same
    function as the public page (startups.markdown.render_markdown)."""

    markdown_fields = ("description",)

    class Media:
        js = ["startups/admin/markdown_preview.js"]
        css = {"all": ["startups/admin/markdown_preview.css"]}

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "markdown-preview/",
                self.admin_site.admin_view(self.markdown_preview_view),
                name=f"{opts.app_label}_{opts.model_name}_markdown_preview",
            ),
            *super().get_urls(),
        ]

    def markdown_preview_view(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not (
            self.has_add_permission(request) or self.has_change_permission(request)
        ):
            raise PermissionDenied
        text = request.POST.get("text", "")[:100_000]
        return HttpResponse(render_markdown(text), content_type="text/html")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in self.markdown_fields and field is not None:
            opts = self.model._meta
            field.widget.attrs.update({
                "data-preview-url": reverse(
                    f"admin:{opts.app_label}_{opts.model_name}_markdown_preview"
                ),
                "data-preview-title": _("Preview, as on the public page"),
            })  # fmt: skip
        return field


class ScopedToIncubators:
    """For incubator staff, rows outside their incubators do not exist: change
    lists, autocomplete, history and direct URLs (404). Superusers see all."""

    def scope(self, request, queryset):
        raise NotImplementedError

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return self.scope(request, queryset)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # The admin's default is a redirect with "perhaps it was deleted": for a
        # row that is not theirs, staff get a plain 404 that reveals nothing.
        raise Http404


class KeptHistory(VersionAdmin):
    """Every add, change and delete through the admin is a revision (who, when,
    the admin's description of what changed), with the rows the sheet follows.
    History and restore stay within what the user may see; recovering a deleted
    row is for superusers, as deleting is."""

    history_latest_first = True

    def _check_visible(self, request, object_id):
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._check_visible(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        self._check_visible(request, object_id)
        return super().revision_view(request, object_id, version_id, extra_context)

    def recoverlist_view(self, request, extra_context=None):
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().recoverlist_view(request, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().recover_view(request, version_id, extra_context)

    def delete_model(self, request, obj):
        self._keep_before_deleting(request, [obj])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        self._keep_before_deleting(request, queryset)
        super().delete_queryset(request, queryset)

    def _keep_before_deleting(self, request, objects):
        # A row created before history was kept (demo data, a bulk load) has no
        # version yet: save one, so that it can be recovered after deletion.
        with reversion.create_revision():
            reversion.set_user(request.user)
            reversion.set_comment(_("Before deletion"))
            for obj in objects:
                reversion.add_to_revision(obj)


class SuperuserWrites:
    """Staff may read these rows (with the view permission); only superusers
    add, change or delete them."""

    def has_add_permission(self, request, *args):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class SuperusersOnly(SuperuserWrites):
    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_module_permission(self, request):
        return request.user.is_superuser


class PhaseHistoryFormSet(forms.BaseInlineFormSet):
    """The phase rows of one start-up, checked together (startups.rules)."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        phases = [
            SimpleNamespace(**form.cleaned_data)
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        errors = phase_history_errors(phases, today=timezone.localdate())
        if errors:
            raise forms.ValidationError(errors)


class StartupPhaseInline(admin.TabularInline):
    model = StartupPhase
    formset = PhaseHistoryFormSet
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
class StartupAdmin(
    MarkdownPreviewMixin, ScopedToIncubators, HttpsByDefault, KeptHistory
):
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

    def scope(self, request, queryset):
        return queryset.kept_by(request.user)

    def has_delete_permission(self, request, obj=None):
        # Staff unpublish; only the national team deletes.
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs.setdefault("form", StartupAdminForm)
        form = super().get_form(request, obj, change=change, **kwargs)
        if request.user.is_superuser:
            return form
        return staff_startup_form(form, request.user, obj)

    def save_model(self, request, obj, form, change):
        old_slug = form.initial.get("slug") if change else None
        super().save_model(request, obj, form, change)
        if old_slug and old_slug != obj.slug:
            rename_startup(startup=obj, old_slug=old_slug)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Inline phase rows and many-to-many fields are saved after the
        # start-up: derive its current phase and search text from them now.
        refresh_current_phase(form.instance)
        refresh_search_text([form.instance])
        refresh_technologies([form.instance])


class ScopedByStartup(ScopedToIncubators):
    def scope(self, request, queryset):
        return queryset.filter(startup__in=Startup.objects.kept_by(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "startup":
            kwargs["queryset"] = Startup.objects.kept_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(StartupPhase)
class StartupPhaseAdmin(ScopedByStartup, admin.ModelAdmin):
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
class EventAdmin(ScopedByStartup, admin.ModelAdmin):
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
class IncubatorAdmin(
    MarkdownPreviewMixin, ScopedToIncubators, HttpsByDefault, KeptHistory
):
    list_display = ["name", "slug", "owner", "is_hidden"]
    list_filter = ["is_hidden"]
    list_select_related = ["owner"]
    search_fields = ["name", "slug"]
    autocomplete_fields = ["owner", "highlighted_startups"]
    inlines = [IncubatorMembershipInline]

    def scope(self, request, queryset):
        return queryset.kept_by(request.user)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return ()
        # Staff write their incubator's presentation, not its identity.
        return ("slug", "name", "owner", "is_hidden")

    def get_inlines(self, request, obj):
        return self.inlines if request.user.is_superuser else []


@admin.register(Organisation)
class OrganisationAdmin(SuperuserWrites, HttpsByDefault, KeptHistory):
    list_display = ["name", "acronym", "slug", "kind", "ministerial_domain"]
    list_filter = ["kind", "ministerial_domain"]
    search_fields = ["name", "acronym", "slug"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Start-ups are found by their sponsors' names and acronyms.
        refresh_search_text(obj.sponsored_startups.all())


@admin.register(Theme, Audience)
class TermAdmin(SuperuserWrites, admin.ModelAdmin):
    list_display = ["label", "slug"]
    search_fields = ["label", "slug"]
    prepopulated_fields = {"slug": ["label"]}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Start-ups are found by their themes' labels.
        if isinstance(obj, Theme):
            refresh_search_text(obj.startups.all())


@admin.register(IncubatorMembership)
class IncubatorMembershipAdmin(SuperusersOnly, admin.ModelAdmin):
    list_display = ["user", "incubator"]
    list_select_related = ["user", "incubator"]
    list_filter = ["incubator"]
    autocomplete_fields = ["user", "incubator"]
    search_fields = ["user__username", "incubator__name"]


class CommaSeparatedField(forms.CharField):
    """A list of short texts typed as "Django, PostgreSQL, DSFR"."""

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value

    def to_python(self, value):
        items = [item.strip() for item in (value or "").split(",")]
        return list(dict.fromkeys(item for item in items if item))

    def has_changed(self, initial, data):
        return self.to_python(self.prepare_value(initial)) != self.to_python(data)


class StartupAdminForm(forms.ModelForm):
    technologies = CommaSeparatedField(
        label=_("technologies"),
        required=False,
        help_text=_("Separated by commas: Django, PostgreSQL, DSFR"),
    )

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        taken = FormerSlug.objects.filter(slug=slug)
        if self.instance.pk:
            taken = taken.exclude(startup=self.instance)
        if taken.exists():
            raise forms.ValidationError(
                _("This identifier is a former address of another start-up.")
            )
        return slug


@admin.register(StaleReminder)
class StaleReminderAdmin(SuperusersOnly, admin.ModelAdmin):
    list_display = ["user", "sent_at", "startup_count"]
    list_select_related = ["user"]
    date_hierarchy = "sent_at"


def staff_startup_form(form, user, startup):
    """The start-up form for incubator staff: the main incubator is theirs or
    stays what it was, co-incubators likewise, and the sheet keeps one of their
    incubators (or they would lose it)."""
    theirs = Incubator.objects.kept_by(user)
    current_main = [startup.incubator_id] if startup else []
    current_co = (
        list(startup.co_incubators.values_list("pk", flat=True)) if (startup) else []
    )

    class StaffStartupForm(form):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            choices = {
                "incubator": Q(pk__in=theirs) | Q(pk__in=current_main),
                "co_incubators": Q(pk__in=theirs) | Q(pk__in=current_co),
            }
            for name, condition in choices.items():
                if name in self.fields:
                    self.fields[name].queryset = Incubator.objects.filter(condition)

        def clean(self):
            cleaned = super().clean()
            chosen = [cleaned.get("incubator"), *(cleaned.get("co_incubators") or [])]
            mine = set(theirs.values_list("pk", flat=True))
            if not any(incubator and incubator.pk in mine for incubator in chosen):
                raise forms.ValidationError(
                    _(
                        "One of your incubators must stay the start-up's incubator "
                        "or a co-incubator."
                    )
                )
            return cleaned

    return StaffStartupForm
