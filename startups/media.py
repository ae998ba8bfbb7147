"""Uploaded images (screenshots, logos): the formats they may take and how the
site serves them from local disk (object storage, for several servers, is in
startups.media_storage; see README, Media).

A replaced or deleted image leaves storage through django-cleanup, once the
transaction commits. A restored old version of a sheet may name an image that was
removed since: drop_missing_images() clears such fields."""

from __future__ import annotations

import os
import posixpath
import stat
from pathlib import PurePosixPath

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import models
from django.http import FileResponse, Http404, HttpRequest, HttpResponseBase
from django.utils._os import safe_join
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_safe

# Pillow's format name → (Content-Type, the file name extensions it may have).
# Nothing else is accepted on upload nor served: no SVG (a script carrier), no
# GIF.
FORMATS: dict[str, tuple[str, tuple[str, ...]]] = {
    "PNG": ("image/png", (".png",)),
    "JPEG": ("image/jpeg", (".jpg", ".jpeg")),
    "WEBP": ("image/webp", (".webp",)),
}
CONTENT_TYPES_BY_EXTENSION = {
    extension: content_type
    for content_type, extensions in FORMATS.values()
    for extension in extensions
}
# Served with every image, from the app or from object storage: browsers may
# keep it a day. Uploaded names are never reused while the file exists.
CACHE_CONTROL = "public, max-age=86400"
# An image opened on its own is shown; nothing in it may run or load anything.
MEDIA_CSP = "default-src 'none'; img-src 'self'; sandbox"


def image_format(file) -> str | None:
    """Pillow's name for the format of the image in `file` (read from its
    content, whatever its name says), or None when it holds no image Pillow
    knows. The file's position is left where it was."""
    from PIL import Image, UnidentifiedImageError

    position = file.tell()
    try:
        file.seek(0)
        with Image.open(file) as image:
            return image.format
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None
    finally:
        file.seek(position)


def extension_of(name: str) -> str:
    return PurePosixPath(name).suffix.lower()


def safe_filename(name: str, image_format: str) -> str:
    """The name a browser offers to save the image under: its stored name,
    with the extension of what it really holds."""
    stem = PurePosixPath(name).stem or "image"
    extensions = FORMATS[image_format][1]
    return stem + extensions[0]


def _harden(response: HttpResponseBase) -> HttpResponseBase:
    response["X-Content-Type-Options"] = "nosniff"
    # Set here, django-csp's middleware leaves it: the site's own policy is for
    # pages, this one for a file that must never act as one.
    response["Content-Security-Policy"] = MEDIA_CSP
    response["Cache-Control"] = CACHE_CONTROL
    return response


@require_safe
def serve(request: HttpRequest, path: str) -> HttpResponseBase:
    """A file of the local media folder, when the default storage is the local
    disk: image files only (PNG, JPEG, WebP judged from their bytes), with the
    Content-Type of what they hold; anything else, and any path leading outside
    the folder or to a hidden file, is a 404."""
    storage = default_storage
    if not isinstance(storage, FileSystemStorage):
        raise Http404
    parts = PurePosixPath(path).parts
    if not parts or any(part.startswith(".") for part in parts) or "\\" in path:
        raise Http404
    try:
        full_path = safe_join(storage.location, path)
    except (SuspiciousFileOperation, ValueError):
        raise Http404 from None
    try:
        handle = open(full_path, "rb")  # FileResponse closes it
    except OSError:
        raise Http404 from None
    try:
        status = os.fstat(handle.fileno())
        found = image_format(handle) if stat.S_ISREG(status.st_mode) else None
        if found not in FORMATS:
            raise Http404
        etag = f'"{status.st_mtime_ns:x}-{status.st_size:x}"'
        conditional = get_conditional_response(
            request, etag=etag, last_modified=int(status.st_mtime)
        )
        if conditional is not None:
            handle.close()
            conditional["ETag"] = etag
            return _harden(conditional)
        response = FileResponse(
            handle,
            content_type=FORMATS[found][0],
            filename=safe_filename(posixpath.basename(path), found),
        )
    except BaseException:
        handle.close()
        raise
    response["ETag"] = etag
    response["Last-Modified"] = http_date(status.st_mtime)
    return _harden(response)


def image_fields(instance: models.Model) -> list[models.ImageField]:
    return [
        field
        for field in instance._meta.concrete_fields
        if isinstance(field, models.ImageField)
    ]


def drop_missing_images(instance: models.Model) -> list[str]:
    """Clear the image fields of `instance` that name a file no longer in
    storage, and save them; the names of the fields cleared. For a restore:
    an old version may name an image that was replaced (and so removed) since."""
    cleared = []
    for field in image_fields(instance):
        file = getattr(instance, field.attname)
        if file and not file.storage.exists(file.name):
            setattr(instance, field.attname, "")
            cleared.append(field.attname)
    if cleared:
        instance.save(update_fields=cleared)
    return cleared
