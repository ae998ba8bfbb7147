"""Our open-data files read the way the sites and scripts that read
beta.gouv.fr's read them, with their access patterns: espace-membre, the
inclusion platform's sync, a pandas notebook, a jq pipeline, a JSON:API client."""

import datetime as dt
import io
import json
import shutil
import subprocess
from urllib.parse import unquote

import pandas as pd
import pytest
from django.core.management import call_command

from startups.models import Incubator, Phase, Startup
from tests.conftest import require

SECTIONS = (
    "## Contexte\n\nUn premier paragraphe.\n\n## Solution\n\nUne liste :\n- a\n- b"
)


@pytest.fixture
def files(client, db, betagouv_data, make_startup):
    call_command("import_betagouv", str(betagouv_data), stdout=io.StringIO())
    make_startup(
        slug="sections",
        title="Sections",
        description=SECTIONS,
        incubator=Incubator.objects.get(slug="dinum"),
        phases=[
            (Phase.INVESTIGATION, dt.date(2022, 1, 3), dt.date(2022, 6, 1)),
            (Phase.CONSTRUCTION, dt.date(2022, 6, 1)),
        ],
    )

    def get(name):
        r = client.get(f"/api/v2.7/{name}")
        assert r.status_code == 200
        return r.content

    return get


def test_espace_membre_reads_phases_sponsors_and_details(files):
    # espace-membre: the current phase is the one that started last, from
    # startups_details.json; sponsor names from sponsors.json.
    details = json.loads(files("startups_details.json"))
    sponsors = json.loads(files("sponsors.json"))
    startups = json.loads(files("startups.json"))["data"]
    for startup in Startup.objects.published()[:200]:
        phases = details[startup.slug]["phases"]
        current = max(phases, key=lambda p: p["start"])["name"]
        expected = startup.phases.order_by("start", "position").last()
        assert current in {
            "investigation",
            "construction",
            "acceleration",
            "consolidation",
            "transfere",
            "opere",
            "abandon",
            "abandon-investigation",
        }
        assert max(p["start"] for p in phases) == expected.start.isoformat()
        assert isinstance(details[startup.slug]["active_members"], list)
    names = [
        sponsors[sponsor]["name"]
        for s in startups
        for sponsor in s["attributes"]["sponsors"]
    ]
    assert len(names) > 800 and all(names)  # every reference resolves
    assert details["sections"]["phases"][-1] == {
        "name": "construction",
        "start": "2022-06-01",
    }


def test_the_inclusion_sync_splits_the_markdown_into_sections(files):
    startups = {s["id"]: s for s in json.loads(files("startups.json"))["data"]}
    markdown = unquote(
        startups["sections"]["attributes"]["content_url_encoded_markdown"]
    )
    blocks = markdown.split("\n\n")
    assert blocks == [
        "## Contexte",
        "Un premier paragraphe.",
        "## Solution",
        "Une liste :\n- a\n- b",
    ]
    for startup in startups.values():
        text = unquote(startup["attributes"]["content_url_encoded_markdown"])
        assert "\r" not in text
        assert Startup.objects.get(slug=startup["id"]).description == text


def test_a_pandas_notebook_finds_no_missing_link(files):
    body = json.loads(files("startups.json"))
    frame = pd.json_normalize(body["data"])
    assert len(frame) == Startup.objects.published().count()
    # The notebook: 340 missing links before; "" now, as beta.gouv.fr.
    assert frame["attributes.link"].isna().sum() == 0
    assert frame["attributes.impact_url"].isna().sum() == 0
    assert (frame["attributes.link"] == "").sum() >= 340
    organisations = pd.read_json(io.BytesIO(files("organisations.json")))
    assert set(organisations.columns) == {
        "id",
        "name",
        "acronym",
        "domaine_ministeriel",
        "type",
    }
    exploded = frame.explode("attributes.sponsors")["attributes.sponsors"].dropna()
    assert exploded.isin(organisations["id"]).all()  # the sponsor chart joins
    table = pd.read_csv(
        io.BytesIO(files("startups.csv")), sep=";", encoding="utf-8-sig", dtype=str
    )
    assert list(table.columns)[0] == "id"
    assert table["id"].isna().sum() == 0
    assert len(table) == len(frame)


def test_a_jq_pipeline_joins_sponsors_to_organisations(files, tmp_path):
    jq = shutil.which("jq")
    require(jq is not None, "the jq program is not installed (apt install jq)")
    (tmp_path / "startups.json").write_bytes(files("startups.json"))
    (tmp_path / "organisations.json").write_bytes(files("organisations.json"))
    program = (
        "($o[0] | map({(.id): .name}) | add) as $names"
        " | [$s[0].data[].attributes.sponsors[]]"
        " | {total: length, unresolved: map(select($names[.] == null)) | length}"
    )
    result = subprocess.run(
        [
            jq,
            "-n",
            "--slurpfile",
            "s",
            str(tmp_path / "startups.json"),
            "--slurpfile",
            "o",
            str(tmp_path / "organisations.json"),
            program,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    counts = json.loads(result.stdout)
    assert counts["total"] > 800
    assert counts["unresolved"] == 0


def test_a_json_api_client_resolves_every_relationship(files):
    body = json.loads(files("startups.json"))
    included = {(r["type"], r["id"]): r for r in body["included"]}
    for resource in body["data"]:
        assert set(resource) >= {"id", "type", "attributes", "relationships"}
        main = resource["relationships"]["incubator"]["data"]
        assert (main["type"], main["id"]) in included
        for link in resource["relationships"]["incubators"]["data"]:
            assert (link["type"], link["id"]) in included
    # Co-incubated start-ups are under each incubator in incubators.json.
    incubators = json.loads(files("incubators.json"))
    for resource in body["data"]:
        for link in resource["relationships"]["incubators"]["data"]:
            ids = {s["id"] for s in incubators[link["id"]]["startups"]}
            assert resource["id"] in ids
