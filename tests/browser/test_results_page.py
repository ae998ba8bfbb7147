"""The results page (/resultats/, /en/results/) in Chromium, over the real
catalogue with demo start-ups added (the real sheets record no stop reason):
no axe-core violation (WCAG 2.1 A and AA, best practices), no script error, no
request elsewhere and nothing wider than the screen, in both languages at 360
and 1280 pixels."""

import json

import pytest
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@pytest.fixture(scope="module")
def results_server(catalogue_server, django_db_blocker):
    import importlib

    from django.apps import apps

    from startups.demo import seed_demo

    with django_db_blocker.unblock():
        # The list's defaults, as migrate leaves them: an earlier module's
        # server flushed the database.
        importlib.import_module(
            "startups.migrations.0018_certification_stops"
        ).add_stop_reasons(apps, None)
        seed_demo(startups=80, seed=3, history=False)
    return catalogue_server


@pytest.mark.parametrize("width", [360, 1280], ids=lambda w: f"{w}px")
@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_results_page_passes_axe_and_fits_the_screen(
    browser, results_server, axe_source, screenshot_path, language, width
):
    with translation.override(language):
        path = reverse("startups:results")
    context = browser.new_context(
        viewport={"width": width, "height": 900}, bypass_csp=True
    )
    try:
        page = context.new_page()
        problems = []
        origin = results_server.url

        def on_request(route):
            if route.request.url.startswith((origin, "data:")):
                route.continue_()
            else:
                problems.append(f"request to another site: {route.request.url}")
                route.abort()

        page.route("**/*", on_request)
        page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
        page.on(
            "console",
            lambda m: m.type == "error" and problems.append(f"console: {m.text}"),
        )
        response = page.goto(origin + path, wait_until="load")
        assert response.status == 200

        # Every chart is drawn, named, and followed by its table.
        charts = page.locator("svg.stats-chart[role=img]")
        assert charts.count() == 5
        for i in range(charts.count()):
            assert charts.nth(i).locator("title").text_content().strip()
        assert page.locator("#table-stop-reasons tbody tr").count() > 1
        assert page.locator("#table-cohorts tbody tr").count() > 3
        assert page.evaluate("document.documentElement.scrollWidth") <= width

        page.add_script_tag(content=axe_source)
        results = page.evaluate(
            """async (tags) => await axe.run(document, {
                runOnly: {type: "tag", values: tags},
                resultTypes: ["violations"],
            })""",
            AXE_TAGS,
        )
        page.screenshot(
            path=screenshot_path(f"results-{language}-{width}"), full_page=True
        )
    finally:
        context.close()

    assert not problems, "\n".join(problems)
    violations = results["violations"]
    assert not violations, json.dumps(
        [
            (v["id"], v["help"], [n["target"] for n in v["nodes"][:5]])
            for v in violations
        ],
        indent=1,
    )
