"""Writes that touch several rows. Each runs in one transaction; views, admin and
commands call these instead of writing rows by hand."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import reversion
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext, ngettext

from startups import history, policy
from startups.betagouv.reader import (
    Catalogue,
    EventRecord,
    IncubatorRecord,
    OrganisationRecord,
    PhaseRecord,
    Problem,
    StartupRecord,
    build_vocabulary,
)

# Moved to their own module; imported here for the callers of services.
from startups.catalogue_version import bump_catalogue_version, catalogue_write
from startups.history import save_sheet_versions
from startups.models import (
    Audience,
    BudgetCategory,
    BudgetLine,
    Event,
    FormerSlug,
    Incubator,
    IncubatorMembership,
    Organisation,
    Startup,
    StartupEditor,
    StartupPhase,
    StopReason,
    Technology,
    Theme,
    current_phase_entry,
)
from startups.rules import normalise_newlines
from startups.search import SEARCH_COLUMNS, search_fields_of


def refresh_current_phase(
    startup: Startup, entries: Iterable[Any] | None = None, *, today=None
) -> None:
    """Store on the start-up the phase its history makes current today (the one
    rule, models.current_phase_entry)."""
    entries = list(startup.phases.all() if entries is None else entries)
    entry = current_phase_entry(entries, today)
    startup.current_phase = entry.phase if entry else ""
    startup.current_phase_start = entry.start if entry else None
    startup.started_on = min((e.start for e in entries), default=None)
    Startup.objects.filter(pk=startup.pk).update(
        current_phase=startup.current_phase,
        current_phase_start=startup.current_phase_start,
        started_on=startup.started_on,
    )
    bump_catalogue_version()


def refresh_due_phases(*, today, dry_run: bool = False) -> list[Startup]:
    """Store the current phase of every start-up whose planned phase has begun
    by `today` (Startup.objects.with_current_phase_due), in one transaction:
    a phase becomes current on its day without anyone saving the sheet. Not a
    change of the sheet's content: its "last update" stays. Returns those
    start-ups (with a dry run, only finds them)."""
    due = list(
        Startup.objects.with_current_phase_due(today)
        .only("pk", "slug", "current_phase", "current_phase_start", "started_on")
        .prefetch_related("phases")
        .order_by("pk")
    )
    if due and not dry_run:
        with transaction.atomic(), catalogue_write():
            for startup in due:
                refresh_current_phase(startup, today=today)
    return due


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


def refresh_transparency(startups: Iterable[Startup] | Iterable[int]) -> None:
    """Store each start-up's transparency score and the criteria it meets
    (startups.transparency). Call it after a sheet's links, compliance,
    description, contact or committee events change. Leaves the "last update"
    alone: the score is derived, not edited. Four queries per 500 sheets."""
    from startups import transparency

    pks = [getattr(s, "pk", s) for s in startups]
    for i in range(0, len(pks), 500):
        committees: dict[int, list] = {}
        for startup_id, day, comment in Event.objects.filter(
            startup_id__in=pks[i : i + 500], kind=Event.Kind.COMMITTEE
        ).values_list("startup_id", "date", "comment"):
            committees.setdefault(startup_id, []).append((day, comment))
        with_lines = set(
            BudgetLine.objects.filter(startup_id__in=pks[i : i + 500])
            .values_list("startup_id", flat=True)
            .distinct()
        )
        changed = []
        for startup in Startup.objects.filter(pk__in=pks[i : i + 500]).only(
            *transparency.FIELDS, "transparency_score", "transparency_met"
        ):
            score, met = transparency.evaluate(
                transparency.Sheet(
                    startup,
                    committees.get(startup.pk, ()),
                    budget_lines=startup.pk in with_lines,
                )
            )
            if (score, met) != (startup.transparency_score, startup.transparency_met):
                startup.transparency_score, startup.transparency_met = score, met
                changed.append(startup)
        Startup.objects.bulk_update(changed, ["transparency_score", "transparency_met"])
        if changed:
            bump_catalogue_version()


def note_certification(*, startup: Startup, user, redate: bool = False) -> None:
    """Record who changed what the national team certifies on a sheet (its
    impact matrix level, FAST funding, national impact or FAST events), and
    when. The level is dated today when it changed without a new date
    (`redate`), or has none."""
    from django.utils import timezone

    from startups.models import ImpactCertification

    when = timezone.now()
    startup.certification_set_by = user
    startup.certification_set_at = when
    updates = {"certification_set_by": user, "certification_set_at": when}
    if startup.impact_certification != ImpactCertification.NONE and (
        redate or startup.impact_certification_on is None
    ):
        startup.impact_certification_on = timezone.localdate(when)
        updates["impact_certification_on"] = startup.impact_certification_on
    Startup.objects.filter(pk=startup.pk).update(**updates)
    bump_catalogue_version()


def national_team_state(startup: Startup) -> tuple:
    """What the national team certifies on a sheet, comparable before and
    after a write (its fields, and its national-team events)."""
    return (
        tuple(getattr(startup, name) for name in policy.NATIONAL_TEAM_FIELDS),
        sorted(
            (e.kind, e.date, e.comment)
            for e in Event.objects.filter(
                startup=startup, kind__in=policy.NATIONAL_TEAM_EVENTS
            )
        )
        if startup.pk
        else [],
    )


def technology_vocabulary(labels: Iterable[str]) -> dict[str, tuple[str, str]]:
    """{spelling: (slug, label)} for these spellings: one entry per technology
    whatever its case or punctuation ("React" = "react", "Next.js" =
    "next.js"), the label already known for it kept."""
    # The known labels count as spellings: the best one wins ("React" over
    # "react", see build_vocabulary), whichever came first.
    known = Technology.objects.values_list("label", flat=True)
    return build_vocabulary([*labels, *known])


def canonical_technologies(labels: Iterable[str], vocabulary) -> list[str]:
    """The labels in their known spelling, once each, in their order."""
    found = []
    for label in labels:
        entry = vocabulary.get(" ".join(label.split()))
        if entry and entry[1] not in found:
            found.append(entry[1])
    return found


def refresh_technologies(startups: Iterable[Startup]) -> None:
    """Write each start-up's technologies in their known spelling and link it
    to their Technology entries (created as needed): the facet and the page's
    links read those. Call it after a start-up's technologies change. Leaves
    the "last update" alone: the spelling is normalised, not edited."""
    startups = list(startups)
    vocabulary = technology_vocabulary(
        label for s in startups for label in s.technologies
    )
    entries = {slug: label for slug, label in vocabulary.values()}
    relabelled = [
        t
        for t in Technology.objects.filter(slug__in=entries)
        if t.label != entries[t.slug]
    ]
    for technology in relabelled:
        technology.label = entries[technology.slug]
    Technology.objects.bulk_update(relabelled, ["label"])
    Technology.objects.bulk_create(
        [Technology(slug=slug, label=label) for slug, label in entries.items()],
        ignore_conflicts=True,
    )
    ids = dict(Technology.objects.filter(slug__in=entries).values_list("slug", "pk"))
    through = Startup.technology_terms.through
    wanted, respelt = set(), []
    for startup in startups:
        canonical = canonical_technologies(startup.technologies, vocabulary)
        if canonical != startup.technologies:
            startup.technologies = canonical
            respelt.append(startup)
        for label in startup.technologies:
            entry = vocabulary.get(" ".join(label.split()))
            if entry:
                wanted.add((startup.pk, ids[entry[0]]))
    Startup.objects.bulk_update(respelt, ["technologies"], batch_size=500)
    pks = [s.pk for s in startups]
    current = set()
    for i in range(0, len(pks), 500):
        current |= set(
            through.objects.filter(startup_id__in=pks[i : i + 500]).values_list(
                "startup_id", "technology_id"
            )
        )
    stale = current - wanted
    for startup_id, technology_id in stale:
        through.objects.filter(
            startup_id=startup_id, technology_id=technology_id
        ).delete()
    through.objects.bulk_create(
        [through(startup_id=a, technology_id=b) for a, b in wanted - current],
        batch_size=500,
    )
    if relabelled or respelt or stale or wanted - current:
        bump_catalogue_version()


@transaction.atomic
def make_incubator_staff(*, user, incubators: Iterable[Incubator]) -> None:
    """Attach a user to these incubators: the incubator-staff role follows
    (policy.sync_roles, through the memberships' signals, startups.signals)."""
    for incubator in incubators:
        IncubatorMembership.objects.get_or_create(user=user, incubator=incubator)


@transaction.atomic
def invite_person(*, email: str, incubator=None, startup=None, invited_by):
    """Give a person (found by e-mail, or a new account without a password)
    the incubator-staff role for `incubator` or the editor role on `startup`,
    then e-mail them the link that sets their password, once the write is
    committed."""
    from django.contrib.auth import get_user_model

    from startups.accounts import send_password_link

    users = get_user_model()._default_manager
    person = (
        users.filter(email__iexact=email).order_by("pk").first()
        or users.filter(username__iexact=email).order_by("pk").first()
    )
    if person is None:
        person = users.create_user(username=email[:150], email=email)
    elif not person.email:
        person.email = email
        person.save(update_fields=["email"])
    if incubator is not None:
        IncubatorMembership.objects.get_or_create(user=person, incubator=incubator)
    if startup is not None:
        StartupEditor.objects.get_or_create(user=person, startup=startup)
    transaction.on_commit(lambda: send_password_link(person, invited_by=invited_by))
    return person


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
    """After a start-up's slug changed: its old address keeps working (301).
    Only the sheet's own former identifiers move: another sheet's redirect is
    never taken over or deleted (the forms refuse such a slug before)."""
    FormerSlug.objects.filter(slug=startup.slug, startup=startup).delete()
    if not FormerSlug.objects.filter(slug=old_slug).exists():
        FormerSlug.objects.create(slug=old_slug, startup=startup)


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


_kept = threading.local()


def _keep_version(obj) -> None:
    """Note a created or changed row: the import writes its version at the end."""
    rows = getattr(_kept, "rows", None)
    if rows is not None and reversion.is_registered(type(obj)):
        rows.setdefault(type(obj), []).append(obj)


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
        **{name: normalise_newlines(getattr(record, name)) for name in _STARTUP_FIELDS},
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


def import_catalogue(
    catalogue: Catalogue,
    *,
    dry_run: bool = False,
    source_dates: Mapping[str, dt.datetime] | None = None,
) -> ImportSummary:
    """Save the valid records of a parsed catalogue in one transaction.

    Records equal to what the database holds are not written (a second import of
    the same files changes nothing, not even a date); a changed record replaces
    its start-up's sponsors, themes, phases and events with the file's. A new
    start-up's "last update" is its file's date in `source_dates` (by path, see
    source_dates.git_commit_dates), or else the day it is imported."""
    summary = ImportSummary(warnings=list(catalogue.warnings))
    # One revision for each sheet created or changed, holding the whole sheet
    # (history.save_sheet_versions): restoring it touches that sheet alone.
    # Written in bulk at the end, once each: left to reversion's signals, every
    # many-to-many .set() would serialise the sheet again.
    kept: dict[type, list] = {}
    try:
        with transaction.atomic(), catalogue_write():
            _kept.rows = kept
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
                source_dates or {},
            )
            for record in catalogue.incubators:
                incubator = incubators[record.slug]
                wanted = {startups[slug].pk for slug in record.highlighted_startups}
                if {s.pk for s in incubator.highlighted_startups.all()} != wanted:
                    incubator.highlighted_startups.set(wanted)
                    _keep_version(incubator)
            comment = gettext("Import of beta.gouv.fr files")
            for model, objects in kept.items():
                if model is Startup:
                    save_sheet_versions(
                        dict.fromkeys(o.pk for o in objects), comment=comment
                    )
                else:
                    for obj in dict.fromkeys(objects):
                        with reversion.create_revision(manage_manually=True):
                            reversion.set_comment(comment)
                            reversion.add_to_revision(obj)
            if dry_run:
                # Out through an exception: the transaction rolls back.
                raise _DryRun
    except _DryRun:
        pass
    finally:
        _kept.rows = None
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
    records,
    incubators,
    organisations,
    themes,
    audiences,
    summary: ImportSummary,
    source_dates: Mapping[str, dt.datetime],
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
    # "React" and "react" are one technology: compared and saved in the
    # spelling refresh_technologies keeps.
    # An earlier spelling in the database is no change of content either.
    vocabulary = technology_vocabulary(
        [t for r in records for t in r.technologies]
        + [t for s in existing.values() for t in s.technologies]
    )
    records = [
        replace(
            r, technologies=tuple(canonical_technologies(r.technologies, vocabulary))
        )
        for r in records
    ]
    for startup in existing.values():
        startup.technologies = canonical_technologies(startup.technologies, vocabulary)

    for record in records:
        new_state = _state_of_record(record, incubators)
        startup = existing.get(record.slug)
        if startup is not None and _state_of_startup(startup) == new_state:
            summary.unchanged["startups"] += 1
            continue
        values = {
            name: normalise_newlines(getattr(record, name)) for name in _STARTUP_FIELDS
        }
        values["technologies"] = list(record.technologies)
        values["incubator"] = incubators[record.incubator]
        if startup is None:
            startup = Startup.objects.create(slug=record.slug, **values)
            # Its content dates from its file's last commit, or else from now
            # (the same instant as its creation: "not updated since").
            startup.updated_at = source_dates.get(record.path) or startup.created_at
            Startup.objects.filter(pk=startup.pk).update(updated_at=startup.updated_at)
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
    refresh_technologies(existing.values())
    refresh_transparency(existing.values())
    return existing


class RestoreRefused(Exception):
    """A version that can't be restored as it is; the messages say why."""

    def __init__(self, messages: list[str]):
        super().__init__(" ".join(messages))
        self.messages = messages


# What a restore writes back to a start-up: its own fields, except those derived
# from the rest (recomputed after) and the many-to-many lists (set after).
_SHEET_LISTS = ("co_incubators", "sponsors", "themes", "audiences")


@transaction.atomic
def restore_version(*, version, user) -> list[str]:
    """Bring one sheet (or incubator, organisation) back to what `version` holds,
    whatever revision the version belongs to: no other row of the catalogue
    changes. For a start-up, its phase history goes through the same rules as
    the sheet form's; what the restorer's role may not change stays as it is
    (policy.readonly_fields_for); a former identifier now held by another sheet
    is left out. A deleted row comes back under its own id. A new revision
    records the restore. Returns warnings for the restorer; raises
    RestoreRefused, writing nothing, when the version can't come back."""
    model = version.content_type.model_class()
    pk = int(version.object_id)
    obj = model._default_manager.select_for_update().filter(pk=pk).first()
    state = history.state_of_version(version)
    if model is not Startup:
        return _restore_row(model, pk, obj, state, user)
    role = policy.role_on(user, obj)
    if role is None or (obj is None and role != policy.Role.NATIONAL_TEAM):
        raise RestoreRefused([gettext("You may not restore this sheet.")])
    kept = set(policy.readonly_fields_for(role)) - {"slug", "is_published"}
    if role == policy.Role.INCUBATOR_STAFF:
        # Staff restore a sheet's content; where it belongs stays theirs.
        kept |= {"incubator", "co_incubators"}
    if obj is None:
        kept = set()
    # Who last certified is what happened, not content: never brought back
    # (note_certification records the restore if it changes a certification).
    if obj is not None:
        kept |= set(policy.CERTIFICATION_TRAIL)
    certified_before = national_team_state(obj) if obj is not None else None
    fields = {
        name: value
        for name, value in state.fields.items()
        if name not in history.DERIVED_FIELDS
    }
    for name in kept:
        attname = Startup._meta.get_field(name).attname
        fields.pop(attname, None)
    if role == policy.Role.SHEET_EDITOR:
        fields.pop("slug", None)
        fields.pop("is_published", None)
    if obj is None:
        for name in policy.CERTIFICATION_TRAIL:
            fields.pop(Startup._meta.get_field(name).attname, None)
    errors, warnings = _sheet_restore_problems(pk, fields, state)
    if errors:
        raise RestoreRefused(errors)
    warnings += _restorable_links(pk, fields)
    warnings += _keep_stored_images(Startup, fields, obj)

    old_slug = obj.slug if obj is not None else None
    startup = obj or Startup(pk=pk)
    lists = {name: fields.pop(name) for name in _SHEET_LISTS if name in fields}
    for attname, value in fields.items():
        setattr(startup, attname, value)
    startup.save()
    for name, pks in lists.items():
        related = Startup._meta.get_field(name).related_model
        getattr(startup, name).set(related.objects.filter(pk__in=pks))
    if state.complete:
        warnings += _restore_sheet_rows(startup, state, role)
    if old_slug and old_slug != startup.slug:
        rename_startup(startup=startup, old_slug=old_slug)
    refresh_current_phase(startup)
    refresh_search_text([startup])
    refresh_technologies([startup])
    refresh_transparency([startup])
    if national_team_state(startup) != certified_before:
        note_certification(startup=startup, user=user)
    history.save_sheet_versions(
        [startup.pk],
        comment=gettext("Restored the version of %(date)s")
        % {"date": history.when(version.revision.date_created)},
        user=user,
    )
    return warnings


def _restorable_links(pk: int, fields: dict) -> list[str]:
    """A version's successor or reason for stopping that can't come back (the
    successor deleted since, or now continuing as this sheet; the reason
    removed from the list): left out, with a warning."""
    warnings = []
    successor = fields.get("successor_id")
    if successor is not None and (
        successor == pk
        or not Startup.objects.filter(pk=successor).exists()
        or pk in Startup.objects.successors_of(successor)
    ):
        fields["successor_id"] = None
        warnings.append(gettext("This version's successor can't come back: left out."))
    reason = fields.get("stop_reason_id")
    if reason is not None and not StopReason.objects.filter(pk=reason).exists():
        fields["stop_reason_id"] = None
        warnings.append(
            gettext("This version's reason for stopping no longer exists: left out.")
        )
    return warnings


def _keep_stored_images(model, fields: dict, current) -> list[str]:
    """An image a version names but that storage no longer holds (replaced or
    deleted since, and so removed): the row keeps the image it has."""
    from startups.media import image_fields

    warnings = []
    for image in image_fields(model):
        value = fields.get(image.attname)
        name = getattr(value, "name", value) or ""
        if name and not image.storage.exists(name):
            name = getattr(current, image.attname).name if current else ""
            warnings.append(
                gettext(
                    "The %(field)s of that version is no longer stored: kept as is."
                )
                % {"field": image.verbose_name}
            )
        if image.attname in fields:
            fields[image.attname] = name
    return warnings


def _sheet_restore_problems(pk: int, fields: dict, state) -> tuple[list, list]:
    from django.utils import timezone

    from startups.rules import phase_history_errors

    errors, warnings = [], []
    slug = fields.get("slug")
    if slug and (
        Startup.objects.filter(slug=slug).exclude(pk=pk).exists()
        or FormerSlug.objects.filter(slug=slug).exclude(startup_id=pk).exists()
    ):
        errors.append(
            gettext(
                "The identifier “%(slug)s” now belongs to another start-up: "
                "this version can't come back."
            )
            % {"slug": slug}
        )
    if (
        "incubator_id" in fields
        and not Incubator.objects.filter(pk=fields["incubator_id"]).exists()
    ):
        errors.append(gettext("This version's main incubator no longer exists."))
    if state.complete:
        from types import SimpleNamespace

        errors += phase_history_errors(
            [SimpleNamespace(**row) for row in state.rows["phases"]],
            today=timezone.localdate(),
        )
    else:
        warnings.append(
            gettext(
                "This version did not record the phases, events and former "
                "identifiers: they stay as they are."
            )
        )
    return errors, warnings


def _restore_sheet_rows(startup: Startup, state, role) -> list[str]:
    warnings: list[str] = []
    StartupPhase.objects.filter(startup=startup).delete()
    StartupPhase.objects.bulk_create(
        StartupPhase(
            startup=startup,
            phase=row["phase"],
            start=row["start"],
            end=row["end"],
            comment=row["comment"],
            position=row["position"],
        )
        for row in state.rows["phases"]
    )
    events = Event.objects.filter(startup=startup)
    wanted_events = state.rows["events"]
    if role != policy.Role.NATIONAL_TEAM:
        # What the national team certifies stays as it is.
        events = events.exclude(kind__in=policy.NATIONAL_TEAM_EVENTS)
        wanted_events = [
            e for e in wanted_events if e["kind"] not in policy.NATIONAL_TEAM_EVENTS
        ]
    events.delete()
    Event.objects.bulk_create(
        Event(startup=startup, kind=e["kind"], date=e["date"], comment=e["comment"])
        for e in wanted_events
    )
    warnings += _restore_budget_lines(startup, state.rows.get("budget_lines", []))
    _restore_indicators(startup, state)
    if role == policy.Role.SHEET_EDITOR:
        bump_catalogue_version()
        return warnings
    FormerSlug.objects.filter(startup=startup).delete()
    for row in state.rows["former_slugs"]:
        slug = row["slug"]
        if slug == startup.slug:
            continue
        if (
            FormerSlug.objects.filter(slug=slug).exists()
            or Startup.objects.filter(slug=slug).exists()
        ):
            warnings.append(
                gettext(
                    "The former identifier “%(slug)s” now belongs to another "
                    "start-up: left out."
                )
                % {"slug": slug}
            )
            continue
        FormerSlug.objects.create(startup=startup, slug=slug)
    bump_catalogue_version()
    return warnings


def _restore_budget_lines(startup: Startup, rows: list[dict]) -> list[str]:
    """The version's budget lines in place of the sheet's; a line whose category
    or sponsor organisation has since been deleted is left out."""
    categories = set(
        BudgetCategory.objects.filter(
            pk__in={r["category_id"] for r in rows}
        ).values_list("pk", flat=True)
    )
    sponsors = set(
        Organisation.objects.filter(
            pk__in={r["sponsor_id"] for r in rows if r.get("sponsor_id")}
        ).values_list("pk", flat=True)
    )
    kept, left_out = [], 0
    for r in rows:
        if r["category_id"] not in categories or (
            r.get("sponsor_id") and r["sponsor_id"] not in sponsors
        ):
            left_out += 1
            continue
        kept.append(
            BudgetLine(
                startup=startup,
                year=r["year"],
                category_id=r["category_id"],
                amount=r["amount"],
                kind=r["kind"],
                source=r["source"],
                sponsor_id=r.get("sponsor_id"),
                stated_on=r["stated_on"],
            )
        )
    BudgetLine.objects.filter(startup=startup).delete()
    BudgetLine.objects.bulk_create(kept)
    if not left_out:
        return []
    return [
        ngettext(
            "%(n)d budget line names a category or an organisation deleted "
            "since: left out.",
            "%(n)d budget lines name a category or an organisation deleted "
            "since: left out.",
            left_out,
        )
        % {"n": left_out}
    ]


def _restore_indicators(startup: Startup, state) -> None:
    """The sheet's indicators and their values as the version holds them,
    under their own ids (so that links to #indicator-<id> keep working)."""
    from startups.history import INDICATOR_VALUES
    from startups.indicators import Indicator, IndicatorValue

    Indicator.objects.filter(startup=startup).delete()
    wanted = state.rows.get("indicators", [])
    taken = set(
        Indicator.objects.filter(pk__in=[r["id"] for r in wanted]).values_list(
            "pk", flat=True
        )
    )
    new_id = {}
    for row in wanted:
        fields = {k: v for k, v in row.items() if k not in ("id", "startup_id")}
        indicator = Indicator(startup=startup, **fields)
        if row["id"] not in taken:
            indicator.pk = row["id"]
        indicator.save()
        new_id[row["id"]] = indicator.pk
    IndicatorValue.objects.bulk_create(
        IndicatorValue(
            indicator_id=new_id[v["indicator_id"]], date=v["date"], value=v["value"]
        )
        for v in state.rows.get(INDICATOR_VALUES, [])
        if v["indicator_id"] in new_id
    )


def _restore_row(model, pk, obj, state, user) -> list[str]:
    if not policy.is_national_team(user) and not (
        model is Incubator
        and obj is not None
        and Incubator.objects.kept_by(user).filter(pk=pk).exists()
    ):
        raise RestoreRefused([gettext("You may not restore this row.")])
    row = obj or model(pk=pk)
    m2m = {f.attname for f in model._meta.many_to_many}
    fields = dict(state.fields)
    warnings = _keep_stored_images(model, fields, obj)
    lists = {name: value for name, value in fields.items() if name in m2m}
    for name, value in fields.items():
        if name not in m2m:
            setattr(row, name, value)
    if model is Incubator and not policy.is_national_team(user):
        # Staff write their incubator's presentation, not its identity.
        for name in ("slug", "name", "owner_id", "is_hidden"):
            setattr(row, name, getattr(obj, name))
    try:
        row.full_clean()
    except ValidationError as error:
        raise RestoreRefused(error.messages) from error
    row.save()
    for name, pks in lists.items():
        related = model._meta.get_field(name).related_model
        chosen = related.objects.filter(pk__in=pks)
        if model is Incubator and name == "highlighted_startups":
            # An incubator highlights its own start-ups only.
            chosen = chosen & Startup.objects.incubated_by([row])
        getattr(row, name).set(chosen)
    with reversion.create_revision(manage_manually=True):
        reversion.set_user(user)
        reversion.set_comment(gettext("Restored an earlier version"))
        reversion.add_to_revision(row)
    return warnings
