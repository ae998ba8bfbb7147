"""Mozilla HTTP Observatory's grade for the main pages, scored from test responses.

We cannot scan a live deployment from the tests, so tests/observatory.py applies the
Observatory's published rules (MDN's "HTTP Observatory: tests and scoring" and the
scanner's own tests) to what the site answers here, with production's settings:
DEBUG off, secure cookies, HSTS for a year, and the http-to-https redirection on
(tests turn it off elsewhere for the plain-http test client). As the scanner does,
each page is fetched over plain http first (the redirection), then over https (the
headers and the HTML), then robots.txt (its cookies count), then sent a CORS
preflight from the scanner's origin. A page gets A+ at 100 points or more; we also
require every one of the ten tests to pass.

All ten tests are scored (CSP, cookies, CORS, redirection, Referrer-Policy, HSTS,
subresource integrity, X-Content-Type-Options, X-Frame-Options,
Cross-Origin-Resource-Policy). Left out, and why:
- The HSTS preload list (+5 when the domain is on browsers' list, and redirections
  through preloaded hosts): a property of the domain, decided by its owner
  (DJANGO_SECURE_HSTS_PRELOAD); scored as not preloaded.
- Certificate checks (hsts-invalid-cert, redirection-invalid-cert): TLS is the
  proxy's; the test client's https has no certificate and counts as valid.
- <meta http-equiv> copies of CSP, Referrer-Policy and CORP, which the scanner
  merges with the headers: our templates set none, and the scorer refuses a page
  that does rather than score it wrongly.
- Several CSP policies in one response: we send one; the scorer refuses more.
- SRI compares a script's registrable domain with the site's; the scorer compares
  hosts, which is stricter. Every script here is our own file anyway.
- The scanner's wrong-status, unreachable-site and unparsable-HTML outcomes: a page
  here must answer 200, which the test asserts first.
"""

import pytest

from tests import observatory
from tests.observatory import Retrieval

PAGES = {
    "home": "/",
    "catalogue": "/startups/",
    "start-up page": "/startups/{slug}/",
    "API": "/api/v1/startups/",
    "admin login": "/admin/login/",
}


def retrieve(client, path: str) -> Retrieval:
    """What the scanner fetches for a page, through one client (one cookie jar)."""
    http = client.get(path, follow=True)
    route = [f"http://testserver{path}"] + [url for url, _ in http.redirect_chain]
    response = client.get(
        path,
        secure=True,
        HTTP_ACCEPT="text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    )
    assert response.status_code == 200, path
    client.get("/robots.txt", secure=True)
    cors = client.options(
        path,
        secure=True,
        HTTP_ORIGIN=observatory.SCANNER_ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    return Retrieval(
        url=f"https://testserver{path}",
        response=response,
        route=route,
        cors=cors,
        cookies=list(client.cookies.values()),
    )


@pytest.fixture
def production(settings):
    # The test settings are production's (DEBUG off, so secure cookies and a
    # year of HSTS), but for the redirection to https that conftest turns off.
    assert not settings.DEBUG
    settings.SECURE_SSL_REDIRECT = True
    return settings


@pytest.fixture
def startup(make_startup):
    return make_startup(slug="observed")


@pytest.mark.parametrize("name", PAGES)
def test_each_main_page_scores_a_plus_with_no_failed_test(
    client, production, startup, name
):
    report = observatory.score(retrieve(client, PAGES[name].format(slug=startup.slug)))

    assert report.failed == [], report
    assert report.score >= 100, report
    assert report.grade == "A+", report


@pytest.mark.parametrize("name", [name for name in PAGES if name != "admin login"])
def test_public_pages_earn_the_bonus_of_a_csp_without_unsafe_sources(
    client, production, startup, name
):
    report = observatory.score(retrieve(client, PAGES[name].format(slug=startup.slug)))

    results = {r.test: r.result for r in report.results}
    assert results["content-security-policy"] == "csp-implemented-with-no-unsafe"
    assert results["x-frame-options"] == "x-frame-options-implemented-via-csp"
    assert results["referrer-policy"] == "referrer-policy-private"
    assert results["redirection"] == "redirection-to-https"


def test_the_admin_login_loses_only_the_csp_bonus_for_its_inline_styles(
    client, db, production
):
    report = observatory.score(retrieve(client, "/admin/login/"))

    results = {r.test: r.result for r in report.results}
    assert results["content-security-policy"] == (
        "csp-implemented-with-unsafe-inline-in-style-src-only"
    )
    # Its form sets the CSRF cookie: Secure and SameSite, as the scanner wants.
    assert results["cookies"] == "cookies-secure-with-httponly-sessions-and-samesite"


def test_the_open_data_api_is_public_to_other_origins_without_credentials(
    client, db, production
):
    report = observatory.score(retrieve(client, "/api/v1/startups/"))

    results = {r.test: r.result for r in report.results}
    assert results["cross-origin-resource-sharing"] == (
        "cross-origin-resource-sharing-implemented-with-public-access"
    )
    assert results["subresource-integrity"] == "sri-not-implemented-response-not-html"


# The scorer itself: what it would say of weaker headers. These keep it honest,
# since the pages above must not pass merely because the scorer cannot fail.

GOOD_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; object-src 'none'; "
        "frame-ancestors 'none'"
    ),
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def scored(headers=GOOD_HEADERS, *, html="<p>Bonjour</p>", route=None, **extra):
    from django.http import HttpResponse

    response = HttpResponse(html)
    for name, value in headers.items():
        response[name] = value
    return observatory.score(
        Retrieval(
            url="https://example.org/",
            response=response,
            route=route or ["http://example.org/", "https://example.org/"],
            **extra,
        )
    )


def results_of(report) -> dict[str, str]:
    return {r.test: r.result for r in report.results}


def test_a_response_without_any_security_header_scores_f():
    report = scored({}, route=["http://example.org/"])

    assert sorted(report.failed) == [
        "csp-not-implemented",
        "hsts-not-implemented",
        "redirection-missing",
        "x-content-type-options-not-implemented",
        "x-frame-options-not-implemented",
    ]
    # 100 - 25 - 20 - 20 - 5 - 20, and no bonus below an A.
    assert report.score == 10
    assert report.grade == "F"


def test_good_headers_score_the_sum_of_their_bonuses():
    # CSP without unsafe sources +5, frame-ancestors +5, private referrer +5.
    assert scored().score == 115


def test_inline_scripts_allowed_by_the_csp_cost_20_points_and_fail():
    headers = {
        **GOOD_HEADERS,
        "Content-Security-Policy": "default-src 'self'; script-src 'self' "
        "'unsafe-inline'; object-src 'none'; frame-ancestors 'none'",
    }

    report = scored(headers)

    assert report.failed == ["csp-implemented-with-unsafe-inline"]
    # The -20 leaves 80, under an A: no bonus at all.
    assert report.score == 80


def test_a_nonce_makes_the_scanner_ignore_unsafe_inline():
    headers = {
        **GOOD_HEADERS,
        "Content-Security-Policy": "default-src 'none'; script-src 'nonce-abc' "
        "'unsafe-inline'; object-src 'none'; frame-ancestors 'none'",
    }

    assert results_of(scored(headers))["content-security-policy"] == (
        "csp-implemented-with-no-unsafe-default-src-none"
    )


def test_hsts_for_less_than_six_months_costs_10_points():
    headers = {**GOOD_HEADERS, "Strict-Transport-Security": "max-age=86400"}

    report = scored(headers)

    assert report.failed == ["hsts-implemented-max-age-less-than-six-months"]
    assert report.score == 100 - 10 + 15


def test_a_session_cookie_readable_by_scripts_costs_30_points():
    from http.cookies import SimpleCookie

    jar = SimpleCookie()
    jar["sessionid"] = "x"
    jar["sessionid"]["secure"] = True
    jar["sessionid"]["samesite"] = "Lax"

    report = scored(cookies=list(jar.values()))

    assert report.failed == ["cookies-session-without-httponly-flag"]
    assert report.score == 70


def test_a_csrf_cookie_without_samesite_costs_20_points():
    from http.cookies import SimpleCookie

    jar = SimpleCookie()
    jar["csrftoken"] = "x"
    jar["csrftoken"]["secure"] = True

    report = scored(cookies=list(jar.values()))

    assert report.failed == ["cookies-anticsrf-without-samesite-flag"]


def test_reflecting_any_origin_with_credentials_costs_50_points():
    from django.http import HttpResponse

    cors = HttpResponse()
    cors["Access-Control-Allow-Origin"] = observatory.SCANNER_ORIGIN
    cors["Access-Control-Allow-Credentials"] = "true"

    report = scored(cors=cors)

    assert report.failed == [
        "cross-origin-resource-sharing-implemented-with-universal-access"
    ]
    assert report.score == 50


def test_a_script_from_another_site_without_integrity_costs_5_points():
    html = '<script src="https://cdn.example.net/app.js"></script>'

    report = scored(html=html)

    assert report.failed == ["sri-not-implemented-but-external-scripts-loaded-securely"]
    # -5 leaves 95, an A: the bonuses still count.
    assert report.score == 110


def test_a_redirection_to_another_host_first_costs_5_points():
    report = scored(route=["http://example.org/", "https://www.example.org/"])

    assert report.failed == ["redirection-off-host-from-http"]


def test_a_csp_in_a_meta_tag_is_refused_rather_than_scored_wrongly():
    html = '<meta http-equiv="Content-Security-Policy" content="default-src *">'

    with pytest.raises(NotImplementedError):
        scored(html=html)
