"""Why services stop, and what became of them: a reason from a list the staff
keep, a text, and a successor ("continued as") that can't be the sheet itself nor
loop back to it; both sheets show it, history keeps it."""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from reversion.models import Version

from startups.models import IncubatorMembership, Phase, Startup, StopReason
from startups.services import restore_version
from tests.helpers import post_admin_form

pytestmark = pytest.mark.django_db
STOPPED = [
    (Phase.INVESTIGATION, dt.date(2021, 1, 1)),
    (Phase.ABANDONED, dt.date(2021, 9, 1)),
]


def change_url(startup):
    return reverse("admin:startups_startup_change", args=[startup.pk])


def test_the_migration_gives_the_list_its_defaults():
    migration = importlib.import_module("startups.migrations.0018_certification_stops")
    # Run again (the browser tests flush the database): it adds what is missing.
    migration.add_stop_reasons(apps, None)

    slugs = set(StopReason.objects.values_list("slug", flat=True))
    assert {slug for slug, _label in migration.DEFAULT_STOP_REASONS} <= slugs
    assert StopReason.objects.get(slug="pivot-ou-fusion").label == (
        "Pivot ou fusion avec un autre service"
    )


def test_staff_add_a_reason_and_record_it_on_their_stopped_sheet(
    client, make_incubator, make_startup
):
    incubator = make_incubator()
    sheet = make_startup(incubator=incubator, phases=STOPPED)
    user = get_user_model().objects.create_user("chef", password="pw")
    IncubatorMembership.objects.create(user=user, incubator=incubator)
    user.refresh_from_db()
    client.force_login(user)

    response = client.post(
        reverse("admin:startups_stopreason_add"),
        {"slug": "marche-couvert", "label": "Le marché couvre le besoin"},
    )
    assert response.status_code == 302
    reason = StopReason.objects.get(slug="marche-couvert")
    response = post_admin_form(
        client,
        change_url(sheet),
        stop_reason=[str(reason.pk)],
        stop_comment=["Une offre privée existait."],
    )
    assert response.status_code == 302
    sheet.refresh_from_db()
    assert sheet.stop_reason == reason
    assert sheet.stop_comment == "Une offre privée existait."
    version = Version.objects.get_for_object(sheet).first()
    assert version.field_dict["stop_reason_id"] == reason.pk
    # Deleting the list's entries is the national team's.
    delete = reverse("admin:startups_stopreason_delete", args=[reason.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403


def test_a_sheet_cannot_continue_as_itself_nor_loop_back(admin_client, make_startup):
    first = make_startup(title="Premier", phases=STOPPED)
    second = make_startup(title="Second", phases=STOPPED)
    third = make_startup(title="Troisième")
    Startup.objects.filter(pk=first.pk).update(successor=second)
    Startup.objects.filter(pk=second.pk).update(successor=third)

    response = post_admin_form(
        admin_client, change_url(first), successor=[str(first.pk)]
    )
    assert response.status_code == 200
    assert "ne peut pas se continuer elle-même" in response.content.decode()

    response = post_admin_form(
        admin_client, change_url(third), successor=[str(first.pk)]
    )
    assert response.status_code == 200
    assert "sa propre devancière" in response.content.decode()
    third.refresh_from_db()
    assert third.successor is None

    third.successor = first
    with pytest.raises(ValidationError):
        third.full_clean()


def test_the_database_refuses_a_sheet_continuing_as_itself(make_startup):
    from django.db import IntegrityError, transaction

    startup = make_startup()
    with pytest.raises(IntegrityError), transaction.atomic():
        Startup.objects.filter(pk=startup.pk).update(successor=startup)


def test_both_sheets_show_the_succession_and_the_reason(client, make_startup):
    reason = StopReason.objects.create(slug="fusion", label="Fusionné")
    old = make_startup(
        title="Ancien service",
        phases=STOPPED,
        stop_reason=reason,
        stop_comment="Repris dans un service plus large.",
    )
    new = make_startup(title="Nouveau service")
    Startup.objects.filter(pk=old.pk).update(successor=new)

    old_page = client.get(old.get_absolute_url()).content.decode()
    new_page = client.get(new.get_absolute_url()).content.decode()

    assert "Fusionné" in old_page[old_page.index('id="stop-reason"') :][:300]
    assert "Repris dans un service plus large." in old_page
    successor = old_page[old_page.index('id="successor"') :][:400]
    assert "Continuée par" in successor and new.get_absolute_url() in successor
    predecessor = new_page[new_page.index('class="predecessor"') :][:400]
    assert "Continue" in predecessor and old.get_absolute_url() in predecessor

    english = client.get("/en" + new.get_absolute_url()).content.decode()
    assert "Continues" in english


def test_an_unpublished_successor_is_not_shown(client, make_startup):
    old = make_startup(title="Ancien", phases=STOPPED)
    hidden = make_startup(title="Caché", is_published=False)
    Startup.objects.filter(pk=old.pk).update(successor=hidden)

    html = client.get(old.get_absolute_url()).content.decode()

    assert 'id="successor"' not in html
    assert client.get(f"/api/v1/startups/{old.slug}/").json()["successor"] is None


def test_the_reason_shows_only_once_the_service_has_stopped(client, make_startup):
    reason = StopReason.objects.create(slug="x", label="Raison à part")
    running = make_startup(stop_reason=reason)

    assert (
        "Raison à part" not in client.get(running.get_absolute_url()).content.decode()
    )


def test_the_api_gives_the_stop_and_the_successor(client, make_startup):
    reason = StopReason.objects.create(slug="pivot", label="Pivot")
    new = make_startup(title="Suite")
    old = make_startup(phases=STOPPED, stop_reason=reason, stop_comment="Pivot.")
    Startup.objects.filter(pk=old.pk).update(successor=new)

    data = client.get(f"/api/v1/startups/{old.slug}/").json()

    assert data["stop"] == {
        "reason": "pivot",
        "reason_label": "Pivot",
        "comment": "Pivot.",
    }
    assert data["successor"] == new.slug


def test_a_restore_leaves_out_a_successor_deleted_since(
    admin_client, admin_user, make_startup
):
    old = make_startup(title="Ancien", phases=STOPPED)
    new = make_startup(title="Nouveau")
    post_admin_form(admin_client, change_url(old), successor=[str(new.pk)])
    version = Version.objects.get_for_object(old).first()
    assert version.field_dict["successor_id"] == new.pk
    new.delete()

    warnings = restore_version(version=version, user=admin_user)

    old.refresh_from_db()
    assert old.successor is None
    assert any("suite" in w for w in warnings)


def test_successors_can_be_chosen_among_other_incubators_published_sheets(
    client, make_incubator, make_startup
):
    mine, other = make_incubator(), make_incubator()
    make_startup(title="Chez les autres", incubator=other)
    make_startup(title="Cachée ailleurs", incubator=other, is_published=False)
    sheet = make_startup(title="La mienne", incubator=mine, phases=STOPPED)
    user = get_user_model().objects.create_user("chef", password="pw")
    IncubatorMembership.objects.create(user=user, incubator=mine)
    user.refresh_from_db()
    client.force_login(user)

    found = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "startups",
            "model_name": "startup",
            "field_name": "successor",
            "term": "",
        },
    ).json()
    titles = {r["text"] for r in found["results"]}
    assert "Chez les autres" in titles and "La mienne" in titles
    assert "Cachée ailleurs" not in titles
    # Elsewhere, the list of sheets stays theirs alone.
    changelist = client.get(reverse("admin:startups_startup_changelist"))
    assert "Chez les autres" not in changelist.content.decode()
    assert sheet.pk
