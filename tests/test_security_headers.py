"""Every kind of page carries the security headers (Mozilla Observatory's set)."""

import pytest
from django.conf import settings

PAGES = {
    "home": "/",
    "catalogue": "/startups/",
    "catalogue in English": "/en/startups/",
    "start-up page": "/startups/{slug}/",
    "statistics": "/stats/",
    "API JSON": "/api/v1/startups/",
    "admin login": "/admin/login/",
    "404": "/startups/no-such-start-up/",
    "CSV export": "/startups/export.csv",
    "open-data CSV": "/api/v2.7/startups.csv",
}


def directives(header: str) -> dict[str, str]:
    return {
        part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2]
        for part in header.split(";")
        if part.strip()
    }


@pytest.fixture
def startup(make_startup):
    return make_startup(slug="secure-startup")


@pytest.mark.parametrize("name", PAGES)
def test_each_kind_of_page_carries_every_security_header(client, startup, name):
    response = client.get(PAGES[name].format(slug=startup.slug))

    assert response.status_code == (404 if name == "404" else 200)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    permissions = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in permissions
    csp = directives(response["Content-Security-Policy"])
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'self'"
    assert csp["form-action"] == "'self'"


@pytest.mark.parametrize("name", [name for name in PAGES if name != "admin login"])
def test_public_pages_allow_no_inline_style_or_script(client, startup, name):
    response = client.get(PAGES[name].format(slug=startup.slug))

    csp = directives(response["Content-Security-Policy"])
    assert csp["style-src"] == "'self'"
    assert "unsafe" not in response["Content-Security-Policy"]
    assert csp["img-src"] == "'self' data: https:"


def test_public_html_has_no_inline_script_or_style(client, startup):
    for url in ("/", "/startups/", f"/startups/{startup.slug}/", "/stats/"):
        html = client.get(url).content.decode()

        assert " style=" not in html, url
        assert "<style" not in html, url
        for tag in html.split("<script")[1:]:
            opening = tag.split(">", 1)[0]
            # Files, or JSON-LD data that no browser runs.
            assert "src=" in opening or "application/ld+json" in opening, url


def test_the_admin_alone_may_use_inline_styles_but_never_inline_scripts(client):
    for url in ("/admin/login/", "/en/admin/login/"):
        csp = directives(client.get(url)["Content-Security-Policy"])

        assert csp["style-src"] == "'self' 'unsafe-inline'"
        assert csp["script-src"] == "'self'"


def test_production_asks_browsers_to_upgrade_insecure_requests():
    # The test settings are production's (DEBUG off).
    assert not settings.DEBUG
    assert settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["upgrade-insecure-requests"]


def test_https_requests_get_strict_transport_security(client, startup):
    response = client.get("/", secure=True)

    assert response["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains"
    )
