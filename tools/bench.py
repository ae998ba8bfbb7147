"""Load benchmark: `python tools/bench.py [--sizes 662 10000 100000]
[--database postgres|sqlite] [--duration 10] [--soak 60]`.

For each size N it builds a scratch database (PostgreSQL `bench_<N>` on
--postgres-url, or /tmp/bench-<N>.sqlite3), fills it (the real beta.gouv.fr
import for 662 when the data folder is there, else `seed_demo --startups N`),
brings it to the state a production database is in after autovacuum (VACUUM
ANALYZE), serves it with gunicorn and production settings (DEBUG off, a
generated secret key, 2 workers) on 127.0.0.1, and loads every page with wrk
(Debian package `wrk`) from a second process:

- hot: one address repeated by 16 connections (the caches answer);
- cold: 4 connections rotating through thousands of different addresses
  (filters, words, pages, sorts, start-ups), so that the caches rarely help.

It prints one table per N: the time of a page's first request (built with an
empty cache), then, once every worker has it cached, requests per second,
p50/p95/p99 latency (wrk's, corrected for coordinated omission), the ratio to a
static file of similar size served by whitenoise in the same server (the
ceiling), the SQL queries of each page (cache miss / cache hit, counted with
the test client) and the peak memory (VmHWM) of a gunicorn worker. Requests
accept gzip, as browsers do.

With --soak S (0 to skip), it then sends 64 connections for S seconds through
the catalogue, start-up pages and the API (cold addresses) and prints the
errors, the latencies and each worker's memory before and after.

Not part of `make test`, nor of the app's installed code: a tool of the
repository, which `make bench` runs. The scratch databases are dropped at the
end unless --keep."""

from __future__ import annotations

import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from argparse import SUPPRESS as SUPPRESS_HELP
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__":
    # Run from the checkout: the project's settings, as manage.py has them.
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portfolio.settings")
    import django

    django.setup()

from django.conf import settings  # noqa: E402
from django.core.management.base import BaseCommand, CommandError  # noqa: E402

PAGES = [
    "home",
    "catalogue",
    "catalogue_filtered",
    "catalogue_page_50",
    "startup",
    "incubator",
    "stats",
    "results",
    "csv",
    "api_list",
    "static",
]

# What quote() leaves of an address: Lua strings know no \u escapes.
SAFE = "/?&=:-_."

LUA = """
local paths = {%(paths)s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
%(statuses)s
done = function(summary, latency, requests)
  io.write(string.format("BENCH %%d %%d %%d %%d %%d %%d\\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), summary.errors.status + summary.errors.connect
    + summary.errors.timeout + summary.errors.read))
  io.write(string.format("FAILED %%d %%d %%d\\n", summary.errors.connect,
    summary.errors.timeout, summary.errors.read))
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses") or {}) do
      io.write(string.format("STATUS %%d %%d\\n", status, n))
    end
  end
end
"""
# Each response's status, counted per thread (slower: the soak only).
COUNT_STATUSES = """
function init(args)
  statuses = {}
end
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
"""
KEEP_THREADS = """
threads = {}
setup = function(thread)
  table.insert(threads, thread)
end
"""


class Changes(threading.Thread):
    """A write to the catalogue every `every` seconds, as the admin's saves
    do: the catalogue version raised (every cached page becomes missing)."""

    def __init__(self, url, every: float):
        super().__init__(daemon=True)
        self.url, self.every = url, every
        self._done = threading.Event()

    def run(self):
        from startups.models import CatalogueVersion

        table = CatalogueVersion._meta.db_table
        if self.url.startswith("sqlite"):
            import sqlite3

            db = sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=30)
            db.isolation_level = None
        else:
            import psycopg

            db = psycopg.connect(self.url, autocommit=True)
        with closing(db):
            while not self._done.wait(self.every):
                db.execute(
                    f"UPDATE {table} SET version = version + 1, changed_at = "
                    "CURRENT_TIMESTAMP WHERE id = 1"
                )

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self._done.set()
        self.join()


class Watcher(threading.Thread):
    """A visitor during the soak: each of `pages` in turn, twice a second,
    with (time, page, status, milliseconds) for each."""

    def __init__(self, base, pages: dict[str, str]):
        super().__init__(daemon=True)
        self.base = base
        self.pages = {
            name: pages[name]
            for name in ("home", "catalogue", "startup", "stats", "api_list")
        }
        self.seen: list[tuple[float, str, int, float]] = []
        self.locked = self.released = 0.0
        self._done = threading.Event()

    def run(self):
        while not self._done.is_set():
            for name, path in self.pages.items():
                started = time.monotonic()
                try:
                    with urllib.request.urlopen(
                        self.base + quote(path, safe=SAFE), timeout=30
                    ) as response:
                        response.read()
                        status = response.status
                except urllib.error.HTTPError as error:
                    status = error.code
                except OSError:
                    status = 0  # no answer at all
                self.seen.append(
                    (started, name, status, (time.monotonic() - started) * 1000)
                )
            self._done.wait(0.5)

    def stop(self):
        self._done.set()
        self.join()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Command(BaseCommand):
    help = "Load benchmark of the public pages with gunicorn and wrk (see README)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--sizes", type=int, nargs="+", default=[662, 10000, 100000]
        )
        parser.add_argument(
            "--database", choices=["postgres", "sqlite"], default="postgres"
        )
        parser.add_argument(
            "--postgres-url",
            default=os.environ.get(
                "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432"
            ),
            help="server for the scratch databases (no database name)",
        )
        parser.add_argument("--duration", type=int, default=10, help="seconds per run")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--keep", action="store_true", help="keep the databases")
        parser.add_argument(
            "--soak",
            type=int,
            default=60,
            help="seconds of the 64-connection soak run (0: none)",
        )
        parser.add_argument(
            "--soak-lock",
            type=int,
            default=20,
            help="PostgreSQL: seconds the soak holds a lock on the table every "
            "page reads first, from its first third (0: none)",
        )
        parser.add_argument(
            "--pages", nargs="+", choices=PAGES, default=PAGES, help="pages to load"
        )
        parser.add_argument(
            "--redis-url",
            default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
            help="the servers' shared cache, flushed for each N ('' for each "
            "worker's local memory)",
        )
        parser.add_argument("--probe", action="store_true", help=SUPPRESS_HELP)

    # The probe runs in a child process on the scratch database: addresses to
    # load, and the queries of each page counted with the test client.
    def probe(self):
        from django.core.cache import cache
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from startups.models import Incubator, Organisation, Startup, Theme

        rng = random.Random(1)
        from startups.api.pagination import PagePagination

        api_pages = max(
            1, Startup.objects.published().count() // PagePagination.page_size
        )
        slugs = list(
            Startup.objects.published()
            .order_by("?")
            .values_list("slug", flat=True)[:5000]
        )
        # The start-up page measured hot: one with a budget and impact
        # indicators when the data has some (the demo's), the fullest sheet.
        full = (
            Startup.objects.published()
            .filter(budget_lines__isnull=False, indicators__isnull=False)
            .values_list("slug", flat=True)
            .first()
        )
        if full:
            slugs = [full, *(s for s in slugs if s != full)]
        incubators = list(Incubator.objects.values_list("slug", flat=True))
        themes = list(Theme.objects.values_list("slug", flat=True))
        sponsors = list(Organisation.objects.values_list("slug", flat=True)[:200])
        words = [
            w
            for title in Startup.objects.values_list("title", flat=True)[:3000]
            for w in re.findall(r"[^\W\d_]{4,}", title.lower())
        ][:2000] or ["service"]
        phases = ["investigation", "construction", "acceleration", "integration"]
        sorts = ["name", "-updated", "-started", "phase"]
        filtered = (
            f"/startups/?phase=construction&thematic={themes[0]}"
            f"&incubator={incubators[0]}&q={words[0]}"
        )
        hot = {
            "home": "/",
            "catalogue": "/startups/",
            "catalogue_filtered": filtered,
            "catalogue_page_50": "/startups/?page=50",
            "startup": f"/startups/{slugs[0]}/",
            "incubator": f"/incubators/{incubators[0]}/",
            "stats": "/stats/",
            "results": "/resultats/",
            "csv": "/startups/export.csv?phase=construction",
            "api_list": "/api/v1/startups/",
        }

        def catalogue_url(base="/startups/"):
            params = [f"sort={rng.choice(sorts)}", f"page={rng.randint(1, 60)}"]
            if rng.random() < 0.6:
                params.append(f"q={rng.choice(words)}")
            if rng.random() < 0.5:
                params.append(f"phase={rng.choice(phases)}")
            if themes and rng.random() < 0.5:
                params.append(f"thematic={rng.choice(themes)}")
            if sponsors and rng.random() < 0.3:
                params.append(f"sponsor={rng.choice(sponsors)}")
            return base + "?" + "&".join(params)

        cold = {
            "home": ["/", "/en/"],
            "catalogue": [catalogue_url() for _ in range(5000)],
            "catalogue_filtered": [
                f"/startups/?phase={rng.choice(phases)}&thematic={rng.choice(themes)}"
                f"&incubator={rng.choice(incubators)}&q={rng.choice(words)}"
                for _ in range(5000)
            ],
            "catalogue_page_50": [
                f"/startups/?page={rng.randint(40, 60)}&sort={rng.choice(sorts)}"
                for _ in range(200)
            ],
            "startup": [f"/startups/{s}/" for s in slugs],
            "incubator": [f"/incubators/{s}/" for s in incubators],
            "stats": ["/stats/", "/en/stats/"],
            "results": ["/resultats/", "/en/results/"],
            "csv": [
                f"/startups/export.csv?phase={rng.choice(phases)}&q={rng.choice(words)}"
                for _ in range(2000)
            ],
            "api_list": [
                f"/api/v1/startups/?page={rng.randint(1, api_pages)}"
                for _ in range(2000)
            ],
        }
        queries, sizes = {}, {}
        client = Client()
        for name, url in hot.items():
            counts = []
            cache.clear()
            for _ in range(2):  # a miss, then a hit
                with CaptureQueriesContext(connection) as ctx:
                    response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
                counts.append(len(ctx.captured_queries))
            queries[name] = counts
            sizes[name] = len(response.content)
        print(
            json.dumps({"hot": hot, "cold": cold, "queries": queries, "sizes": sizes})
        )

    def handle(self, *args, probe=False, **options):
        if probe:
            return self.probe()
        if not shutil.which("wrk"):
            raise CommandError(
                "wrk is not installed: `apt-get install wrk` (Debian) and run again."
            )
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=settings.BASE_DIR,
            env={**os.environ, "DJANGO_DEBUG": "1"},
            check=True,
        )
        for size in options["sizes"]:
            self.bench_one(size, **options)

    def database_url(self, size, database, postgres_url) -> str:
        if database == "sqlite":
            path = Path(f"/tmp/bench-{size}.sqlite3")
            path.unlink(missing_ok=True)
            return f"sqlite:///{path}"
        self.psql(postgres_url, f"DROP DATABASE IF EXISTS bench_{size}")
        self.psql(postgres_url, f"CREATE DATABASE bench_{size}")
        return f"{postgres_url.rstrip('/')}/bench_{size}"

    def psql(self, postgres_url, sql):
        import psycopg

        with psycopg.connect(
            f"{postgres_url.rstrip('/')}/postgres", autocommit=True
        ) as c:
            c.execute(sql)

    def manage(self, env, *args, capture=False):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR,
            env=env,
            check=True,
            text=True,
            capture_output=capture,
        ).stdout

    def settle(self, url, database):
        """What autovacuum does to a production database after a large load:
        planner statistics, and the visibility map that lets PostgreSQL answer
        counts from an index alone."""
        if database == "sqlite":
            import sqlite3

            with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
                db.execute("ANALYZE")
            return
        import psycopg

        with psycopg.connect(url, autocommit=True) as db:
            db.execute("VACUUM ANALYZE")

    def bench_one(
        self,
        size,
        *,
        database,
        postgres_url,
        duration,
        workers,
        keep,
        soak,
        soak_lock,
        pages,
        redis_url,
        **_,
    ):
        url = self.database_url(size, database, postgres_url)
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"DJANGO_DEBUG", "REDIS_URL", "DATABASE_REPLICA_URLS"}
        }
        env |= {
            "DATABASE_URL": url,
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            # gunicorn on a free port of 127.0.0.1; the SQL counts with the test client.
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1:*,testserver",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_RELEASE": "bench",
            # One client address sends everything: the per-address limits of
            # production would answer 429 to the load, not measure the pages.
            "DJANGO_RATELIMIT_ENABLED": "0",
        }
        if redis_url:
            import redis

            redis.Redis.from_url(redis_url).flushdb()
            env["REDIS_URL"] = redis_url
        self.manage(env, "migrate", "--noinput", "-v0")
        data = Path(
            os.environ.get(
                "BETAGOUV_DATA", settings.BASE_DIR.parent / "shared/data/betagouv"
            )
        )
        started = time.perf_counter()
        if size == 662 and (data / "startups").is_dir():
            self.manage(env, "import_betagouv", str(data), capture=True)
            filled = "the real beta.gouv.fr import"
        else:
            self.manage(
                env,
                "seed_demo",
                "--startups",
                str(size),
                "--without-history",
                capture=True,
            )
            filled = f"seed_demo --startups {size}"
        fill_seconds = time.perf_counter() - started
        self.settle(url, database)
        probe = json.loads(
            subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--probe"],
                cwd=settings.BASE_DIR,
                env=env,
                check=True,
                text=True,
                capture_output=True,
            ).stdout
        )
        static = self.static_like(probe["sizes"]["catalogue"])
        probe["hot"]["static"] = static
        probe["cold"]["static"] = [static]
        probe["queries"]["static"] = [0, 0]

        port = free_port()
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "portfolio.wsgi",
                "--workers", str(workers),
                "--bind", f"127.0.0.1:{port}",
                "--log-level", "warning",
                # gunicorn.conf.py (read from the checkout) logs every request
                # and recycles workers: neither belongs in a measurement.
                "--access-logfile", "/dev/null",
                "--max-requests", "0",
            ],
            cwd=settings.BASE_DIR,
            env=env,
        )  # fmt: skip
        rows = []
        try:
            base = f"http://127.0.0.1:{port}"
            self.wait_for(base + "/")
            for page in [p for p in PAGES if p in pages or p == "static"]:
                # The first request builds the page (the cache is empty): its
                # time is the "miss" column; a few more fill every worker's
                # cache, so that the hot run measures the steady state.
                first = self.fetch_time(base + quote(probe["hot"][page], safe=SAFE))
                for _ in range(4 * workers):
                    self.fetch_time(base + quote(probe["hot"][page], safe=SAFE))
                hot = self.wrk(base, [probe["hot"][page]], 16, duration)
                hot["miss"] = first
                # The same, while the catalogue changes every 5 s (a staff
                # member saving a sheet): each change makes the page's entry
                # missing again.
                # Cold: the catalogue unchanged, the addresses varied.
                cold = self.wrk(base, probe["cold"][page], 4, duration)
                hot["changing_p95"] = None
                if page != "static":
                    with Changes(url, every=5):
                        changing = self.wrk(base, [probe["hot"][page]], 16, duration)
                    hot["changing_p95"] = changing["p95"]
                    hot["errors"] += changing["errors"]
                    # What the last change started (the catalogue index built
                    # again, about 2 s at 100,000) ends before the next page.
                    time.sleep(5)
                rows.append((page, hot, cold, probe["queries"][page]))
            rss = self.worker_peak_rss(server.pid)
            if soak:
                mix = [
                    url
                    for page in ("catalogue", "catalogue_filtered", "startup")
                    for url in probe["cold"][page][:2000]
                ] + probe["cold"]["api_list"][:2000]
                random.Random(2).shuffle(mix)
                before = self.worker_rss(server.pid)
                lock = soak_lock if database == "postgres" else 0
                watcher = Watcher(base, probe["hot"])
                watcher.start()
                if lock:
                    locker = threading.Thread(
                        target=self.hold_lock, args=(url, soak // 3, lock, watcher)
                    )
                    locker.start()
                soaked = self.wrk(base, mix, 64, soak, statuses=True)
                if lock:
                    locker.join()
                watcher.stop()
                after = self.worker_rss(server.pid)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
            if not keep and database == "postgres":
                self.psql(postgres_url, f"DROP DATABASE IF EXISTS bench_{size}")
        cache = "Redis shared by the workers" if redis_url else "local memory"
        self.print_table(
            size, database, filled, fill_seconds, rows, rss, duration, cache
        )
        if soak:
            self.print_soak(soak, soaked, before, after)
            self.print_watch(watcher, lock)

    def hold_lock(self, url, after, seconds, watcher):
        """From another connection, what a migration does: the table every
        public request reads first locked, for `seconds`."""
        import psycopg

        time.sleep(after)
        with psycopg.connect(url) as locker:
            locker.execute(
                "LOCK TABLE startups_catalogueversion IN ACCESS EXCLUSIVE MODE"
            )
            watcher.locked = time.monotonic()
            time.sleep(seconds)
            locker.rollback()
            watcher.released = time.monotonic()

    def print_watch(self, watcher, lock):
        w = self.stdout.write
        seen = watcher.seen
        if lock and watcher.released:
            w(
                f"A visitor's view (each page fetched every half second), with "
                f"the lock held for {lock} s:"
            )
            during = [r for r in seen if watcher.locked <= r[0] <= watcher.released]
            statuses = {}
            for _, _, status, _ in during:
                statuses[status] = statuses.get(status, 0) + 1
            w(
                "- during the lock: "
                + ", ".join(f"{n} x {s}" for s, n in sorted(statuses.items()))
                + f"; slowest answer {max((r[3] for r in during), default=0):.0f} ms"
            )
            back = []
            for page in watcher.pages:
                after = [
                    r[0] - watcher.released
                    for r in seen
                    if r[1] == page and r[0] >= watcher.released and r[2] == 200
                ]
                back.append(f"{page} {min(after):.1f} s" if after else f"{page} never")
            w("- back (first 200 after the release): " + ", ".join(back))
        others = sorted({r[2] for r in seen} - {200, 503})
        w(f"- statuses other than 200 and 503 seen by the visitor: {others or 'none'}")

    def static_like(self, size: int) -> str:
        best = None
        for path in Path(settings.STATIC_ROOT).rglob("*"):
            if path.is_file() and path.suffix in {".css", ".js", ".svg"}:
                if re.search(r"\.[0-9a-f]{12}\.", path.name):
                    gap = abs(path.stat().st_size - size)
                    if best is None or gap < best[0]:
                        best = (gap, path)
        return "/static/" + str(best[1].relative_to(settings.STATIC_ROOT))

    def fetch_time(self, url) -> float:
        """Milliseconds to fetch url whole."""
        started = time.perf_counter()
        with urllib.request.urlopen(url, timeout=60) as response:
            response.read()
        return (time.perf_counter() - started) * 1000

    def wait_for(self, url):
        for _ in range(100):
            try:
                urllib.request.urlopen(url, timeout=2)
                return
            except OSError:
                time.sleep(0.2)
        raise CommandError(f"gunicorn did not answer at {url}")

    def wrk(self, base, paths, connections, duration, statuses=False) -> dict:
        # Percent-encoded: Lua strings know no \u escapes.
        paths = [quote(p, safe=SAFE) for p in paths]
        lua = LUA % {
            "paths": ", ".join(json.dumps(p) for p in paths),
            "statuses": KEEP_THREADS + (COUNT_STATUSES if statuses else ""),
        }
        with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
            script.write(lua)
            script.flush()
            out = subprocess.run(
                [
                    "wrk", "-t", "2", "-c", str(connections), "-d", f"{duration}s",
                    "--timeout", "10s", "-s", script.name,
                    # As every browser does: pages and static files may come
                    # compressed.
                    "-H", "Accept-Encoding: gzip",
                    base,
                ],
                capture_output=True, text=True, check=True,
            ).stdout  # fmt: skip
        found = re.search(r"BENCH (.*)", out)
        if not found:
            raise CommandError(f"wrk printed no result:\n{out}")
        n, micros, p50, p95, p99, errors = map(int, found.group(1).split())
        counted: dict[int, int] = {}
        # One line per wrk thread and status.
        for status, count in re.findall(r"STATUS (\d+) (\d+)", out):
            counted[int(status)] = counted.get(int(status), 0) + int(count)
        connect, timeout, read = map(
            int, re.search(r"FAILED (.*)", out).group(1).split()
        )
        return {
            "rps": n / (micros / 1e6),
            "p50": p50 / 1000,
            "p95": p95 / 1000,
            "p99": p99 / 1000,
            "errors": errors,
            "failed": {"connect": connect, "timeout": timeout, "read": read},
            "statuses": counted,
        }

    def worker_memory(self, master: int, field: str) -> dict[int, int]:
        """{worker pid: the /proc status field in MB} of gunicorn's workers."""
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        memory = {}
        for pid in children:
            status = Path(f"/proc/{pid}/status").read_text()
            kb = int(re.search(rf"{field}:\s+(\d+)", status).group(1))
            memory[int(pid)] = kb // 1024
        return memory

    def worker_peak_rss(self, master: int) -> int:
        return max(self.worker_memory(master, "VmHWM").values())

    def worker_rss(self, master: int) -> dict[int, int]:
        return self.worker_memory(master, "VmRSS")

    def print_soak(self, seconds, result, before, after):
        # A worker that died (and was replaced) would show under a new pid.
        same = sorted(set(before) & set(after))
        growth = ", ".join(f"{before[p]} -> {after[p]} MB" for p in same)
        self.stdout.write(
            f"\nSoak: 64 connections for {seconds} s through the catalogue, "
            f"start-up pages and the API (cold addresses): "
            f"{result['rps'] * seconds:.0f} requests, {result['rps']:.0f} req/s, "
            f"p50/p95/p99 {result['p50']:.1f} / {result['p95']:.1f} / "
            f"{result['p99']:.1f} ms; statuses "
            + ", ".join(
                f"{n} x {status}" for status, n in sorted(result["statuses"].items())
            )
            + "; no answer: "
            + ", ".join(f"{n} {kind}" for kind, n in result["failed"].items())
            + f"; worker memory {growth}"
            + (
                ""
                if len(same) == len(before) == len(after)
                else f" (workers replaced: {sorted(set(before) ^ set(after))})"
            )
        )

    def print_table(
        self, size, database, filled, fill_seconds, rows, rss, duration, cache
    ):
        static_hot = next(r[1]["rps"] for r in rows if r[0] == "static")
        static_cold = next(r[2]["rps"] for r in rows if r[0] == "static")
        w = self.stdout.write
        w("")
        w(
            f"N = {size} start-ups ({filled}, {fill_seconds:.0f} s), {database}, "
            f"{duration} s per run, cache in {cache}, peak worker memory {rss} MB"
        )
        w(
            "| page | miss ms | hot req/s | hot p50/p95/p99 ms | hot vs static | "
            "hot p95 ms, a change every 5 s | "
            "cold req/s | cold p50/p95/p99 ms | cold vs static | SQL miss/hit |"
        )
        w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for page, hot, cold, queries in rows:
            errors = hot["errors"] + cold["errors"]
            w(
                f"| {page}{' (' + str(errors) + ' errors)' if errors else ''} "
                f"| {hot['miss']:.0f} "
                f"| {hot['rps']:.0f} | {hot['p50']:.1f} / {hot['p95']:.1f} / "
                f"{hot['p99']:.1f} | {hot['rps'] / static_hot:.0%} "
                + (
                    "| – "
                    if hot["changing_p95"] is None
                    else f"| {hot['changing_p95']:.1f} "
                )
                + f"| {cold['rps']:.0f} | {cold['p50']:.1f} / {cold['p95']:.1f} / "
                f"{cold['p99']:.1f} | {cold['rps'] / static_cold:.0%} "
                f"| {queries[0]} / {queries[1]} |"
            )


if __name__ == "__main__":
    Command().run_from_argv([sys.argv[0], "bench", *sys.argv[1:]])
