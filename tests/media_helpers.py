"""Builders for the media tests: images drawn by Pillow, and what a page shows of
them. Forms are posted as rendered with tests.helpers.post_admin_form."""

from __future__ import annotations

import io
from html.parser import HTMLParser

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def image_bytes(fmt="PNG", size=(40, 30), colour="teal") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt)
    return buffer.getvalue()


def upload(name="capture.png", fmt="PNG", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes(fmt, **kwargs))


class _Images(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.images: list[dict[str, str]] = []
        self.meta: dict[str, str] = {}
        self._json_ld = False
        self.json_ld: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs)
        elif tag == "meta" and attrs.get("property"):
            self.meta[attrs["property"]] = attrs.get("content", "")
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._json_ld = True

    def handle_endtag(self, tag):
        self._json_ld = False

    def handle_data(self, data):
        if self._json_ld:
            self.json_ld.append(data)


def page_images(html: str) -> _Images:
    parser = _Images()
    parser.feed(html)
    return parser
