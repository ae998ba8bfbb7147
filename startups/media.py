"""Uploaded images (screenshots, logos): the formats they may take and how the
site serves them from local disk (object storage, for several servers, is in
startups.media_storage; see README, Media).

A replaced, cleared or deleted image leaves storage once the transaction commits
(connect() below). A restored old version of a sheet may name an image that was
removed since: the restore keeps the sheet's image then (services.restore_version)."""

from __future__ import annotations

import functools
import logging
import os
import posixpath
import stat
from pathlib import PurePosixPath

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.http import FileResponse, Http404, HttpRequest, HttpResponseBase
from django.utils._os import safe_join
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

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
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        OSError,
        ValueError,
        SyntaxError,
    ):
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
        # Regular files only: a directory or a pipe is never opened.
        if not stat.S_ISREG(os.stat(full_path).st_mode):
            raise Http404
        handle = open(full_path, "rb")  # FileResponse closes it
    except (OSError, ValueError):
        raise Http404 from None
    try:
        status = os.fstat(handle.fileno())
        found = image_format(handle)
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


@functools.cache
def image_fields(model) -> tuple[models.ImageField, ...]:
    return tuple(
        field
        for field in model._meta.concrete_fields
        if isinstance(field, models.ImageField)
    )


class StoredImages:
    """A model mixin: remembers the names of the images a row had in the
    database when it was read (Django's documented Model.from_db hook, a dict
    per row rather than a signal per row), so that a save that replaces or
    clears one can remove the old file."""

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # Still the column's text: the descriptor makes a FieldFile on first use.
        loaded = instance.__dict__
        instance._stored_images = {
            field.attname: loaded[field.attname] or ""
            for field in image_fields(cls)
            if field.attname in loaded
        }
        return instance


def _delete_later(storage, name: str, using: str) -> None:
    """Remove a file once the transaction commits: a rolled back save keeps
    the file its row still names. A storage error is logged, never raised."""

    def delete():
        try:
            storage.delete(name)
        except Exception:
            logger.exception("Could not remove the replaced image %s", name)

    transaction.on_commit(delete, using=using)


def _name(instance, field) -> str:
    value = instance.__dict__.get(field.attname)
    return (getattr(value, "name", value) or "") if value is not None else ""


def _remember_stored_images(sender, instance, raw, using, update_fields, **kwargs):
    # Rows made in code rather than read (or read without their images): ask
    # the database what they hold now, once.
    if raw or instance._state.adding or instance.pk is None:
        return
    stored = instance.__dict__.setdefault("_stored_images", {})
    missing = [f.attname for f in image_fields(sender) if f.attname not in stored]
    if update_fields is not None:
        missing = [name for name in missing if name in update_fields]
    if missing:
        row = (
            sender._base_manager.using(using)
            .filter(pk=instance.pk)
            .values(*missing)
            .first()
        )
        stored.update({name: (row or {}).get(name) or "" for name in missing})


def _remove_replaced_images(sender, instance, raw, using, update_fields, **kwargs):
    # Raw rows (fixtures, deserialised data) keep their files.
    if raw:
        return
    stored = instance.__dict__.setdefault("_stored_images", {})
    for field in image_fields(sender):
        if update_fields is not None and field.attname not in update_fields:
            continue
        if field.attname not in instance.__dict__:  # deferred, so unchanged
            continue
        new, old = _name(instance, field), stored.get(field.attname, "")
        if old and old != new:
            _delete_later(field.storage, old, using)
        stored[field.attname] = new


def _remove_deleted_images(sender, instance, using, **kwargs):
    for field in image_fields(sender):
        name = _name(instance, field) or getattr(instance, "_stored_images", {}).get(
            field.attname, ""
        )
        if name:
            _delete_later(field.storage, name, using)


def connect() -> None:
    """Remove from storage the images that a save replaces or clears, and
    those of deleted rows, for every model with StoredImages."""
    from django.apps import apps

    for model in apps.get_app_config("startups").get_models():
        if issubclass(model, StoredImages):
            uid = f"images-{model._meta.label_lower}"
            pre_save.connect(_remember_stored_images, sender=model, dispatch_uid=uid)
            post_save.connect(_remove_replaced_images, sender=model, dispatch_uid=uid)
            post_delete.connect(_remove_deleted_images, sender=model, dispatch_uid=uid)
