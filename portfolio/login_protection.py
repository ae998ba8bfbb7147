"""Admin login protection: how django-axes sees a client and answers a
locked-out one (settings AXES_CLIENT_IP_CALLABLE and AXES_LOCKOUT_CALLABLE), and
the login form that asks for a one-time code (settings.ADMIN_REQUIRE_OTP, read by
startups.admin.site.StaffAdminSite)."""

from datetime import timedelta

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm


def client_ip(request: HttpRequest) -> str | None:
    """The address that sent the request. Behind TRUSTED_PROXY_COUNT trusted proxies,
    each appended the address it saw to X-Forwarded-For: the client is that many
    entries from the right. Entries further left were written by the client and
    prove nothing."""
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = [
            part.strip()
            for part in request.headers.get("x-forwarded-for", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")


def lockout_response(request, original_response=None, credentials=None):
    """The admin's look, saying when to try again. Every attempt during the
    lockout starts the cool-off again (axes' default), so it ends one cool-off
    from now."""
    cool_off = settings.AXES_COOLOFF_TIME
    retry_at = timezone.localtime() + timedelta(hours=cool_off)
    context = {
        **admin.site.each_context(request),
        "title": _("Too many failed logins"),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cool_off_hours": cool_off,
        "retry_at": retry_at,
    }
    return TemplateResponse(
        request,
        "axes/lockout.html",
        context,
        status=settings.AXES_HTTP_RESPONSE_CODE,
    ).render()


class OneDeviceOTPAuthenticationForm(OTPAdminAuthenticationForm):
    """django-otp makes the user pick a device in a second step; staff have one
    authenticator app, so theirs is picked for them and one form is enough."""

    def _chosen_device(self, user):
        device = super()._chosen_device(user)
        if device is None:
            devices = list(devices_for_user(user, for_verify=True))
            if len(devices) == 1:
                device = devices[0]
        return device
