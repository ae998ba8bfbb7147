"""What the national team certifies (the impact matrix's level, national impact,
FAST funding): set by it alone, dated, with who set it, kept in history, shown
as badges, filtered by facets and given by the API."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone, translation
from reversion.models import Version

from startups import history
from startups.models import (
    Event,
    ImpactCertification,
    IncubatorMembership,
    Startup,
    StartupEditor,
)
from startups.services import restore_version
from tests.helpers import rendered_form

pytestmark = pytest.mark.django_db
User = get_user_model()


def change_url(startup):
    return reverse("admin:startups_startup_change", args=[startup.pk])


def post_rendered(client, url, **changes):
    page = client.get(url)
    assert page.status_code == 200, url
    data = rendered_form(page.content.decode())
    for name, value in changes.items():
        data[name] = value if isinstance(value, list) else [value]
    return client.post(url, data)


@pytest.fixture
def people(make_incubator, make_startup):
    incubator = make_incubator()
    sheet = make_startup(incubator=incubator, title="Service certifié")
    staff = User.objects.create_user("chef", password="pw")
    IncubatorMembership.objects.create(user=staff, incubator=incubator)
    editor = User.objects.create_user("editrice", password="pw")
    StartupEditor.objects.create(user=editor, startup=sheet)
    national = User.objects.create_superuser("national", password="pw")
    for user in (staff, editor):
        user.refresh_from_db()
    return {"sheet": sheet, "staff": staff, "editor": editor, "national": national}


@pytest.mark.parametrize("role", ["staff", "editor"])
def test_staff_and_editors_cannot_set_the_certification_even_by_posting_it(
    client, people, role
):
    sheet = people["sheet"]
    client.force_login(people[role])

    html = client.get(change_url(sheet)).content.decode()
    form = rendered_form(html, containing="title")
    for name in ("impact_certification", "impact_certification_on", "fast_amount"):
        assert name not in form
    response = post_rendered(
        client,
        change_url(sheet),
        impact_certification="certified",
        impact_certification_on="2024-01-01",
        fast_promotion="4",
        fast_amount="90000",
    )
    assert response.status_code == 302
    sheet.refresh_from_db()
    assert sheet.impact_certification == ImpactCertification.NONE
    assert sheet.impact_certification_on is None
    assert sheet.fast_promotion is None
    assert sheet.certification_set_by is None
    # Nor add a FAST event through the events' list.
    response = post_rendered(
        client,
        change_url(sheet),
        **{
            "events-TOTAL_FORMS": "1",
            "events-0-kind": "fast",
            "events-0-date": "2024-01-01",
        },
    )
    assert response.status_code == 200  # refused: not a choice
    assert not sheet.events.filter(kind=Event.Kind.FAST).exists()


def test_the_national_team_sets_it_dated_and_signed(client, people):
    sheet = people["sheet"]
    client.force_login(people["national"])

    response = post_rendered(
        client,
        change_url(sheet),
        impact_certification="reviewed",
        impact_certification_on="",
    )

    assert response.status_code == 302
    sheet.refresh_from_db()
    assert sheet.impact_certification == ImpactCertification.REVIEWED
    assert sheet.impact_certification_on == timezone.localdate()
    assert sheet.certification_set_by == people["national"]
    assert sheet.certification_set_at is not None
    html = client.get(change_url(sheet)).content.decode()
    trail = html.index("Certification modifiée le")
    assert "national" in html[trail:][:400]


def test_a_national_impact_event_by_the_national_team_is_signed_too(client, people):
    sheet = people["sheet"]
    client.force_login(people["national"])

    response = post_rendered(
        client,
        change_url(sheet),
        **{
            "events-TOTAL_FORMS": "1",
            "events-0-kind": "national_impact",
            "events-0-date": "2025-02-03",
        },
    )

    assert response.status_code == 302
    sheet.refresh_from_db()
    assert sheet.events.filter(kind=Event.Kind.NATIONAL_IMPACT).count() == 1
    assert sheet.certification_set_by == people["national"]


def test_other_changes_by_the_national_team_leave_the_signature_alone(client, people):
    sheet = people["sheet"]
    client.force_login(people["national"])

    assert (
        post_rendered(client, change_url(sheet), title="Nouveau titre").status_code
        == 302
    )

    sheet.refresh_from_db()
    assert sheet.title == "Nouveau titre"
    assert sheet.certification_set_by is None


def test_history_keeps_the_certification_and_staff_restores_keep_the_current_one(
    client, people
):
    sheet = people["sheet"]
    client.force_login(people["national"])
    post_rendered(
        client,
        change_url(sheet),
        impact_certification="published",
        impact_certification_on="2024-05-06",
    )
    first = Version.objects.get_for_object(sheet).first()
    assert first.field_dict["impact_certification"] == "published"
    post_rendered(
        client,
        change_url(sheet),
        impact_certification="certified",
        impact_certification_on="2025-01-02",
        **{
            "events-TOTAL_FORMS": "1",
            "events-0-kind": "fast",
            "events-0-date": "2025-01-02",
        },
    )
    second = Version.objects.get_for_object(sheet).first()
    with translation.override("en"):
        labels = [
            d.label
            for d in history.differences(
                Startup,
                history.state_of_version(first),
                history.state_of_version(second),
            )
        ]
    assert "Impact matrix certification" in labels
    assert "Impact matrix certified on" in labels

    # Incubator staff restoring the first version: content comes back, what the
    # national team certified (level, date, FAST event, signature) stays.
    restore_version(version=first, user=people["staff"])
    sheet.refresh_from_db()
    assert sheet.impact_certification == ImpactCertification.CERTIFIED
    assert sheet.impact_certification_on == dt.date(2025, 1, 2)
    assert sheet.events.filter(kind=Event.Kind.FAST).count() == 1
    assert sheet.certification_set_by == people["national"]

    # The national team restoring it brings the level back, signed by the restorer.
    restore_version(version=first, user=people["national"])
    sheet.refresh_from_db()
    assert sheet.impact_certification == ImpactCertification.PUBLISHED
    assert sheet.impact_certification_on == dt.date(2024, 5, 6)
    assert not sheet.events.filter(kind=Event.Kind.FAST).exists()
    assert sheet.certification_set_by == people["national"]


def certified(make_startup, **extra):
    startup = make_startup(**extra)
    Event.objects.create(
        startup=startup, kind=Event.Kind.NATIONAL_IMPACT, date=dt.date(2024, 6, 1)
    )
    return startup


def test_cards_and_sheets_show_badges(client, make_startup):
    startup = certified(
        make_startup,
        title="Service phare",
        impact_certification="certified",
        impact_certification_on=dt.date(2024, 6, 1),
        fast_promotion=7,
        fast_amount=150000,
    )
    make_startup(title="Service ordinaire")

    catalogue = client.get("/en/startups/").content.decode()
    cards = catalogue.split('<div class="fr-card ')
    card = next(c for c in cards if "Service phare" in c)
    assert "Impact matrix certified" in card
    assert "National impact" in card
    assert "FAST funding" in card
    plain = next(c for c in cards if "Service ordinaire" in c)
    assert "fr-badge--success" not in plain and "FAST" not in plain

    with translation.override("en"):
        address = startup.get_absolute_url()
    page = client.get(address)
    assert page.status_code == 200
    html = page.content.decode()
    badges = html[
        html.index('id="badges"') : html.index("</ul>", html.index('id="badges"'))
    ]
    assert "Impact matrix certified" in badges
    assert "National impact" in badges
    assert "FAST funding" in badges
    assert "1 June 2024" in html[html.index('id="certification"') :][:1500]


def test_the_catalogue_filters_and_counts_by_certification(client, make_startup):
    certified(make_startup, impact_certification="certified")
    make_startup(impact_certification="reviewed")
    make_startup(impact_certification="reviewed", fast_promotion=2, fast_amount=10)
    make_startup()

    response = client.get("/en/startups/", {"certification": "reviewed"})
    assert response.context["page"].paginator.count == 2
    facets = {f.name: f for f in response.context["facets"]}
    counts = {o.value: o.count for o in facets["certification"].options}
    # The facet's own selection is left out of its counts.
    assert counts == {"none": 1, "reviewed": 2, "certified": 1}
    recognition = {o.value: o.count for o in facets["recognition"].options}
    assert recognition == {"fast": 1}  # within the two reviewed sheets

    response = client.get("/en/startups/", {"recognition": "national_impact"})
    assert response.context["page"].paginator.count == 1
    response = client.get("/en/startups/", {"recognition": ["national_impact", "fast"]})
    assert response.context["page"].paginator.count == 2
    facets = {f.name: f for f in client.get("/en/startups/").context["facets"]}
    assert {o.value: o.count for o in facets["recognition"].options} == {
        "national_impact": 1,
        "fast": 1,
    }


def test_the_csv_export_and_the_api_use_the_same_filter(client, make_startup):
    certified(make_startup, title="Avec impact")
    make_startup(title="Sans impact")

    csv_text = client.get(
        "/startups/export.csv", {"recognition": "national_impact"}
    ).content.decode()
    assert "Avec impact" in csv_text and "Sans impact" not in csv_text
    api = client.get("/api/v1/startups/", {"recognition": "national_impact"}).json()
    assert [s["title"] for s in api["results"]] == ["Avec impact"]
    refused = client.get("/api/v1/startups/", {"certification": "gold"})
    assert refused.status_code == 400


def test_the_api_gives_the_certification(client, make_startup):
    startup = certified(
        make_startup,
        impact_certification="reviewed",
        impact_certification_on=dt.date(2024, 2, 1),
        fast_promotion=5,
        fast_amount=80000,
    )

    data = client.get(f"/api/v1/startups/{startup.slug}/").json()

    assert data["certification"] == {
        "impact_matrix": "reviewed",
        "impact_matrix_label": "Revue par les coachs",
        "impact_matrix_on": "2024-02-01",
        "national_impact": "2024-06-01",
        "fast": {"promotion": 5, "amount": 80000},
    }
    assert data["successor"] is None
    assert data["stop"] == {"reason": None, "reason_label": "", "comment": ""}
