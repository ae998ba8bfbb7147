"""Writing the demo catalogue fast: each chunk of start-ups goes to the database
in a second thread (COPY on PostgreSQL, executemany elsewhere) while the next
is drawn, and a large load rebuilds the search indexes once at the end."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from operator import attrgetter

from django.db import DEFAULT_DB_ALIAS, connection, connections, models

from startups.models import Event, Startup, StartupPhase
from startups.search import SEARCH_INDEXES

# From this many start-ups, a load rebuilds the full-text index at the end.
BULK_LOAD_MIN = 10_000


class Chunk:
    """Rows of a chunk of start-ups, waiting to be written. The children are
    tuples in the order of the columns `write` names."""

    def __init__(self):
        self.startups: list[Startup] = []
        self.phases: list[tuple] = []
        self.events: list[tuple] = []
        self.links: dict[str, list[tuple[int, int]]] = {
            "sponsors": [],
            "themes": [],
            "audiences": [],
            "co_incubators": [],
        }

    def write(self, *, using) -> dict[str, int]:
        # Not bulk_create: compiling its SQL, and a model instance per child row,
        # took most of the run time (100,000 start-ups have about a million
        # child rows).
        insert_objects(Startup, self.startups, using=using)
        insert(
            StartupPhase,
            ("startup", "phase", "start", "end", "comment", "position"),
            self.phases,
            using=using,
        )
        insert(Event, ("startup", "kind", "date", "comment"), self.events, using=using)
        for name, rows in self.links.items():
            field = Startup._meta.get_field(name)
            insert(
                field.remote_field.through,
                (field.m2m_field_name(), field.m2m_reverse_field_name()),
                rows,
                using=using,
            )
        return {
            "phases": len(self.phases),
            "events": len(self.events),
            "links": sum(len(rows) for rows in self.links.values()),
        }


def insert_objects(model, objects: list, *, using) -> None:
    """What bulk_create does with explicit keys, at a fraction of the cost: no
    SQL compiled per batch, and only the fields whose values need preparing
    (dates, JSON, auto_now timestamps, files) prepare them; text, numbers,
    booleans and keys go to the driver as they are."""
    fields = [f for f in model._meta.concrete_fields if not f.generated]
    as_is: tuple[type[models.Field], ...] = (
        *(models.CharField, models.TextField, models.BooleanField),
        *(models.IntegerField, models.ForeignKey),
    )

    def prepared(field):
        return lambda obj: field.get_db_prep_save(field.pre_save(obj, True), using)

    getters = [
        attrgetter(f.attname) if isinstance(f, as_is) else prepared(f) for f in fields
    ]
    insert(
        model,
        tuple(field.name for field in fields),
        [tuple(get(obj) for get in getters) for obj in objects],
        using=using,
    )


def insert(model, field_names: tuple[str, ...], rows: list[tuple], *, using) -> None:
    if not rows:
        return
    quote = using.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(n).column) for n in field_names)
    with using.cursor() as cursor:
        if using.vendor == "postgresql":
            # COPY is several times faster than executemany on PostgreSQL.
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(field_names))
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows
            )


class Writer:
    """Writes each chunk in a second thread, on the same connection (so in the
    same transaction), while the next chunk is built: the database computes
    search vectors and indexes while Python draws start-ups. One chunk at a
    time, in order; an error in a write comes back at the next call."""

    def __init__(self):
        self.connection = connections[DEFAULT_DB_ALIAS]
        self.pending: Future | None = None
        self.totals = {"phases": 0, "events": 0, "links": 0}

    def __enter__(self):
        self.connection.inc_thread_sharing()
        self.executor = ThreadPoolExecutor(max_workers=1)
        return self

    def write(self, chunk: Chunk) -> None:
        self.wait()
        self.pending = self.executor.submit(chunk.write, using=self.connection)

    def wait(self) -> None:
        if self.pending is not None:
            pending, self.pending = self.pending, None
            for name, written in pending.result().items():
                self.totals[name] += written

    def __exit__(self, *exc_info):
        try:
            if exc_info[0] is None:
                self.wait()
        finally:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.connection.dec_thread_sharing()


@contextmanager
def bulk_load(startups: int):
    """For a large load on PostgreSQL, the search indexes are built once at
    the end rather than updated row by row (several times faster; the table is
    locked until the transaction ends, which a seeding run can afford). Then
    the planner's statistics are refreshed, so that the next queries are
    planned for the new number of rows."""
    rebuild = connection.vendor == "postgresql" and startups >= BULK_LOAD_MIN
    with connection.cursor() as cursor:
        if rebuild:
            for name in SEARCH_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
    yield
    with connection.cursor() as cursor:
        if rebuild:
            # The foreign keys are checked at commit (deferred); an index
            # cannot be built while checks are pending: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for create in SEARCH_INDEXES.values():
                cursor.execute(create)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute("ANALYZE")
