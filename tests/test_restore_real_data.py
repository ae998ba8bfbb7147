"""Restoring a sheet changes that sheet alone, on the real catalogue: through the
admin's own pages, as a person would (open the page, post the form as
rendered)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from startups.history import sheets_without_complete_version
from startups.models import Event, FormerSlug, Startup, StartupPhase
from tests.helpers import rendered_form

pytestmark = pytest.mark.django_db

# Real sheets with several phases, events or former identifiers.
SHEETS = ["aidantsconnect", "dossierfacile", "recommandations-collaboratives"]


def snapshot():
    """Every phase, event and former identifier of the catalogue, and every
    sheet's own fields that a restore could touch."""
    return {
        "phases": set(
            StartupPhase.objects.values_list(
                "startup__slug", "phase", "start", "end", "comment", "position"
            )
        ),
        "events": set(
            Event.objects.values_list("startup__slug", "kind", "date", "comment")
        ),
        "former": set(FormerSlug.objects.values_list("startup__slug", "slug")),
        "sheets": {
            s["slug"]: s
            for s in Startup.objects.values(
                "slug", "title", "mission", "description", "website", "is_published"
            )
        },
    }


@pytest.fixture
def real_catalogue(betagouv_data):
    call_command("import_betagouv", str(betagouv_data), stdout=StringIO())
    assert Startup.objects.count() == 662


def test_restoring_the_import_version_of_real_sheets_changes_those_sheets_alone(
    admin_client, real_catalogue
):
    slugs = [s for s in SHEETS if Startup.objects.filter(slug=s).exists()]
    assert len(slugs) >= 2
    for slug in slugs:
        startup = Startup.objects.get(slug=slug)
        imported = Version.objects.get_for_object(startup).get()
        assert imported.revision.get_comment() == "Import des fiches de beta.gouv.fr"
        # A change through the sheet form, then back to the import's version.
        page = admin_client.get(
            reverse("admin:startups_startup_change", args=[startup.pk])
        )
        data = rendered_form(page.content.decode(), containing="title")
        data["title"] = [startup.title + " (modifié)"]
        data["mission"] = ["Une autre mission."]
        response = admin_client.post(
            reverse("admin:startups_startup_change", args=[startup.pk]), data
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        before = snapshot()

        url = reverse("admin:startups_startup_revision", args=[startup.pk, imported.pk])
        page = admin_client.get(url)
        assert page.status_code == 200
        response = admin_client.post(url, rendered_form(page.content.decode()))
        assert response.status_code == 302

        after = snapshot()
        startup.refresh_from_db()
        assert startup.title == imported.field_dict["title"]
        assert startup.mission == imported.field_dict["mission"]
        # Nothing else in the catalogue moved: every other sheet's phases,
        # events, former identifiers and fields are as they were.
        for key in ("phases", "events", "former"):
            assert {r for r in after[key] if r[0] != slug} == {
                r for r in before[key] if r[0] != slug
            }, key
            assert {r for r in after[key] if r[0] == slug} == {
                r for r in before[key] if r[0] == slug
            }, key  # the import's own rows
        others = {k: v for k, v in after["sheets"].items() if k != slug}
        assert others == {k: v for k, v in before["sheets"].items() if k != slug}


def test_opening_history_compare_and_restore_pages_writes_nothing(
    admin_client, real_catalogue
):
    startup = Startup.objects.get(slug=SHEETS[0])
    version = Version.objects.get_for_object(startup).get()
    pages = [
        reverse("admin:startups_startup_history", args=[startup.pk]),
        reverse("admin:startups_startup_compare", args=[startup.pk])
        + f"?from={version.pk}&to=current",
        reverse("admin:startups_startup_revision", args=[startup.pk, version.pk]),
    ]
    for url in pages:
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(url).status_code == 200
        writes = [
            q["sql"]
            for q in queries.captured_queries
            if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
            and "django_session" not in q["sql"]
        ]
        assert writes == [], url


def test_databases_imported_before_get_a_complete_version_of_every_sheet(
    real_catalogue,
):
    # What an older import left: one shared revision without phases.
    from reversion.models import Revision

    from startups.history import keep_complete_versions

    shared = Revision.objects.create(
        comment="Import des fiches de beta.gouv.fr", date_created=timezone.now()
    )
    for version in Version.objects.all():
        if version.content_type.model == "startup":
            version.revision = shared
            version.save()
    Version.objects.filter(content_type__model="startupphase").delete()
    assert len(sheets_without_complete_version()) == 662

    assert keep_complete_versions() == 662

    assert sheets_without_complete_version() == []
    assert keep_complete_versions() == 0
