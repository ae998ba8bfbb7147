"""Admin logins: lockout after repeated failures (django-axes) and the optional
one-time code (django-otp, TOTP)."""

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.test import RequestFactory
from django.urls import reverse as django_reverse
from django.utils import translation
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from portfolio.login_protection import client_ip

pytestmark = pytest.mark.django_db


def reverse(name, args=None):
    # The English admin: what the tests read is the source text.
    with translation.override("en"):
        return django_reverse(name, args=args)


@pytest.fixture
def staff_user(db):
    user = get_user_model().objects.create_user(
        "alice", password="right-password", is_staff=True
    )
    return user


def log_in(client, password, username="alice", **extra):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        **extra,
    )


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_four_failed_logins_still_show_the_login_form(client, staff_user):
    for _ in range(4):
        response = log_in(client, "wrong")
        assert response.status_code == 200
        assert "Please enter the correct" in response.content.decode()


def test_five_failed_logins_lock_the_username_from_that_address(client, staff_user):
    for _ in range(4):
        log_in(client, "wrong")

    fifth = log_in(client, "wrong")
    sixth = log_in(client, "right-password")

    for response in (fifth, sixth):
        assert response.status_code == 429
        html = response.content.decode()
        assert "Login refused: 5 failed attempts" in html
        assert "logging in is blocked for 1 hour. Try again after" in html
    assert not is_logged_in(client)


def test_the_lockout_spares_other_addresses_and_other_usernames(client, staff_user):
    get_user_model().objects.create_user("bob", password="bob-password", is_staff=True)
    for _ in range(5):
        log_in(client, "wrong")

    assert log_in(client, "right-password", REMOTE_ADDR="10.1.2.3").status_code == 302
    client.logout()
    assert log_in(client, "bob-password", username="bob").status_code == 302


def test_a_successful_login_resets_the_count(client, staff_user):
    for _ in range(4):
        log_in(client, "wrong")
    assert log_in(client, "right-password").status_code == 302
    client.logout()

    for _ in range(4):
        assert log_in(client, "wrong").status_code == 200
    assert log_in(client, "right-password").status_code == 302


def test_behind_the_proxy_the_client_address_comes_from_x_forwarded_for(
    client, staff_user, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        log_in(client, "wrong", HTTP_X_FORWARDED_FOR="203.0.113.7")

    # What the client wrote before the proxy's entry changes nothing.
    spoofed = log_in(
        client, "right-password", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7"
    )
    other = log_in(client, "right-password", HTTP_X_FORWARDED_FOR="203.0.113.8")

    assert spoofed.status_code == 429
    assert other.status_code == 302


@pytest.mark.parametrize(
    "count, forwarded, expected",
    [
        (0, "203.0.113.7", "192.0.2.1"),
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "198.51.100.1, 203.0.113.7", "203.0.113.7"),
        (2, "198.51.100.1, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (1, "", "192.0.2.1"),
    ],
)
def test_the_client_address_trusts_only_the_proxies_entries(
    settings, count, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = count
    request = RequestFactory().get(
        "/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=forwarded
    )

    assert client_ip(request) == expected


@pytest.fixture
def otp_admin(settings):
    """DJANGO_ADMIN_REQUIRE_OTP=1 (the staff site reads it at each request)."""
    settings.ADMIN_REQUIRE_OTP = True


@pytest.fixture
def device(staff_user):
    return TOTPDevice.objects.create(user=staff_user, name="Téléphone", confirmed=True)


def current_token(device) -> str:
    token = totp(
        device.bin_key,
        step=device.step,
        t0=device.t0,
        digits=device.digits,
        drift=device.drift,
    )
    return f"{token:0{device.digits}d}"


def log_in_with_token(client, token):
    return client.post(
        reverse("admin:login"),
        {
            "username": "alice",
            "password": "right-password",
            "otp_token": token,
            "next": reverse("admin:index"),
        },
    )


def test_with_otp_required_the_login_form_asks_for_the_token(client, otp_admin):
    response = client.get(reverse("admin:login"))

    assert response.status_code == 200
    assert 'name="otp_token"' in response.content.decode()


def test_with_otp_required_a_valid_token_logs_in(client, otp_admin, device):
    response = log_in_with_token(client, current_token(device))

    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_with_otp_required_a_wrong_token_is_refused(client, otp_admin, device):
    wrong = f"{(int(current_token(device)) + 1) % 10**6:06d}"

    response = log_in_with_token(client, wrong)

    assert response.status_code == 200
    assert "Invalid token" in response.content.decode()
    assert client.get(reverse("admin:index")).status_code == 302


def test_with_otp_required_the_password_alone_is_not_enough(client, otp_admin, device):
    response = log_in(client, "right-password")

    assert response.status_code == 200
    assert "Please enter your OTP token" in response.content.decode()
    assert client.get(reverse("admin:index")).status_code == 302


def test_without_otp_required_the_password_is_enough(client, device):
    assert log_in(client, "right-password").status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.parametrize(
    "value, site",
    [("1", "OneDeviceOTPAuthenticationForm"), ("0", "AdminAuthenticationForm")],
)
def test_the_environment_switches_the_admin_to_one_time_codes(value, site):
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL"))
    }
    environment.update(DJANGO_DEBUG="1", DJANGO_ADMIN_REQUIRE_OTP=value)
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "import portfolio.urls; from django.contrib import admin; "
            "print(admin.site.login_form.__name__)",
        ],
        cwd=django_settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.stdout.strip().splitlines()[-1] == site, result.stderr
