"""A start-up page with impact indicators, in Chromium, in French and English, at
360 and 1280 pixels wide: the charts show, nothing is wider than the screen, and
axe-core finds no violation."""

import datetime as dt
import json

import pytest
from django.utils import translation

from startups.indicators import Indicator, IndicatorValue
from startups.models import Startup

pytestmark = pytest.mark.django_db

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@pytest.fixture(scope="module")
def sheet(catalogue_server, django_db_blocker):
    """A real sheet given test indicators (a daily line, monthly bars, one
    without values) for this module; the database is emptied afterwards."""
    with django_db_blocker.unblock():
        startup = Startup.objects.published().order_by("slug").first()
        start = dt.date(2024, 1, 1)
        specs = [
            ("Visites quotidiennes du service en ligne", "visites", "used", "day",
             [(start + dt.timedelta(days=i), 1000 + 7 * i) for i in range(400)]),
            ("Démarches menées à leur terme", "%", "useful", "month",
             [(dt.date(2024, m, 1), 50 + m) for m in range(1, 13)]),
            ("Coût par démarche", "€", "efficient", "year", []),
        ]  # fmt: skip
        for position, (label, unit, part, periodicity, values) in enumerate(specs):
            indicator = Indicator.objects.create(
                startup=startup,
                label=label,
                unit=unit,
                part=part,
                periodicity=periodicity,
                position=position,
                description="Mesuré par l'équipe à partir des journaux du service.",
            )
            IndicatorValue.objects.bulk_create(
                IndicatorValue(indicator=indicator, date=day, value=value)
                for day, value in values
            )
        return startup


@pytest.mark.parametrize("width", (360, 1280), ids=lambda w: f"{w}px")
@pytest.mark.parametrize("language", ("fr", "en"))
def test_the_charts_fit_the_screen_and_pass_axe(
    browser, catalogue_server, sheet, axe_source, screenshot_path, language, width
):
    with translation.override(language):
        url = catalogue_server.url + sheet.get_absolute_url()
    context = browser.new_context(
        viewport={"width": width, "height": 900}, bypass_csp=True
    )
    try:
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        response = page.goto(url + "#indicators", wait_until="load")
        assert response.status == 200
        sizes = page.evaluate(
            """() => ({
                page: document.documentElement.scrollWidth,
                screen: document.documentElement.clientWidth,
                charts: [...document.querySelectorAll(".startup-indicator__chart")]
                    .map(c => c.getBoundingClientRect().width),
            })"""
        )
        assert sizes["page"] <= sizes["screen"], sizes
        assert len(sizes["charts"]) == 2
        assert all(0 < w <= sizes["screen"] for w in sizes["charts"]), sizes
        page.add_script_tag(content=axe_source)
        results = page.evaluate(
            """async (tags) => await axe.run(document, {
                runOnly: {type: "tag", values: tags},
                resultTypes: ["violations"],
            })""",
            AXE_TAGS,
        )
        page.screenshot(
            path=screenshot_path(f"indicators-{language}-{width}"), full_page=True
        )
        assert not errors
        violations = [
            f"{v['id']}: {json.dumps([n['target'] for n in v['nodes'][:5]])}"
            for v in results["violations"]
        ]
        assert not violations, "\n".join(violations)
    finally:
        context.close()
