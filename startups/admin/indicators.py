"""Impact indicators in the staff space: listed in the sheet form (an inline),
each with its own page where its values are typed (an inline of dated
values), and a CSV upload of a sheet's values. Whoever may change the sheet
changes its indicators (startups.policy, through the sheet's role); every
change is a version of the whole sheet (startups.history)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from startups import history
from startups.admin.common import FormDefaults, ScopedToUser
from startups.admin.site import site
from startups.impact import CSV_MAX_BYTES, CsvRefused, import_indicator_values
from startups.indicators import Indicator, IndicatorValue
from startups.models import Startup


def sheet_role(request, startup):
    """The user's role on a sheet, asked once per request and sheet (shared
    with the sheet's own admin)."""
    from startups.admin.sheets import _role

    return _role(request, startup)


def save_sheet_version(request, startup, comment: str) -> None:
    history.save_sheet_versions([startup.pk], comment=comment, user=request.user)


class IndicatorInline(FormDefaults, admin.TabularInline):
    """The sheet's indicators, in the sheet form; their values on each
    indicator's page (the "change" link)."""

    model = Indicator
    extra = 0
    fields = ["label", "part", "unit", "periodicity", "source_url", "position"]
    show_change_link = True
    verbose_name_plural = gettext_lazy(
        "impact indicators (values on each indicator's page, or uploaded as CSV)"
    )

    def has_view_permission(self, request, obj=None):
        return obj is None or sheet_role(request, obj) is not None

    def has_add_permission(self, request, obj=None):
        return obj is None or sheet_role(request, obj) is not None

    has_change_permission = has_add_permission
    has_delete_permission = has_add_permission


class IndicatorValueInline(admin.TabularInline):
    model = IndicatorValue
    extra = 3
    fields = ["date", "value"]
    ordering = ["-date"]
    # Typed as the staff's language writes numbers ("12,5" in French).
    formfield_overrides = {models.DecimalField: {"localize": True}}

    def _may(self, request, obj):
        return obj is None or sheet_role(request, obj.startup) is not None

    def has_view_permission(self, request, obj=None):
        return self._may(request, obj)

    has_add_permission = has_view_permission
    has_change_permission = has_view_permission
    has_delete_permission = has_view_permission


@admin.register(Indicator, site=site)
class IndicatorAdmin(ScopedToUser, FormDefaults, admin.ModelAdmin):
    list_display = ["label", "startup", "part", "periodicity", "last_fetched_at"]
    list_filter = ["part", "periodicity"]
    search_fields = ["label", "startup__title", "startup__slug"]
    list_select_related = ["startup"]
    autocomplete_fields = ["startup"]
    fields = [
        "startup",
        "label",
        "unit",
        "description",
        "part",
        "periodicity",
        "source_url",
        "position",
        "last_fetched_at",
        "fetch_error",
    ]
    readonly_fields = ["last_fetched_at", "fetch_error"]
    inlines = [IndicatorValueInline]

    def scope(self, request, queryset):
        return queryset.kept_by(request.user)

    def _role(self, request, obj):
        return sheet_role(request, obj.startup) if obj is not None else None

    def has_view_permission(self, request, obj=None):
        if obj is not None and self._role(request, obj) is None:
            return False
        return super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        if obj is not None and self._role(request, obj) is None:
            return False
        return super().has_change_permission(request, obj)

    has_delete_permission = has_change_permission

    def get_readonly_fields(self, request, obj=None):
        # An indicator stays on its sheet: it is added from the sheet form.
        if obj is not None:
            return ["startup", *self.readonly_fields]
        return self.readonly_fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "startup":
            kwargs["queryset"] = Startup.objects.kept_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=gettext_lazy("last fetch error"))
    def fetch_error(self, obj):
        if not obj.last_error:
            return "—"
        return format_html("{} ({})", obj.last_error, obj.last_error_at)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        save_sheet_version(
            request,
            form.instance.startup,
            _("Changed the indicator “%(label)s”") % {"label": form.instance.label},
        )

    def delete_model(self, request, obj):
        startup = obj.startup
        super().delete_model(request, obj)
        save_sheet_version(
            request, startup, _("Deleted the indicator “%(label)s”") % {"label": obj}
        )

    def get_urls(self):
        return [
            path(
                "upload/<int:startup_id>/",
                self.admin_site.admin_view(self.upload_view),
                name="startups_indicator_upload",
            ),
            *super().get_urls(),
        ]

    def upload_view(self, request, startup_id: int):
        startup = get_object_or_404(
            Startup.objects.kept_by(request.user), pk=startup_id
        )
        if sheet_role(request, startup) is None:
            raise Http404
        if not (
            request.user.has_perm("startups.add_indicatorvalue")
            and request.user.has_perm("startups.change_indicatorvalue")
        ):
            raise PermissionDenied
        errors: list[str] = []
        form = IndicatorValuesUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                written = import_indicator_values(
                    startup=startup, data=form.cleaned_data["file"].read()
                )
            except CsvRefused as refused:
                errors = refused.messages
            else:
                save_sheet_version(
                    request, startup, _("Uploaded indicator values (CSV)")
                )
                messages.success(
                    request,
                    _("%(n)s values written to the indicators of %(title)s.")
                    % {"n": written, "title": startup.title},
                )
                return redirect("admin:startups_startup_change", startup.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Upload indicator values: %s") % startup.title,
            "opts": self.model._meta,
            "startup": startup,
            "form": form,
            "errors": errors,
            "labels": list(startup.indicators.values_list("label", flat=True)),
            "sheet_url": reverse("admin:startups_startup_change", args=[startup.pk]),
        }
        return TemplateResponse(
            request,
            "admin/startups/indicator/upload.html",
            context,
            status=400 if errors or form.errors else 200,
        )


class IndicatorValuesUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "Columns indicator, date, value: the indicator's label, a date "
            "(YYYY-MM-DD), a number. A comma or a semicolon between columns, UTF-8."
        ),
    )

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > CSV_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(n)s bytes.") % {"n": CSV_MAX_BYTES}
            )
        return file


def upload_url(request, startup) -> str | None:
    """The sheet's CSV upload, for the sheet form's tools (None on a new sheet
    or for who may not)."""
    if startup is None or startup.pk is None or sheet_role(request, startup) is None:
        return None
    if not request.user.has_perm("startups.add_indicatorvalue"):
        return None
    return reverse("admin:startups_indicator_upload", args=[startup.pk])
