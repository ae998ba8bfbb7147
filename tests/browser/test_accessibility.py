"""Every public page, in French and in English, at 1280 and 320 pixels wide: no
console error, no failed request, and no axe-core violation (WCAG 2.1 A and AA, and
axe's best practices)."""

import json
import re
import warnings

import pytest
from django.db.models import Count
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from startups.models import Incubator, Organisation, Startup

# Marked so that pytest-django creates the test database when only these tests run;
# the data itself is committed once per module by the catalogue_server fixture.
pytestmark = pytest.mark.django_db

WIDTHS = (1280, 320)
LANGUAGES = ("fr", "en")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def _routed(name: str, **kwargs) -> bool:
    try:
        reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return False
    return True


# (page id, route name, route needs a slug of this model, query string)
ALL_PAGES = [
    ("home", "startups:home", None, ""),
    ("catalogue", "startups:list", None, ""),
    (
        "catalogue-filtered",
        "startups:list",
        None,
        "?phase=construction&thematic=sante&q=sante",
    ),
    ("startup", "startups:detail", Startup, ""),
    ("incubators", "startups:incubator_list", None, ""),
    ("incubator", "startups:incubator_detail", Incubator, ""),
    ("sponsors", "startups:sponsor_list", None, ""),
    ("sponsor", "startups:sponsor_detail", Organisation, ""),
    ("stats", "startups:stats", None, ""),
    ("results", "startups:results", None, ""),
    ("legal-notice", "legal_notice", None, ""),
    ("accessibility", "accessibility", None, ""),
    ("personal-data", "personal_data", None, ""),
    ("security-policy", "security_policy", None, ""),
]
# Only the pages whose route exists: a skipped test would pass CI unnoticed.
PAGES = [p for p in ALL_PAGES if _routed(p[1], **({"slug": "x"} if p[2] else {}))]
MISSING = [p[1] for p in ALL_PAGES if p not in PAGES]
if MISSING:
    warnings.warn(
        f"tests/browser: not routed yet, not tested: {', '.join(MISSING)}",
        stacklevel=1,
    )


@pytest.fixture(scope="module")
def slugs(catalogue_server):
    """The richest start-up, incubator and sponsor of the real catalogue: the
    pages with the most to show."""
    startup = (
        Startup.objects.published()
        .annotate(n=Count("sponsors", distinct=True) + Count("themes", distinct=True))
        .order_by("-n", "slug")
        .first()
    )
    incubator = (
        Incubator.objects.visible()
        .annotate(n=Count("startups"))
        .order_by("-n", "slug")
        .first()
    )
    sponsor = (
        Organisation.objects.annotate(n=Count("sponsored_startups"))
        .order_by("-n", "slug")
        .first()
    )
    return {
        Startup: startup.slug,
        Incubator: incubator.slug,
        Organisation: sponsor.slug,
    }


def page_url(server, slugs, page, language: str) -> str:
    _id, route, model, query = page
    with translation.override(language):
        path = reverse(route, kwargs={"slug": slugs[model]} if model else None)
    return f"{server.url}{path}{query}"


def describe(violations) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} — {v['helpUrl']}")
        for node in v["nodes"][:10]:
            lines.append(f"    {json.dumps(node['target'])}: {node['html'][:200]}")
        if len(v["nodes"]) > 10:
            lines.append(f"    … and {len(v['nodes']) - 10} more")
    return "\n".join(lines)


@pytest.fixture
def open_page(browser, catalogue_server):
    """Open a URL in a fresh context `width` pixels wide; returns the page and the
    problems seen while it loaded."""
    contexts = []

    def open_(url: str, width: int):
        context = browser.new_context(
            viewport={"width": width, "height": 900}, bypass_csp=True
        )
        contexts.append(context)
        page = context.new_page()
        problems: list[str] = []
        origin = catalogue_server.url

        def on_request(route):
            # The site loads nothing from elsewhere (and CI has no network).
            if route.request.url.startswith(origin) or route.request.url.startswith(
                "data:"
            ):
                route.continue_()
            else:
                problems.append(f"request to another site: {route.request.url}")
                route.abort()

        page.route("**/*", on_request)
        page.on(
            "console",
            lambda m: (
                m.type == "error"
                and problems.append(f"console error: {m.text} at {m.location}")
            ),
        )
        page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
        page.on(
            "requestfailed",
            lambda r: problems.append(f"request failed: {r.url} {r.failure}"),
        )
        page.on(
            "response",
            lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"),
        )
        response = page.goto(url, wait_until="load")
        assert response.status == 200, f"{url} answered {response.status}"
        return page, problems

    yield open_
    for context in contexts:
        context.close()


@pytest.mark.parametrize("width", WIDTHS, ids=lambda w: f"{w}px")
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page_", PAGES, ids=[p[0] for p in PAGES])
def test_the_page_has_no_accessibility_violation_nor_error(
    open_page,
    catalogue_server,
    slugs,
    axe_source,
    screenshot_path,
    page_,
    language,
    width,
):
    url = page_url(catalogue_server, slugs, page_, language)
    page, problems = open_page(url, width)

    page.add_script_tag(content=axe_source)
    results = page.evaluate(
        """async (tags) => await axe.run(document, {
            runOnly: {type: "tag", values: tags},
            resultTypes: ["violations"],
        })""",
        AXE_TAGS,
    )
    page.screenshot(
        path=screenshot_path(f"{page_[0]}-{language}-{width}"), full_page=True
    )

    assert not problems, f"{url}:\n" + "\n".join(problems)
    violations = results["violations"]
    assert not violations, f"{url} at {width}px:\n{describe(violations)}"


def test_the_stylesheets_and_scripts_of_the_design_system_load(
    open_page, catalogue_server
):
    page, problems = open_page(catalogue_server.url + "/", 1280)

    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert re.search("Marianne", font), f"DSFR stylesheet not applied: {font}"
    # The DSFR's script marks the document once it has started.
    assert page.evaluate("typeof window.dsfr") == "function"
    assert not problems


def test_axe_does_report_a_violation_when_there_is_one(browser, axe_source):
    # The gate's own check: an image without a text alternative must be caught.
    page = browser.new_page()
    try:
        page.set_content(
            '<!doctype html><html lang="en"><title>Broken</title>'
            '<main><h1>Broken</h1><img src="data:,"></main></html>'
        )
        page.add_script_tag(content=axe_source)
        results = page.evaluate(
            "async (tags) => await axe.run(document, "
            "{runOnly: {type: 'tag', values: tags}})",
            AXE_TAGS,
        )
    finally:
        page.close()

    assert "image-alt" in [v["id"] for v in results["violations"]]
