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


def read(request=None) -> int:
    """The current catalogue version (one query, once per request). Plain SQL:
    every public request asks, and building the ORM's query cost more than
    running it.

    It is the first query of every public request, so it also stands for
    Django's connection health check (CONN_HEALTH_CHECKS: a "SELECT 1" before
    the first query on a reused connection, a third of the cost of a cached
    page here): instead of pinging, it runs, and if the reused connection has
    died meanwhile (a database restart, a failover) it opens a new one and runs
    again."""
    if request is not None and hasattr(request, "_catalogue_version"):
        return request._catalogue_version
    db = connections[router.db_for_read(CatalogueVersion)]
    reused = db.connection is not None and not db.in_atomic_block
    if reused:
        db.health_check_done = True
    try:
        version = _read_version(db)
    except (OperationalError, InterfaceError):
        # A statement cancelled (a lock, the statement timeout) on a sound
        # connection: the database is slow, not gone; asking again would only
        # wait as long again.
        if not reused or db.is_usable():
            raise
        db.close()
        version = _read_version(db)
    version, changed = version
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
