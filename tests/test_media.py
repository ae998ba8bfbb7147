"""Screenshots and logos: shown with a text alternative, served safely from the
local disk with production settings, refused when their name and content
disagree, removed from storage when replaced or deleted."""

import html
import json
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

from startups.models import Incubator, Startup
from tests.helpers import post_admin_form
from tests.media_helpers import image_bytes, page_images, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    settings.DEBUG = False
    return settings.MEDIA_ROOT


def with_screenshot(startup, name="capture.png", content=None):
    startup.screenshot.save(name, ContentFile(content or image_bytes()), save=True)
    return startup


def fetch(client, url, **extra):
    """GET an absolute address of this site through the test client."""
    parts = urlsplit(url)
    assert parts.scheme in {"http", "https"} and parts.netloc == "testserver", url
    return client.get(parts.path, **extra)


def body(response) -> bytes:
    return (
        b"".join(response.streaming_content)
        if response.streaming
        else (response.content)
    )


# Pages


def test_the_startup_page_shows_its_screenshot_with_a_text_alternative(
    client, make_startup, media_root
):
    startup = with_screenshot(make_startup(title="Mes Aides"))

    text = client.get(startup.get_absolute_url()).content.decode()

    images = [i for i in page_images(text).images if i["src"] == startup.screenshot.url]
    assert len(images) == 1
    assert images[0]["alt"] == "Capture d'écran du service Mes Aides"
    with translation.override("en"):
        text = client.get(startup.get_absolute_url()).content.decode()
    assert 'alt="Screenshot of the service Mes Aides"' in text


def test_a_startup_without_screenshot_shows_no_image(client, make_startup, media_root):
    startup = make_startup()

    text = client.get(startup.get_absolute_url()).content.decode()

    assert 'id="screenshot"' not in text
    assert not [i for i in page_images(text).images if "/media/" in i["src"]]


def test_the_catalogue_card_shows_the_screenshot_beside_its_title(
    client, make_startup, media_root
):
    startup = with_screenshot(make_startup(title="Mes Aides"))
    make_startup(title="Sans image")

    text = client.get(reverse("startups:list")).content.decode()

    images = [i for i in page_images(text).images if "/media/" in i["src"]]
    # Decorative: the card's title, beside it, says what it shows.
    assert images == [
        {
            "class": "fr-responsive-img fr-ratio-16x9",
            "src": startup.screenshot.url,
            "alt": "",
            "loading": "lazy",
        }
    ]


def test_incubator_pages_show_its_logo(client, make_incubator, media_root):
    incubator = make_incubator(name="La Fabrique")
    incubator.logo.save("fabrique.png", ContentFile(image_bytes()), save=True)
    make_incubator(name="Sans logo")

    listing = page_images(
        client.get(reverse("startups:incubator_list")).content.decode()
    )
    detail = page_images(client.get(incubator.get_absolute_url()).content.decode())

    assert [i["alt"] for i in listing.images if i["src"] == incubator.logo.url] == [""]
    assert [i["alt"] for i in detail.images if i["src"] == incubator.logo.url] == [
        "Logo de La Fabrique"
    ]


# og:image and JSON-LD, with production settings


@override_settings(DEBUG=False)
def test_og_image_and_json_ld_of_a_startup_answer_200(client, make_startup, media_root):
    content = image_bytes(colour="orange")
    startup = with_screenshot(make_startup(), content=content)

    page = page_images(client.get(startup.get_absolute_url()).content.decode())
    og_image = page.meta["og:image"]
    (json_ld,) = [json.loads(block) for block in page.json_ld]

    assert og_image == json_ld["image"] == f"http://testserver{startup.screenshot.url}"
    response = fetch(client, og_image)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert body(response) == content


@override_settings(DEBUG=False)
def test_og_image_and_json_ld_logo_of_an_incubator_answer_200(
    client, make_incubator, media_root
):
    incubator = make_incubator()
    incubator.logo.save("logo.webp", ContentFile(image_bytes("WEBP")), save=True)

    page = page_images(client.get(incubator.get_absolute_url()).content.decode())
    (json_ld,) = [json.loads(block) for block in page.json_ld]

    assert page.meta["og:image"] == json_ld["logo"]
    response = fetch(client, json_ld["logo"])
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"


@override_settings(
    DEBUG=False, WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True
)
def test_a_page_without_image_points_og_image_at_the_default_one(make_startup):
    # A new client: whitenoise reads its settings when the middleware is built.
    client = Client()
    startup = make_startup()

    page = page_images(client.get(startup.get_absolute_url()).content.decode())

    assert page.meta["og:image"].endswith("/img/og-default.png")
    assert "image" not in json.loads(page.json_ld[0])
    assert finders.find("img/og-default.png")
    response = fetch(client, page.meta["og:image"])
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"


# The local media view


def write(media_root, name, content: bytes):
    path = media_root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def test_an_image_is_served_with_headers_that_keep_it_an_image(client, media_root):
    content = image_bytes("JPEG")
    write(media_root, "screenshots/capture.jpg", content)

    response = client.get("/media/screenshots/capture.jpg")

    assert response.status_code == 200
    assert body(response) == content
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == (
        "default-src 'none'; img-src 'self'; sandbox"
    )
    assert response["Content-Disposition"] == 'inline; filename="capture.jpg"'
    assert response["Cache-Control"] == "public, max-age=86400"
    assert response["Content-Length"] == str(len(content))


def test_an_image_not_changed_since_answers_304(client, media_root):
    write(media_root, "screenshots/capture.png", image_bytes())
    first = client.get("/media/screenshots/capture.png")

    again = client.get(
        "/media/screenshots/capture.png", HTTP_IF_NONE_MATCH=first["ETag"]
    )

    assert again.status_code == 304
    assert again["X-Content-Type-Options"] == "nosniff"


def test_the_content_type_comes_from_the_bytes_not_the_name(client, media_root):
    # An old upload whose name lies: served as what it holds, under a safe name.
    write(media_root, "screenshots/page.html", image_bytes())

    response = client.get("/media/screenshots/page.html")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'inline; filename="page.png"'


@pytest.mark.parametrize(
    "name, content",
    [
        ("screenshots/evil.png", b"<html><script>alert(document.cookie)</script>"),
        ("screenshots/evil.html", b"<!doctype html><script>alert(1)</script>"),
        (
            "screenshots/logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        ),
        ("screenshots/anim.png", image_bytes("GIF")),
        ("screenshots/notes.txt", b"just text"),
    ],
)
def test_anything_but_a_png_jpeg_or_webp_is_not_served(
    client, media_root, name, content
):
    write(media_root, name, content)

    response = client.get(f"/media/{name}")

    assert response.status_code == 404
    assert b"alert(" not in body(response)


@pytest.mark.parametrize(
    "path",
    [
        "/media/../outside.png",
        "/media/%2e%2e/outside.png",
        "/media/screenshots/../../outside.png",
        "/media//" + "{outside}",
        "/media/..%5coutside.png",
        "/media/.hidden.png",
        "/media/screenshots",
        "/media/screenshots/missing.png",
    ],
)
def test_paths_outside_the_media_folder_or_to_no_image_are_refused(
    client, media_root, path
):
    outside = write(media_root.parent, "outside.png", image_bytes())
    write(media_root, ".hidden.png", image_bytes())
    write(media_root, "screenshots/kept.png", image_bytes())

    response = client.get(path.format(outside=outside))

    assert response.status_code == 404


def test_the_media_view_only_reads(client, media_root):
    write(media_root, "screenshots/capture.png", image_bytes())

    assert client.post("/media/screenshots/capture.png").status_code == 405
    assert client.head("/media/screenshots/capture.png").status_code == 200


# Uploads through the admin, as the form is rendered


def startup_change_url(startup):
    return reverse("admin:startups_startup_change", args=[startup.pk])


def post_screenshot(admin_client, startup, file, **changes):
    return post_admin_form(
        admin_client,
        startup_change_url(startup),
        "startup_form",
        screenshot=file,
        **changes,
    )


@pytest.mark.parametrize(
    "file, message",
    [
        (
            upload("capture.pdf", "PNG"),
            "Le fichier est nommé « .pdf » mais contient une image PNG : "
            "renommez-le avec l'extension .png.",
        ),
        (
            upload("capture.jpg", "GIF"),
            "celle-ci est au format GIF.",
        ),
        (
            upload("capture.png", "JPEG"),
            "Le fichier est nommé « .png » mais contient une image JPEG : "
            "renommez-le avec l'extension .jpg ou .jpeg.",
        ),
        (
            SimpleUploadedFile("page.png", b"<html><script>alert(1)</script>"),
            "une image valide.",
        ),
        (
            SimpleUploadedFile("big.png", image_bytes() + b"0" * 2_200_000),
            "2 Mo au maximum",
        ),
    ],
)
def test_the_admin_refuses_an_image_whose_name_and_content_disagree(
    admin_client, make_startup, media_root, file, message
):
    startup = make_startup()

    response = post_screenshot(admin_client, startup, file)

    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    assert not Startup.objects.get(pk=startup.pk).screenshot
    assert not list(media_root.rglob("*.*"))


@pytest.mark.parametrize(
    "name, fmt",
    [("a.png", "PNG"), ("a.JPEG", "JPEG"), ("a.jpg", "JPEG"), ("a.webp", "WEBP")],
)
def test_the_admin_accepts_a_png_jpeg_or_webp_named_as_such(
    admin_client, client, make_startup, media_root, name, fmt
):
    startup = make_startup()

    response = post_screenshot(admin_client, startup, upload(name, fmt))

    assert response.status_code == 302
    screenshot = Startup.objects.get(pk=startup.pk).screenshot
    assert screenshot.name.startswith("screenshots/")
    assert client.get(screenshot.url).status_code == 200


def test_the_admin_refuses_a_logo_named_after_another_format(
    admin_client, make_incubator, media_root
):
    incubator = make_incubator()

    response = post_admin_form(
        admin_client,
        reverse("admin:startups_incubator_change", args=[incubator.pk]),
        "incubator_form",
        logo=upload("logo.jpg", "PNG"),
    )

    assert response.status_code == 200
    assert "contient une image PNG" in html.unescape(response.content.decode())
    assert not Incubator.objects.get(pk=incubator.pk).logo


# Removal from storage


def test_a_replaced_screenshot_leaves_storage(
    admin_client, make_startup, media_root, django_capture_on_commit_callbacks
):
    startup = with_screenshot(make_startup(), "old.png")
    old_name = startup.screenshot.name

    with django_capture_on_commit_callbacks(execute=True):
        response = post_screenshot(admin_client, startup, upload("new.png"))

    assert response.status_code == 302
    new_name = Startup.objects.get(pk=startup.pk).screenshot.name
    assert new_name != old_name
    assert default_storage.exists(new_name)
    assert not default_storage.exists(old_name)


def test_a_refused_replacement_keeps_the_screenshot(
    admin_client, make_startup, media_root, django_capture_on_commit_callbacks
):
    startup = with_screenshot(make_startup(), "old.png")

    with django_capture_on_commit_callbacks(execute=True):
        response = post_screenshot(admin_client, startup, upload("new.pdf"))

    assert response.status_code == 200
    assert Startup.objects.get(pk=startup.pk).screenshot.name == startup.screenshot.name
    assert default_storage.exists(startup.screenshot.name)


def test_a_save_that_leaves_the_image_alone_keeps_it(
    make_startup, media_root, django_capture_on_commit_callbacks
):
    startup = with_screenshot(make_startup())
    name = startup.screenshot.name

    with django_capture_on_commit_callbacks(execute=True):
        loaded = Startup.objects.get(pk=startup.pk)
        loaded.title = "Autre titre"
        loaded.save()
        Startup.objects.only("pk", "title").get(pk=startup.pk).save()

    assert default_storage.exists(name)
    assert Startup.objects.get(pk=startup.pk).screenshot.name == name


def test_a_replacement_rolled_back_keeps_the_old_file(
    make_startup, media_root, django_capture_on_commit_callbacks
):
    startup = with_screenshot(make_startup(), "old.png")
    old_name = startup.screenshot.name

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            loaded = Startup.objects.get(pk=startup.pk)
            loaded.screenshot.save("new.png", ContentFile(image_bytes()))
            raise RuntimeError("the rest of the write failed")

    assert Startup.objects.get(pk=startup.pk).screenshot.name == old_name
    assert default_storage.exists(old_name)


def test_a_cleared_screenshot_leaves_storage(
    admin_client, make_startup, media_root, django_capture_on_commit_callbacks
):
    startup = with_screenshot(make_startup())
    name = startup.screenshot.name

    with django_capture_on_commit_callbacks(execute=True):
        response = post_admin_form(
            admin_client,
            startup_change_url(startup),
            "startup_form",
            **{"screenshot-clear": "on"},
        )

    assert response.status_code == 302
    assert not Startup.objects.get(pk=startup.pk).screenshot
    assert not default_storage.exists(name)


def test_a_deleted_startup_and_incubator_take_their_images_along(
    make_startup, make_incubator, media_root, django_capture_on_commit_callbacks
):
    startup = with_screenshot(make_startup())
    incubator = make_incubator()
    incubator.logo.save("logo.png", ContentFile(image_bytes()), save=True)
    names = [startup.screenshot.name, incubator.logo.name]

    with django_capture_on_commit_callbacks(execute=True):
        startup.delete()
        incubator.delete()

    assert [default_storage.exists(n) for n in names] == [False, False]


def test_the_demo_draws_the_same_valid_images_for_the_same_slugs(
    client, make_startup, make_incubator, media_root
):
    from startups.demo_images import add_demo_images, logo_png, screenshot_png

    incubator = make_incubator(slug="fabrique", name="La Fabrique numérique")
    startup = make_startup(slug="mes-aides", title="Mes Aides", incubator=incubator)

    assert add_demo_images(startups=[startup], incubators=[incubator]) == 2

    startup.refresh_from_db()
    incubator.refresh_from_db()
    assert startup.screenshot.name == "screenshots/demo-mes-aides.png"
    assert incubator.logo.name == "incubators/demo-fabrique.png"
    assert startup.screenshot.read() == screenshot_png("mes-aides", "Mes Aides")
    assert screenshot_png("mes-aides", "Mes Aides") != screenshot_png("autre", "Autre")
    assert logo_png("fabrique", "La Fabrique") == logo_png("fabrique", "La Fabrique")
    assert client.get(startup.screenshot.url)["Content-Type"] == "image/png"
    assert client.get(incubator.logo.url).status_code == 200
    # Those that have one keep it.
    assert add_demo_images(startups=[startup], incubators=[incubator]) == 0


def test_restoring_a_version_whose_screenshot_was_replaced_keeps_the_current_one(
    admin_client, make_startup, media_root, django_capture_on_commit_callbacks
):
    from reversion.models import Version

    from tests.helpers import rendered_form

    startup = make_startup()
    url = reverse("admin:startups_startup_change", args=[startup.pk])
    response = post_admin_form(
        admin_client, url, "startup_form", screenshot=upload("a.png")
    )
    assert response.status_code == 302
    first = Version.objects.get_for_object(startup).first()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_admin_form(
            admin_client, url, "startup_form", screenshot=upload("b.png", colour="red")
        )
    assert response.status_code == 302
    startup.refresh_from_db()
    current = startup.screenshot.name
    assert not startup.screenshot.storage.exists(first.field_dict["screenshot"].name)

    restore = reverse("admin:startups_startup_revision", args=[startup.pk, first.pk])
    page = admin_client.get(restore)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(restore, rendered_form(page.content.decode()))

    assert response.status_code == 302
    startup.refresh_from_db()
    assert startup.screenshot.name == current
    assert startup.screenshot.storage.exists(current)
