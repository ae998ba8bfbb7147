"""The sheet form of the staff space in Chromium, on the real catalogue: the
Markdown editor is wide at 1280 px, and the form fits a phone's screen."""

import pytest
from django.contrib.auth import get_user_model
from django.test.utils import override_settings

from startups.models import Startup

pytestmark = pytest.mark.django_db

PASSWORD = "un mot de passe pour le navigateur"


@pytest.fixture(scope="module")
def staff_page(browser, catalogue_server, django_db_blocker):
    # Hashed as the tests check passwords (tests/conftest.py's fast hasher).
    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
        ),
    ):
        get_user_model().objects.create_superuser("navigateur", password=PASSWORD)
        sheet = Startup.objects.get(slug="aidantsconnect")

    def open_form(width: int):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(catalogue_server.url + "/admin/login/")
        page.fill("#id_username", "navigateur")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.goto(f"{catalogue_server.url}/admin/startups/startup/{sheet.pk}/change/")
        page.wait_for_selector(".markdown-preview")
        return context, page

    return open_form


def test_at_1280_px_the_markdown_editor_takes_half_the_form_or_more(
    staff_page, screenshot_path
):
    context, page = staff_page(1280)
    try:
        sizes = page.evaluate(
            """() => {
                const form = document.querySelector("#startup_form");
                const text = document.querySelector("textarea.markdown-source");
                const preview = document.querySelector(".markdown-preview");
                return {
                    form: form.getBoundingClientRect().width,
                    text: text.getBoundingClientRect().width,
                    preview: preview.getBoundingClientRect().width,
                    previewLeft: preview.getBoundingClientRect().left,
                    textRight: text.getBoundingClientRect().right,
                    page: document.documentElement.scrollWidth,
                };
            }"""
        )
        page.screenshot(path=screenshot_path("staff-sheet-form-1280"), full_page=True)
    finally:
        context.close()

    assert sizes["text"] >= sizes["form"] / 2, sizes
    # The preview stands beside the editor, readable, and the page doesn't widen.
    assert sizes["previewLeft"] >= sizes["textRight"], sizes
    assert sizes["preview"] >= 300, sizes
    assert sizes["page"] <= 1280, sizes


def test_on_a_phone_the_form_fits_the_screen(staff_page, screenshot_path):
    context, page = staff_page(375)
    try:
        sizes = page.evaluate(
            """() => ({
                page: document.documentElement.scrollWidth,
                text: document.querySelector("textarea.markdown-source")
                    .getBoundingClientRect().width,
            })"""
        )
        page.screenshot(path=screenshot_path("staff-sheet-form-375"), full_page=True)
    finally:
        context.close()

    assert sizes["page"] <= 375 + 1, sizes
    assert sizes["text"] >= 300, sizes
