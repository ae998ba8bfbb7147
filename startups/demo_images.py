"""Pictures for the demo catalogue: a drawn "screenshot" for a few start-ups and a
logo for each incubator, so that `make run` shows images. Drawn by Pillow, the
same for the same slug, and checked by the rule every upload follows."""

from __future__ import annotations

import hashlib
import io
import unicodedata
from collections.abc import Iterable

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw

from startups.models import Incubator, Startup
from startups.rules import validate_image

SCREENSHOT_SIZE = (640, 360)
LOGO_SIZE = (240, 240)


def _colours(slug: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    digest = hashlib.sha256(slug.encode()).digest()
    main = (digest[0] // 2, digest[1] // 2, 90 + digest[2] // 2)
    light = (200 + digest[3] // 5, 200 + digest[4] // 5, 200 + digest[5] // 5)
    return main, light


def _plain(text: str) -> str:
    # Pillow's built-in font has no accented letters.
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def screenshot_png(slug: str, title: str) -> bytes:
    """A page of a fictitious service: a header bar with its title, a text
    column and a picture."""
    main, light = _colours(slug)
    width, height = SCREENSHOT_SIZE
    image = Image.new("RGB", SCREENSHOT_SIZE, "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, 56), fill=main)
    draw.text((24, 18), _plain(title)[:60], fill="white", font_size=20)
    for row in range(5):
        top = 96 + row * 36
        draw.rectangle((24, top, 24 + 300 - row * 30, top + 14), fill=(220, 220, 220))
    draw.rounded_rectangle((360, 88, width - 24, height - 72), 12, fill=light)
    draw.ellipse((430, 130, 530, 230), fill=main)
    draw.rectangle((24, height - 56, 184, height - 20), fill=main)
    return _png(image)


def logo_png(slug: str, name: str) -> bytes:
    """A round badge with the incubator's initials."""
    main, light = _colours(slug)
    image = Image.new("RGB", LOGO_SIZE, "white")
    draw = ImageDraw.Draw(image)
    draw.ellipse((12, 12, LOGO_SIZE[0] - 12, LOGO_SIZE[1] - 12), fill=main)
    words = _plain(name).split()
    initials = "".join(w[0] for w in words if w[:1].isalpha() and len(w) > 3)[:3]
    draw.text(
        (LOGO_SIZE[0] / 2, LOGO_SIZE[1] / 2),
        initials.upper(),
        fill=light,
        font_size=72,
        anchor="mm",
    )
    return _png(image)


def _store(name: str, content: bytes) -> str:
    file = ContentFile(content, name=name)
    validate_image(file)
    # A file left by an earlier demo gives way: the same name, today's drawing.
    if default_storage.exists(name):
        default_storage.delete(name)
    return default_storage.save(name, file)


def add_demo_images(
    *, startups: Iterable[Startup], incubators: Iterable[Incubator]
) -> int:
    """Give these start-ups a screenshot and these incubators a logo (those
    without one); how many images were set. Rows are updated in place: no
    history, no signal, as the demo generator writes."""
    count = 0
    for startup in startups:
        if not startup.screenshot:
            name = _store(
                f"screenshots/demo-{startup.slug}.png",
                screenshot_png(startup.slug, startup.title),
            )
            Startup.objects.filter(pk=startup.pk).update(screenshot=name)
            count += 1
    for incubator in incubators:
        if not incubator.logo:
            name = _store(
                f"incubators/demo-{incubator.slug}.png",
                logo_png(incubator.slug, incubator.name),
            )
            Incubator.objects.filter(pk=incubator.pk).update(logo=name)
            count += 1
    return count
