"""People: memberships, sheet editors, invitations by e-mail, passwords set and
reset through an e-mailed link, and the reminders sent to staff."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse_lazy
from django.utils.translation import gettext as _

from startups.accounts import StaffPasswordResetForm, site_address
from startups.admin.common import NationalTeamOnly
from startups.admin.forms import InvitationForm
from startups.admin.site import site
from startups.models import IncubatorMembership, StaleReminder, StartupEditor
from startups.policy import Role, is_national_team, role_on
from startups.services import invite_person

User = get_user_model()


@admin.register(IncubatorMembership, site=site)
class IncubatorMembershipAdmin(NationalTeamOnly, admin.ModelAdmin):
    list_display = ["user", "incubator"]
    list_select_related = ["user", "incubator"]
    list_filter = ["incubator"]
    autocomplete_fields = ["user", "incubator"]
    search_fields = ["user__username", "user__email", "incubator__name"]


@admin.register(StartupEditor, site=site)
class StartupEditorAdmin(NationalTeamOnly, admin.ModelAdmin):
    list_display = ["user", "startup"]
    list_select_related = ["user", "startup"]
    autocomplete_fields = ["user", "startup"]
    search_fields = ["user__username", "user__email", "startup__title"]


@admin.register(StaleReminder, site=site)
class StaleReminderAdmin(NationalTeamOnly, admin.ModelAdmin):
    list_display = ["user", "sent_at", "startup_count"]
    list_select_related = ["user"]
    date_hierarchy = "sent_at"


def invite_view(request):
    """Invite a person by e-mail: the national team to any incubator, incubator
    staff to their incubators or as editors of their start-ups. The person gets
    a link to set their password and lands in the staff space."""
    user = request.user
    if role_on(user, None) not in (Role.NATIONAL_TEAM, Role.INCUBATOR_STAFF):
        raise PermissionDenied
    form = InvitationForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        person = invite_person(
            email=form.cleaned_data["email"],
            incubator=form.cleaned_data["incubator"],
            startup=form.cleaned_data["startup"],
            invited_by=user,
        )
        messages.success(
            request,
            _("%(email)s is invited: a link to set a password is on its way.")
            % {"email": person.email},
        )
        return redirect("admin:index")
    context = {
        **site.each_context(request),
        "title": _("Invite a person"),
        "form": form,
        "is_national_team": is_national_team(user),
    }
    return TemplateResponse(request, "admin/startups/invite.html", context)


class StaffPasswordResetView(auth_views.PasswordResetView):
    form_class = StaffPasswordResetForm
    email_template_name = "registration/staff_password_reset_email.txt"
    subject_template_name = "registration/staff_password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        form.save(
            **site_address(),
            subject_template_name=self.subject_template_name,
            email_template_name=self.email_template_name,
            from_email=None,
            request=self.request,
        )
        return redirect(self.get_success_url())


def password_urls():
    """The "forgotten password" pages, linked from the staff space's login
    (Django's admin shows the link when `admin_password_reset` exists)."""
    return [
        path(
            "admin/password_reset/",
            StaffPasswordResetView.as_view(),
            name="admin_password_reset",
        ),
        path(
            "admin/password_reset/done/",
            auth_views.PasswordResetDoneView.as_view(),
            name="password_reset_done",
        ),
        path(
            "admin/reset/<uidb64>/<token>/",
            auth_views.PasswordResetConfirmView.as_view(
                post_reset_login=True,
                post_reset_login_backend="django.contrib.auth.backends.ModelBackend",
                success_url=reverse_lazy("admin:index"),
            ),
            name="password_reset_confirm",
        ),
        path(
            "admin/reset/done/",
            auth_views.PasswordResetCompleteView.as_view(),
            name="password_reset_complete",
        ),
    ]
