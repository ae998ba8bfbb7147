"""The rules a start-up sheet must follow, in one place for the admin's forms and
the import: each returns the messages to show, in the visitor's language."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.validators import RegexValidator
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MISSION_MAX_LENGTH = 280
# A description (Markdown) of a start-up or an incubator: five times the longest
# real one, small enough that its page is built in bounded time.
DESCRIPTION_MAX_LENGTH = 100_000
# A phase may be planned ahead, but not further than this.
FURTHEST_START = dt.timedelta(days=365)

# The identifier of a start-up, incubator, organisation (and a former one): part
# of its address. beta.gouv.fr's ids are kept as they are so that old links keep
# working: they may hold dots, capitals and accented letters
# ("1000.premiers.jours.blues", "e-inspé"). The models' fields (so the admin's
# forms and the API's writes), and the import, all ask this one pattern.
IDENTIFIER_PATTERN = r"^\w[\w.-]*\Z"
IDENTIFIER_MAX_LENGTH = 200
catalogue_slug_validator = RegexValidator(
    IDENTIFIER_PATTERN,
    gettext_lazy(
        "Use letters, digits, dots, hyphens and underscores, starting with a letter "
        "or a digit."
    ),
)


def is_identifier(text: str) -> bool:
    """Whether `text` may be an identifier (the import skips or refuses others)."""
    fits = len(text) <= IDENTIFIER_MAX_LENGTH
    return fits and re.match(IDENTIFIER_PATTERN, text) is not None


IMAGE_MAX_BYTES = 2 * 1024 * 1024
IMAGE_MAX_SIDE = 4000


class PhaseLike(Protocol):
    phase: str
    start: dt.date | None
    end: dt.date | None


def _label(phase: str) -> str:
    from startups.models import Phase  # models use this module's validators

    return str(Phase(phase).label) if phase in Phase.values else phase


def phase_history_errors(phases: Sequence[PhaseLike], *, today: dt.date) -> list[str]:
    """What is wrong with a start-up's phase history, in order of the phases:
    at least one phase, each once, none ending before it starts or starting more
    than a year from today, and no two overlapping (sharing a day is fine)."""
    if not phases:
        return [_("A start-up needs at least one phase.")]
    errors = []
    seen = set()
    for entry in phases:
        if entry.phase in seen:
            errors.append(
                _("The phase “%(phase)s” is listed twice.")
                % {"phase": _label(entry.phase)}
            )
        seen.add(entry.phase)
        if entry.start and entry.end and entry.end < entry.start:
            errors.append(
                _("The phase “%(phase)s” ends before it starts.")
                % {"phase": _label(entry.phase)}
            )
        if entry.start and entry.start > today + FURTHEST_START:
            errors.append(
                _("The phase “%(phase)s” starts more than a year from now.")
                % {"phase": _label(entry.phase)}
            )
    dated = sorted(
        ((p, p.start) for p in phases if p.start), key=lambda dated: dated[1]
    )
    for (current, _start), (following, following_start) in zip(
        dated, dated[1:], strict=False
    ):
        if current.end and current.end > following_start:
            errors.append(
                _(
                    "The phases “%(first)s” and “%(second)s” overlap: "
                    "“%(first)s” ends on %(end)s, after “%(second)s” starts on "
                    "%(start)s."
                )
                % {
                    "first": _label(current.phase),
                    "second": _label(following.phase),
                    "end": current.end.isoformat(),
                    "start": following_start.isoformat(),
                }
            )
    return errors


def validate_image(upload: File[Any]) -> None:
    """Screenshots and logos: PNG, JPEG or WebP judged from the content, named
    with an extension of that format (.png, .jpg or .jpeg, .webp: a PNG named
    .pdf is refused), at most 2 MB and 4000 × 4000 pixels."""
    from PIL import Image, UnidentifiedImageError

    from startups.media import FORMATS, extension_of

    if upload.size > IMAGE_MAX_BYTES:
        raise ValidationError(
            gettext_lazy("The image weighs %(size)s MB; 2 MB at most."),
            params={"size": number_format(upload.size / 1024 / 1024, 1)},
            code="image_too_heavy",
        )
    position = upload.tell() if hasattr(upload, "tell") else 0
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image_format, (width, height) = image.format, image.size
    except (UnidentifiedImageError, OSError, ValueError):
        raise ValidationError(
            gettext_lazy("This file is not a PNG, JPEG or WebP image."),
            code="image_format",
        ) from None
    finally:
        upload.seek(position)
    if image_format not in FORMATS:
        raise ValidationError(
            gettext_lazy("Images must be PNG, JPEG or WebP; this one is %(format)s."),
            params={"format": image_format},
            code="image_format",
        )
    extension = extension_of(upload.name or "")
    expected = FORMATS[image_format][1]
    if extension not in expected:
        raise ValidationError(
            gettext_lazy(
                "The file is named “%(extension)s” but holds a %(format)s image: "
                "rename it with the extension %(expected)s."
            ),
            params={
                "extension": extension or upload.name,
                "format": image_format,
                "expected": _(" or ").join(expected),
            },
            code="image_extension",
        )
    if width > IMAGE_MAX_SIDE or height > IMAGE_MAX_SIDE:
        raise ValidationError(
            gettext_lazy(
                "The image is %(width)s × %(height)s pixels; 4000 × 4000 at most."
            ),
            params={"width": width, "height": height},
            code="image_too_large",
        )


def normalise_newlines(text: object) -> object:
    """Multi-line texts are stored with LF line endings (browsers post CRLF)."""
    if not isinstance(text, str):
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")
