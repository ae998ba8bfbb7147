"""Builders for the media tests: images drawn by Pillow, and an admin form posted
as the browser renders it (whatever fields and inlines the admin shows)."""

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


class _Form(HTMLParser):
    """The fields of the page's form whose id is `form_id`, as a browser would
    post them: text inputs and hidden ones, checked boxes, selected options,
    text areas (file inputs left out)."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None
        self._text = []

    def _add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id:
            self.inside = True
        if not self.inside or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self._add(name, attrs.get("value", "on"))
            elif kind not in {"file", "submit", "button", "image", "reset"}:
                self._add(name, attrs.get("value", ""))
        elif tag == "select" and name:
            self._select, self._select_first, self._select_chosen = name, None, False
            self._multiple = "multiple" in attrs
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in attrs:
                self._select_chosen = True
                self._add(self._select, value)
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select" and self._select:
            if not self._select_chosen and not self._multiple and self._select_first:
                self._add(self._select, self._select_first)
            self._select = None
        elif tag == "textarea" and self._textarea:
            # A browser drops the one newline that follows <textarea>.
            text = "".join(self._text)
            self._add(self._textarea, text[1:] if text.startswith("\n") else text)
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)


def rendered_form(html: str, form_id: str) -> dict[str, list[str]]:
    parser = _Form(form_id)
    parser.feed(html)
    assert parser.data, f"no form #{form_id} on the page"
    return parser.data


def post_admin_form(client, url: str, form_id: str, **changes):
    """GET the admin page at `url`, then post its form as rendered, with
    `changes` (a file, a checked box...) on top."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    data = rendered_form(page.content.decode(), form_id)
    data.update({name: value for name, value in changes.items()})
    return client.post(url, data)


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
