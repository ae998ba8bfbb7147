"""The whole catalogue in one portable JSON file, and back: start-ups with their
phases, events and former slugs, incubators, organisations, themes, audiences, and
the reversion history of those models. No personal data: users, incubator
memberships and reminders stay out, and revisions lose their author.

Rows keep their primary keys, so a restore into an empty database is identical
(links between rows, history pointing at its objects); content types are written
by natural key (app label, model), which differ between databases."""

import datetime
import json
from pathlib import Path

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.management.base import CommandError
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from reversion.models import Revision, Version

FORMAT = "startups-catalogue"
FORMAT_VERSION = 1
# In the order a restore saves them: what a row points to comes first.
MODELS = [
    "startups.Organisation",
    "startups.Theme",
    "startups.Audience",
    "startups.Incubator",
    "startups.Startup",
    "startups.StartupPhase",
    "startups.Event",
    "startups.FormerSlug",
]


class ExactJSONEncoder(DjangoJSONEncoder):
    """Django's encoder rounds times to the millisecond: keep the microseconds,
    so that a restore is identical."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat().replace("+00:00", "Z")
        return super().default(o)


def catalogue_models():
    return [apps.get_model(label) for label in MODELS]


def history_versions():
    types = ContentType.objects.get_for_models(*catalogue_models()).values()
    return Version.objects.filter(content_type__in=types).order_by("pk")


def export_catalogue(path: Path) -> dict[str, int]:
    """Write the catalogue to path; the number of rows per model."""
    objects = []
    counts = {}
    for model in catalogue_models():
        rows = list(model._default_manager.order_by("pk"))
        counts[model._meta.label] = len(rows)
        objects.extend(rows)
    versions = list(history_versions())
    revisions = list(
        Revision.objects.filter(
            pk__in={version.revision_id for version in versions}
        ).order_by("pk")
    )
    for revision in revisions:
        revision.user = None  # no personal data
    counts["reversion.Revision"] = len(revisions)
    counts["reversion.Version"] = len(versions)
    data = json.loads(
        serializers.serialize(
            "json",
            [*objects, *revisions, *versions],
            use_natural_foreign_keys=True,
            cls=ExactJSONEncoder,
        )
    )
    document = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "counts": counts,
        "objects": data,
    }
    Path(path).write_text(
        json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return counts


def import_catalogue(path: Path) -> dict[str, int]:
    """Restore a file written by export_catalogue into a database without
    start-ups, in one transaction; the number of rows per model."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CommandError(f"{path}: cannot read the file: {error}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise CommandError(f"{path}: not a catalogue file from export_catalogue.")
    if document.get("version") != FORMAT_VERSION:
        raise CommandError(
            f"{path}: format version {document.get('version')!r}, this site reads "
            f"{FORMAT_VERSION}."
        )
    models = catalogue_models()
    with transaction.atomic():
        if any(model._default_manager.exists() for model in models):
            raise CommandError(
                "The database already holds catalogue rows: import_catalogue only "
                "restores into an empty catalogue (run it on a fresh database)."
            )
        counts: dict[str, int] = {}
        with connection.constraint_checks_disabled():
            objects = serializers.deserialize(
                "json", json.dumps(document["objects"]), handle_forward_references=True
            )
            deferred = []
            for item in objects:
                item.save()
                if item.deferred_fields:
                    deferred.append(item)
                label = item.object._meta.label
                counts[label] = counts.get(label, 0) + 1
            for item in deferred:
                item.save_deferred_fields()
        connection.check_constraints(
            table_names=[model._meta.db_table for model in [*models, Revision, Version]]
        )
        statements = connection.ops.sequence_reset_sql(
            no_style(), [*models, Revision, Version]
        )
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
    if counts != {k: v for k, v in document.get("counts", {}).items() if v}:
        raise CommandError(f"{path}: restored rows do not match the file's counts.")
    return counts
