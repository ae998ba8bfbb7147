"""PostgreSQL stopped and started again under a running site: the 503 page while it
is down, the normal page as soon as it is back, with no restart of the site.

It stops the local PostgreSQL cluster, so it runs in CI only (CI=1, on PostgreSQL)
and never beside other tests using that server."""

import os
import subprocess
import time

import pytest
from django.db import close_old_connections, connection

from tests.conftest import require


def cluster() -> tuple[str, str]:
    """The version and name of the local cluster on the test database's port."""
    port = str(connection.settings_dict.get("PORT") or 5432)
    lines = subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    for line in lines:
        version, name, cluster_port, *_ = line.split()
        if cluster_port == port:
            return version, name
    pytest.fail(f"no local PostgreSQL cluster on port {port}: {lines}")


def pg_ctl(action: str) -> None:
    version, name = cluster()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, action]
        + (["-m", "fast"] if action == "stop" else []),
        check=True,
        timeout=60,
    )


def wait_until_ready(timeout: float = 30) -> None:
    port = str(connection.settings_dict.get("PORT") or 5432)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if subprocess.run(["pg_isready", "-q", "-p", port]).returncode == 0:
            return
        time.sleep(0.3)
    pytest.fail("PostgreSQL did not come back")


@pytest.fixture
def local_postgresql():
    if connection.vendor != "postgresql":
        # Plain skip, even in CI: the SQLite run has no server to stop; the
        # PostgreSQL run of the same CI job exercises this test.
        pytest.skip(
            "stops and restarts the PostgreSQL server: only on PostgreSQL "
            "(the SQLite run has no database server to stop)"
        )
    require(
        bool(os.environ.get("CI")),
        "stops the local PostgreSQL server: runs in CI only (set CI=1 on a "
        "machine where nothing else uses it)",
    )


@pytest.mark.django_db(transaction=True)
def test_the_site_answers_503_while_postgresql_is_down_and_recovers_alone(
    client, local_postgresql, make_startup
):
    make_startup(slug="still-here")
    assert client.get("/startups/still-here/").status_code == 200

    try:
        pg_ctl("stop")
        down = client.get("/startups/still-here/")
        # What the end of every request does outside tests (the test client
        # skips it): a connection that failed is closed, the next opens anew.
        close_old_connections()
    finally:
        pg_ctl("start")
        wait_until_ready()

    assert down.status_code == 503
    assert down["Retry-After"] == "30"
    assert "fr-alert" in down.content.decode()
    back = client.get("/startups/still-here/")
    assert back.status_code == 200
