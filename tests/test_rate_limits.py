"""Per-address limits on the work that builds a page (searches, CSV exports,
other pages the cache does not hold), admin logins, and a generous one on every
page: 429 with a page (or JSON under /api/) that says when to try again."""

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache

from portfolio.ratelimit import hit, parse_rate
from tests.helpers import redis_url


@pytest.fixture(autouse=True)
def small_limits(settings, db):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }
    settings.RATELIMIT_ENABLED = True
    settings.RATELIMIT_SEARCH = "3/m"
    settings.RATELIMIT_EXPORT = "2/m"
    settings.RATELIMIT_LOGIN = "2/m"
    settings.RATELIMIT_BUILD = "5/m"
    settings.RATELIMIT_PAGES = "30/m"
    cache.clear()
    yield
    cache.clear()


def test_a_fourth_search_in_a_minute_gets_a_429_page_saying_when_to_retry(client):
    for word in ("santé", "emploi", "école"):
        assert client.get("/startups/", {"q": word}).status_code == 200

    response = client.get("/startups/", {"q": "impôts"})

    assert response.status_code == 429
    retry_after = int(response["Retry-After"])
    assert 1 <= retry_after <= 60
    html = response.content.decode()
    assert "Too many requests" in html or "Trop de requêtes" in html
    assert f"{retry_after} second" in html or f"{retry_after} seconde" in html
    assert "fr-alert" in html


def test_a_search_the_cache_holds_is_not_counted(client):
    for _ in range(10):
        assert client.get("/startups/", {"q": "santé"}).status_code == 200

    assert client.get("/startups/", {"q": "emploi"}).status_code == 200


def test_browsing_cached_pages_is_limited_generously_only(client):
    for _ in range(30):
        assert client.get("/startups/").status_code == 200

    response = client.get("/startups/")

    assert response.status_code == 429


def test_pages_the_cache_does_not_hold_share_the_build_limit(client, make_startup):
    sheets = [make_startup() for _ in range(6)]
    for sheet in sheets[:5]:
        assert client.get(f"/startups/{sheet.slug}/").status_code == 200

    assert client.get(f"/startups/{sheets[5].slug}/").status_code == 429
    # Those already built are answered from the cache.
    assert client.get(f"/startups/{sheets[0].slug}/").status_code == 200


def test_each_address_has_its_own_count(client):
    for word in "abc":
        client.get("/startups/", {"q": word}, REMOTE_ADDR="10.0.0.1")

    assert client.get("/startups/", {"q": "d"}, REMOTE_ADDR="10.0.0.1").status_code == (
        429
    )
    assert client.get("/startups/", {"q": "e"}, REMOTE_ADDR="10.0.0.2").status_code == (
        200
    )


def test_behind_a_proxy_the_forwarded_client_address_is_counted(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for word in "abc":
        client.get("/startups/", {"q": word}, HTTP_X_FORWARDED_FOR="198.51.100.7")

    blocked = client.get("/startups/", {"q": "d"}, HTTP_X_FORWARDED_FOR="198.51.100.7")
    other = client.get("/startups/", {"q": "e"}, HTTP_X_FORWARDED_FOR="198.51.100.8")

    assert blocked.status_code == 429
    assert other.status_code == 200


def test_the_csv_exports_share_one_limit(client):
    assert client.get("/startups/export.csv").status_code == 200
    assert client.get("/api/v2.7/startups.csv").status_code == 200

    page = client.get("/startups/export.csv", {"phase": "investigation"})
    api = client.get("/api/v1/startups/", {"q": "x"})  # not an export: built
    assert api.status_code == 200
    cache.clear()
    client.get("/startups/export.csv")
    client.get("/startups/export.csv", {"q": "a"})
    api = client.get("/api/v2.7/startups.csv")

    assert page.status_code == 429
    assert "Retry-After" in page
    assert api.status_code == 429
    assert api["Content-Type"] == "application/json"
    assert api.json()["retry_after"] == int(api["Retry-After"])
    assert "réessayez" in api.json()["detail"]


def test_admin_login_posts_are_limited_but_the_form_still_shows(client):
    for _ in range(2):
        client.post("/admin/login/", {"username": "a", "password": "b"})

    response = client.post("/admin/login/", {"username": "a", "password": "b"})

    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert client.get("/admin/login/").status_code == 200


def test_the_limits_can_be_turned_off(client, settings):
    settings.RATELIMIT_ENABLED = False

    for word in "abcdef":
        assert client.get("/startups/export.csv", {"q": word}).status_code == 200


@pytest.mark.parametrize(
    ("rate", "expected"),
    [("60/m", (60, 60)), ("5/s", (5, 1)), ("100/hour", (100, 3600))],
)
def test_a_rate_reads_as_count_per_period(rate, expected):
    assert parse_rate(rate) == expected


def test_with_redis_every_process_counts_against_the_same_limit(settings):
    url = redis_url()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"ratelimit-test-{os.getpid()}",
        }
    }
    settings.RATELIMIT_SEARCH = "5/h"
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    from django.core.cache import caches

    caches["default"].clear()
    # Another worker (another process, as gunicorn's are) spends 4 of the 5.
    other = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.conf import settings; "
            f"settings.CACHES['default']['KEY_PREFIX'] = {prefix!r}; "
            "from portfolio.ratelimit import hit; "
            "print([hit('SEARCH', '203.0.113.9') for _ in range(4)])",
        ],
        cwd=django_settings.BASE_DIR,
        env={
            **os.environ,
            "REDIS_URL": url,
            "DJANGO_RATELIMIT_SEARCH": "5/h",
            "DJANGO_SETTINGS_MODULE": "portfolio.settings",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert other.returncode == 0, other.stderr
    assert other.stdout.strip().splitlines()[-1] == "[None, None, None, None]"

    try:
        assert hit("SEARCH", "203.0.113.9") is None
        assert hit("SEARCH", "203.0.113.9") is not None
    finally:
        caches["default"].clear()


def test_a_deploy_check_warns_when_counts_are_kept_per_process(settings):
    from portfolio.ratelimit import shared_counts_check

    assert [w.id for w in shared_counts_check()] == ["portfolio.W001"]
    settings.RATELIMIT_ENABLED = False
    assert shared_counts_check() == []
