"""The budget sections in Chromium: a start-up page with budget figures and the
stats page's totals, at 360 and 1280 pixels, in both languages: nothing wider
than the screen, and no axe violation."""

import datetime as dt
import json

import pytest

pytestmark = pytest.mark.django_db

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@pytest.fixture(scope="module")
def budgeted_slug(catalogue_server, django_db_blocker):
    """A real sheet given budget lines (the live server's database is emptied
    after the module)."""
    from startups.models import (
        DEFAULT_BUDGET_CATEGORIES,
        BudgetCategory,
        BudgetLine,
        Startup,
    )

    with django_db_blocker.unblock():
        startup = Startup.objects.published().filter(sponsors__isnull=False).first()
        sponsor = startup.sponsors.first()
        # The migration's categories (gone if an earlier module flushed).
        for position, (slug, label, label_en) in enumerate(DEFAULT_BUDGET_CATEGORIES):
            BudgetCategory.objects.get_or_create(
                slug=slug,
                defaults={"label": label, "label_en": label_en, "position": position},
            )
        categories = list(BudgetCategory.objects.all())
        for year in range(2021, 2026):
            for i, category in enumerate(categories):
                BudgetLine.objects.create(
                    startup=startup,
                    year=year,
                    category=category,
                    amount=1_234_567 * (i + 1),
                    kind="actual" if year < 2025 else "forecast",
                    source="sponsor" if i % 2 else "fast",
                    sponsor=sponsor if i % 2 else None,
                    stated_on=dt.date(2024, 12, 31),
                )
        return startup.slug


@pytest.fixture
def open_page(browser, catalogue_server):
    contexts = []

    def open_(path: str, *, width: int):
        context = browser.new_context(
            viewport={"width": width, "height": 900}, bypass_csp=True
        )
        contexts.append(context)
        page = context.new_page()
        response = page.goto(catalogue_server.url + path, wait_until="load")
        assert response.status == 200
        return page

    yield open_
    for context in contexts:
        context.close()


@pytest.mark.parametrize("width", [360, 1280], ids=lambda w: f"{w}px")
@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("name", ["startup", "stats"])
def test_the_budget_sections_fit_the_screen_and_pass_axe(
    open_page, axe_source, budgeted_slug, name, language, width
):
    prefix = "" if language == "fr" else "/en"
    path = f"/startups/{budgeted_slug}/" if name == "startup" else "/stats/"
    page = open_page(prefix + path, width=width)
    section = "#budget" if name == "startup" else "#budgets"
    assert page.locator(section + " svg.budget-chart").count() == 1

    # Wide tables scroll inside their own focusable region, never the page.
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - window.innerWidth"
    )
    assert overflow <= 0, f"{overflow}px wider than the screen"
    chart = page.locator(section + " svg.budget-chart").bounding_box()
    assert chart["x"] >= 0 and chart["x"] + chart["width"] <= width

    page.add_script_tag(content=axe_source)
    results = page.evaluate(
        """async ([tags, scope]) => await axe.run(scope, {
            runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
        })""",
        [AXE_TAGS, section],
    )
    assert not results["violations"], "\n".join(
        f"{v['id']}: {v['help']} {json.dumps([n['target'] for n in v['nodes'][:5]])}"
        for v in results["violations"]
    )
