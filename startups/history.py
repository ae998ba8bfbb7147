"""A sheet's history, kept by django-reversion: every revision holds whole sheets
(a start-up with its phases, events and former identifiers, and its
many-to-many lists), so that restoring one version touches one sheet.

This module writes those versions in bulk (the import, the demo generator, the
repair of older databases), reads a version back as a sheet, and compares two
states field by field. The restore itself is a write: services.restore_version.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.encoding import is_protected_type
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reversion.models import Revision, Version
from reversion.revisions import _get_options

from startups.models import Event, FormerSlug, Phase, Startup, StartupPhase

# The rows a start-up's version follows (as registered in startups.models).
SHEET_ROWS = {"phases": StartupPhase, "events": Event, "former_slugs": FormerSlug}
# Stored on the start-up but derived from the rest: never compared or restored.
DERIVED_FIELDS = (
    "current_phase",
    "current_phase_start",
    "started_on",
    "search_title",
    "search_text",
    "search_body",
    "sort_title",
    "transparency_score",
    "transparency_met",
    "created_at",
    "updated_at",
)
_CHUNK = 500


def _serialised(model, objects) -> list[tuple[models.Model, str]]:
    """Each object with its data as reversion stores it: the JSON of a one-item
    list in Django's serialisation format (what serializers.serialize("json")
    writes, for the registered fields), built directly: a bulk write of
    thousands of sheets can't afford the serializer's queries per object."""
    options = _get_options(model)
    label = model._meta.label_lower
    fields = [model._meta.get_field(name) for name in options.fields]
    local = [f for f in fields if not f.many_to_many and not f.primary_key]
    lists = [f for f in fields if f.many_to_many]
    out = []
    for obj in objects:
        data = {}
        for field in local:
            value = field.value_from_object(obj)
            data[field.name] = (
                value if is_protected_type(value) else field.value_to_string(obj)
            )
        cache = getattr(obj, "_prefetched_objects_cache", {})
        for field in lists:
            related = (
                cache[field.name]
                if field.name in cache
                else getattr(obj, field.name).all()
            )
            data[field.name] = [r.pk for r in related]
        item = {"model": label, "pk": obj.pk, "fields": data}
        out.append((obj, json.dumps([item], cls=DjangoJSONEncoder)))
    return out


def _repr(obj) -> str:
    # Phases and events by their stored values: their __str__ translates labels,
    # too slow for thousands of rows (the history lists sheets, not rows).
    if isinstance(obj, StartupPhase):
        return f"{obj.phase} ({obj.start})"
    if isinstance(obj, Event):
        return f"{obj.kind} ({obj.date})"
    return str(obj)[:191]


def save_sheet_versions(startup_ids: Iterable[int], *, comment: str, user=None) -> int:
    """One revision for each start-up, holding it with its phases, events and
    former identifiers: what `reversion.add_to_revision()` writes, in bulk (a few
    queries per 500 sheets). Returns the number of revisions written."""
    ids = list(startup_ids)
    types = {
        model: ContentType.objects.get_for_model(model)
        for model in (Startup, *SHEET_ROWS.values())
    }
    written = 0
    for i in range(0, len(ids), _CHUNK):
        startups = list(
            Startup.objects.filter(pk__in=ids[i : i + _CHUNK])
            .prefetch_related(
                "co_incubators", "sponsors", "themes", "audiences", *SHEET_ROWS
            )
            .order_by("pk")
        )
        now = timezone.now()
        revisions = Revision.objects.bulk_create(
            Revision(date_created=now, user=user, comment=comment) for _s in startups
        )
        versions = []
        for startup, data in _serialised(Startup, startups):
            versions.append((startup, startup, data))
        for relation, model in SHEET_ROWS.items():
            rows = [(s, row) for s in startups for row in getattr(s, relation).all()]
            serialised = _serialised(model, [row for _s, row in rows])
            versions.extend(
                (startup, row, data)
                for (startup, _row), (row, data) in zip(rows, serialised, strict=True)
            )
        revision_of = {s.pk: r for s, r in zip(startups, revisions, strict=True)}
        Version.objects.bulk_create(
            Version(
                revision=revision_of[startup.pk],
                object_id=str(obj.pk),
                content_type=types[type(obj)],
                db="default",
                format="json",
                serialized_data=data,
                object_repr=_repr(obj),
            )
            for startup, obj, data in versions
        )
        written += len(startups)
    return written


def sheets_without_complete_version() -> list[int]:
    """The start-ups whose latest version does not hold their phases (or that
    have no version): versions written before revisions covered whole sheets."""
    startup_type = ContentType.objects.get_for_model(Startup)
    phase_type = ContentType.objects.get_for_model(StartupPhase)
    latest = (
        Version.objects.filter(content_type=startup_type)
        .values("object_id")
        .annotate(last=models.Max("pk"))
    )
    latest_revision = dict(
        Version.objects.filter(pk__in=[row["last"] for row in latest]).values_list(
            "object_id", "revision_id"
        )
    )
    with_phases = set(
        Version.objects.filter(
            content_type=phase_type, revision_id__in=set(latest_revision.values())
        ).values_list("revision_id", flat=True)
    )
    return [
        pk
        for pk in Startup.objects.order_by("pk").values_list("pk", flat=True)
        if latest_revision.get(str(pk)) not in with_phases
    ]


def keep_complete_versions(*, comment: str | None = None) -> int:
    """Give every sheet whose history lacks a complete version one, as it is
    now (run after migrate: databases imported before revisions covered whole
    sheets become safe to restore)."""
    ids = sheets_without_complete_version()
    if not ids:
        return 0
    return save_sheet_versions(
        ids, comment=comment or _("Complete version of the sheet, kept for restores")
    )


@dataclass
class SheetState:
    """A start-up as one version holds it (or as it is now). `rows` maps
    "phases", "events" and "former_slugs" to lists of field dicts; None where
    the version did not record them (older versions, written before revisions
    covered whole sheets)."""

    fields: dict
    rows: dict[str, list[dict]] | None

    @property
    def complete(self) -> bool:
        return self.rows is not None


def state_of_version(version: Version) -> SheetState:
    fields = dict(version.field_dict)
    if version.content_type.model_class() is not Startup:
        return SheetState(fields, None)
    startup_id = int(version.object_id)
    types = ContentType.objects.get_for_models(*SHEET_ROWS.values())
    rows: dict[str, list[dict]] = {name: [] for name in SHEET_ROWS}
    names = {types[model].pk: name for name, model in SHEET_ROWS.items()}
    for row in version.revision.version_set.filter(content_type__in=names):
        data = row.field_dict
        if data.get("startup_id") == startup_id:
            rows[names[row.content_type_id]].append(data)
    # Every sheet has at least one phase: a version without any did not record
    # its rows.
    return SheetState(fields, rows if rows["phases"] else None)


def state_of(obj: models.Model) -> SheetState:
    """The live row, in the shape of a version."""
    options = _get_options(type(obj))
    fields = {}
    for name in options.fields:
        field = obj._meta.get_field(name)
        if field.many_to_many:
            fields[field.attname] = list(
                getattr(obj, name).order_by("pk").values_list("pk", flat=True)
            )
        else:
            fields[field.attname] = getattr(obj, field.attname)
    if not isinstance(obj, Startup):
        return SheetState(fields, None)
    rows = {
        name: [
            {f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields}
            for row in getattr(obj, name).all()
        ]
        for name, model in SHEET_ROWS.items()
    }
    return SheetState(fields, rows)


@dataclass
class Difference:
    label: str
    before: str
    after: str


def differences(model, before: SheetState, after: SheetState) -> list[Difference]:
    """What changes from `before` to `after`, field by field, in the reader's
    language (labels are the fields' own)."""
    found = []
    names = _Names()
    for name in _get_options(model).fields:
        if name in DERIVED_FIELDS:
            continue
        field = model._meta.get_field(name)
        old, new = before.fields.get(field.attname), after.fields.get(field.attname)
        if field.many_to_many:
            old, new = sorted(old or []), sorted(new or [])
        if old == new:
            continue
        found.append(
            Difference(
                str(field.verbose_name).capitalize(),
                names.show(field, old),
                names.show(field, new),
            )
        )
    if model is Startup and before.complete and after.complete:
        for relation, label in (
            ("phases", _("Phase history")),
            ("events", _("Events")),
            ("former_slugs", _("Former identifiers")),
        ):
            old, new = _rows_text(relation, before), _rows_text(relation, after)
            if old != new:
                found.append(Difference(label, old, new))
    return found


def when(moment) -> str:
    """A revision's date and time, as the reader writes it."""
    return date_format(timezone.localtime(moment), "j F Y, H:i")


def _day(value) -> str:
    return date_format(value, "j F Y") if value else ""


def _rows_text(relation: str, state: SheetState) -> str:
    rows = state.rows[relation] if state.rows else []
    if relation == "phases":
        lines = [
            f"{Phase(r['phase']).label if r['phase'] in Phase.values else r['phase']}"
            f" : {_day(r['start'])}" + (f" → {_day(r['end'])}" if r["end"] else "")
            for r in sorted(rows, key=lambda r: (r["start"], r["position"]))
        ]
    elif relation == "events":
        labels = dict(Event.Kind.choices)
        lines = [
            f"{labels.get(r['kind'], r['kind'])} : {_day(r['date'])}"
            + (f" ({r['comment']})" if r["comment"] else "")
            for r in sorted(rows, key=lambda r: (r["date"], r["kind"]))
        ]
    else:
        lines = sorted(r["slug"] for r in rows)
    return "\n".join(lines)


class _Names:
    """How a stored value reads: choices by their label, links by their name."""

    def show(self, field, value) -> str:
        if value in (None, "", []):
            return "—"
        if field.many_to_many or field.is_relation:
            model = field.related_model
            pks = value if isinstance(value, list) else [value]
            found = {o.pk: str(o) for o in model._default_manager.filter(pk__in=pks)}
            return ", ".join(found.get(pk, _("(deleted: %s)") % pk) for pk in pks)
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        if isinstance(value, dt.date):
            return _day(value)
        if isinstance(value, list):
            return ", ".join(map(str, value))
        return str(value)
