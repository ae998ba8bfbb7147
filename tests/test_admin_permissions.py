"""Who sees and edits what in the admin: anonymous visitors, the staff of
incubator A, the staff of incubator B, and superusers."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation

from startups.models import (
    Audience,
    Event,
    Incubator,
    IncubatorMembership,
    Organisation,
    Phase,
    Startup,
    StartupEditor,
    Theme,
)
from startups.services import make_incubator_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_incubator, make_startup, make_organisation):
    """Incubators A and B; a start-up of each, and one of B co-incubated by A."""
    a = make_incubator(slug="inc-a", name="Incubateur A")
    b = make_incubator(slug="inc-b", name="Incubateur B")
    of_a = make_startup(slug="of-a", title="Service de A", incubator=a)
    of_b = make_startup(slug="of-b", title="Service de B", incubator=b)
    shared = make_startup(slug="shared", title="Service partagé", incubator=b)
    shared.co_incubators.set([a])
    for startup in (of_a, of_b, shared):
        Event.objects.create(
            startup=startup, kind=Event.Kind.OTHER, date=dt.date(2023, 1, 1)
        )
    users = {}
    for name, incubator in (("staff_a", a), ("staff_b", b)):
        user = get_user_model().objects.create_user(name, password="pw")
        make_incubator_staff(user=user, incubators=[incubator])
        users[name] = user
    users["superuser"] = get_user_model().objects.create_superuser(
        "root", password="pw"
    )
    # A sheet editor of B's start-up only (given by B's staff).
    users["editor"] = get_user_model().objects.create_user("editor", password="pw")
    StartupEditor.objects.create(user=users["editor"], startup=of_b)
    users["editor"].refresh_from_db()
    membership = IncubatorMembership.objects.first()
    return {
        "a": a, "b": b, "of_a": of_a, "of_b": of_b, "shared": shared,
        "users": users, "organisation": make_organisation(),
        "theme": Theme.objects.create(slug="sante", label="Santé"),
        "audience": Audience.objects.create(slug="etat", label="État"),
        "membership": membership,
    }  # fmt: skip


def url(obj_or_model, action, *args):
    meta = obj_or_model._meta
    if not isinstance(obj_or_model, type) and action != "add":
        args = (obj_or_model.pk,)
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{action}", args=args)


def login(client, world, role):
    if role != "anonymous":
        client.force_login(world["users"][role])
    return client


ROLES = ["anonymous", "staff_a", "staff_b", "editor", "superuser"]


def visible_startups(role):
    return {
        "staff_a": {"of-a", "shared"},
        "staff_b": {"of-b", "shared"},
        "editor": {"of-b"},
        "superuser": {"of-a", "of-b", "shared"},
    }[role]


@pytest.mark.parametrize("role", ROLES)
def test_every_admin_page_answers_each_role_as_expected(client, world, role):
    login(client, world, role)
    startups = {s.slug: s for s in (world["of_a"], world["of_b"], world["shared"])}
    own = {
        "staff_a": world["a"], "staff_b": world["b"], "superuser": world["a"]
    }.get(role)  # fmt: skip
    other = {"staff_a": world["b"], "staff_b": world["a"]}.get(role)
    expected: dict[str, int] = {}
    editor = role == "editor"
    for slug, startup in startups.items():
        mine = role == "superuser" or (
            role != "anonymous" and slug in visible_startups(role)
        )
        expected[url(startup, "change")] = 200 if mine else 404
        expected[url(startup, "history")] = 200 if mine else 404
        expected[url(startup, "compare")] = 200 if mine else 404
        # Only the national team deletes: 403 before any lookup.
        expected[url(startup, "delete")] = 200 if role == "superuser" else 403
    expected[url(Startup, "changelist")] = 200
    expected[url(Startup, "add")] = 403 if editor else 200
    for model in (Theme, Audience):
        expected[url(model, "changelist")] = 200
    for model in (Incubator, Organisation):
        expected[url(model, "changelist")] = 403 if editor else 200
    for model in (Incubator, Organisation, Theme, Audience):
        expected[url(model, "add")] = 200 if role == "superuser" else 403
    for obj in (world["theme"], world["audience"]):
        expected[url(obj, "change")] = 200  # read-only for staff
        expected[url(obj, "delete")] = 200 if role == "superuser" else 403
    expected[url(world["organisation"], "change")] = 403 if editor else 200
    expected[url(world["organisation"], "delete")] = 200 if role == "superuser" else 403
    if own is not None:
        expected[url(own, "change")] = 200
        expected[url(own, "delete")] = 200 if role == "superuser" else 403
    if other is not None:
        expected[url(other, "change")] = 404
    if editor:
        expected[url(world["a"], "change")] = 403
    for model in (IncubatorMembership, StartupEditor):
        expected[url(model, "changelist")] = 200 if role == "superuser" else 403
    expected[url(world["membership"], "change")] = 200 if role == "superuser" else 403
    expected[reverse("admin:invite")] = 403 if editor else 200
    expected[url(Startup, "recoverlist")] = 200 if role == "superuser" else 403

    for address, status in expected.items():
        response = client.get(address)
        if role == "anonymous":
            assert response.status_code == 302, address
            assert response["Location"].startswith(reverse("admin:login")), address
        else:
            assert response.status_code == status, (address, response.status_code)


@pytest.mark.parametrize("role", ["staff_a", "staff_b", "superuser"])
def test_the_startup_list_shows_only_the_sheets_of_ones_incubators(client, world, role):
    login(client, world, role)

    response = client.get(url(Startup, "changelist"))

    shown = {s.slug for s in response.context["cl"].result_list}
    assert shown == visible_startups(role)


def autocomplete(client, model_name, field_name, term=""):
    response = client.get(reverse("admin:autocomplete"), {
        "term": term, "app_label": "startups", "model_name": model_name,
        "field_name": field_name,
    })  # fmt: skip
    return sorted(r["text"] for r in response.json()["results"])


def test_staff_autocomplete_offers_only_their_incubators_and_sheets(client, world):
    login(client, world, "staff_a")

    assert autocomplete(client, "startup", "incubator") == ["Incubateur A"]
    assert autocomplete(client, "startup", "co_incubators") == ["Incubateur A"]
    assert autocomplete(client, "incubator", "highlighted_startups") == [
        "Service de A",
        "Service partagé",
    ]


def test_staff_see_only_their_own_incubator_in_the_incubator_list(client, world):
    login(client, world, "staff_a")

    response = client.get(url(Incubator, "changelist"))

    assert [i.name for i in response.context["cl"].result_list] == ["Incubateur A"]


def change_data(startup, **overrides):
    phase = startup.phases.get()
    data = {
        "title": startup.title, "slug": startup.slug, "mission": startup.mission,
        "description": "", "is_published": "on", "incubator": startup.incubator_id,
        "co_incubators": [i.pk for i in startup.co_incubators.all()],
        "technologies": "", "accessibility_status": "not_assessed",
        "allow_indexing": "on",
        "phases-TOTAL_FORMS": "1", "phases-INITIAL_FORMS": "1",
        "phases-0-id": phase.pk, "phases-0-startup": startup.pk,
        "phases-0-phase": phase.phase, "phases-0-start": phase.start.isoformat(),
        "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0",
        "former_slugs-TOTAL_FORMS": "0", "former_slugs-INITIAL_FORMS": "0",
        "editors-TOTAL_FORMS": "0", "editors-INITIAL_FORMS": "0",
        "budget_lines-TOTAL_FORMS": "0", "budget_lines-INITIAL_FORMS": "0",
        "indicators-TOTAL_FORMS": "0", "indicators-INITIAL_FORMS": "0",
    }  # fmt: skip
    data.update(overrides)
    return data


def test_staff_cannot_move_a_sheet_to_an_incubator_that_is_not_theirs(client, world):
    login(client, world, "staff_a")
    startup = world["of_a"]

    response = client.post(
        url(startup, "change"), change_data(startup, incubator=world["b"].pk)
    )

    assert response.status_code == 200
    assert "incubator" in response.context["adminform"].form.errors
    startup.refresh_from_db()
    assert startup.incubator == world["a"]


def test_staff_cannot_add_a_co_incubator_that_is_not_theirs(client, world):
    login(client, world, "staff_a")
    startup = world["of_a"]

    response = client.post(
        url(startup, "change"), change_data(startup, co_incubators=[world["b"].pk])
    )

    assert response.status_code == 200
    assert "co_incubators" in response.context["adminform"].form.errors
    assert startup.co_incubators.count() == 0


def test_staff_may_edit_a_co_incubated_sheet_and_keep_its_main_incubator(client, world):
    login(client, world, "staff_a")
    startup = world["shared"]

    response = client.post(
        url(startup, "change"), change_data(startup, title="Nouveau nom")
    )

    assert response.status_code == 302
    startup.refresh_from_db()
    assert (startup.title, startup.incubator) == ("Nouveau nom", world["b"])


def test_staff_cannot_drop_their_last_incubator_from_a_sheet(client, world):
    login(client, world, "staff_a")
    startup = world["shared"]

    response = client.post(
        url(startup, "change"), change_data(startup, co_incubators=[])
    )

    assert response.status_code == 200
    form = response.context["adminform"].form
    with translation.override("en"):
        assert "One of your incubators must stay" in str(form.non_field_errors())
    assert list(startup.co_incubators.all()) == [world["a"]]


def test_staff_cannot_post_to_a_sheet_that_is_not_theirs(client, world):
    login(client, world, "staff_a")
    startup = world["of_b"]

    response = client.post(url(startup, "change"), change_data(startup, title="Piraté"))

    assert response.status_code == 404
    startup.refresh_from_db()
    assert startup.title == "Service de B"


def test_staff_cannot_delete_a_sheet_even_their_own(client, world):
    login(client, world, "staff_a")

    response = client.post(url(world["of_a"], "delete"), {"post": "yes"})

    assert response.status_code == 403
    assert Startup.objects.filter(slug="of-a").exists()


def test_staff_edit_their_incubators_description_but_not_its_identity(client, world):
    login(client, world, "staff_a")
    incubator = world["a"]

    response = client.post(url(incubator, "change"), {
        "slug": "vole", "name": "Volé", "short_description": "Nouvelle description",
        "description": "", "contact": "", "address": "", "website": "",
        "source_code_url": "",
    })  # fmt: skip

    assert response.status_code == 302
    incubator.refresh_from_db()
    assert (incubator.slug, incubator.name, incubator.short_description) == (
        "inc-a",
        "Incubateur A",
        "Nouvelle description",
    )


def test_a_new_sheet_by_staff_goes_to_their_incubator(client, world):
    login(client, world, "staff_a")
    data = change_data(world["of_a"], slug="nouveau", title="Nouveau service")
    data.update({
        "phases-INITIAL_FORMS": "0", "phases-0-id": "", "phases-0-startup": "",
        "phases-0-phase": Phase.INVESTIGATION, "phases-0-start": "2024-01-01",
    })  # fmt: skip

    response = client.post(url(Startup, "add"), data)

    assert response.status_code == 302
    created = Startup.objects.get(slug="nouveau")
    assert created.incubator == world["a"]
    assert created.current_phase == Phase.INVESTIGATION
