"""The open-data API, /api/v1/: every endpoint, parameter and error."""

import datetime as dt

import pytest

from startups.api.views import FILTER_DESCRIPTIONS
from startups.filters import StartupFilter
from startups.models import (
    Audience,
    Event,
    FormerSlug,
    Phase,
    Startup,
    Theme,
)


def ids(response) -> list[str]:
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def catalogue(make_startup, make_incubator, make_organisation):
    """Three published start-ups and a hidden one, with every relation set."""
    dinum = make_incubator(slug="dinum", name="Incubateur DINUM")
    other = make_incubator(slug="fabrique", name="La Fabrique")
    anct = make_organisation(slug="anct", name="ANCT", acronym="ANCT")
    health = Theme.objects.create(slug="sante", label="Santé")
    public = Audience.objects.create(slug="particulier", label="Particuliers")
    alpha = make_startup(
        slug="1000.premiers.Jours-é",
        title="Alpha",
        mission="Aider les parents.",
        incubator=dinum,
        sponsors=[anct],
        themes=[health],
        website="https://alpha.beta.gouv.fr",
        has_stats_page=True,
        accessibility_status=Startup.AccessibilityStatus.PARTIALLY_COMPLIANT,
        phases=[
            (Phase.INVESTIGATION, dt.date(2020, 1, 1), dt.date(2020, 6, 30)),
            (Phase.CONSTRUCTION, dt.date(2020, 7, 1)),
        ],
    )
    alpha.audiences.set([public])
    Event.objects.create(
        startup=alpha, kind=Event.Kind.PRODUCT_LAUNCH, date=dt.date(2020, 9, 1)
    )
    beta = make_startup(
        slug="beta",
        title="Beta",
        incubator=other,
        phases=[(Phase.ACCELERATION, dt.date(2023, 3, 1))],
    )
    beta.co_incubators.set([dinum])
    gamma = make_startup(slug="gamma", title="Gamma", incubator=other)
    make_startup(slug="hidden", title="Hidden", incubator=dinum, is_published=False)
    return {"alpha": alpha, "beta": beta, "gamma": gamma, "dinum": dinum}


# Start-up list


def test_the_list_gives_published_startups_by_title_with_their_total(client, catalogue):
    r = client.get("/api/v1/startups/")
    assert r.status_code == 200
    assert r["Content-Type"] == "application/json"
    body = r.json()
    assert body["count"] == 3
    assert ids(r) == ["1000.premiers.Jours-é", "beta", "gamma"]
    assert body["next"] is None and body["previous"] is None


def test_the_list_is_paginated_with_page_and_page_size(client, catalogue):
    r = client.get("/api/v1/startups/", {"page_size": 2, "page": 2})
    assert r.status_code == 200
    assert ids(r) == ["gamma"]
    assert r.json()["count"] == 3
    assert "page_size=2" in r.json()["previous"]


def test_page_size_is_capped_at_100(client, make_startup):
    incubator = make_startup().incubator
    for _ in range(101):
        make_startup(incubator=incubator)
    r = client.get("/api/v1/startups/", {"page_size": 1000})
    assert r.status_code == 200
    assert len(r.json()["results"]) == 100
    assert r.json()["count"] == 102


@pytest.mark.parametrize(
    "params, parameter",
    [
        ({"page": 2}, "page"),
        ({"page": 0}, "page"),
        ({"page": "abc"}, "page"),
        ({"page": "9" * 50}, "page"),
        ({"page_size": 0}, "page_size"),
        ({"page_size": "-3"}, "page_size"),
        ({"page_size": "big"}, "page_size"),
    ],
)
def test_a_bad_page_or_page_size_is_a_400_that_names_it(
    client, catalogue, params, parameter
):
    r = client.get("/api/v1/startups/", params)
    assert r.status_code == 400
    assert r["Content-Type"] == "application/json"
    assert list(r.json()["errors"]) == [parameter]
    assert r.json()["detail"]


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"phase": "construction"}, ["1000.premiers.Jours-é"]),
        (
            {"phase": ["construction", "acceleration"]},
            ["1000.premiers.Jours-é", "beta"],
        ),
        ({"incubator": "dinum"}, ["1000.premiers.Jours-é", "beta"]),
        ({"sponsor": "anct"}, ["1000.premiers.Jours-é"]),
        ({"thematic": "sante"}, ["1000.premiers.Jours-é"]),
        ({"usertype": "particulier"}, ["1000.premiers.Jours-é"]),
        ({"accessibility": "partially"}, ["1000.premiers.Jours-é"]),
        ({"year": 2023}, ["beta"]),
        ({"q": "parents"}, ["1000.premiers.Jours-é"]),
        ({"sort": "-started"}, ["beta", "gamma", "1000.premiers.Jours-é"]),
        ({"sort": "phase"}, ["gamma", "1000.premiers.Jours-é", "beta"]),
        ({"unknown": "ignored"}, ["1000.premiers.Jours-é", "beta", "gamma"]),
    ],
)
def test_the_list_takes_the_catalogues_parameters(client, catalogue, params, expected):
    r = client.get("/api/v1/startups/", params)
    assert r.status_code == 200
    assert ids(r) == expected


def test_the_list_and_the_catalogues_filter_agree(client, catalogue):
    params = {"incubator": "dinum", "sort": "-updated"}
    r = client.get("/api/v1/startups/", params)
    expected = [s.slug for s in StartupFilter(params).qs]
    assert ids(r) == expected


@pytest.mark.parametrize(
    "params, parameter",
    [
        ({"phase": "nope"}, "phase"),
        ({"incubator": ["dinum", "no-such-incubator"]}, "incubator"),
        ({"sponsor": "nobody"}, "sponsor"),
        ({"thematic": "nothing"}, "thematic"),
        ({"usertype": "nobody"}, "usertype"),
        ({"accessibility": "maybe"}, "accessibility"),
        ({"year": "abc"}, "year"),
        ({"year": "1800"}, "year"),
        ({"sort": "random"}, "sort"),
        ({"q": "x" * 201}, "q"),
        ({"q": "nul\x00byte"}, "q"),
        ({"phase\x00": "construction"}, "phase"),
    ],
)
def test_a_parameter_the_filter_cannot_use_is_a_400_with_the_reason(
    client, catalogue, params, parameter
):
    r = client.get("/api/v1/startups/", params)
    assert r.status_code == 400
    assert parameter in r.json()["errors"]
    assert all(r.json()["errors"][parameter])


def test_an_unknown_identifier_is_named_in_the_error(client, catalogue):
    r = client.get("/api/v1/startups/", {"incubator": "no-such-incubator"})
    assert r.status_code == 400
    assert r.json()["errors"]["incubator"] == [
        "Valeur inconnue, requête refusée : « no-such-incubator ». Les "
        "identifiants admis sont ceux de /api/v1/incubators/."
    ]


def test_each_list_item_has_its_relations_and_history(client, catalogue):
    row = client.get("/api/v1/startups/", {"phase": "construction"}).json()["results"][
        0
    ]
    assert row["title"] == "Alpha"
    assert row["url"] == "http://testserver/api/v1/startups/1000.premiers.Jours-%C3%A9/"
    assert row["html_url"].startswith("http://testserver/startups/1000.premiers")
    assert row["incubator"] == "dinum"
    assert row["sponsors"] == ["anct"]
    assert row["themes"] == ["sante"]
    assert row["audiences"] == ["particulier"]
    assert row["current_phase"] == "construction"
    assert row["current_phase_start"] == "2020-07-01"
    assert row["links"]["stats"] == "https://alpha.beta.gouv.fr/stats"
    assert [p["phase"] for p in row["phases"]] == ["investigation", "construction"]
    assert "description" not in row


def test_the_list_runs_the_same_queries_for_few_or_many_startups(
    client, make_startup, make_organisation, django_assert_max_num_queries
):
    sponsor = make_organisation()

    def count_queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            r = client.get("/api/v1/startups/", {"sponsor": sponsor.slug})
        assert r.status_code == 200
        return len(queries)

    make_startup(sponsors=[sponsor])
    few = count_queries()
    for _ in range(15):
        make_startup(sponsors=[sponsor])
    # the catalogue version (ETag, startups.caching), the sponsor's slug, the
    # page's rows with their incubator and the total (a window count), six
    # prefetched lists (co-incubators, sponsors, themes, audiences, phases,
    # events)
    with django_assert_max_num_queries(9):
        many = count_queries()
    assert few == many


def test_the_count_comes_with_the_rows_and_a_page_past_the_end_says_which_exist(
    client, make_startup
):
    for _ in range(3):
        make_startup()

    second = client.get("/api/v1/startups/", {"page_size": 2, "page": 2}).json()
    past = client.get("/api/v1/startups/", {"page_size": 2, "page": 3})

    assert second["count"] == 3
    assert len(second["results"]) == 1
    assert past.status_code == 400
    assert past.json()["errors"]["page"] == [
        "Cette page n'existe pas : indiquez un nombre entier de 1 à 2."
    ]


# Start-up detail


def test_the_detail_has_the_history_events_and_links(client, catalogue):
    r = client.get("/api/v1/startups/1000.premiers.Jours-%C3%A9/")
    assert r.status_code == 200
    body = r.json()
    assert body["id"] == "1000.premiers.Jours-é"
    assert body["phases"] == [
        {
            "phase": "investigation",
            "label": "Investigation",
            "start": "2020-01-01",
            "end": "2020-06-30",
            "comment": "",
        },
        {
            "phase": "construction",
            "label": "Construction",
            "start": "2020-07-01",
            "end": None,
            "comment": "",
        },
    ]
    assert body["events"][0]["kind"] == "product_launch"
    assert body["events"][0]["date"] == "2020-09-01"
    assert body["links"]["website"] == "https://alpha.beta.gouv.fr"
    assert "description" in body


def test_the_detail_labels_are_in_french_whatever_the_browser_asks(client, catalogue):
    r = client.get("/api/v1/startups/beta/", HTTP_ACCEPT_LANGUAGE="en")
    assert r.json()["current_phase_label"] == "Accélération"


def test_an_unpublished_or_unknown_startup_is_a_json_404(client, catalogue):
    for slug in ("hidden", "nobody"):
        r = client.get(f"/api/v1/startups/{slug}/")
        assert r.status_code == 404
        assert r.json()["detail"]


def test_a_former_identifier_redirects_to_the_current_one(client, catalogue):
    FormerSlug.objects.create(startup=catalogue["beta"], slug="old-beta")
    r = client.get("/api/v1/startups/old-beta/")
    assert r.status_code == 301
    assert r["Location"] == "/api/v1/startups/beta/"


def test_the_detail_runs_a_fixed_number_of_queries(
    client, catalogue, django_assert_max_num_queries
):
    # ETag + start-up with incubator + six prefetched lists + budget lines + the
    # impact indicators (their values: one more query when there are
    # indicators, tests/test_impact_indicators.py).
    with django_assert_max_num_queries(10):
        assert client.get("/api/v1/startups/beta/").status_code == 200


# Incubators, sponsors, phases, themes, audiences


def test_the_incubator_list_and_detail(client, catalogue, make_organisation):
    catalogue["dinum"].owner = make_organisation(slug="dinum-org")
    catalogue["dinum"].save()
    r = client.get("/api/v1/incubators/")
    assert r.status_code == 200
    assert ids(r) == ["dinum", "fabrique"]
    detail = client.get("/api/v1/incubators/dinum/").json()
    assert detail["owner"] == "dinum-org"
    assert (
        detail["startups_url"] == "http://testserver/api/v1/startups/?incubator=dinum"
    )
    assert client.get(detail["startups_url"]).json()["count"] == 2
    assert client.get("/api/v1/incubators/nobody/").status_code == 404


def test_a_hidden_incubator_is_not_listed_but_answers(client, catalogue):
    catalogue["dinum"].is_hidden = True
    catalogue["dinum"].save()
    assert ids(client.get("/api/v1/incubators/")) == ["fabrique"]
    assert client.get("/api/v1/incubators/dinum/").status_code == 200


def test_the_sponsor_list_and_detail(client, catalogue):
    r = client.get("/api/v1/sponsors/")
    assert r.status_code == 200
    assert "anct" in ids(r)
    detail = client.get("/api/v1/sponsors/anct/").json()
    assert detail["name"] == "ANCT"
    assert client.get(detail["startups_url"]).json()["count"] == 1
    assert client.get("/api/v1/sponsors/nobody/").status_code == 404


def test_the_phases_come_from_the_life_cycle(client, db):
    r = client.get("/api/v1/phases/")
    assert r.status_code == 200
    assert ids(r) == list(Phase.values)
    integration = client.get("/api/v1/phases/integration/").json()
    assert integration["betagouv_name"] == "transfere"
    assert integration["rank"] == 4
    assert client.get("/api/v1/phases/nope/").status_code == 404


@pytest.mark.parametrize(
    "endpoint, slug, parameter",
    [("themes", "sante", "thematic"), ("audiences", "particulier", "usertype")],
)
def test_the_vocabularies_link_to_their_startups(
    client, catalogue, endpoint, slug, parameter
):
    r = client.get(f"/api/v1/{endpoint}/")
    assert r.status_code == 200
    assert ids(r) == [slug]
    detail = client.get(f"/api/v1/{endpoint}/{slug}/").json()
    assert detail["startups_url"].endswith(f"?{parameter}={slug}")
    assert client.get(detail["startups_url"]).json()["count"] == 1
    assert client.get(f"/api/v1/{endpoint}/nothing/").status_code == 404


@pytest.mark.parametrize(
    "endpoint", ["incubators", "sponsors", "phases", "themes", "audiences"]
)
def test_every_list_refuses_a_page_that_does_not_exist(client, catalogue, endpoint):
    r = client.get(f"/api/v1/{endpoint}/", {"page": 50})
    assert r.status_code == 400
    assert "page" in r.json()["errors"]


def test_the_root_lists_the_endpoints(client, db):
    r = client.get("/api/v1/")
    assert r.status_code == 200
    assert r.json()["startups"] == "http://testserver/api/v1/startups/"


# HTTP: caching, conditional GET, CORS


def test_answers_are_cacheable_and_open_to_every_origin(client, catalogue):
    r = client.get("/api/v1/startups/")
    assert r["Access-Control-Allow-Origin"] == "*"
    assert "public" in r["Cache-Control"] and "max-age=300" in r["Cache-Control"]
    assert r["ETag"]


def test_a_current_copy_gets_a_304_and_a_change_a_new_etag(client, catalogue):
    etag = client.get("/api/v1/startups/")["ETag"]
    r = client.get("/api/v1/startups/", HTTP_IF_NONE_MATCH=etag)
    assert r.status_code == 304
    assert r.content == b""
    assert r["Access-Control-Allow-Origin"] == "*"

    catalogue["gamma"].title = "Gamma renamed"
    catalogue["gamma"].save()
    r = client.get("/api/v1/startups/", HTTP_IF_NONE_MATCH=etag)
    assert r.status_code == 200
    assert r["ETag"] != etag


def test_the_etag_changes_when_a_startup_is_deleted(client, catalogue):
    etag = client.get("/api/v1/incubators/")["ETag"]
    catalogue["gamma"].delete()
    assert client.get("/api/v1/incubators/")["ETag"] != etag


def test_an_error_is_not_cached(client, catalogue):
    r = client.get("/api/v1/startups/", {"year": "abc"})
    assert r.status_code == 400
    assert "max-age" not in r.get("Cache-Control", "")
    assert r["Access-Control-Allow-Origin"] == "*"


def test_the_api_is_read_only(client, catalogue):
    assert client.post("/api/v1/startups/").status_code == 405
    assert client.delete("/api/v1/startups/beta/").status_code == 405
    assert Startup.objects.filter(slug="beta").exists()


# Schema and documentation


def test_the_openapi_schema_describes_every_parameter_and_field(client, db):
    r = client.get("/api/v1/schema/")
    assert r.status_code == 200
    schema = r.json()
    assert schema["openapi"].startswith("3.")
    list_op = schema["paths"]["/api/v1/startups/"]["get"]
    params = {p["name"]: p for p in list_op["parameters"]}
    for name in [*StartupFilter.base_filters, "page", "page_size"]:
        assert params[name].get("description"), name
    assert set(FILTER_DESCRIPTIONS) == set(StartupFilter.base_filters)
    assert "400" in list_op["responses"]
    for name, component in schema["components"]["schemas"].items():
        if name.startswith("Paginated") or "properties" not in component:
            continue
        for field, spec in component["properties"].items():
            assert spec.get("description") or "$ref" in str(spec), (name, field)
    paths = set(schema["paths"])
    for endpoint in ("startups", "incubators", "sponsors", "themes", "audiences"):
        assert f"/api/v1/{endpoint}/" in paths
        assert f"/api/v1/{endpoint}/{{slug}}/" in paths
    assert "/api/v1/phases/" in paths


def test_the_documentation_page_lists_endpoints_and_parameters_in_french(client, db):
    r = client.get("/api/")
    assert r.status_code == 200
    text = r.content.decode()
    assert '<html lang="fr">' in text
    assert "Liste des startups d&#x27;État" in text
    for name in StartupFilter.base_filters:
        assert f"<code>{name}</code>" in text
    assert "/api/v2.7/startups.json" in text
    assert "<caption>" in text


@pytest.mark.parametrize(
    "betagouv_name, ours",
    [("transfere", "integration"), ("opere", "operated"), ("abandon", "abandoned")],
)
def test_beta_gouv_frs_phase_names_are_aliases_of_ours(
    client, make_startup, betagouv_name, ours
):
    make_startup(slug="mine", phases=[(Phase(ours), dt.date(2021, 1, 1))])
    make_startup(slug="other", phases=[(Phase.CONSTRUCTION, dt.date(2021, 1, 1))])
    by_alias = client.get("/api/v1/startups/", {"phase": betagouv_name})
    assert by_alias.status_code == 200
    assert ids(by_alias) == ["mine"]
    assert ids(client.get("/api/v1/startups/", {"phase": ours})) == ["mine"]
    v27 = client.get("/api/v2.7/startups.json", {"phase": betagouv_name}).json()
    assert [s["id"] for s in v27["data"]] == ["mine"]


def test_the_v27_files_take_the_catalogues_filters(client, catalogue):
    body = client.get("/api/v2.7/startups.json", {"incubator": "dinum"}).json()
    # Main or co-incubator, as the catalogue selects.
    assert {s["id"] for s in body["data"]} == {"1000.premiers.Jours-é", "beta"}
    incubators = client.get("/api/v2.7/incubators.json", {"incubator": "dinum"}).json()
    assert {s["id"] for s in incubators["dinum"]["startups"]} == {
        "1000.premiers.Jours-é",
        "beta",
    }
    # beta's main incubator lists it too; gamma is not in the selection.
    assert {s["id"] for s in incubators["fabrique"]["startups"]} == {"beta"}
    csv_text = client.get("/api/v2.7/startups.csv", {"incubator": "dinum"}).content
    assert csv_text.decode("utf-8-sig").count("\n") == 3  # header + 2 rows
    bad = client.get("/api/v2.7/startups.json", {"incubator": "nowhere"})
    assert bad.status_code == 400
    assert bad["Content-Type"].startswith("application/json")
    assert "nowhere" in bad.json()["errors"]["incubator"][0]


def test_authors_json_is_a_json_404_that_says_why(client, db):
    r = client.get("/api/v2.7/authors.json")
    assert r.status_code == 404
    assert r["Content-Type"].startswith("application/json")
    assert "données personnelles" in r.json()["detail"]


def test_a_refused_value_is_said_refused_not_ignored(client, catalogue):
    r = client.get("/api/v1/startups/", {"phase": ["construction", "nope"]})
    assert r.status_code == 400
    message = r.json()["errors"]["phase"][0]
    assert "refusée" in message and "« nope »" in message
    assert "ignor" not in r.content.decode()


@pytest.mark.parametrize(
    "params, parameter",
    [
        ("page=", "page"),
        ("page_size=", "page_size"),
        ("year=", "year"),
        ("page=1&page=2", "page"),
        ("q=a&q=b", "q"),
        ("sort=name&sort=phase", "sort"),
        ("sort=", "sort"),
        ("phase=construction&phase=", "phase"),
        ("accessibility=", "accessibility"),
    ],
)
def test_an_empty_or_repeated_single_value_is_refused(
    client, catalogue, params, parameter
):
    r = client.get(f"/api/v1/startups/?{params}")
    assert r.status_code == 400
    assert list(r.json()["errors"]) == [parameter]


def test_the_schema_states_every_bound_and_error(client, db):
    schema = client.get("/api/v1/schema/").json()
    parameters = {
        p["name"]: p["schema"]
        for p in schema["paths"]["/api/v1/startups/"]["get"]["parameters"]
    }
    assert parameters["page"]["minimum"] == 1
    assert parameters["page_size"]["minimum"] == 1
    assert parameters["year"]["minimum"] == 1900
    assert parameters["year"]["maximum"] == 2999
    assert parameters["q"]["maxLength"] == 200
    assert "transfere" in parameters["phase"]["items"]["enum"]
    for methods in schema["paths"].values():
        for operation in methods.values():
            assert {"304", "414", "503"} <= set(operation["responses"])
