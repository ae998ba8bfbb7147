"""Helpers shared by tests (never import one test module from another)."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    """The fields of the page's forms, as a browser would submit them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = None
        self._select = None
        self._select_first = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {"attrs": attrs, "fields": [], "submits": []}
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = attrs.get("name")
        if tag == "input":
            kind = attrs.get("type", "text").lower()
            if kind in ("submit", "image", "button"):
                if name:
                    self._form["submits"].append((name, attrs.get("value", "")))
                return
            if not name or "disabled" in attrs or kind == "file":
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self._form["fields"].append(
                (
                    name,
                    attrs.get("value", "on" if kind in ("checkbox", "radio") else ""),
                )
            )
        elif tag == "select" and name and "disabled" not in attrs:
            self._select = (name, "multiple" in attrs)
            self._select_first = None
            self._selected = []
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in attrs:
                self._selected.append(value)
        elif tag == "textarea" and name and "disabled" not in attrs:
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            name, multiple = self._select
            values = self._selected or (
                [] if multiple or self._select_first is None else [self._select_first]
            )
            for value in values:
                self._form["fields"].append((name, value))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            # A browser drops the newline right after <textarea> and posts CRLF.
            if text.startswith("\n"):
                text = text[1:]
            self._form["fields"].append((name, text.replace("\n", "\r\n")))
            self._textarea = None


def rendered_form(
    html: str, *, containing: str | None = None, form_id: str | None = None
) -> dict:
    """The data of one of the page's forms, as the browser would post it
    unchanged: a dict of lists, for the test client. The form whose id is
    `form_id`, or that has a field `containing`, or by default the largest form
    with a CSRF token (the page's own, not the header's log-out button)."""
    reader = _FormReader()
    reader.feed(html)
    if form_id is not None:
        forms = [f for f in reader.forms if f["attrs"].get("id") == form_id]
    else:
        wanted = containing or "csrfmiddlewaretoken"
        forms = [
            form
            for form in reader.forms
            if wanted in [name for name, _value in form["fields"]]
        ]
    if not forms:
        raise AssertionError(f"no such form on the page ({form_id or containing})")
    form = (
        forms[0]
        if containing or form_id
        else max(forms, key=lambda f: len(f["fields"]))
    )
    data: dict[str, list[str]] = {}
    for name, value in form["fields"]:
        data.setdefault(name, []).append(value)
    return data


def post_admin_form(client, url: str, form_id: str | None = None, **changes):
    """GET the page at `url`, then post its form as rendered, with `changes`
    (a file, a checked box...) on top."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    data = rendered_form(page.content.decode(), form_id=form_id)
    data.update(changes)
    return client.post(url, data)


def redis_url() -> str:
    """The Redis to test against: REDIS_URL_FOR_TESTS, or the local one. Missing,
    the test is skipped on a newcomer's machine and fails in CI (.ci/run starts
    Redis)."""
    import os

    from tests.conftest import require

    url = os.environ.get("REDIS_URL_FOR_TESTS", "redis://127.0.0.1:6379/1")
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception as error:  # noqa: BLE001 (any failure means: no Redis here)
        require(False, f"no Redis at {url}: {error}")
    return url
