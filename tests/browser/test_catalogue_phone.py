"""The catalogue on a 360-pixel phone, with and without JavaScript: the results
come first (the filters fold behind "Filters"), a filter can be applied without
JavaScript (the Apply button within reach) and with it (ticking applies), and the
home, catalogue (filtered, folded, unfolded) and start-up pages pass axe in both
languages at 360 and 1280 pixels."""

import json

import pytest

pytestmark = pytest.mark.django_db

PHONE = {"width": 360, "height": 740}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@pytest.fixture
def open_page(browser, catalogue_server):
    contexts = []

    def open_(path: str, *, width=360, height=740, javascript=True, axe=False):
        # The site's strict CSP stays on (its scripts must run under it), but for
        # axe, which is injected inline.
        context = browser.new_context(
            viewport={"width": width, "height": height},
            java_script_enabled=javascript,
            bypass_csp=axe,
        )
        contexts.append(context)
        page = context.new_page()
        problems = []
        page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
        page.on(
            "console",
            lambda m: m.type == "error" and problems.append(f"console: {m.text}"),
        )
        response = page.goto(catalogue_server.url + path, wait_until="load")
        assert response.status == 200
        page.problems = problems
        return page

    yield open_
    for context in contexts:
        context.close()


def tick(page, facet: str, value: str) -> None:
    """Tick a value as a visitor does: on its label (the DSFR draws the box
    there), brought to the middle of the screen."""
    label = page.locator(f'#facet-{facet} input[value="{value}"] + label')
    label.evaluate("e => e.scrollIntoView({block: 'center'})")
    label.click()


def first_result_top(page) -> float:
    box = page.locator("#result-list > li").first.bounding_box()
    assert box, "no result shown"
    return box["y"] + page.evaluate("window.scrollY")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize(
    "query", ["", "?phase=construction&thematic=sante"], ids=["all", "filtered"]
)
def test_on_a_phone_the_first_result_is_within_two_screens(
    open_page, javascript, query
):
    page = open_page(f"/startups/{query}", javascript=javascript)

    assert first_result_top(page) < 2 * PHONE["height"]
    # The filters are folded behind their control.
    assert not page.locator("#facet-phase").is_visible()
    assert page.locator("#catalogue-panel > summary").is_visible()
    assert not page.problems


def test_without_javascript_a_filter_is_applied_with_the_apply_button(open_page):
    page = open_page("/en/startups/", javascript=False)

    page.locator("#catalogue-panel > summary").click()
    tick(page, "phase", "acceleration")
    assert page.locator('#facet-phase input[value="acceleration"]').is_checked()
    # Deep in the panel, the Apply button is still on the screen.
    page.locator("#id_sort").scroll_into_view_if_needed()
    page.locator("#facet-sponsor").scroll_into_view_if_needed()
    apply = page.locator("#apply-filters")
    box = apply.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= PHONE["height"]
    apply.click()
    page.wait_for_load_state("load")

    assert "phase=acceleration" in page.url
    assert page.locator("#active-filters").inner_text().count("Acceleration") == 1
    assert first_result_top(page) < 2 * PHONE["height"]


def test_without_javascript_see_all_unfolds_a_facet_keeping_the_ticks(open_page):
    page = open_page("/en/startups/", javascript=False)

    page.locator("#catalogue-panel > summary").click()
    tick(page, "phase", "construction")
    more = page.locator("#facet-sponsor .catalogue-facet__more")
    more.evaluate("e => e.scrollIntoView({block: 'center'})")
    more.click()
    page.wait_for_load_state("load")

    assert "unfold=sponsor" in page.url and "phase=construction" in page.url
    assert page.locator("#facet-sponsor input[type=checkbox]").count() > 6


def test_with_javascript_ticking_a_value_applies_it(open_page):
    page = open_page("/en/startups/", width=1280, height=900)

    with page.expect_navigation():
        tick(page, "phase", "construction")

    assert "phase=construction" in page.url
    assert page.locator("#active-filters").is_visible()
    assert not page.problems


def test_with_javascript_the_filter_box_finds_a_value_in_place(open_page):
    page = open_page("/en/startups/", width=1280, height=900)

    box = page.locator("#find-sponsor")
    box.fill("justice")
    page.locator("#facet-sponsor[data-unfolded]").wait_for()
    labels = page.locator("#facet-sponsor .fr-checkbox-group label").all_inner_texts()
    assert labels and all("justice" in label.lower() for label in labels)
    # In place: no navigation.
    assert page.url.endswith("/en/startups/")
    assert not page.problems


def describe(violations) -> str:
    return "\n".join(
        f"{v['id']}: {v['help']} {json.dumps([n['target'] for n in v['nodes'][:5]])}"
        for v in violations
    )


PAGES = {
    "home": "/",
    "catalogue": "/startups/",
    "catalogue-filtered": (
        "/startups/?phase=construction&hide_stopped=1&technology=react"
    ),
    "catalogue-unfolded": "/startups/?unfold=sponsor&find_sponsor=minist",
    "startup-planned": "/startups/data.etat/",
}


@pytest.mark.parametrize("width", [360, 1280], ids=lambda w: f"{w}px")
@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("name", list(PAGES))
def test_the_pages_pass_axe(open_page, axe_source, name, language, width):
    prefix = "" if language == "fr" else "/en"
    page = open_page(prefix + PAGES[name], width=width, height=900, axe=True)
    states = [("as loaded", None)]
    if name.startswith("catalogue") and width == 360:
        states.append(("panel open", "#catalogue-panel > summary"))

    for state, click in states:
        if click:
            page.locator(click).click()
        page.add_script_tag(content=axe_source)
        results = page.evaluate(
            """async (tags) => await axe.run(document, {
                runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
            })""",
            AXE_TAGS,
        )
        assert not results["violations"], (
            f"{name} {language} {width}px {state}:\n{describe(results['violations'])}"
        )
    assert not page.problems
