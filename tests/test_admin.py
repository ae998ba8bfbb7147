import datetime as dt

import pytest
from django.urls import reverse

from startups.models import (
    Audience,
    Event,
    FormerSlug,
    Incubator,
    IncubatorMembership,
    Organisation,
    Phase,
    Startup,
    StartupPhase,
    Theme,
)
from tests.helpers import rendered_form

pytestmark = pytest.mark.django_db

MODELS = [
    Startup,
    Incubator,
    Organisation,
    Theme,
    Audience,
    IncubatorMembership,
]


def admin_url(model, action, *args):
    return reverse(
        f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args
    )


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_list_and_add_page_opens_for_a_superuser(
    admin_client, make_startup, model
):
    make_startup()

    assert admin_client.get(admin_url(model, "changelist")).status_code == 200
    assert admin_client.get(admin_url(model, "add")).status_code == 200


def test_the_startup_page_shows_its_phases_events_and_former_slugs(
    admin_client, make_startup
):
    startup = make_startup(phases=[(Phase.CONSTRUCTION, dt.date(2023, 3, 1))])
    Event.objects.create(
        startup=startup,
        kind=Event.Kind.COMMITTEE,
        date=dt.date(2023, 9, 1),
        comment="Comité réussi",
    )
    FormerSlug.objects.create(startup=startup, slug="ancien-nom")

    response = admin_client.get(admin_url(Startup, "change", startup.pk))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Comité réussi" in html
    assert "ancien-nom" in html
    assert 'value="2023-03-01"' in html or "01/03/2023" in html


def test_the_startup_list_runs_the_same_queries_for_5_or_40_startups(
    admin_client, make_startup, django_assert_max_num_queries
):
    # session + user + count + filtered count + page rows with incubator
    # + the incubator list filter + savepoint noise: 10 at most, whatever N.
    for _ in range(5):
        make_startup()
    with django_assert_max_num_queries(10) as small:
        admin_client.get(admin_url(Startup, "changelist"))
    for _ in range(35):
        make_startup()
    with django_assert_max_num_queries(10) as large:
        admin_client.get(admin_url(Startup, "changelist"))
    # The incubator filter lists one incubator per start-up here: its values
    # come from one query, so the count does not move.
    assert len(large.captured_queries) == len(small.captured_queries)


def test_saving_phases_in_the_admin_updates_the_current_phase(
    admin_client, make_startup
):
    startup = make_startup(phases=[(Phase.INVESTIGATION, dt.date(2022, 1, 1))])
    first = startup.phases.get()
    data = {
        "title": startup.title,
        "slug": startup.slug,
        "mission": startup.mission,
        "description": "",
        "is_published": "on",
        "incubator": startup.incubator_id,
        "technologies": "",
        "accessibility_status": "not_assessed",
        "allow_indexing": "on",
        "phases-TOTAL_FORMS": "2",
        "phases-INITIAL_FORMS": "1",
        "phases-0-id": first.pk,
        "phases-0-startup": startup.pk,
        "phases-0-phase": "investigation",
        "phases-0-start": "2022-01-01",
        "phases-0-end": "2022-06-01",
        "phases-1-phase": "construction",
        "phases-1-start": "2022-06-01",
        "phases-1-end": "",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
        "former_slugs-TOTAL_FORMS": "0",
        "former_slugs-INITIAL_FORMS": "0",
        "editors-TOTAL_FORMS": "0",
        "editors-INITIAL_FORMS": "0",
        "budget_lines-TOTAL_FORMS": "0",
        "budget_lines-INITIAL_FORMS": "0",
        "indicators-TOTAL_FORMS": "0",
        "indicators-INITIAL_FORMS": "0",
    }

    response = admin_client.post(admin_url(Startup, "change", startup.pk), data)

    assert response.status_code == 302, response.context["errors"]
    startup.refresh_from_db()
    assert startup.current_phase == Phase.CONSTRUCTION
    assert startup.current_phase_start == dt.date(2022, 6, 1)


def test_deleting_a_phase_row_in_the_admin_updates_the_current_phase(
    admin_client, make_startup
):
    startup = make_startup(
        phases=[
            (Phase.INVESTIGATION, dt.date(2022, 1, 1)),
            (Phase.CONSTRUCTION, dt.date(2022, 6, 1)),
        ]
    )
    page = admin_client.get(admin_url(Startup, "change", startup.pk))
    data = rendered_form(page.content.decode(), containing="title")
    latest = startup.phases.get(phase=Phase.CONSTRUCTION)
    row = next(
        key[: -len("-id")]
        for key, values in data.items()
        if key.startswith("phases-")
        and key.endswith("-id")
        and values == [str(latest.pk)]
    )
    data[f"{row}-DELETE"] = ["on"]

    response = admin_client.post(admin_url(Startup, "change", startup.pk), data)

    assert response.status_code == 302
    startup.refresh_from_db()
    assert startup.current_phase == Phase.INVESTIGATION
    assert not StartupPhase.objects.filter(pk=latest.pk).exists()


def test_phases_and_events_have_no_admin_page_of_their_own(admin_client):
    # Every write of a phase goes through the sheet form's rules.
    for name in ("startupphase", "event"):
        response = admin_client.get(f"/admin/startups/{name}/")
        assert response.status_code == 404


def test_the_incubator_autocomplete_finds_incubators_by_name(
    admin_client, make_incubator, make_startup
):
    make_incubator(name="Fabrique des Territoires")
    make_incubator(name="Atelier Numérique")
    startup = make_startup()

    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "territ",
            "app_label": "startups",
            "model_name": "startup",
            "field_name": "incubator",
        },
    )

    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == [
        "Fabrique des Territoires"
    ]
    assert startup.incubator.name != "Fabrique des Territoires"


def test_a_startup_saved_in_the_admin_is_found_by_its_new_title(
    admin_client, make_startup, client
):
    startup = make_startup(title="Ancien titre")
    data = {
        "title": "Signalement Écologique",
        "slug": startup.slug,
        "mission": startup.mission,
        "description": "",
        "is_published": "on",
        "incubator": startup.incubator_id,
        "technologies": "",
        "accessibility_status": "not_assessed",
        "allow_indexing": "on",
        "phases-TOTAL_FORMS": "0",
        "phases-INITIAL_FORMS": "0",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
        "former_slugs-TOTAL_FORMS": "0",
        "former_slugs-INITIAL_FORMS": "0",
        "editors-TOTAL_FORMS": "0",
        "editors-INITIAL_FORMS": "0",
        "budget_lines-TOTAL_FORMS": "0",
        "budget_lines-INITIAL_FORMS": "0",
        "indicators-TOTAL_FORMS": "0",
        "indicators-INITIAL_FORMS": "0",
    }
    # The start-up's phase row is posted back unchanged, as the form does.
    phase = startup.phases.get()
    data.update(
        {
            "phases-TOTAL_FORMS": "1",
            "phases-INITIAL_FORMS": "1",
            "phases-0-id": phase.pk,
            "phases-0-startup": startup.pk,
            "phases-0-phase": phase.phase,
            "phases-0-start": phase.start.isoformat(),
        }
    )

    response = admin_client.post(admin_url(Startup, "change", startup.pk), data)

    assert response.status_code == 302
    found = client.get("/startups/", {"q": "ecologique"})
    assert [s.title for s in found.context["page"]] == ["Signalement Écologique"]


def test_technologies_are_typed_as_a_comma_separated_list(admin_client, make_startup):
    from tests.test_admin_validation import form_data

    startup = make_startup()

    admin_client.post(
        admin_url(Startup, "change", startup.pk),
        form_data(startup, technologies="Django, PostgreSQL , ,DSFR, Django"),
    )

    startup.refresh_from_db()
    assert startup.technologies == ["Django", "PostgreSQL", "DSFR"]
    page = admin_client.get(admin_url(Startup, "change", startup.pk))
    assert 'value="Django, PostgreSQL, DSFR"' in page.content.decode()
