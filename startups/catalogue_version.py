"""The catalogue version: one number every write to a public page's rows
raises, which every public cache key holds (startups.caching), so that nothing
cached before a write is served after it.

Here: reading it (once per request), raising it (one UPDATE), grouping the
raises of a large write into one (catalogue_write), and which models' writes
raise it. Every model of the app is declared public (its rows show on public
pages: a write raises the version) or private (staff-only rows: a write does
not); startups.signals connects the public ones, with the many-to-many tables
between them, and tests/test_catalogue_version.py fails for a model declared
neither, so that a new model cannot leave pages stale without anyone noticing."""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.apps import apps
from django.db import InterfaceError, OperationalError, connections, router, transaction
from django.db.models import F
from django.utils import timezone

from startups.models import CatalogueVersion

PUBLIC_MODELS = frozenset(
    {
        "Startup",
        "StartupPhase",
        "Event",
        "FormerSlug",
        "Incubator",
        "Organisation",
        "Theme",
        "Audience",
        "Technology",
        "BudgetCategory",
        "BudgetLine",
        # Impact indicators and their values: the start-up page, stats, API.
        "Indicator",
        "IndicatorValue",
        "StopReason",
    }
)
PRIVATE_MODELS = frozenset(
    {
        # Who works on what: the staff space's, never shown publicly.
        "IncubatorMembership",
        "StartupEditor",
        "StaleReminder",
        # The number itself.
        "CatalogueVersion",
    }
)


def undeclared_models() -> list[str]:
    """The app's models declared neither public nor private."""
    return sorted(
        model.__name__
        for model in apps.get_app_config("startups").get_models()
        if model.__name__ not in PUBLIC_MODELS | PRIVATE_MODELS
    )


def public_models() -> list[type]:
    """The app's models whose writes change public pages, and the many-to-many
    tables between them (written by .set()/.add(), which save no model)."""
    public = [
        model
        for model in apps.get_app_config("startups").get_models()
        if model.__name__ in PUBLIC_MODELS
    ]
    through = [
        field.remote_field.through
        for model in public
        for field in model._meta.local_many_to_many
        if field.remote_field.through._meta.auto_created
    ]
    return public + through


# A lock on the version's table (a migration, a LOCK TABLE) must not hold
# every request: on PostgreSQL the read waits LOCK_WAIT_MS at most for it, and
# then, for LOCKED_PAUSE seconds, the worker does not ask again: both answer
# with the version it read last, if that is recent (LOCKED_STALE_SECONDS).
# While the table is locked no write can raise the version (each raises it in
# its own transaction), so pages keep coming from the cache, and pages built
# meanwhile read the other tables as usual.
LOCK_WAIT_MS = 50
LOCKED_PAUSE = 1.0
LOCKED_STALE_SECONDS = 30
# Per database alias: (version, changed_at, when it was read), and until when
# the table is taken for locked.
_last_read: dict[str, tuple[int, dt.datetime | None, float]] = {}
_locked_until: dict[str, float] = {}


def _recent(alias: str, now: float) -> tuple[int, dt.datetime | None] | None:
    found = _last_read.get(alias)
    if found is None or now - found[2] > LOCKED_STALE_SECONDS:
        return None
    return found[0], found[1]


def _lock_timeout(error: Exception) -> bool:
    return getattr(error.__cause__, "sqlstate", None) == "55P03"


def read(request=None) -> int:
    """The current catalogue version (one query, once per request). Plain SQL:
    every public request asks, and building the ORM's query cost more than
    running it.

    It is the first query of every public request, so it also stands for
    Django's connection health check (CONN_HEALTH_CHECKS: a "SELECT 1" before
    the first query on a reused connection, a third of the cost of a cached
    page here): instead of pinging, it runs, and if the reused connection has
    died meanwhile (a database restart, a failover) it opens a new one and runs
    again. A locked table: see LOCK_WAIT_MS."""
    if request is not None and hasattr(request, "_catalogue_version"):
        return request._catalogue_version
    alias = router.db_for_read(CatalogueVersion)
    db = connections[alias]
    now = time.monotonic()
    found = None
    if _locked_until.get(alias, 0) > now:
        found = _recent(alias, now)
    if found is None:
        reused = db.connection is not None and not db.in_atomic_block
        if reused:
            db.health_check_done = True
        try:
            found = _read_version(db)
        except (OperationalError, InterfaceError) as error:
            if _lock_timeout(error) and (found := _recent(alias, now)) is not None:
                _locked_until[alias] = now + LOCKED_PAUSE
            # A statement cancelled (a lock, the statement timeout) on a sound
            # connection: the database is slow, not gone; asking again would
            # only wait as long again.
            elif not reused or db.is_usable():
                raise
            else:
                db.close()
                found = _read_version(db)
        else:
            if not db.in_atomic_block:
                _last_read[alias] = (*found, now)
    version, changed = found
    if request is not None:
        request._catalogue_version = version
        request._catalogue_changed_at = changed
    return version


def changed_at(request) -> dt.datetime | None:
    """When the catalogue version last changed (read with it, no more query)."""
    read(request)
    return request._catalogue_changed_at


_VERSION_SQL = (
    f"SELECT version, changed_at FROM {CatalogueVersion._meta.db_table} WHERE id = 1"
)


def _read_version(db) -> tuple[int, dt.datetime | None]:
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            # One round trip, one implicit transaction: the wait for a lock
            # is short for this statement alone.
            cursor.execute(
                f"SET lock_timeout = '{LOCK_WAIT_MS}ms'; {_VERSION_SQL}; "
                "RESET lock_timeout"
            )
            while cursor.description is None and cursor.nextset():
                pass
        else:
            cursor.execute(_VERSION_SQL)
        row = cursor.fetchone()
    if not row:
        return 0, None
    changed = row[1]
    if isinstance(changed, str):  # SQLite through a raw cursor
        changed = dt.datetime.fromisoformat(changed)
    if changed is not None and timezone.is_naive(changed):
        changed = timezone.make_aware(changed, dt.UTC)
    return row[0], changed


# Every write raises it inside the write's transaction, so that the pages
# cached under the old number are never served again once the write is
# committed. Who calls it: startups.services, startups.demo, and
# startups.signals for every row of a public model saved or deleted one by one
# (the admin, reversion's revert and recover).
_batch = threading.local()


def bump_catalogue_version() -> None:
    """Raise the catalogue version (one UPDATE; within catalogue_write(), once at
    its end)."""
    if getattr(_batch, "depth", 0):
        _batch.pending = True
        return
    # A random step, not +1: a transaction that rolls back gives its number back,
    # and the next write must not reuse it (pages cached under it inside that
    # transaction would come back).
    step = random.randint(1, 2**32)
    changed = CatalogueVersion.objects.filter(pk=1).update(
        version=F("version") + step, changed_at=timezone.now()
    )
    if not changed:
        # The row the migration creates is gone (a flushed test database).
        CatalogueVersion.objects.get_or_create(
            pk=1, defaults={"version": 1, "changed_at": timezone.now()}
        )


@contextmanager
def catalogue_write() -> Iterator[None]:
    """Group the bumps of a large write (an import, seeding) into one: call it
    inside the write's transaction."""
    _batch.depth = getattr(_batch, "depth", 0) + 1
    try:
        yield
    finally:
        _batch.depth -= 1
    if not _batch.depth:
        _batch.pending = False
        # A dry run has marked its transaction for rollback: nothing to announce.
        if not transaction.get_connection().needs_rollback:
            bump_catalogue_version()
