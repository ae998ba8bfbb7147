"""A sheet's history, kept by django-reversion: every revision holds whole sheets
(a start-up with its phases, events, former identifiers and budget lines, and
its many-to-many lists), so that restoring one version touches one sheet.

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

from startups.indicators import ImpactPart, Indicator, IndicatorValue, Periodicity
from startups.models import (
    BudgetCategory,
    BudgetLine,
    Event,
    FormerSlug,
    Organisation,
    Phase,
    Startup,
    StartupPhase,
)

# The rows a start-up's version follows (as registered in startups.models).
SHEET_ROWS = {
    "phases": StartupPhase,
    "events": Event,
    "former_slugs": FormerSlug,
    "budget_lines": BudgetLine,
    "indicators": Indicator,
}
# And the rows its indicators follow: their values (rows["indicator_values"]).
INDICATOR_VALUES = "indicator_values"
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
    if isinstance(obj, BudgetLine):
        return f"{obj.year} {obj.category_id} {obj.kind}"
    if isinstance(obj, IndicatorValue):
        return f"{obj.date}: {obj.value}"
    return str(obj)[:191]


def save_sheet_versions(startup_ids: Iterable[int], *, comment: str, user=None) -> int:
    """One revision for each start-up, holding it with its phases, events,
    former identifiers and indicators with their values: what
    `reversion.add_to_revision()` writes, in bulk (a few queries per 500
    sheets). Returns the number of revisions written."""
    ids = list(startup_ids)
    types = {
        model: ContentType.objects.get_for_model(model)
        for model in (Startup, *SHEET_ROWS.values(), IndicatorValue)
    }
    written = 0
    for i in range(0, len(ids), _CHUNK):
        startups = list(
            Startup.objects.filter(pk__in=ids[i : i + _CHUNK])
            .prefetch_related(
                "co_incubators",
                "sponsors",
                "themes",
                "audiences",
                *SHEET_ROWS,
                "indicators__values",
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
        values = [
            (s, value)
            for s in startups
            for indicator in s.indicators.all()
            for value in indicator.values.all()
        ]
        serialised = _serialised(IndicatorValue, [value for _s, value in values])
        versions.extend(
            (startup, value, data)
            for (startup, _value), (value, data) in zip(values, serialised, strict=True)
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
    types = ContentType.objects.get_for_models(*SHEET_ROWS.values(), IndicatorValue)
    rows: dict[str, list[dict]] = {name: [] for name in (*SHEET_ROWS, INDICATOR_VALUES)}
    names = {types[model].pk: name for name, model in SHEET_ROWS.items()}
    names[types[IndicatorValue].pk] = INDICATOR_VALUES
    values = []
    for row in version.revision.version_set.filter(content_type__in=names):
        data = row.field_dict
        if names[row.content_type_id] == INDICATOR_VALUES:
            values.append(data)
        elif data.get("startup_id") == startup_id:
            rows[names[row.content_type_id]].append(data)
    indicator_ids = {row["id"] for row in rows["indicators"]}
    rows[INDICATOR_VALUES] = [v for v in values if v["indicator_id"] in indicator_ids]
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
    rows[INDICATOR_VALUES] = [
        {f.attname: getattr(v, f.attname) for f in IndicatorValue._meta.concrete_fields}
        for v in IndicatorValue.objects.filter(indicator__startup=obj)
    ]
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
            ("budget_lines", _("Budget")),
            ("indicators", _("Impact indicators")),
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
    elif relation == "budget_lines":
        lines = _budget_lines_text(rows)
    elif relation == "indicators":
        lines = _indicators_text(state)
    else:
        lines = sorted(r["slug"] for r in rows)
    return "\n".join(lines)


def _budget_lines_text(rows: list[dict]) -> list[str]:
    categories = {
        c.pk: str(c)
        for c in BudgetCategory.objects.filter(pk__in={r["category_id"] for r in rows})
    }
    sponsors = {
        o.pk: str(o)
        for o in Organisation.objects.filter(
            pk__in={r["sponsor_id"] for r in rows if r.get("sponsor_id")}
        )
    }
    kinds = dict(BudgetLine.Kind.choices)
    sources = dict(BudgetLine.Source.choices)
    return [
        f"{r['year']} · {categories.get(r['category_id'], r['category_id'])} · "
        f"{kinds.get(r['kind'], r['kind'])} · {r['amount']} € · "
        + (
            sponsors.get(r["sponsor_id"], str(r["sponsor_id"]))
            if r.get("sponsor_id")
            else str(sources.get(r["source"], r["source"]))
        )
        + f" ({_day(r['stated_on'])})"
        for r in sorted(
            rows, key=lambda r: (r["year"], str(r["category_id"]), r["kind"])
        )
    ]


def _indicators_text(state: SheetState) -> list[str]:
    """Each indicator (its label, part, periodicity, unit, address), then its
    values by date."""
    parts, periods = dict(ImpactPart.choices), dict(Periodicity.choices)
    values: dict[int, list[dict]] = {}
    for value in (state.rows or {}).get(INDICATOR_VALUES, []):
        values.setdefault(value["indicator_id"], []).append(value)
    lines = []
    for r in sorted(
        (state.rows or {}).get("indicators", []), key=lambda r: (r["label"], r["id"])
    ):
        details = [
            str(parts.get(r["part"], r["part"])),
            str(periods.get(r["periodicity"], r["periodicity"])),
            r["unit"],
            r["source_url"],
        ]
        lines.append(f"{r['label']} ({', '.join(d for d in details if d)})")
        for v in sorted(values.get(r["id"], []), key=lambda v: str(v["date"])):
            lines.append(f"  {_day(_as_date(v['date']))} : {_number(v['value'])}")
    return lines


def _as_date(value):
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _number(value) -> str:
    text = str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


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
