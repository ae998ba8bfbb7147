"""Our /api/v2.7/ files against what beta.gouv.fr itself writes for the same
Markdown files.

The reference is derived here from the snapshot by a reader written for this
test, not by the importer nor the writer: it follows beta.gouv.fr's templates and
plugins at the snapshot's commit (693fb7c: api/v2.7/*.json and startups.csv
rendered by Liquid, where only a missing value or false is false and a missing
value renders as ""; _plugins/incubators.rb, sponsors.rb and startups.rb, where
Ruby's JSON writes nil as null and copies the front matter's phases as they
are). The files must have the same identifiers, keys, types and relationships;
where a value differs, it is one of the documented clean-ups
(startups.betagouv.writer.CLEAN_UPS), each asserted below by name."""

import csv
import datetime as dt
import html
import io
import json
import re
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?$\n?(.*)\Z", re.S | re.M)


# The test's own reader of beta.gouv.fr's files.


def read_folder(folder: Path) -> dict[str, dict]:
    """{identifier: front matter} of a content folder, in Jekyll's order (by
    file name). Files without the .md extension are not in Jekyll's
    collections."""
    documents = {}
    for path in sorted(folder.glob("*.md")):
        match = _FRONT.match(path.read_text(encoding="utf-8"))
        data = yaml.safe_load(match.group(1)) or {}
        data["__content__"] = match.group(2)
        documents[path.stem] = data
    return documents


def liquid_true(value) -> bool:
    return value is not None and value is not False


def liquid(value) -> str:
    """What {{ value }} writes."""
    if value is None:
        return ""
    if value is True or value is False:
        return str(value).lower()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def ruby_json(value):
    """What Ruby's to_json writes of a front-matter value."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [ruby_json(v) for v in value]
    if isinstance(value, dict):
        return {k: ruby_json(v) for k, v in value.items()}
    return value


def incubator_ids(startup: dict) -> list[str]:
    # lib/models/startup.rb: `incubators` when given, else `incubator`.
    ids = [i for i in startup.get("incubators") or [] if i is not None]
    return ids or [i for i in [startup.get("incubator")] if i is not None]


def reference_startups_json(startups, incubators) -> dict:
    data = []
    for slug, s in startups.items():
        attributes = {"name": liquid(s.get("title")), "pitch": liquid(s.get("mission"))}
        stats = ""
        if liquid_true(s.get("stats_url")):
            stats = liquid(s["stats_url"])
        elif liquid_true(s.get("stats")):
            stats = liquid(s.get("link")).strip() + "/stats"
        attributes["stats_url"] = stats
        if liquid_true(s.get("budget_url")):
            attributes["budget_url"] = liquid(s["budget_url"])
        if liquid_true(s.get("link")):
            attributes["impact_url"] = liquid(s.get("impact_url"))
            attributes["link"] = liquid(s["link"])
        if liquid_true(s.get("repository")):
            attributes["repository"] = liquid(s["repository"])
        attributes["contact"] = liquid(s.get("contact"))
        attributes["content_url_encoded_markdown"] = "…"
        attributes["events"] = [
            {
                "name": liquid(e.get("name")),
                "date": liquid(e.get("date")),
                "comment": liquid(e.get("comment")).replace("\n", ""),
            }
            for e in s.get("events") or []
        ]
        attributes["phases"] = [
            {
                "name": liquid(p.get("name")),
                "start": liquid(p.get("start")),
                "end": liquid(p.get("end")),
            }
            for p in s.get("phases") or []
        ]
        attributes["sponsors"] = [
            liquid(x).replace("/organisations/", "") for x in s.get("sponsors") or []
        ]
        attributes["thematiques"] = [liquid(x) for x in s.get("thematiques") or []]
        attributes["technos"] = [liquid(x) for x in s.get("techno") or []]
        for key in ("analyse_risques", "analyse_risques_url", "dashlord_url"):
            if liquid_true(s.get(key)):
                attributes[key] = liquid(s[key])
        if liquid_true(s.get("accessibility_status")):
            attributes["accessibility_status"] = liquid(s["accessibility_status"])
        data.append(
            {
                "id": slug,
                "type": "startup",
                "attributes": attributes,
                "relationships": {
                    "incubator": {
                        "data": {"type": "incubator", "id": liquid(s.get("incubator"))}
                    },
                    "incubators": {
                        "data": [
                            {"type": "incubator", "id": i} for i in incubator_ids(s)
                        ]
                    },
                },
            }
        )
    included = [
        {
            "id": slug,
            "type": "incubator",
            "attributes": {
                "title": liquid(i.get("title")),
                "owner": liquid(i.get("owner")),
                "website": liquid(i.get("website")),
                "github": liquid(i.get("github")),
                "contact": liquid(i.get("contact")),
            },
        }
        for slug, i in incubators.items()
        if not i.get("hidden")  # _plugins/incubators.rb removes hidden ones
    ]
    return {"links": {"self": "…"}, "data": data, "included": included}


def front_matter_startup(slug, s) -> dict:
    return {
        "id": slug,
        "name": s.get("title"),
        "pitch": s.get("mission"),
        "repository": s.get("repository"),
        "contact": s.get("contact"),
        "phases": ruby_json(s.get("phases")),
    }


def reference_incubators_json(startups, incubators) -> dict:
    result: dict[str, dict] = {}
    for slug, s in startups.items():
        for incubator in incubator_ids(s):
            result.setdefault(incubator, {"startups": []})["startups"].append(
                front_matter_startup(slug, s)
            )
    for slug, i in incubators.items():
        if i.get("hidden"):
            continue
        entry = result.setdefault(slug, {})
        for key in ("title", "owner", "contact", "address", "website", "github"):
            entry[key] = ruby_json(i.get(key))
    return result


def reference_startups_details_json(startups) -> dict:
    # No authors in the snapshot (personal data): no member anywhere.
    result = {}
    for slug, s in startups.items():
        entry = front_matter_startup(slug, s)
        del entry["pitch"]
        result[slug] = {
            "active_members": [],
            "previous_members": [],
            "expired_members": [],
            **entry,
        }
    return result


def reference_sponsors_json(organisations) -> dict:
    return {
        slug: {
            key: ruby_json(o.get(key))
            for key in ("name", "acronym", "domaine_ministeriel", "type")
        }
        for slug, o in organisations.items()
    }


def reference_organisations_json(organisations) -> list:
    return [
        {
            "id": slug,
            "name": liquid(o.get("name")),
            "acronym": liquid(o.get("acronym")),
            "domaine_ministeriel": liquid(o.get("domaine_ministeriel")),
            "type": liquid(o.get("type")),
        }
        for slug, o in organisations.items()
    ]


def reference_csv(startups) -> list[list[str]]:
    rows = [
        "id;name;mission;start;status;incubator;stats;link;repository;"
        "accessibility;contact;incubators".split(";")
    ]
    for slug, s in startups.items():
        phases = s.get("phases") or []
        rows.append(
            [
                slug,
                liquid(s.get("title")),
                liquid(s.get("mission")),
                liquid(phases[0].get("start")) if phases else "",
                liquid(phases[-1].get("name")) if phases else "",
                liquid(s.get("incubator")),
                liquid(s.get("stats_url"))
                if liquid_true(s.get("stats_url"))
                else "null",
                liquid(s.get("link")) if liquid_true(s.get("link")) else "null",
                liquid(s["repository"]) if liquid_true(s.get("repository")) else "null",
                liquid(s.get("accessibility_status")),
                liquid(s.get("contact")),
                ",".join(incubator_ids(s)),
            ]
        )
    return rows


def kind(value) -> str:
    return type(value).__name__


# The comparison.


@pytest.fixture
def snapshot(betagouv_data):
    return {
        "startups": read_folder(betagouv_data / "startups"),
        "incubators": read_folder(betagouv_data / "incubators"),
        "organisations": read_folder(betagouv_data / "organisations"),
    }


@pytest.fixture
def ours(client, db, betagouv_data):
    call_command("import_betagouv", str(betagouv_data), stdout=io.StringIO())
    files = {}
    for name in (
        "startups.json",
        "incubators.json",
        "startups_details.json",
        "sponsors.json",
        "organisations.json",
    ):
        r = client.get(f"/api/v2.7/{name}")
        assert r.status_code == 200, name
        files[name] = json.loads(r.content)
    r = client.get("/api/v2.7/startups.csv")
    assert r.status_code == 200
    text = r.content.decode("utf-8-sig")
    files["startups.csv"] = list(csv.reader(io.StringIO(text), delimiter=";"))
    return files


def hidden_incubators(snapshot) -> set[str]:
    return {slug for slug, i in snapshot["incubators"].items() if i.get("hidden")}


def check_startups_json_has_beta_gouv_frs_keys_types_and_relationships(snapshot, ours):
    reference = reference_startups_json(snapshot["startups"], snapshot["incubators"])
    body = ours["startups.json"]
    assert set(body) == set(reference) == {"links", "data", "included"}
    assert [s["id"] for s in body["data"]] == [s["id"] for s in reference["data"]]
    ours_by_id = {s["id"]: s for s in body["data"]}
    blank_budget = set()
    for expected in reference["data"]:
        row = ours_by_id[expected["id"]]
        raw = snapshot["startups"][expected["id"]]
        assert (
            set(row) == set(expected) == {"id", "type", "attributes", "relationships"}
        )
        assert row["type"] == "startup"
        got, want = row["attributes"], expected["attributes"]
        missing = set(want) - set(got)
        if missing:
            # Clean-up: an address of spaces only is no address.
            assert missing == {"budget_url"} and not str(raw["budget_url"]).strip()
            blank_budget.add(expected["id"])
        assert set(got) - set(want) == set(), expected["id"]
        for key in set(got) & set(want):
            assert kind(got[key]) == kind(want[key]), (expected["id"], key)
        # Sponsors: bare identifiers, the same ones (ours in alphabetical order).
        assert sorted(got["sponsors"]) == sorted(s.strip() for s in want["sponsors"])
        # Clean-ups: spaces trimmed, entities decoded, https:// added.
        link = html.unescape(want["link"].strip())
        assert got["link"] in (link, f"https://{link}")
        assert got["name"] == want["name"].strip()
        # Phases in date order (clean-up), the same names and starts.
        assert sorted((p["start"], p["name"]) for p in got["phases"]) == sorted(
            (p["start"], p["name"]) for p in want["phases"]
        )
        assert all(set(p) == {"name", "start", "end"} for p in got["phases"])
        assert len(got["events"]) == len(want["events"])
        assert all(set(e) == {"name", "date", "comment"} for e in got["events"])
        # Relationships: the same main incubator and the same set (ours main
        # first).
        rel, want_rel = row["relationships"], expected["relationships"]
        assert rel["incubator"] == want_rel["incubator"]
        ids = [i["id"] for i in rel["incubators"]["data"]]
        assert ids[0] == rel["incubator"]["data"]["id"]
        assert set(ids) == {i["id"] for i in want_rel["incubators"]["data"]} | {ids[0]}
    assert len(blank_budget) == 1  # the snapshot has one budget_url: ' '
    # Every sheet's link is written, "" when the file leaves it empty (340).
    assert sum(s["attributes"]["link"] == "" for s in body["data"]) == 340
    # Included: beta.gouv.fr's incubators, and the hidden one (clean-up).
    included_ids = {i["id"] for i in body["included"]}
    assert included_ids == {i["id"] for i in reference["included"]} | (
        hidden_incubators(snapshot)
    )
    reference_included = {i["id"]: i for i in reference["included"]}
    for incubator in body["included"]:
        assert set(incubator) == {"id", "type", "attributes"}
        assert set(incubator["attributes"]) == {
            "title",
            "owner",
            "website",
            "github",
            "contact",
        }
        if incubator["id"] in reference_included:
            expected = reference_included[incubator["id"]]["attributes"]
            assert incubator["attributes"]["owner"] in (expected["owner"], "")
            assert incubator["attributes"]["title"] == expected["title"].strip()


def check_incubators_json_lists_every_startup_under_each_of_its_incubators(
    snapshot, ours
):
    reference = reference_incubators_json(snapshot["startups"], snapshot["incubators"])
    body = ours["incubators.json"]
    hidden = hidden_incubators(snapshot)
    assert set(body) == set(reference) | hidden
    for slug, expected in reference.items():
        entry = body[slug]
        if slug in hidden:
            # beta.gouv.fr writes only its start-ups; ours has its title too.
            assert set(expected) == {"startups"}
        else:
            assert set(entry) == set(expected), slug
            for key in set(expected) - {"startups"}:
                if expected[key] is None:
                    # Clean-up: "" (text) for a field the file lacks.
                    assert key not in snapshot["incubators"][slug]
                    assert entry[key] == ""
                else:
                    assert kind(entry[key]) == kind(expected[key]), (slug, key)
        got_startups = {s["id"]: s for s in entry.get("startups", [])}
        want_startups = {s["id"]: s for s in expected.get("startups", [])}
        assert set(got_startups) == set(want_startups), slug
        for startup_id, want in want_startups.items():
            got = got_startups[startup_id]
            assert set(got) == set(want)
            for key in want:
                assert kind(got[key]) == kind(want[key]), (startup_id, key)
            assert sorted(
                (p["start"], p["name"], sorted(p)) for p in got["phases"]
            ) == sorted((p["start"], p["name"], sorted(p)) for p in want["phases"])
    # The count: ademe incubates 21 start-ups, co-incubated ones included.
    assert len(body["ademe"]["startups"]) == len(reference["ademe"]["startups"]) == 21


def check_startups_details_json_has_beta_gouv_frs_structure(snapshot, ours):
    reference = reference_startups_details_json(snapshot["startups"])
    body = ours["startups_details.json"]
    assert list(body) == list(reference)
    for slug, want in reference.items():
        got = body[slug]
        assert set(got) == set(want)
        for key in want:
            assert kind(got[key]) == kind(want[key]), (slug, key)
        assert got["active_members"] == got["previous_members"] == []
        assert got["expired_members"] == []


def check_sponsors_and_organisations_json_have_beta_gouv_frs_structure(snapshot, ours):
    sponsors = reference_sponsors_json(snapshot["organisations"])
    assert set(ours["sponsors.json"]) == set(sponsors)
    for slug, want in sponsors.items():
        got = ours["sponsors.json"][slug]
        assert set(got) == set(want)
        for key in want:
            if want[key] is None:
                # Clean-up: "" (text) for a field the file lacks.
                assert key not in snapshot["organisations"][slug]
                assert got[key] == ""
            else:
                assert kind(got[key]) == kind(want[key]), (slug, key)
    organisations = reference_organisations_json(snapshot["organisations"])
    assert [o["id"] for o in ours["organisations.json"]] == [
        o["id"] for o in organisations
    ]
    for got, want in zip(ours["organisations.json"], organisations, strict=True):
        assert set(got) == set(want)
        assert all(isinstance(v, str) for v in got.values())
    # Every sponsor of a start-up resolves in both files (bare identifiers).
    referenced = {
        s for r in ours["startups.json"]["data"] for s in r["attributes"]["sponsors"]
    }
    assert referenced <= set(ours["sponsors.json"])
    assert referenced <= {o["id"] for o in ours["organisations.json"]}


def check_startups_csv_has_beta_gouv_frs_columns_and_rows(snapshot, ours):
    reference = reference_csv(snapshot["startups"])
    rows = ours["startups.csv"]
    assert rows[0] == reference[0]
    assert [r[0] for r in rows[1:]] == [r[0] for r in reference[1:]]
    for got, want in zip(rows[1:], reference[1:], strict=True):
        assert len(got) == len(want) == 12
        assert got[5] == want[5]  # incubator
        assert set(got[11].split(",")) == set(want[11].split(",")) | {got[5]}
        for column in (6, 7, 8):  # stats, link, repository: "null" and "" alike
            assert (got[column] == "null") == (want[column] == "null"), (got[0], column)
            assert (got[column] == "") == (want[column].strip() == ""), (got[0], column)


def test_our_files_match_beta_gouv_frs_for_the_snapshot(snapshot, ours):
    # One import of the real data (it takes a while) for every check.
    check_startups_json_has_beta_gouv_frs_keys_types_and_relationships(snapshot, ours)
    check_incubators_json_lists_every_startup_under_each_of_its_incubators(
        snapshot, ours
    )
    check_startups_details_json_has_beta_gouv_frs_structure(snapshot, ours)
    check_sponsors_and_organisations_json_have_beta_gouv_frs_structure(snapshot, ours)
    check_startups_csv_has_beta_gouv_frs_columns_and_rows(snapshot, ours)
