"""Caching that is never stale: pages and their data are cached under the
catalogue version, which every write raises (startups.caching, startups.signals):
a change shows on the very next request, and an unchanged page is a 304."""

import os
from io import StringIO

import pytest
import reversion
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from reversion.models import Version

from startups.caching import catalogue_version
from startups.models import Startup
from startups.services import bump_catalogue_version
from tests.helpers import redis_url
from tests.test_history import edit

pytestmark = pytest.mark.django_db

LIST = "/startups/"


def queries(client, url, **headers) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, headers=headers)
    return len(ctx.captured_queries), response


def test_every_write_raises_the_catalogue_version(make_startup):
    before = catalogue_version()
    startup = make_startup(title="Un")
    after_create = catalogue_version()
    startup.title = "Deux"
    startup.save()

    assert before != after_create != catalogue_version()


def test_an_unchanged_catalogue_page_is_served_from_the_cache(client, make_startup):
    for i in range(5):
        make_startup(title=f"Service {i}")
    first, response = queries(client, LIST + "?q=service&sort=-updated")
    assert response.status_code == 200

    # The same question in another order of parameters: same entry.
    again, response = queries(client, LIST + "?sort=-updated&q=service")

    assert response.status_code == 200
    assert "Service 3" in response.content.decode()
    assert response.content == client.get(LIST + "?q=service&sort=-updated").content
    assert first > 1
    assert again == 1  # the catalogue version


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/en/",
        "/startups/?phase=investigation",
        "/startups/startup-cached/",
        "/incubators/",
        "/incubators/lab-cached/",
        "/sponsors/",
        "/stats/",
        "/sitemap.xml",
        "/feeds/startups.atom",
        "/api/v1/startups/",
        "/api/v2.7/startups.json",
    ],
)
def test_a_repeated_public_page_costs_one_query_and_is_the_same(
    client, make_startup, make_incubator, url
):
    make_startup(slug="startup-cached", incubator=make_incubator(slug="lab-cached"))
    first = client.get(url)

    count, again = queries(client, url)

    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert count == 1  # the catalogue version


def test_every_page_and_order_of_a_selection_shares_its_facets(
    client, make_startup, django_assert_max_num_queries
):
    for i in range(30):
        make_startup(title=f"Service {i:02}")
    client.get(LIST, {"phase": "investigation"})

    # the catalogue version and the page's rows: neither the facets nor the
    # count again
    with django_assert_max_num_queries(2):
        response = client.get(
            LIST, {"phase": "investigation", "page": 2, "sort": "-updated"}
        )

    assert response.context["page"].paginator.count == 30
    assert len(response.context["page"].object_list) == 6


def test_a_response_that_used_a_csrf_token_is_neither_kept_nor_tagged(rf, db):
    from django.http import HttpResponse
    from django.middleware.csrf import get_token

    from startups.caching import cached_response

    calls = []

    def view(request):
        calls.append(1)
        return HttpResponse(f"<input value='{get_token(request)}'>")

    for _ in range(2):
        response = cached_response(rf.get("/a-form/"), view)
        assert response.status_code == 200
        assert not response.has_header("ETag")
    assert len(calls) == 2


def test_a_page_kept_yesterday_is_built_again_today(client, make_startup, monkeypatch):
    import datetime as dt

    from django.utils import timezone

    make_startup()
    today = timezone.localdate()
    etag = client.get("/stats/")["ETag"]
    monkeypatch.setattr(
        "startups.caching.timezone.localdate", lambda: today + dt.timedelta(days=1)
    )

    count, response = queries(client, "/stats/", if_none_match=etag)

    assert response.status_code == 200
    assert response["ETag"] != etag
    assert count > 1


def test_an_admin_edit_shows_on_the_very_next_request(
    client, admin_client, make_startup
):
    startup = make_startup(title="Ancien titre")
    assert "Ancien titre" in client.get(LIST).content.decode()
    assert "Ancien titre" in client.get(startup.get_absolute_url()).content.decode()

    edit(admin_client, startup, title="Nouveau titre")

    for url in (LIST, startup.get_absolute_url(), "/"):
        html = client.get(url).content.decode()
        assert "Nouveau titre" in html or url == "/"
        assert "Ancien titre" not in html


def test_an_import_shows_on_the_very_next_request(client, tmp_path):
    from tests.test_import_betagouv import make_folder, sheet

    folder = make_folder(tmp_path, {"s1": sheet(title="Premier service")})
    call_command("import_betagouv", str(folder), stdout=StringIO())
    assert "Premier service" in client.get(LIST).content.decode()

    (folder / "startups/s1.md").write_text(sheet(title="Service renommé"), "utf-8")
    call_command("import_betagouv", str(folder), stdout=StringIO())

    html = client.get(LIST).content.decode()
    assert "Service renommé" in html
    assert "Premier service" not in html


def test_a_reverted_version_shows_on_the_very_next_request(client, make_startup):
    startup = make_startup(title="Version 1")
    with reversion.create_revision():
        startup.save()
    startup.title = "Version 2"
    startup.save()
    assert "Version 2" in client.get(LIST).content.decode()

    # What the admin's restore does underneath: rows written back directly.
    Version.objects.get_for_object(startup).first().revert()

    html = client.get(LIST).content.decode()
    assert "Version 1" in html
    assert "Version 2" not in html


def test_an_unchanged_page_is_answered_304_to_if_none_match(client, make_startup):
    make_startup(title="Service")
    for url in ("/", LIST + "?q=service", "/stats/", "/incubators/", "/sitemap.xml"):
        response = client.get(url)
        assert response.status_code == 200, url
        etag = response["ETag"]
        assert "no-cache" in response["Cache-Control"]

        count, again = queries(client, url, if_none_match=etag)

        assert again.status_code == 304, url
        assert again.content == b""
        assert count <= 1  # the catalogue version only


def test_after_a_change_the_old_etag_gets_the_new_page(client, make_startup):
    startup = make_startup(title="Avant")
    etag = client.get(LIST)["ETag"]

    startup.title = "Après"
    startup.save()
    response = client.get(LIST, headers={"if-none-match": etag})

    assert response.status_code == 200
    assert response["ETag"] != etag
    assert "Après" in response.content.decode()


def test_each_language_has_its_own_etag(client, make_startup):
    make_startup()

    assert client.get(LIST)["ETag"] != client.get("/en" + LIST)["ETag"]


def test_staff_always_get_a_fresh_page_without_etag(admin_client, make_startup):
    make_startup(title="Service")

    response = admin_client.get(LIST)

    assert response.status_code == 200
    assert not response.has_header("ETag")


def test_the_version_survives_a_missing_row(make_startup):
    from startups.models import CatalogueVersion

    CatalogueVersion.objects.all().delete()
    assert catalogue_version() == 0

    bump_catalogue_version()

    assert catalogue_version() != 0


def test_the_cache_is_shared_through_redis_when_redis_url_is_set(
    make_startup, settings
):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url(),
        }
    }
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    caches["default"].clear()
    assert isinstance(caches["default"], RedisCache)
    startup = make_startup(title="Dans Redis")
    client = Client()
    assert "Dans Redis" in client.get(LIST).content.decode()
    startup.title = "Renommé dans Redis"
    startup.save()

    html = client.get(LIST).content.decode()

    assert "Renommé dans Redis" in html
    assert "Dans Redis<" not in html


def test_reads_go_to_a_replica_and_writes_to_the_primary(monkeypatch):
    from portfolio import db_router

    router = db_router.ReplicaRouter()
    monkeypatch.setattr(db_router, "replicas", lambda: ["replica_0", "replica_1"])
    monkeypatch.setattr(
        db_router.connections["default"], "in_atomic_block", False, raising=False
    )

    assert router.db_for_read(Startup) in {"replica_0", "replica_1"}
    assert router.db_for_write(Startup) == "default"
    assert router.allow_migrate("default", "startups")
    assert not router.allow_migrate("replica_0", "startups")
    assert router.allow_relation(Startup(), Startup())


def test_inside_a_transaction_reads_stay_on_the_primary(monkeypatch):
    from portfolio import db_router

    monkeypatch.setattr(db_router, "replicas", lambda: ["replica_0"])

    # pytest-django runs this test inside a transaction.
    assert db_router.ReplicaRouter().db_for_read(Startup) == "default"


def test_without_replicas_everything_uses_the_primary(monkeypatch):
    from portfolio import db_router

    monkeypatch.setattr(
        db_router.connections["default"], "in_atomic_block", False, raising=False
    )

    assert db_router.replicas() == []
    assert db_router.ReplicaRouter().db_for_read(Startup) == "default"


def test_replica_urls_become_mirrored_aliases(monkeypatch):
    import subprocess
    import sys

    code = (
        "from django.conf import settings as s; d = s.DATABASES;"
        "print(sorted(d), d['replica_1']['NAME'], d['replica_0']['TEST']['MIRROR'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup();" + code],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portfolio.settings",
            "DJANGO_DEBUG": "1",
            "DATABASE_REPLICA_URLS": (
                "postgres://u@r0:5432/cat, postgres://u@r1:5432/cat2"
            ),
        },
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    assert out.strip() == ("['default', 'replica_0', 'replica_1'] cat2 default")


@pytest.mark.parametrize(
    ("accept_encoding", "gzipped"),
    [("gzip, deflate, br", True), ("br;q=1.0, gzip;q=0.8", True), ("", False)]
    + [("gzip;q=0", False), ("deflate", False)],
)
def test_a_cached_page_goes_out_gzipped_to_whoever_accepts_it(
    client, make_startup, accept_encoding, gzipped
):
    import gzip

    make_startup(title="Compressé")
    first = client.get(LIST)

    again = client.get(LIST, headers={"accept-encoding": accept_encoding})

    assert again.status_code == 200
    assert "Accept-Encoding" in again["Vary"]
    assert again.has_header("Content-Encoding") == gzipped
    content = gzip.decompress(again.content) if gzipped else again.content
    assert content == first.content
    assert again["ETag"] == first["ETag"]
