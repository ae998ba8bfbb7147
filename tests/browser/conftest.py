"""Chromium (Debian's, driven by Playwright) against a live server that holds the real
beta.gouv.fr catalogue, with axe-core from npm (`make browser-deps`).

The data is imported once per module. pytest-django's `live_server` fixture would
make every test that uses it transactional, and so empty the database after the
first page: the module fixture below starts pytest-django's LiveServer itself, with
database access unblocked, and empties the database when the module is done, as a
transactional test would."""

import importlib.util
import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections
from django.test.utils import override_settings

from tests.conftest import BETAGOUV_DATA, require

CHROMIUM = Path(os.environ.get("BROWSER_CHROMIUM", "/usr/bin/chromium"))
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
# The flags of the project's other Chromium screenshots: no first-run screens, no
# background traffic to Google's services (there is no network but the loopback).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
_screenshots: list[Path] = []


@pytest.fixture(scope="module")
def browser():
    require(
        importlib.util.find_spec("playwright") is not None,
        "the playwright Python package is missing: pip install -e '.[test]'",
    )
    require(
        CHROMIUM.exists(),
        f"no Chromium at {CHROMIUM}: apt-get install chromium (or set "
        "BROWSER_CHROMIUM)",
    )
    from playwright.sync_api import sync_playwright

    # Playwright must never fetch a browser of its own. Its synchronous API keeps an
    # idle event loop in the main thread, which Django takes for async code: allow
    # the ORM there while the browser is open (Django's documented escape hatch for
    # Playwright; nothing here is asynchronous). Module-scoped, so that the tests
    # after these run without either.
    environ = {
        "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1",
        "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
    }
    previous = {name: os.environ.get(name) for name in environ}
    os.environ.update(environ)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(autouse=True)
def _live_server_is_the_public_address(request, settings):
    # tests/conftest.py makes the test client's "testserver" the public address;
    # for a live server, its own address is.
    if "catalogue_server" in request.fixturenames:
        url = request.getfixturevalue("catalogue_server").url
        settings.SITE_URL = url
        settings.SERVED_HOSTS = [url.split("://", 1)[1]]


@pytest.fixture(scope="session")
def axe_source() -> str:
    require(
        AXE.exists(), f"axe-core is not installed at {AXE}: run `make browser-deps`"
    )
    return AXE.read_text()


@pytest.fixture(scope="module")
def catalogue_server(django_db_setup, django_db_blocker):
    """A live server over the real catalogue, for the whole module. Yields the
    LiveServer; its database is emptied afterwards."""
    require(
        (BETAGOUV_DATA / "startups").is_dir(),
        f"the beta.gouv.fr snapshot is not at {BETAGOUV_DATA} (set BETAGOUV_DATA)",
    )
    from pytest_django.live_server_helper import LiveServer

    # What tests/conftest.py's _test_settings sets per test, for the whole module:
    # plain http, and static files found in place rather than in a manifest.
    settings = override_settings(
        SECURE_SSL_REDIRECT=False,
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {
                "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
            },
        },
    )
    settings.enable()
    with django_db_blocker.unblock():
        call_command("import_betagouv", str(BETAGOUV_DATA), stdout=io.StringIO())
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
        try:
            yield server
        finally:
            server._live_server_modified_settings.disable()
            server.stop()
            call_command("flush", interactive=False, verbosity=0)
            # Leave no session open on the test database, which is dropped at the end.
            connections.close_all()
            settings.disable()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory) -> Path:
    """Full-page screenshots: $BROWSER_SCREENSHOTS, or pytest's temporary folder;
    never the repository."""
    folder = os.environ.get("BROWSER_SCREENSHOTS")
    if folder:
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def screenshot_path(screenshot_dir):
    def make(name: str) -> Path:
        path = screenshot_dir / f"{name}.png"
        _screenshots.append(path)
        return path

    return make


def pytest_terminal_summary(terminalreporter):
    if _screenshots:
        terminalreporter.write_line(
            f"browser screenshots: {len(_screenshots)} in {_screenshots[0].parent}"
        )
