"""beta.gouv.fr's files, /api/v2.7/: parsed on the real data and checked against
the database, including a start-up whose text would break a text template."""

import csv
import datetime as dt
import io
import json
from urllib.parse import unquote

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from startups.betagouv.vocabulary import BETAGOUV_NAME_OF_PHASE
from startups.models import (
    Event,
    Incubator,
    Organisation,
    Phase,
    Startup,
)

TRICKY_TITLE = 'Le "service" d\'aide\nsur deux lignes ; <b>&</b>'


@pytest.fixture
def real_catalogue(db, betagouv_data, make_startup):
    call_command("import_betagouv", str(betagouv_data), stdout=io.StringIO())
    incubator = Incubator.objects.order_by("slug").first()
    tricky = make_startup(
        slug="tricky",
        title=TRICKY_TITLE,
        mission='Dire "bonjour";\nà tous, \\ et \t',
        description="# Titre\n\nDu *Markdown* avec des « guillemets » & 100 %.",
        incubator=incubator,
        website="https://tricky.beta.gouv.fr",
        accessibility_status=Startup.AccessibilityStatus.NOT_COMPLIANT,
        risk_analysis_done=True,
        phases=[
            (Phase.INVESTIGATION, dt.date(2021, 1, 4), dt.date(2021, 6, 1)),
            (Phase.INTEGRATION, dt.date(2021, 6, 1)),
        ],
    )
    Event.objects.create(
        startup=tricky, kind=Event.Kind.COMMITTEE, date=dt.date(2021, 5, 1),
        comment='Un "comité"\nanimé',
    )  # fmt: skip
    make_startup(slug="unpublished", incubator=incubator, is_published=False)
    return tricky


def get_json(client, url):
    r = client.get(url)
    assert r.status_code == 200
    assert r["Content-Type"] == "application/json; charset=utf-8"
    assert r["Access-Control-Allow-Origin"] == "*"
    return json.loads(r.content.decode("utf-8"))


def check_startups_json_has_every_published_startup_with_its_relations(
    client, real_catalogue
):
    body = get_json(client, "/api/v2.7/startups.json")
    published = Startup.objects.published()
    assert len(body["data"]) == published.count() > 600
    assert body["links"]["self"] == "http://testserver/startups/"
    by_id = {row["id"]: row for row in body["data"]}
    assert "unpublished" not in by_id
    assert {i["id"] for i in body["included"]} == set(
        Incubator.objects.values_list("slug", flat=True)
    )

    for startup in published.for_api():
        row = by_id[startup.slug]
        assert row["type"] == "startup"
        attributes = row["attributes"]
        assert attributes["name"] == startup.title
        assert attributes["pitch"] == startup.mission
        assert unquote(attributes["content_url_encoded_markdown"]) == (
            startup.description
        )
        assert [p["name"] for p in attributes["phases"]] == [
            BETAGOUV_NAME_OF_PHASE[Phase(p.phase)] for p in startup.phases.all()
        ]
        # Bare identifiers, as beta.gouv.fr writes them since 2023.
        assert attributes["sponsors"] == [o.slug for o in startup.sponsors.all()]
        assert attributes["link"] == startup.website  # "" when there is none
        assert len(attributes["events"]) == startup.events.count()
        relationships = row["relationships"]
        assert relationships["incubator"]["data"] == {
            "type": "incubator",
            "id": startup.incubator.slug,
        }
        assert relationships["incubators"]["data"][0]["id"] == startup.incubator.slug


def check_startups_json_keeps_quotes_and_line_breaks_intact(client, real_catalogue):
    body = get_json(client, "/api/v2.7/startups.json")
    tricky = next(row for row in body["data"] if row["id"] == "tricky")
    attributes = tricky["attributes"]
    assert attributes["name"] == TRICKY_TITLE
    assert attributes["pitch"] == 'Dire "bonjour";\nà tous, \\ et \t'
    assert attributes["phases"] == [
        {"name": "investigation", "start": "2021-01-04", "end": "2021-06-01"},
        {"name": "transfere", "start": "2021-06-01", "end": ""},
    ]
    assert attributes["events"] == [
        {"name": "committee", "date": "2021-05-01", "comment": 'Un "comité"\nanimé'}
    ]
    assert attributes["accessibility_status"] == "non conforme"
    assert attributes["analyse_risques"] == "true"
    assert attributes["link"] == "https://tricky.beta.gouv.fr"
    assert "budget_url" not in attributes  # absent, as beta.gouv.fr leaves it


def check_a_not_assessed_startup_has_no_accessibility_status(client, real_catalogue):
    body = get_json(client, "/api/v2.7/startups.json")
    by_id = {row["id"]: row["attributes"] for row in body["data"]}
    for startup in Startup.objects.published().filter(
        accessibility_status=Startup.AccessibilityStatus.NOT_ASSESSED
    )[:20]:
        assert "accessibility_status" not in by_id[startup.slug]


def check_incubators_json_lists_startups_under_each_incubator(client, real_catalogue):
    body = get_json(client, "/api/v2.7/incubators.json")
    assert set(body) == set(Incubator.objects.values_list("slug", flat=True))
    for incubator in Incubator.objects.select_related("owner"):
        entry = body[incubator.slug]
        expected = set(
            Startup.objects.published()
            .of_incubator(incubator)
            .values_list("slug", flat=True)
        )
        assert {s["id"] for s in entry.get("startups", [])} == expected
        assert ("startups" in entry) == bool(expected)
        assert entry["title"] == incubator.name
        assert entry["owner"] == (
            f"/organisations/{incubator.owner.slug}" if incubator.owner else ""
        )
        assert entry["github"] == incubator.source_code_url
        assert entry["address"] == incubator.address
    ademe = {s["id"] for s in body["ademe"]["startups"]}
    assert {"ecobalyse", "ecopass"} <= ademe  # co-incubated by ademe and mtes
    assert {"ecobalyse", "ecopass"} <= {s["id"] for s in body["mtes"]["startups"]}
    tricky_incubator = real_catalogue.incubator.slug
    tricky = next(s for s in body[tricky_incubator]["startups"] if s["id"] == "tricky")
    assert set(tricky) == {"id", "name", "pitch", "repository", "contact", "phases"}
    assert tricky["name"] == TRICKY_TITLE


def check_organisations_json_lists_every_organisation(client, real_catalogue):
    body = get_json(client, "/api/v2.7/organisations.json")
    assert len(body) == Organisation.objects.count() > 100
    by_id = {o["id"]: o for o in body}
    for organisation in Organisation.objects.all():
        assert by_id[organisation.slug] == {
            "id": organisation.slug,
            "name": organisation.name,
            "acronym": organisation.acronym,
            "domaine_ministeriel": organisation.ministerial_domain,
            "type": organisation.kind,
        }


def check_startups_csv_has_beta_gouv_frs_columns_and_a_row_per_startup(
    client, real_catalogue
):
    r = client.get("/api/v2.7/startups.csv")
    assert r.status_code == 200
    assert r["Content-Type"] == "text/csv; charset=utf-8"
    assert r.content.startswith("\ufeff".encode())  # Excel then reads UTF-8
    text = r.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    assert text.splitlines()[0] == (
        "id;name;mission;start;status;incubator;stats;link;repository;"
        "accessibility;contact;incubators"
    )
    published = Startup.objects.published().for_api()
    assert len(rows) == published.count()
    by_id = {row["id"]: row for row in rows}
    for startup in published:
        row = by_id[startup.slug]
        assert row["name"] == startup.title
        assert row["mission"] == startup.mission
        assert row["status"] == (
            BETAGOUV_NAME_OF_PHASE[Phase(startup.current_phase)]
            if startup.current_phase
            else ""
        )
        phases = list(startup.phases.all())
        assert row["start"] == (phases[0].start.isoformat() if phases else "")
        assert row["incubator"] == startup.incubator.slug
        assert row["incubators"].split(",")[0] == startup.incubator.slug
        assert row["link"] == startup.website  # "" as beta.gouv.fr writes it
    tricky = by_id["tricky"]
    assert tricky["name"] == TRICKY_TITLE
    assert tricky["status"] == "transfere"
    assert tricky["start"] == "2021-01-04"
    assert tricky["accessibility"] == "non conforme"
    assert tricky["repository"] == "null"


def test_every_file_matches_the_database_on_the_real_data(client, real_catalogue):
    # One import of the real data (it takes a while) for every check.
    check_startups_json_has_every_published_startup_with_its_relations(
        client, real_catalogue
    )
    check_startups_json_keeps_quotes_and_line_breaks_intact(client, real_catalogue)
    check_a_not_assessed_startup_has_no_accessibility_status(client, real_catalogue)
    check_incubators_json_lists_startups_under_each_incubator(client, real_catalogue)
    check_organisations_json_lists_every_organisation(client, real_catalogue)
    check_startups_csv_has_beta_gouv_frs_columns_and_a_row_per_startup(
        client, real_catalogue
    )


@pytest.mark.parametrize(
    "url",
    [
        "/api/v2.7/startups.json",
        "/api/v2.7/incubators.json",
        "/api/v2.7/organisations.json",
        "/api/v2.7/sponsors.json",
        "/api/v2.7/startups_details.json",
        "/api/v2.7/startups.csv",
    ],
)
def test_each_file_runs_the_same_queries_for_few_or_many_startups(
    client, make_startup, make_organisation, url
):
    sponsor = make_organisation()

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    make_startup(sponsors=[sponsor])
    few = count_queries()
    for _ in range(10):
        make_startup(sponsors=[sponsor])
    many = count_queries()
    assert few == many
    # startups.json and .csv: ETag + start-ups + six prefetched lists +
    # incubators; incubators.json: ETag + main incubations + their phases +
    # co-incubations (+ their phases when there are some) + incubators.
    assert many <= 9


def test_each_file_answers_304_to_a_current_copy(client, make_startup):
    make_startup()
    for url in ("/api/v2.7/startups.json", "/api/v2.7/startups.csv"):
        etag = client.get(url)["ETag"]
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
