"""Shared builders and settings for the tests."""

import datetime as dt
import itertools
import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django.utils import translation

from startups.betagouv.reader import PhaseRecord
from startups.models import Audience, Incubator, Organisation, Phase, Startup, Theme
from startups.services import (
    refresh_search_text,
    refresh_technologies,
    refresh_transparency,
    set_phase_history,
)

BETAGOUV_DATA = Path(
    os.environ.get(
        "BETAGOUV_DATA", django_settings.BASE_DIR.parent / "shared/data/betagouv"
    )
)


def require(condition: bool, reason: str) -> None:
    """Skip when a newcomer's machine lacks something; in CI, fail instead, so that
    a missing database or data folder cannot pass as green."""
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture
def betagouv_data() -> Path:
    require(
        (BETAGOUV_DATA / "startups").is_dir(),
        f"the beta.gouv.fr snapshot is not at {BETAGOUV_DATA} (set BETAGOUV_DATA)",
    )
    return BETAGOUV_DATA


@pytest.fixture
def postgres_only():
    """For what only PostgreSQL does (French stemming, unaccent). On SQLite the
    test is skipped, in CI too: the same suite runs again on PostgreSQL (make
    test-postgres sets EXPECT_POSTGRES, and there a missing PostgreSQL fails)."""
    if connection.vendor == "postgresql":
        return
    if os.environ.get("EXPECT_POSTGRES"):
        pytest.fail("EXPECT_POSTGRES is set but the tests run on " + connection.vendor)
    pytest.skip("needs PostgreSQL: runs in `make test-postgres`")


@pytest.fixture(autouse=True)
def _empty_cache():
    # Each test rolls its writes back, and with them the catalogue version:
    # entries cached by the previous test must not answer this one.
    from django.core.cache import cache

    from startups import caching

    cache.clear()
    caching.near.clear()
    yield


@pytest.fixture(autouse=True)
def _phases_refreshed_today():
    # Builders store the current phase of today: the day's refresh
    # (startups.daily) has nothing to do, and pinned query counts do not
    # depend on which test ran first. A test that moves the clock gets it.
    from django.utils import timezone

    from startups import daily

    daily.mark_refreshed(timezone.localdate())
    yield


@pytest.fixture(autouse=True)
def _default_language():
    # A request leaves its language active in the thread: start every test in
    # the site's default language, whatever the previous test fetched.
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # The test client speaks plain http; production redirects that to https.
    settings.SECURE_SSL_REDIRECT = False
    # Pages are built the SQL way, whose query counts the tests pin; the
    # in-memory index has tests of its own (tests/test_catalogue_index.py).
    settings.CATALOGUE_INDEX = "off"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The test client's host is the site's public address (what DJANGO_SITE_URL
    # and DJANGO_ALLOWED_HOSTS say in production); any other is refused.
    settings.SITE_URL = "http://testserver"
    settings.SERVED_HOSTS = ["testserver"]


_counter = itertools.count(1)


@pytest.fixture
def make_organisation(db):
    def make(**overrides) -> Organisation:
        n = next(_counter)
        values = {"slug": f"org-{n}", "name": f"Organisation {n}", "acronym": f"O{n}"}
        return Organisation.objects.create(**{**values, **overrides})

    return make


@pytest.fixture
def make_incubator(db):
    def make(**overrides) -> Incubator:
        n = next(_counter)
        values = {"slug": f"incubator-{n}", "name": f"Incubateur {n}"}
        return Incubator.objects.create(**{**values, **overrides})

    return make


@pytest.fixture
def make_startup(db, make_incubator):
    """A start-up with a phase history; `phases` is a list of (phase, start) or
    (phase, start, end)."""

    def make(*, phases=None, sponsors=(), themes=(), **overrides) -> Startup:
        n = next(_counter)
        values = {
            "slug": f"startup-{n}",
            "title": f"Service {n}",
            "mission": f"Aider les usagers n°{n}.",
        }
        values.update(overrides)
        if "incubator" not in values:
            values["incubator"] = make_incubator()
        startup = Startup.objects.create(**values)
        startup.sponsors.set(sponsors)
        startup.themes.set(themes)
        history = (
            phases
            if phases is not None
            else [(Phase.INVESTIGATION, dt.date(2022, 1, 1))]
        )
        set_phase_history(
            startup=startup,
            phases=[
                PhaseRecord(p[0], p[1], p[2] if len(p) > 2 else None, "", i)
                for i, p in enumerate(history)
            ],
        )
        refresh_search_text([startup])
        if startup.technologies:
            refresh_technologies([startup])
        refresh_transparency([startup])
        startup.refresh_from_db()
        return startup

    return make


@pytest.fixture(scope="module")
def real_catalogue(django_db_setup, django_db_blocker):
    """The real snapshot imported once for a module that reads it without
    writing (an import takes seconds), committed, and removed at the end so that
    other modules start empty."""
    require(
        (BETAGOUV_DATA / "startups").is_dir(),
        f"the beta.gouv.fr snapshot is not at {BETAGOUV_DATA} (set BETAGOUV_DATA)",
    )
    with django_db_blocker.unblock():
        call_command("import_betagouv", str(BETAGOUV_DATA), stdout=None)
        yield
        from reversion.models import Revision

        Revision.objects.all().delete()
        Startup.objects.all().delete()
        Incubator.objects.all().delete()
        for model in (Organisation, Theme, Audience):
            model.objects.all().delete()


@pytest.fixture
def budget_categories(db):
    """The reference model's categories by slug (made by migration 0016; made
    again here after a test that flushed the database)."""
    from startups.models import DEFAULT_BUDGET_CATEGORIES, BudgetCategory

    for position, (slug, label, label_en) in enumerate(DEFAULT_BUDGET_CATEGORIES):
        BudgetCategory.objects.get_or_create(
            slug=slug,
            defaults={"label": label, "label_en": label_en, "position": position},
        )
    return {c.slug: c for c in BudgetCategory.objects.all()}


@pytest.fixture
def make_budget_line(budget_categories):
    """A budget line: development, actual, paid by the incubator, unless told."""
    from startups.models import BudgetLine

    def make(startup, **overrides) -> BudgetLine:
        values = {
            "year": 2024,
            "category": budget_categories["development"],
            "amount": 100_000,
            "kind": BudgetLine.Kind.ACTUAL,
            "source": BudgetLine.Source.INCUBATOR,
            "stated_on": dt.date(2024, 12, 31),
        }
        if isinstance(overrides.get("category"), str):
            overrides["category"] = budget_categories[overrides["category"]]
        return BudgetLine.objects.create(startup=startup, **{**values, **overrides})

    return make
