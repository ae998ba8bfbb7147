"""Per-address limits on search, CSV exports and admin logins: 429 with a page
(or JSON under /api/) that says when to try again."""

import pytest
from django.core.cache import cache

from portfolio.ratelimit import parse_rate


@pytest.fixture(autouse=True)
def small_limits(settings, db):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }
    settings.RATELIMIT_ENABLED = True
    settings.RATELIMIT_SEARCH = "3/m"
    settings.RATELIMIT_EXPORT = "2/m"
    settings.RATELIMIT_LOGIN = "2/m"
    cache.clear()
    yield
    cache.clear()


def test_a_fourth_search_in_a_minute_gets_a_429_page_saying_when_to_retry(client):
    for _ in range(3):
        assert client.get("/startups/", {"q": "santé"}).status_code == 200

    response = client.get("/startups/", {"q": "santé"})

    assert response.status_code == 429
    retry_after = int(response["Retry-After"])
    assert 1 <= retry_after <= 60
    html = response.content.decode()
    assert "Too many requests" in html or "Trop de requêtes" in html
    assert f"{retry_after} second" in html or f"{retry_after} seconde" in html
    assert "fr-alert" in html


def test_browsing_the_catalogue_without_a_search_is_not_limited(client):
    for _ in range(10):
        assert client.get("/startups/").status_code == 200


def test_each_address_has_its_own_count(client):
    for _ in range(3):
        client.get("/startups/", {"q": "x"}, REMOTE_ADDR="10.0.0.1")

    assert client.get("/startups/", {"q": "x"}, REMOTE_ADDR="10.0.0.1").status_code == (
        429
    )
    assert client.get("/startups/", {"q": "x"}, REMOTE_ADDR="10.0.0.2").status_code == (
        200
    )


def test_behind_a_proxy_the_forwarded_client_address_is_counted(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(3):
        client.get("/startups/", {"q": "x"}, HTTP_X_FORWARDED_FOR="198.51.100.7")

    blocked = client.get("/startups/", {"q": "x"}, HTTP_X_FORWARDED_FOR="198.51.100.7")
    other = client.get("/startups/", {"q": "x"}, HTTP_X_FORWARDED_FOR="198.51.100.8")

    assert blocked.status_code == 429
    assert other.status_code == 200


def test_the_csv_exports_share_one_limit(client):
    assert client.get("/startups/export.csv").status_code == 200
    assert client.get("/api/v2.7/startups.csv").status_code == 200

    page = client.get("/startups/export.csv")
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

    for _ in range(6):
        assert client.get("/startups/export.csv").status_code == 200


@pytest.mark.parametrize(
    ("rate", "expected"),
    [("60/m", (60, 60)), ("5/s", (5, 1)), ("100/hour", (100, 3600))],
)
def test_a_rate_reads_as_count_per_period(rate, expected):
    assert parse_rate(rate) == expected
