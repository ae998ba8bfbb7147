import os
import subprocess
import sys

from django.conf import settings


def manage(*args, **env):
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL"))
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_outside_debug_the_site_refuses_to_start_without_a_secret_key():
    result = manage("check")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_production_settings_pass_the_deployment_checks():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY="k" * 20 + "-production-like-secret-0123456789-abcdef",
        DJANGO_SITE_URL="https://catalogue.example.org",
        # Rate limits shared by every worker (the check reads the setting only).
        REDIS_URL="redis://127.0.0.1:6379/7",
    )

    assert result.returncode == 0, result.stderr


def test_the_deployment_checks_warn_when_the_public_address_is_not_set():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY="k" * 60,
        REDIS_URL="redis://127.0.0.1:6379/7",
    )

    assert result.returncode != 0
    assert "portfolio.W002" in result.stderr
    assert "portfolio.W001" not in result.stderr


def test_the_public_address_gives_the_hosts_served_port_included():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.SERVED_HOSTS, s.ALLOWED_HOSTS)",
        DJANGO_SECRET_KEY="k" * 60,
        DJANGO_SITE_URL="https://catalogue.example.org:8443",
        DJANGO_ALLOWED_HOSTS="10.0.0.5:8000,www.catalogue.example.org",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        "['catalogue.example.org:8443', '10.0.0.5:8000', 'www.catalogue.example.org'] "
        "['10.0.0.5', 'catalogue.example.org', 'www.catalogue.example.org']"
    )


def test_a_public_address_with_a_path_is_refused():
    result = manage(
        "check",
        DJANGO_SECRET_KEY="k" * 60,
        DJANGO_SITE_URL="https://catalogue.example.org/catalogue",
    )

    assert result.returncode != 0
    assert "DJANGO_SITE_URL must be the site's address" in result.stderr


def test_the_deployment_checks_warn_when_rate_limits_are_counted_per_process():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY="k" * 60,
    )

    assert result.returncode != 0
    assert "portfolio.W001" in result.stderr
    assert "REDIS_URL" in result.stderr


def test_a_value_the_settings_do_not_understand_is_refused_with_its_name():
    result = manage("check", DJANGO_DEBUG="maybe")

    assert result.returncode != 0
    assert "DJANGO_DEBUG must be one of" in result.stderr


def test_production_trusts_the_proxy_scheme_and_redirects_to_https():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.DEBUG, "
        "s.SECURE_SSL_REDIRECT, s.SECURE_PROXY_SSL_HEADER, s.SESSION_COOKIE_SECURE)",
        DJANGO_SECRET_KEY="x" * 50,
    )

    assert result.stdout.strip().splitlines()[-1] == (
        "False True ('HTTP_X_FORWARDED_PROTO', 'https') True"
    ), result.stderr


def test_outside_debug_a_short_secret_key_is_refused_with_the_command_making_one():
    result = manage("check", DJANGO_SECRET_KEY="k" * 49)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY has 49 characters" in result.stderr
    assert "secrets.token_urlsafe(50)" in result.stderr
    assert manage("check", DJANGO_SECRET_KEY="k" * 50).returncode == 0
