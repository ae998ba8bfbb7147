"""Object storage for the uploaded images when several servers share them: any
S3-compatible service (settings: DJANGO_MEDIA_S3_*). A module of its own, so
that boto3 is imported only where it is used."""

from __future__ import annotations

import posixpath

from django.utils.http import content_disposition_header
from storages.backends.s3 import S3Storage

from startups.media import CACHE_CONTROL, CONTENT_TYPES_BY_EXTENSION, extension_of


class PublicS3Storage(S3Storage):
    """django-storages' S3 backend for public images, on any S3-compatible
    service: stable addresses (no signed query string, a name never
    overwritten), and each object stored with the Content-Type of its
    extension (checked against its content on upload), an inline
    Content-Disposition with a safe name, and the cache lifetime of local
    media."""

    def get_default_settings(self):
        return {
            **super().get_default_settings(),
            "querystring_auth": False,
            "file_overwrite": False,
        }

    def get_object_parameters(self, name):
        parameters = super().get_object_parameters(name)
        basename = posixpath.basename(name)
        parameters.setdefault(
            "ContentType",
            CONTENT_TYPES_BY_EXTENSION.get(
                extension_of(basename), "application/octet-stream"
            ),
        )
        parameters.setdefault(
            "ContentDisposition",
            content_disposition_header(as_attachment=False, filename=basename),
        )
        parameters.setdefault("CacheControl", CACHE_CONTROL)
        return parameters
