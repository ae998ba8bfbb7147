"""Writes that touch several rows. Each runs in one transaction; views, admin and
commands call these instead of writing rows by hand."""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import reversion
from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext

from startups.importers.betagouv import (
    Catalogue,
    EventRecord,
    IncubatorRecord,
    OrganisationRecord,
    PhaseRecord,
    Problem,
    StartupRecord,
)
from startups.models import (
    Audience,
    CatalogueVersion,
    Event,
    FormerSlug,
    Incubator,
    IncubatorMembership,
    Organisation,
    Startup,
    StartupPhase,
    Theme,
    current_phase_entry,
)
from startups.search import SEARCH_COLUMNS, search_fields_of

# The catalogue version (models.CatalogueVersion): every write raises it, inside
# the write's transaction, so that the pages cached under the old number (see
# startups.caching) are never served again once the write is committed. Who calls
# it: the services below, and startups.signals for every row saved or deleted one
# by one (the admin, reversion's revert and recover).
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
    if not CatalogueVersion.objects.filter(pk=1).update(version=F("version") + step):
        # The row the migration creates is gone (a flushed test database).
        CatalogueVersion.objects.get_or_create(pk=1, defaults={"version": 1})


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


def refresh_current_phase(
    startup: Startup, entries: Iterable[Any] | None = None
) -> None:
    """Store on the start-up the phase its history makes current (the one rule,
    models.current_phase_entry)."""
    entries = list(startup.phases.all() if entries is None else entries)
    entry = current_phase_entry(entries)
    startup.current_phase = entry.phase if entry else ""
    startup.current_phase_start = entry.start if entry else None
    startup.started_on = min((e.start for e in entries), default=None)
    Startup.objects.filter(pk=startup.pk).update(
        current_phase=startup.current_phase,
        current_phase_start=startup.current_phase_start,
        started_on=startup.started_on,
    )
    bump_catalogue_version()


def refresh_search_text(startups: Iterable[Startup]) -> None:
    """Store on each start-up the columns that search and alphabetical order
    read (search.search_fields_of). Call it after a start-up's title,
    identifiers, mission, description, technologies, themes or sponsors (or a
    sponsor's name) change."""
    pks = [s.pk for s in startups]
    columns = [*SEARCH_COLUMNS, "sort_title"]
    for i in range(0, len(pks), 500):
        changed = []
        for startup in (
            Startup.objects.filter(pk__in=pks[i : i + 500])
            .only("slug", "title", "mission", "description", "technologies", *columns)
            .prefetch_related("themes", "sponsors", "former_slugs")
        ):
            fields = search_fields_of(startup)
            if any(getattr(startup, c) != v for c, v in fields.items()):
                for column, value in fields.items():
                    setattr(startup, column, value)
                changed.append(startup)
        # bulk_update leaves updated_at alone: the text is derived, not edited.
        Startup.objects.bulk_update(changed, columns)
    if pks:
        bump_catalogue_version()


# What incubator staff may do in the admin; which rows they see is decided by
# their memberships (admin.ScopedToIncubators).
STAFF_PERMISSIONS = [
    "view_startup", "add_startup", "change_startup",
    "view_startupphase", "add_startupphase", "change_startupphase",
    "delete_startupphase",
    "view_event", "add_event", "change_event", "delete_event",
    "view_formerslug", "add_formerslug", "change_formerslug", "delete_formerslug",
    "view_incubator", "change_incubator",
    "view_organisation", "view_theme", "view_audience",
]  # fmt: skip


@transaction.atomic
def make_incubator_staff(*, user, incubators: Iterable[Incubator]) -> None:
    """Give a user the staff role for these incubators (and only them)."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="startups", codename__in=STAFF_PERMISSIONS
        )
    )
    for incubator in incubators:
        IncubatorMembership.objects.get_or_create(user=user, incubator=incubator)


@transaction.atomic
def set_phase_history(*, startup: Startup, phases: Iterable[PhaseRecord]) -> None:
    """Replace a start-up's phase history and keep its current phase in step."""
    startup.phases.all().delete()
    rows = StartupPhase.objects.bulk_create(
        StartupPhase(
            startup=startup,
            phase=p.phase,
            start=p.start,
            end=p.end,
            comment=p.comment,
            position=p.position,
        )
        for p in phases
    )
    refresh_current_phase(startup, rows)


@transaction.atomic
def rename_startup(*, startup: Startup, old_slug: str) -> None:
    """After a start-up's slug changed: its old address keeps working (301)."""
    FormerSlug.objects.filter(slug=startup.slug).delete()
    FormerSlug.objects.get_or_create(slug=old_slug, defaults={"startup": startup})


@transaction.atomic
def set_events(*, startup: Startup, events: Iterable[EventRecord]) -> None:
    startup.events.all().delete()
    Event.objects.bulk_create(
        Event(startup=startup, kind=e.kind, date=e.date, comment=e.comment)
        for e in events
    )
    bump_catalogue_version()


@dataclass
class ImportSummary:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()) + sum(self.updated.values()))


def _keep_version(obj) -> None:
    """Add a changed row to the import's revision (serialised when it ends)."""
    if reversion.is_registered(type(obj)):
        reversion.add_to_revision(obj)


def _upsert(
    model,
    existing: dict,
    slug: str,
    values: dict[str, Any],
    summary: ImportSummary,
    kind: str,
):
    obj = existing.get(slug)
    if obj is None:
        obj = model.objects.create(slug=slug, **values)
        existing[slug] = obj
        summary.created[kind] += 1
        _keep_version(obj)
    elif any(getattr(obj, name) != value for name, value in values.items()):
        for name, value in values.items():
            setattr(obj, name, value)
        obj.save()
        summary.updated[kind] += 1
        _keep_version(obj)
    else:
        summary.unchanged[kind] += 1
    return obj


_STARTUP_FIELDS = (
    "title",
    "mission",
    "description",
    "website",
    "repository",
    "has_stats_page",
    "stats_url",
    "budget_url",
    "impact_url",
    "risk_analysis_url",
    "dashlord_url",
    "contact",
    "accessibility_status",
    "risk_analysis_done",
    "mon_service_securise",
    "fast_promotion",
    "fast_amount",
    "allow_indexing",
)


def _state_of_record(record: StartupRecord, incubators: dict) -> dict[str, Any]:
    return {
        **{name: getattr(record, name) for name in _STARTUP_FIELDS},
        "technologies": list(record.technologies),
        "incubator_id": incubators[record.incubator].pk,
        "co_incubators": frozenset(record.co_incubators),
        "sponsors": frozenset(record.sponsors),
        "themes": frozenset(record.themes),
        "audiences": frozenset(record.audiences),
        "phases": tuple(record.phases),
        "events": sorted((e.date, e.kind, e.comment) for e in record.events),
        "former_slugs": frozenset(record.former_slugs),
    }


def _state_of_startup(startup: Startup) -> dict[str, Any]:
    return {
        **{name: getattr(startup, name) for name in _STARTUP_FIELDS},
        "technologies": startup.technologies,
        "incubator_id": startup.incubator_id,
        "co_incubators": frozenset(i.slug for i in startup.co_incubators.all()),
        "sponsors": frozenset(o.slug for o in startup.sponsors.all()),
        "themes": frozenset(t.slug for t in startup.themes.all()),
        "audiences": frozenset(a.slug for a in startup.audiences.all()),
        "phases": tuple(
            PhaseRecord(p.phase, p.start, p.end, p.comment, p.position)
            for p in sorted(startup.phases.all(), key=lambda p: p.position)
        ),
        "events": sorted((e.date, e.kind, e.comment) for e in startup.events.all()),
        "former_slugs": frozenset(f.slug for f in startup.former_slugs.all()),
    }


class _DryRun(Exception):
    pass


def import_catalogue(catalogue: Catalogue, *, dry_run: bool = False) -> ImportSummary:
    """Save the valid records of a parsed catalogue in one transaction.

    Records equal to what the database holds are not written (a second import of
    the same files changes nothing); a changed record replaces its start-up's
    sponsors, themes, phases and events with the file's."""
    summary = ImportSummary(warnings=list(catalogue.warnings))
    # One revision for the whole import: each changed sheet's history shows it.
    # Rows are added to it by hand, once each: left to reversion's signals, every
    # many-to-many .set() would serialise the sheet again (16 times slower).
    try:
        with (
            transaction.atomic(),
            reversion.create_revision(manage_manually=True),
            catalogue_write(),
        ):
            reversion.set_comment(gettext("Import of beta.gouv.fr files"))
            organisations = _save_organisations(catalogue.organisations, summary)
            incubators = _save_incubators(catalogue.incubators, organisations, summary)
            themes = _save_terms(Theme, catalogue.themes, summary, "themes")
            audiences = _save_terms(Audience, catalogue.audiences, summary, "audiences")
            startups = _save_startups(
                catalogue.startups,
                incubators,
                organisations,
                themes,
                audiences,
                summary,
            )
            for record in catalogue.incubators:
                incubator = incubators[record.slug]
                wanted = {startups[slug].pk for slug in record.highlighted_startups}
                if {s.pk for s in incubator.highlighted_startups.all()} != wanted:
                    incubator.highlighted_startups.set(wanted)
            if dry_run:
                # Out through an exception: the revision is not saved, and
                # the transaction rolls back.
                raise _DryRun
    except _DryRun:
        pass
    return summary


def _save_organisations(records: list[OrganisationRecord], summary: ImportSummary):
    existing = {o.slug: o for o in Organisation.objects.all()}
    for r in records:
        values = {
            "name": r.name,
            "acronym": r.acronym,
            "kind": r.kind,
            "ministerial_domain": r.ministerial_domain,
            "directory_url": r.directory_url,
        }
        _upsert(Organisation, existing, r.slug, values, summary, "organisations")
    return existing


def _save_incubators(
    records: list[IncubatorRecord], organisations: dict, summary: ImportSummary
):
    existing = {
        i.slug: i for i in Incubator.objects.prefetch_related("highlighted_startups")
    }
    for r in records:
        values = {
            "name": r.name,
            "short_description": r.short_description,
            "description": r.description,
            "owner": organisations[r.owner] if r.owner else None,
            "contact": r.contact,
            "address": r.address,
            "website": r.website,
            "source_code_url": r.source_code_url,
            "is_hidden": r.is_hidden,
        }
        _upsert(Incubator, existing, r.slug, values, summary, "incubators")
    return existing


def _save_terms(model, labels: dict[str, str], summary: ImportSummary, kind: str):
    existing = {t.slug: t for t in model.objects.all()}
    for slug, label in sorted(labels.items()):
        _upsert(model, existing, slug, {"label": label}, summary, kind)
    return existing


def _save_startups(
    records, incubators, organisations, themes, audiences, summary: ImportSummary
) -> dict[str, Startup]:
    existing = {
        s.slug: s
        for s in Startup.objects.filter(
            slug__in=[r.slug for r in records]
        ).prefetch_related(
            "co_incubators",
            "sponsors",
            "themes",
            "audiences",
            "phases",
            "events",
            "former_slugs",
        )
    }
    # Former slugs move between start-ups: free every one the files no longer
    # give before assigning the new ones, so the unique constraint holds.
    wanted_former = {r.slug: set(r.former_slugs) for r in records}
    for startup in existing.values():
        for former in startup.former_slugs.all():
            if former.slug not in wanted_former[startup.slug]:
                former.delete()
    all_former = set(FormerSlug.objects.values_list("slug", flat=True))
    live = set(Startup.objects.values_list("slug", flat=True))

    for record in records:
        new_state = _state_of_record(record, incubators)
        startup = existing.get(record.slug)
        if startup is not None and _state_of_startup(startup) == new_state:
            summary.unchanged["startups"] += 1
            continue
        values = {name: getattr(record, name) for name in _STARTUP_FIELDS}
        values["technologies"] = list(record.technologies)
        values["incubator"] = incubators[record.incubator]
        if startup is None:
            startup = Startup.objects.create(slug=record.slug, **values)
            existing[record.slug] = startup
            summary.created["startups"] += 1
        else:
            for name, value in values.items():
                setattr(startup, name, value)
            startup.save()
            summary.updated["startups"] += 1
        _keep_version(startup)
        startup.co_incubators.set([incubators[s] for s in record.co_incubators])
        startup.sponsors.set([organisations[s] for s in record.sponsors])
        startup.themes.set([themes[s] for s in record.themes])
        startup.audiences.set([audiences[s] for s in record.audiences])
        set_phase_history(startup=startup, phases=record.phases)
        set_events(startup=startup, events=record.events)
        for former in record.former_slugs:
            if former in live:
                summary.warnings.append(
                    Problem(
                        record.path,
                        "redirect_from",
                        f"{former!r} is another start-up's identifier; left out",
                    )
                )
            elif former not in all_former:
                FormerSlug.objects.create(startup=startup, slug=former)
                all_former.add(former)
            elif not startup.former_slugs.filter(slug=former).exists():
                summary.warnings.append(
                    Problem(
                        record.path,
                        "redirect_from",
                        f"{former!r} already redirects to another start-up; left out",
                    )
                )
    # Every imported start-up, not only the changed ones: a renamed sponsor or
    # theme changes the text of start-ups whose own record did not change. Only
    # texts that differ are written.
    refresh_search_text(existing.values())
    return existing
