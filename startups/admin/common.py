"""What every model admin of the staff space shares: scoping to the user's
rows, the Markdown preview, and history with safe restores."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reversion.admin import VersionAdmin
from reversion.models import Version

from startups import history
from startups.admin.forms import NormalisedTextField
from startups.markdown import render_markdown
from startups.policy import is_national_team
from startups.services import RestoreRefused, restore_version


class FormDefaults:
    formfield_overrides = {
        # A link typed without its scheme ("exemple.gouv.fr") becomes https://.
        models.URLField: {"assume_scheme": "https"},
        # Stored with LF line endings, whatever the browser posts.
        models.TextField: {"form_class": NormalisedTextField},
    }


class MarkdownPreviewMixin:
    """A live preview beside the Markdown description, rendered by the same
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
                "class": "markdown-source",
                "data-preview-url": reverse(
                    f"admin:{opts.app_label}_{opts.model_name}_markdown_preview"
                ),
                "data-preview-title": gettext_lazy("Preview, as on the public page"),
            })  # fmt: skip
        return field


class ScopedToUser:
    """For incubator staff and sheet editors, rows outside what they keep do
    not exist: change lists, autocomplete, history and direct URLs (404). The
    national team sees all."""

    def scope(self, request, queryset):
        raise NotImplementedError

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if is_national_team(request.user):
            return queryset
        return self.scope(request, queryset)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # The admin's default is a redirect with "perhaps it was deleted": for a
        # row that is not theirs, staff get a plain 404 that reveals nothing.
        raise Http404


class NationalTeamWrites:
    """Staff may read these rows (with the view permission); only the national
    team adds, changes or deletes them."""

    def has_add_permission(self, request, *args):
        return is_national_team(request.user)

    def has_change_permission(self, request, obj=None):
        return is_national_team(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_national_team(request.user)


class NationalTeamOnly(NationalTeamWrites):
    def has_view_permission(self, request, obj=None):
        return is_national_team(request.user)

    def has_module_permission(self, request):
        return is_national_team(request.user)


class KeptHistory(VersionAdmin):
    """Every add, change and delete through the admin is a revision (who, when,
    the admin's description of what changed) holding the whole sheet. The
    history lists the versions and compares any two field by field; restoring
    a version changes that row alone (services.restore_version), and opening a
    history, comparison or restore page writes nothing. History and restore stay
    within what the user may see; recovering a deleted row is the national
    team's, as deleting is."""

    history_latest_first = True
    object_history_template = "admin/startups/history/object_history.html"

    def get_urls(self):
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}"
        return [
            path(
                "<path:object_id>/history/compare/",
                self.admin_site.admin_view(self.compare_view),
                name=f"{name}_compare",
            ),
            *super().get_urls(),
        ]

    def _visible(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_or_change_permission(request, obj):
            raise Http404
        return obj

    def _versions(self, obj):
        return Version.objects.get_for_object(obj).select_related("revision__user")

    def history_view(self, request, object_id, extra_context=None):
        obj = self._visible(request, object_id)
        opts = self.model._meta
        name = f"admin:{opts.app_label}_{opts.model_name}"
        versions = list(self._versions(obj)[:200])
        rows = []
        for i, version in enumerate(versions):
            previous = versions[i + 1] if i + 1 < len(versions) else None
            rows.append({
                "version": version,
                "restore_url": reverse(f"{name}_revision", args=[obj.pk, version.pk]),
                "compare_url": (
                    reverse(f"{name}_compare", args=[obj.pk])
                    + f"?from={previous.pk}&to={version.pk}"
                ) if previous else None,
            })  # fmt: skip
        context = {
            **self.admin_site.each_context(request),
            "title": _("History: %s") % obj,
            "subtitle": None,
            "opts": opts,
            "object": obj,
            "rows": rows,
            "versions": versions,
            "compare_url": reverse(f"{name}_compare", args=[obj.pk]),
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.object_history_template, context)

    def compare_view(self, request, object_id):
        obj = self._visible(request, object_id)
        versions = self._versions(obj)

        def state(key: str | None):
            if key in (None, "", "current"):
                return None, history.state_of(obj)
            try:
                version = versions.get(pk=int(key))
            except (ValueError, Version.DoesNotExist) as error:
                raise Http404(_("No such version of this sheet.")) from error
            return version, history.state_of_version(version)

        before_version, before = state(request.GET.get("from"))
        after_version, after = state(request.GET.get("to"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Compare two versions of %s") % obj,
            "opts": self.model._meta,
            "object": obj,
            "before": before_version,
            "after": after_version,
            "differences": history.differences(self.model, before, after),
            "incomplete": not (before.complete and after.complete)
            and self.model is history.Startup,
            "history_url": reverse(
                f"admin:{obj._meta.app_label}_{obj._meta.model_name}_history",
                args=[obj.pk],
            ),
        }
        return TemplateResponse(request, "admin/startups/history/compare.html", context)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        obj = self._visible(request, object_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        version = get_object_or_404(self._versions(obj), pk=version_id)
        return self._restore_view(request, version, obj)

    def recoverlist_view(self, request, extra_context=None):
        if not is_national_team(request.user):
            raise PermissionDenied
        return super().recoverlist_view(request, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        if not is_national_team(request.user):
            raise PermissionDenied
        version = get_object_or_404(
            Version.objects.get_deleted(self.model).select_related("revision"),
            pk=version_id,
        )
        return self._restore_view(request, version, None)

    def _restore_view(self, request, version, obj):
        """GET: what the restore would change; POST: restore it. The page is a
        confirmation form: nothing is written before the button is pressed."""
        opts = self.model._meta
        errors = []
        if request.method == "POST":
            try:
                warnings = restore_version(version=version, user=request.user)
            except RestoreRefused as refused:
                errors = refused.messages
            else:
                for warning in warnings:
                    messages.warning(request, warning)
                messages.success(
                    request,
                    _("The version of %(date)s is restored.")
                    % {"date": history.when(version.revision.date_created)},
                )
                return redirect(
                    f"admin:{opts.app_label}_{opts.model_name}_change",
                    int(version.object_id),
                )
        after = history.state_of_version(version)
        before = history.state_of(obj) if obj is not None else None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Restore a version of %s") % (obj or version.object_repr),
            "opts": opts,
            "object": obj,
            "version": version,
            "errors": errors,
            "differences": (
                history.differences(self.model, before, after)
                if before is not None
                else None
            ),
            "incomplete": self.model is history.Startup and not after.complete,
            "recover": obj is None,
        }
        return TemplateResponse(
            request,
            "admin/startups/history/restore.html",
            context,
            status=400 if errors else 200,
        )

    def delete_model(self, request, obj):
        self._keep_before_deleting(request, [obj])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        self._keep_before_deleting(request, queryset)
        super().delete_queryset(request, queryset)

    def _keep_before_deleting(self, request, objects):
        # The last version before deletion holds the whole row (a sheet with its
        # phases): what the recover page brings back.
        objects = list(objects)
        if self.model is history.Startup:
            history.save_sheet_versions(
                [o.pk for o in objects], comment=_("Before deletion"), user=request.user
            )
            return
        import reversion

        with reversion.create_revision():
            reversion.set_user(request.user)
            reversion.set_comment(_("Before deletion"))
            for obj in objects:
                reversion.add_to_revision(obj)
