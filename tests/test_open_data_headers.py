"""The headers every open-data answer shares (API v1, beta.gouv.fr's v2.7 files,
feeds): CORS with a preflight answered at once, ETag and Last-Modified honoured
with 304, Cache-Control; and an ETag that is the same on every worker and
server running the same code."""

import datetime as dt
import os
import shutil
import subprocess
import sys

import pytest
from django.core.cache import cache
from django.utils.http import http_date

from startups import caching
from startups.models import Phase

OPEN_DATA = [
    "/api/v1/startups/",
    "/api/v1/startups/?incubator=dinum",
    "/api/v2.7/startups.json",
    "/api/v2.7/startups.json?incubator=dinum",
    "/api/v2.7/incubators.json",
    "/api/v2.7/startups_details.json",
    "/api/v2.7/sponsors.json",
    "/api/v2.7/organisations.json",
    "/api/v2.7/startups.csv",
    "/feeds/startups.atom",
    "/feeds/phases.rss",
    "/incubators/dinum/feeds/phases.atom",
    "/en/feeds/startups.rss",
]


@pytest.fixture
def catalogue(make_startup, make_incubator):
    dinum = make_incubator(slug="dinum")
    make_startup(
        slug="alpha",
        incubator=dinum,
        phases=[(Phase.CONSTRUCTION, dt.date(2021, 1, 4))],
    )
    make_startup(slug="beta")
    return dinum


@pytest.mark.parametrize("url", OPEN_DATA)
def test_every_open_data_answer_has_the_same_headers(client, catalogue, url):
    r = client.get(url)
    assert r.status_code == 200
    assert r["Access-Control-Allow-Origin"] == "*"
    assert "If-None-Match" in r["Access-Control-Allow-Headers"]
    assert "ETag" in r["Access-Control-Expose-Headers"]
    assert "public" in r["Cache-Control"] and "max-age=300" in r["Cache-Control"]
    assert r["ETag"]
    assert r["Last-Modified"]
    # A current copy, by either validator, gets a 304.
    assert client.get(url, HTTP_IF_NONE_MATCH=r["ETag"]).status_code == 304
    not_modified = client.get(url, HTTP_IF_MODIFIED_SINCE=r["Last-Modified"])
    assert not_modified.status_code == 304
    assert not_modified["Last-Modified"] == r["Last-Modified"]
    assert not_modified["Access-Control-Allow-Origin"] == "*"
    older = http_date(dt.datetime(2020, 1, 1, tzinfo=dt.UTC).timestamp())
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=older).status_code == 200
    # If-None-Match decides alone when both are sent (RFC 9110).
    both = client.get(
        url, HTTP_IF_NONE_MATCH='"other"', HTTP_IF_MODIFIED_SINCE=r["Last-Modified"]
    )
    assert both.status_code == 200


@pytest.mark.parametrize("url", OPEN_DATA)
def test_a_preflight_is_answered_at_once(
    client, catalogue, url, django_assert_num_queries
):
    with django_assert_num_queries(0):  # nothing built, not even the version read
        r = client.options(
            url,
            HTTP_ORIGIN="https://dashboard.example",
            HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
            HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match, if-modified-since",
        )
    assert r.status_code == 204
    assert r.content == b""
    assert r["Access-Control-Allow-Origin"] == "*"
    allowed = {h.strip().lower() for h in r["Access-Control-Allow-Headers"].split(",")}
    assert {"if-none-match", "if-modified-since"} <= allowed
    assert "GET" in r["Access-Control-Allow-Methods"]
    assert int(r["Access-Control-Max-Age"]) > 0


def test_a_change_to_the_catalogue_changes_etag_and_last_modified(
    client, catalogue, make_startup
):
    first = client.get("/api/v2.7/startups.json")
    make_startup(slug="gamma")
    second = client.get("/api/v2.7/startups.json")
    assert second["ETag"] != first["ETag"]
    assert (
        client.get(
            "/api/v2.7/startups.json", HTTP_IF_NONE_MATCH=first["ETag"]
        ).status_code
        == 200
    )


def test_two_workers_give_the_same_etag(client, catalogue):
    # Each worker has its own local-memory cache: a cold one builds the answer
    # again, and must tag it the same.
    first = client.get("/api/v2.7/startups.json")
    cache.clear()
    second = client.get("/api/v2.7/startups.json")
    assert second["ETag"] == first["ETag"]
    assert second["Last-Modified"] == first["Last-Modified"]


def test_every_process_running_the_same_code_derives_the_same_release():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_RELEASE"}
    env["DJANGO_DEBUG"] = "1"
    code = (
        "import django; django.setup(); "
        "from startups.caching import RELEASE; print(RELEASE)"
    )
    releases = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env=env,
            cwd=caching.ROOT,
            timeout=60,
        ).stdout.strip()
        for _ in range(2)
    }
    assert releases == {caching.code_release()}
    if not os.environ.get("DJANGO_RELEASE"):
        assert caching.RELEASE == caching.code_release()


def test_a_new_deployment_changes_the_release(tmp_path):
    for folder in ("portfolio", "startups", "templates", "locale"):
        shutil.copytree(caching.ROOT / folder, tmp_path / folder)
    assert caching.code_release(tmp_path) == caching.code_release()
    (tmp_path / "templates" / "base.html").write_text("changed", encoding="utf-8")
    assert caching.code_release(tmp_path) != caching.code_release()
