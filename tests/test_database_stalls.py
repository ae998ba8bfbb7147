"""A database that is slow, locked or out of connections: visitors get the
site's own 503 page (French or English, the security headers, Retry-After)
within the statement timeout, never gunicorn's, and the site recovers by itself.

These run a real gunicorn (gunicorn.conf.py) on the test database, as a role of
its own whose connection limit the test can fill; the test holds locks and
connections from its own side. PostgreSQL only (the same suite runs there in CI).
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

# The test database must exist for the server (the tests themselves write nothing).
pytestmark = pytest.mark.django_db

PORT = int(os.environ.get("STALL_TEST_PORT", "8105"))
URL = f"http://127.0.0.1:{PORT}"


def get(path: str) -> tuple[int, dict, str, float]:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(URL + path, timeout=20) as response:
            status, headers, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers, body = error.code, error.headers, error.read()
    return status, headers, body.decode(), time.monotonic() - started


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker):
    """gunicorn on the test database, as a role limited to 2 connections."""
    if connection.vendor != "postgresql":
        if os.environ.get("EXPECT_POSTGRES"):
            pytest.fail(
                "EXPECT_POSTGRES is set but the tests run on " + connection.vendor
            )
        pytest.skip("needs PostgreSQL: runs in `make test-postgres`")
    db = connection.settings_dict
    name = db["NAME"]
    role = f"{name}_site"
    admin = psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=name,
        autocommit=True,
    )
    admin.execute(f'DROP ROLE IF EXISTS "{role}"')
    # Not a superuser: a connection limit holds for it.
    admin.execute(f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT 2')
    admin.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}"')
    # Production's static files (a manifest), current with the code.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=settings.BASE_DIR,
        check=True,
        timeout=120,
        env={**os.environ, "DJANGO_DEBUG": "1"},
    )
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE"))
    }
    environment.update(
        DJANGO_SECRET_KEY="stall-test-only-" + "k" * 40,
        DATABASE_URL=f"postgres://{role}@{db['HOST']}:{db['PORT'] or 5432}/{name}",
        DJANGO_SITE_URL=URL,
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_RATELIMIT_ENABLED="0",
        DJANGO_DB_STATEMENT_TIMEOUT="1",
        # A connection per request: the test decides how many the site has.
        DJANGO_CONN_MAX_AGE="0",
        GUNICORN_BIND=f"127.0.0.1:{PORT}",
        GUNICORN_WORKERS="1",
    )
    # gunicorn's error log in a file: a pipe nobody reads would fill and block it.
    log = tempfile.TemporaryFile()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            "gunicorn.conf.py",
            "portfolio.wsgi",
        ],
        cwd=settings.BASE_DIR,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", PORT), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        assert get("/")[0] == 200
        yield {"admin": admin, "role": role, "db": db, "name": name}
    finally:
        server.terminate()
        server.wait(timeout=30)
        admin.execute(f'DROP OWNED BY "{role}"')
        admin.execute(f'DROP ROLE IF EXISTS "{role}"')
        admin.close()


def assert_the_sites_503(status, headers, body, *, english=False):
    assert status == 503
    assert headers["Retry-After"] == "30"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "Permissions-Policy" in headers
    if english:
        assert "Service temporarily unavailable" in body
    else:
        assert "Service temporairement indisponible" in body
    assert "Internal Server Error" not in body


def locker(site):
    db = site["db"]
    return psycopg.connect(
        host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], dbname=site["name"]
    )


def test_a_locked_table_gives_the_503_page_within_the_timeout_and_then_recovers(site):
    get("/")  # cached, and the version read
    with locker(site) as held:
        # The table every public request reads first, and the start-ups.
        held.execute(
            "LOCK TABLE startups_catalogueversion, startups_startup "
            "IN ACCESS EXCLUSIVE MODE"
        )
        # A page that must read the start-ups waits the statement timeout.
        french = get("/startups/?phase=construction")
        english = get("/en/startups/")

        assert_the_sites_503(*french[:3])
        assert_the_sites_503(*english[:3], english=True)
        assert french[3] < 5 and english[3] < 5
        held.rollback()

    status, _, body, _ = get("/")
    assert status == 200
    assert "Startups d'État" in body or "Start-ups d'État" in body
    assert get("/en/startups/")[0] == 200


def test_while_the_versions_table_is_locked_pages_keep_coming(site):
    """A migration locking the table every request reads first: no write can
    change the catalogue meanwhile, so cached pages are served with the version
    read last, and others are built from the other tables, at once."""
    assert get("/")[0] == 200
    with locker(site) as held:
        held.execute("LOCK TABLE startups_catalogueversion IN ACCESS EXCLUSIVE MODE")
        answers = [get("/"), get("/en/"), get("/startups/?sort=-updated")]
        held.rollback()
    for status, _headers, _body, took in answers:
        assert status == 200
        assert took < 1


def test_connections_exhausted_give_the_503_page_and_the_site_recovers(site):
    db = site["db"]
    held = [
        psycopg.connect(
            host=db["HOST"],
            port=db["PORT"] or 5432,
            user=site["role"],
            dbname=site["name"],
        )
        for _ in range(2)
    ]
    try:
        # (A page that must read a row: it needs a connection.)
        status, headers, body, took = get("/startups/a-sheet-to-look-for/")
        assert_the_sites_503(status, headers, body)
        assert took < 5
        api = get("/api/v1/startups/a-sheet-to-look-for/")
        assert api[0] == 503
        assert "indisponible" in api[2]
    finally:
        for held_connection in held:
            held_connection.close()

    assert get("/startups/")[0] == 200


def test_connections_carry_the_statement_timeout(postgres_only):
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == f"{settings.DB_STATEMENT_TIMEOUT}s"
