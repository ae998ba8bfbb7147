"""Staff accounts' e-mails: the link that sets a password, sent on invitation
and from "forgotten password". Addresses in e-mails come from the settings
(DJANGO_SITE_URL), never from the request."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm


class StaffPasswordResetForm(PasswordResetForm):
    """ "Forgotten password", for staff accounts: also for invited people who
    have not set a password yet (every account here signs in with one)."""

    def get_users(self, email):
        return get_user_model()._default_manager.filter(
            email__iexact=email, is_active=True, is_staff=True
        )


def site_address() -> dict:
    """PasswordResetForm.save()'s address arguments, from the settings."""
    address = urlsplit(settings.SITE_URL)
    return {"domain_override": address.netloc, "use_https": address.scheme == "https"}


def send_password_link(person, *, invited_by=None) -> None:
    """E-mail a person the link that sets their password: an invitation when
    `invited_by` is given, else a reset."""
    template = "invitation" if invited_by else "staff_password_reset"

    class OnePerson(StaffPasswordResetForm):
        def get_users(self, email):
            return [person]

    form = OnePerson(data={"email": person.email})
    if form.is_valid():
        form.save(
            **site_address(),
            subject_template_name=f"registration/{template}_subject.txt",
            email_template_name=f"registration/{template}_email.txt",
            extra_email_context={"invited_by": invited_by},
        )
