import csv
import datetime as dt
import io

import pytest

from startups.models import AccessibilityStatus, Audience, Phase, Theme

pytestmark = pytest.mark.django_db

EXPORT = "/en/startups/export.csv"


def rows(response) -> list[dict[str, str]]:
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"))))


def test_the_export_is_a_utf8_csv_attachment_with_one_row_per_startup(
    client, make_startup, make_incubator, make_organisation
):
    main = make_incubator(name="Incubateur de la DINUM")
    co = make_incubator(name="Fabrique numérique")
    startup = make_startup(
        slug="aides-jeunes",
        title="Aides jeunes",
        mission="Évaluer ses droits.",
        incubator=main,
        sponsors=[
            make_organisation(name="Ministère du Travail", acronym=""),
            make_organisation(name="Direction interministérielle", acronym="DINUM"),
        ],
        themes=[
            Theme.objects.create(slug="jeunesse", label="Jeunesse"),
            Theme.objects.create(slug="social", label="Social"),
        ],
        website="https://aides.example.gouv.fr",
        repository="https://github.com/example/aides",
        accessibility_status=AccessibilityStatus.PARTIALLY_COMPLIANT,
        phases=[
            (Phase.INVESTIGATION, dt.date(2019, 1, 1), dt.date(2019, 6, 1)),
            (Phase.ACCELERATION, dt.date(2019, 6, 1)),
        ],
    )
    startup.co_incubators.set([co])
    startup.audiences.set([Audience.objects.create(slug="jeunes", label="Jeunes")])
    make_startup(title="Hidden", is_published=False)

    response = client.get(EXPORT)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="startups.csv"'
    (row,) = rows(response)
    assert row == {
        "identifier": "aides-jeunes",
        "title": "Aides jeunes",
        "mission": "Évaluer ses droits.",
        "current phase": "Acceleration",
        "phase start date": "2019-06-01",
        "incubator": "Incubateur de la DINUM",
        "co-incubators": "Fabrique numérique",
        "sponsors": "Direction interministérielle (DINUM) | Ministère du Travail",
        "themes": "Jeunesse | Social",
        "audiences": "Jeunes",
        "website": "https://aides.example.gouv.fr",
        "source code repository": "https://github.com/example/aides",
        "accessibility": "Partially compliant",
        "last update": startup.updated_at.date().isoformat(),
    }


def test_the_export_takes_the_catalogues_filters_and_sort(
    client, make_startup, make_incubator
):
    lab = make_incubator(slug="lab")
    make_startup(title="B", incubator=lab)
    make_startup(title="A", incubator=lab)
    make_startup(title="C")

    response = client.get(EXPORT, {"incubator": "lab", "sort": "name"})

    assert [r["title"] for r in rows(response)] == ["A", "B"]


def test_bad_parameters_do_not_break_the_export(client, make_startup):
    make_startup(title="A")

    response = client.get(EXPORT, {"year": "abc", "phase": "nope", "sort": "zzz"})

    assert response.status_code == 200
    assert [r["title"] for r in rows(response)] == ["A"]


def test_the_export_speaks_french_by_default(client, make_startup):
    make_startup(phases=[(Phase.INCONCLUSIVE, dt.date(2023, 1, 1))])

    response = client.get("/startups/export.csv")

    (row,) = rows(response)
    assert row["phase actuelle"] == "Investigation non concluante"


def test_the_export_costs_the_same_queries_for_5_or_40_startups(
    client, make_startup, make_organisation, make_incubator, django_assert_num_queries
):
    sponsors = [make_organisation() for _ in range(2)]
    lab = make_incubator()

    def export_queries(n: int) -> int:
        for _ in range(n):
            make_startup(sponsors=sponsors).co_incubators.set([lab])
        # The catalogue version (ETag, startups.caching), then the rows with
        # their incubator and every list joined in the same query.
        with django_assert_num_queries(2):
            response = client.get(EXPORT)
        return len(rows(response))

    assert export_queries(5) == 5
    assert export_queries(35) == 40


def test_a_large_export_read_a_chunk_at_a_time_still_costs_two_queries(
    client, make_startup, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr("startups.downloads.CHUNK_SIZE", 2)
    monkeypatch.setattr("startups.downloads.IN_MEMORY_LIMIT", 100)
    for i in range(7):
        make_startup(title=f"Service {i}")

    with django_assert_num_queries(2):
        response = client.get(EXPORT)
        lines = b"".join(response.streaming_content).decode("utf-8-sig")

    assert response.streaming
    assert len(lines.splitlines()) == 1 + 7


def test_the_exports_lists_are_in_alphabetical_order_accents_aside(
    client, make_startup, make_organisation
):
    make_startup(
        sponsors=[
            make_organisation(name="Ministère de la Santé", acronym=""),
            make_organisation(name="École nationale", acronym="EN"),
            make_organisation(name="agence du numérique", acronym=""),
        ],
        themes=[
            Theme.objects.create(slug="sante", label="Santé"),
            Theme.objects.create(slug="emploi", label="Emploi"),
            Theme.objects.create(slug="education", label="Éducation"),
        ],
    )

    (row,) = rows(client.get(EXPORT))

    assert row["sponsors"] == (
        "agence du numérique | École nationale (EN) | Ministère de la Santé"
    )
    assert row["themes"] == "Éducation | Emploi | Santé"
