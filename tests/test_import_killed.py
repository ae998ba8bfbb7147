"""An import killed with SIGKILL while it writes leaves the database as it was, and
the next run imports everything.

`manage.py import_betagouv` runs in a subprocess on a database this test owns (a
temporary SQLite file, or a scratch database on the suite's PostgreSQL server), so
that it really dies midway, and is looked at only from outside.

When to kill, so that the kill surely lands inside the import's transaction, after
it has written start-ups and before it can commit:
- PostgreSQL: the test locks the phase table (LOCK ... IN EXCLUSIVE MODE, which
  lets reads through) before the import starts. The import writes each start-up's
  row, then its phases: it blocks there. The test kills it once the server shows
  its session waiting on that lock, and checks that the session then held a
  RowExclusiveLock on the start-up table (rows written in this transaction).
  Blocked, it cannot commit; the server rolls back when the lock is released.
- SQLite: locks are per database, so the test freezes the import (SIGSTOP) every
  few milliseconds and reads its rollback journal. The journal exists only between
  the transaction's first write and its commit (the commit deletes it), and holds a
  copy of each page before its first change: once it holds the start-up table's
  root page, the import has written start-ups. The frozen process is killed then;
  otherwise it is resumed (SIGCONT) and looked at again. Frozen, it cannot commit
  between the look and the kill.
"""

import os
import signal
import sqlite3
import struct
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection

from startups.models import (
    CatalogueVersion,
    Incubator,
    Organisation,
    Startup,
    StartupPhase,
)
from tests.test_import_betagouv import current_phases_from_files

STARTUPS = Startup._meta.db_table
PHASES = StartupPhase._meta.db_table


def subprocess_environment(database_url: str) -> dict[str, str]:
    # Production settings (a secret key, no debug) on the test's own database,
    # with nothing of the suite's configuration (replicas, Redis).
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "DATABASE_")) and name != "REDIS_URL"
    }
    environment["DJANGO_SECRET_KEY"] = "import-killed-test-only-" + "k" * 30
    environment["DATABASE_URL"] = database_url
    return environment


def start_import(database_url: str, folder: Path, log: Path) -> subprocess.Popen:
    with log.open("w") as output:
        return subprocess.Popen(
            [sys.executable, "manage.py", "import_betagouv", str(folder)],
            cwd=settings.BASE_DIR,
            env=subprocess_environment(database_url),
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def run(database_url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=subprocess_environment(database_url),
        capture_output=True,
        text=True,
        timeout=600,
    )


class ScratchSQLite:
    """A temporary database file (pytest's tmp_path)."""

    def __init__(self, path: Path):
        self.path = path
        self.url = f"sqlite:///{path}"

    def query(self, sql: str, *params) -> list[tuple]:
        # Opening the file after a kill also rolls the hot journal back, as any
        # SQLite connection does.
        with sqlite3.connect(self.path) as db:
            return db.execute(sql, params).fetchall()

    def tables(self) -> list[str]:
        rows = self.query(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%'"
        )
        return [name for (name,) in rows]

    def import_and_kill_midway(self, folder: Path, log: Path) -> subprocess.Popen:
        (root,) = self.query(
            "SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = ?",
            STARTUPS,
        )[0]
        assert self.query("PRAGMA journal_mode") == [("delete",)], (
            "this test reads SQLite's rollback journal (journal_mode=delete)"
        )
        journal = Path(f"{self.path}-journal")
        importing = start_import(self.url, folder, log)
        try:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                importing.send_signal(signal.SIGSTOP)
                if not stopped(importing):
                    break
                if root in journaled_pages(journal):
                    importing.kill()
                    importing.wait()
                    assert journal.exists(), "no journal left: the kill came too late"
                    return importing
                importing.send_signal(signal.SIGCONT)
                time.sleep(0.005)
            fail_unkilled(importing, log)
        finally:
            end(importing)


def journaled_pages(journal: Path) -> set[int]:
    """The pages a rollback journal holds a copy of: after its header (one sector),
    records of a page number, the page and a checksum."""
    try:
        data = journal.read_bytes()
    except FileNotFoundError:
        return set()
    if len(data) < 28:
        return set()
    sector, page_size = struct.unpack(">II", data[20:28])
    record = 4 + page_size + 4
    return {
        struct.unpack(">I", data[offset : offset + 4])[0]
        for offset in range(sector, len(data) - record + 1, record)
    }


def stopped(process: subprocess.Popen) -> bool:
    """Wait until SIGSTOP has taken effect; False if the process ended instead.
    WNOWAIT leaves its exit status for Popen to collect."""
    info = os.waitid(os.P_PID, process.pid, os.WSTOPPED | os.WEXITED | os.WNOWAIT)
    return info.si_code == os.CLD_STOPPED


def end(process: subprocess.Popen) -> None:
    """Leave no import running (or frozen) behind a failed test."""
    if process.poll() is None:
        process.kill()
        process.wait()


def fail_unkilled(importing: subprocess.Popen, log: Path) -> None:
    if importing.poll() is None:
        importing.kill()
        importing.wait()
        pytest.fail("the import never reached its start-ups within 300 s")
    pytest.fail(
        f"the import ended (exit {importing.returncode}) before it could be caught "
        f"writing start-ups:\n{log.read_text()[-3000:]}"
    )


class ScratchPostgres:
    """A database of its own on the suite's server, dropped afterwards."""

    def __init__(self, server_url: str):
        import psycopg

        self.psycopg = psycopg
        self.server_url = server_url
        self.name = f"import_killed_{uuid.uuid4().hex[:12]}"
        self.url = urlsplit(server_url)._replace(path=f"/{self.name}").geturl()
        with psycopg.connect(server_url, autocommit=True) as server:
            server.execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        with self.psycopg.connect(self.server_url, autocommit=True) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def query(self, sql: str, *params) -> list[tuple]:
        with self.psycopg.connect(self.url, autocommit=True) as db:
            return db.execute(sql, params).fetchall()

    def tables(self) -> list[str]:
        rows = self.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return [name for (name,) in rows]

    def import_and_kill_midway(self, folder: Path, log: Path) -> subprocess.Popen:
        # The import's session (the only other one on this database): whether it
        # waits on a lock, and whether its transaction has written start-ups.
        sessions = """
            SELECT a.wait_event_type = 'Lock', EXISTS (
                SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.granted
                AND l.relation = %s::regclass AND l.mode = 'RowExclusiveLock')
            FROM pg_stat_activity a
            WHERE a.datname = current_database()
            AND a.pid NOT IN (pg_backend_pid(), %s)
        """
        # Held until after the kill: the import blocks on its first phase.
        lock = self.psycopg.connect(self.url)
        try:
            lock.execute(f'LOCK TABLE "{PHASES}" IN EXCLUSIVE MODE')
            lock_pid = lock.info.backend_pid
            importing = start_import(self.url, folder, log)
            try:
                deadline = time.monotonic() + 300
                while importing.poll() is None and time.monotonic() < deadline:
                    blocked = [
                        wrote_startups
                        for waiting, wrote_startups in self.query(
                            sessions, STARTUPS, lock_pid
                        )
                        if waiting
                    ]
                    if blocked:
                        importing.kill()
                        importing.wait()
                        break
                    time.sleep(0.02)
                else:
                    fail_unkilled(importing, log)
            finally:
                end(importing)
        finally:
            lock.rollback()
            lock.close()
        assert blocked == [True], (
            "the import waited for the phase table without a transaction holding "
            "the start-ups it had written"
        )
        # Freed from the lock, the server meets the closed connection and rolls
        # the transaction back; wait for it to be gone.
        deadline = time.monotonic() + 60
        while self.query(sessions, STARTUPS, lock_pid):
            assert time.monotonic() < deadline, "the killed import's session stayed"
            time.sleep(0.1)
        return importing


@pytest.fixture
def scratch_database(tmp_path):
    if connection.vendor == "postgresql":
        database = ScratchPostgres(os.environ["DATABASE_URL"])
        try:
            yield database
        finally:
            database.drop()
    else:
        yield ScratchSQLite(tmp_path / "catalogue.sqlite3")


def snapshot(database) -> dict[str, int | list]:
    """Every table's row count, and the catalogue version every write raises."""
    counts: dict[str, int | list] = {
        table: database.query(f'SELECT COUNT(*) FROM "{table}"')[0][0]
        for table in database.tables()
    }
    counts["catalogue version"] = database.query(
        f'SELECT version FROM "{CatalogueVersion._meta.db_table}"'
    )
    return counts


def test_an_import_killed_midway_leaves_the_database_as_it_was_and_a_rerun_completes(
    betagouv_data, scratch_database, tmp_path
):
    migrated = run(scratch_database.url, "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    before = snapshot(scratch_database)
    assert before[STARTUPS] == 0

    log = tmp_path / "killed.log"

    importing = scratch_database.import_and_kill_midway(betagouv_data, log)

    assert importing.returncode == -signal.SIGKILL
    # It died before its summary, which it prints once everything is written.
    assert "Startups:" not in log.read_text()
    assert snapshot(scratch_database) == before

    rerun = run(scratch_database.url, "import_betagouv", str(betagouv_data))

    assert rerun.returncode == 0, rerun.stderr
    files = len(list((betagouv_data / "startups").glob("*.md")))
    # "created", not "updated" or "unchanged": nothing of the killed run remained.
    assert f"Startups: {files} created, 0 updated, 0 unchanged, 0 failed" in (
        rerun.stdout
    )
    assert "error:" not in rerun.stderr
    after = snapshot(scratch_database)
    assert after[STARTUPS] == files
    assert after[Incubator._meta.db_table] == len(
        list((betagouv_data / "incubators").iterdir())
    )
    assert after[Organisation._meta.db_table] == len(
        list((betagouv_data / "organisations").iterdir())
    )
    assert after["catalogue version"] != before["catalogue version"]
    phases = scratch_database.query(
        f'SELECT current_phase, COUNT(*) FROM "{STARTUPS}" GROUP BY current_phase'
    )
    assert Counter(dict(phases)) == current_phases_from_files(betagouv_data)
