"""The admin refuses a bad sheet with a clear message, and writes nothing."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from startups.models import FormerSlug, Phase, Startup

pytestmark = pytest.mark.django_db


def change_url(startup, language="en"):
    with translation.override(language):
        return reverse("admin:startups_startup_change", args=[startup.pk])


def form_data(startup, phases=None, **overrides):
    """The change form as the browser posts it; `phases` replaces the history
    with (phase, start, end) rows."""
    data = {
        "title": startup.title, "slug": startup.slug, "mission": startup.mission,
        "description": "", "is_published": "on", "incubator": startup.incubator_id,
        "technologies": "", "accessibility_status": "not_assessed",
        "allow_indexing": "on",
        "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0",
        "former_slugs-TOTAL_FORMS": "0", "former_slugs-INITIAL_FORMS": "0",
        "editors-TOTAL_FORMS": "0", "editors-INITIAL_FORMS": "0",
        "budget_lines-TOTAL_FORMS": "0", "budget_lines-INITIAL_FORMS": "0",
        "indicators-TOTAL_FORMS": "0", "indicators-INITIAL_FORMS": "0",
    }  # fmt: skip
    existing = list(startup.phases.all())
    rows = (
        phases
        if phases is not None
        else [(p.phase, p.start.isoformat(), "") for p in existing]
    )
    data["phases-TOTAL_FORMS"] = str(max(len(rows), len(existing)))
    data["phases-INITIAL_FORMS"] = str(len(existing))
    for i, old in enumerate(existing):
        data[f"phases-{i}-id"] = old.pk
        data[f"phases-{i}-startup"] = startup.pk
        if i >= len(rows):
            data[f"phases-{i}-DELETE"] = "on"
            data[f"phases-{i}-phase"] = old.phase
            data[f"phases-{i}-start"] = old.start.isoformat()
    for i, (phase, start, end) in enumerate(rows):
        data[f"phases-{i}-phase"] = phase
        data[f"phases-{i}-start"] = start
        data[f"phases-{i}-end"] = end
    data.update(overrides)
    return data


def post(admin_client, startup, data):
    response = admin_client.post(change_url(startup), data)
    return response, response.content.decode()


@pytest.mark.parametrize("phases, message", [
    ([("investigation", "2022-05-01", "2022-01-01")],
     # The row alone is wrong: its own check speaks first.
     "A phase cannot end before it starts."),
    ([("investigation", "2022-01-01", "2022-08-01"),
      ("construction", "2022-06-01", "")],
     "The phases “Investigation” and “Construction” overlap"),
    ([], "A start-up needs at least one phase."),
    ([("investigation", (timezone.localdate() + dt.timedelta(days=400)).isoformat(),
       "")], "The phase “Investigation” starts more than a year from now."),
])  # fmt: skip
def test_an_impossible_phase_history_is_refused_with_a_clear_message(
    admin_client, make_startup, phases, message
):
    startup = make_startup(phases=[(Phase.INVESTIGATION, dt.date(2021, 1, 1))])

    response, html = post(admin_client, startup, form_data(startup, phases))

    assert response.status_code == 200
    assert message in html
    assert list(startup.phases.values_list("phase", "start")) == [
        ("investigation", dt.date(2021, 1, 1))
    ]


def test_phases_sharing_a_boundary_day_are_accepted(admin_client, make_startup):
    startup = make_startup()

    response, _ = post(admin_client, startup, form_data(startup, [
        ("investigation", "2022-01-01", "2022-06-01"),
        ("construction", "2022-06-01", ""),
    ]))  # fmt: skip

    assert response.status_code == 302
    startup.refresh_from_db()
    assert startup.current_phase == Phase.CONSTRUCTION


@pytest.mark.parametrize("field, value, message", [
    ("mission", "x" * 281, "at most 280 characters"),
    ("title", "", "This field is required"),
    ("contact", "pas-une-adresse", "Enter a valid email address"),
    ("website", "javascript:alert(1)", "Enter a valid URL"),
    ("repository", "ftp://forge.example.org/depot",
     "Enter a web address starting with http:// or https://."),
])  # fmt: skip
def test_bad_fields_are_refused_with_a_message(
    admin_client, make_startup, field, value, message
):
    startup = make_startup()

    response, html = post(admin_client, startup, form_data(startup, **{field: value}))

    assert response.status_code == 200
    assert message in html
    startup.refresh_from_db()
    assert getattr(startup, field) != value


def test_changing_a_slug_keeps_the_old_one_as_a_former_slug(admin_client, make_startup):
    startup = make_startup(slug="ancien")

    response, _ = post(admin_client, startup, form_data(startup, slug="nouveau"))

    assert response.status_code == 302
    assert list(startup.former_slugs.values_list("slug", flat=True)) == ["ancien"]
    # And back again: the live slug is no longer a former one.
    startup.refresh_from_db()
    post(admin_client, startup, form_data(startup, slug="ancien"))
    assert list(startup.former_slugs.values_list("slug", flat=True)) == ["nouveau"]


def test_a_slug_cannot_take_another_startups_former_address(admin_client, make_startup):
    other = make_startup()
    FormerSlug.objects.create(startup=other, slug="pris")
    startup = make_startup()

    response, html = post(admin_client, startup, form_data(startup, slug="pris"))

    assert response.status_code == 200
    assert "This identifier is a former address of another start-up." in html


def image_file(fmt="PNG", size=(40, 30), name="capture.png"):
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue())


@pytest.mark.parametrize("upload, message", [
    (lambda: image_file("GIF", name="capture.png"), "this one is GIF"),
    (lambda: SimpleUploadedFile("capture.png", b"<svg onload=alert(1)>"),
     "Upload a valid image"),
    (lambda: image_file(size=(4001, 10)), "4001 × 10 pixels; 4000 × 4000 at most"),
    (lambda: SimpleUploadedFile("big.png", image_file().read() + b"0" * 2_100_000),
     "2 MB at most"),
])  # fmt: skip
def test_a_bad_screenshot_is_refused(
    admin_client, make_startup, settings, tmp_path, upload, message
):
    settings.MEDIA_ROOT = tmp_path
    startup = make_startup()

    response, html = post(
        admin_client, startup, form_data(startup, screenshot=upload())
    )

    assert response.status_code == 200
    assert message in html
    assert not Startup.objects.get(pk=startup.pk).screenshot


@pytest.mark.parametrize(
    "fmt, name", [("PNG", "a.png"), ("JPEG", "a.jpg"), ("WEBP", "a.webp")]
)
def test_png_jpeg_and_webp_screenshots_are_accepted(
    admin_client, make_startup, settings, tmp_path, fmt, name
):
    settings.MEDIA_ROOT = tmp_path
    startup = make_startup()

    response, _ = post(admin_client, startup, form_data(
        startup, screenshot=image_file(fmt, name=name)
    ))  # fmt: skip

    assert response.status_code == 302
    assert Startup.objects.get(pk=startup.pk).screenshot.name.startswith("screenshots/")
