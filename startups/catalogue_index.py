"""The published catalogue held in each worker's memory, once per catalogue
version: for every facet value, the identifiers of its start-ups as a
compressed bitmap (pyroaring), and the identifiers in each order the catalogue
sorts by. A selection (the filters of an address) is then an intersection of
bitmaps, each facet count the size of one more intersection (a microsecond
each), and a page a walk along one order: the catalogue's counts and its rows,
and the API's, cost no SQL but the text search and reading the page's rows,
whatever the number of start-ups (at 100,000: under 5 ms instead of 50 to
400 ms for the counts in SQL, startups.facets).

It is built in a background thread when the catalogue version changes (about
a second at 100,000 start-ups on PostgreSQL): until it is ready, pages are
answered the SQL way (startups.facets and the FilterSet's querysets), which
give the same results (tests/test_catalogue_index.py compares them). It is read
in one transaction, tagged with the version that transaction saw, and used only
for requests that read the same version: it is never stale.

CATALOGUE_INDEX (setting): "background" (the default), "sync" (built by the
request that needs it, in its own transaction: tests of the index) or "off"
(SQL only: the other tests, whose pinned query counts are the SQL way's)."""

from __future__ import annotations

import threading
import time
from array import array
from collections import OrderedDict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connections, transaction
from pyroaring import BitMap

from startups.catalogue_version import _read_version
from startups.facets import COLUMN_FACETS
from startups.models import BudgetLine, Event, EventKind, Startup

# Facets whose values are columns of the start-up; the others are relations.
RELATIONS = {
    "sponsor": "sponsors",
    "thematic": "themes",
    "usertype": "audiences",
    "technology": "technology_terms",
}
# The text searches each index remembers (their matches and their order).
SEARCHES_KEPT = 512


@dataclass
class CatalogueIndex:
    version: int
    published: BitMap
    # facet -> value (a column's value, or a slug) -> start-ups
    values: dict[str, dict[str, BitMap]]
    # relation facets and incubators: slug -> (label, acronym or None)
    labels: dict[str, dict[str, tuple[str, str | None]]]
    years: dict[int, BitMap]
    # sort -> every published start-up's id in that order
    orders: dict[str, array]
    # position of each id in the name order (ties of the other orders), indexed
    # by id: 8 bytes a start-up
    name_position: array
    searches: OrderedDict = field(default_factory=OrderedDict)
    positions: dict[str, array] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __getstate__(self):
        # Kept in the shared cache without what each worker keeps for itself.
        state = self.__dict__.copy()
        for name in ("searches", "positions", "lock"):
            del state[name]
        return state

    def __setstate__(self, state):
        self.__dict__.update(
            state, searches=OrderedDict(), positions={}, lock=threading.Lock()
        )

    def union(self, facet: str, values) -> BitMap:
        found = self.values[facet]
        return BitMap.union(BitMap(), *(found.get(v, BitMap()) for v in values))

    def year(self, year: int) -> BitMap:
        return self.years.get(year, BitMap())

    def facet_rows(self, facet: str, within: BitMap) -> list[tuple]:
        """(value, label, acronym, count) of `facet`'s values found `within`,
        as startups.facets counts them in SQL."""
        rows: list[tuple[str, str | None, str | None, int]] = []
        labels = self.labels.get(facet)
        for value, ids in self.values[facet].items():
            n = within.intersection_cardinality(ids)
            if not n:
                continue
            if labels is None:
                rows.append((value, None, None, n))
            else:
                label, acronym = labels[value]
                rows.append((value, label, acronym, n))
        return rows

    def page(
        self, selection: BitMap, order: str | array, first: int, last: int
    ) -> list[int]:
        """Identifiers first to last (excluded) of `selection` in `order` (a
        sort's name, or the identifiers in order: a search's)."""
        ids = self.orders[order] if isinstance(order, str) else order
        if last <= first or not selection:
            return []
        if len(selection) == len(ids):
            return list(ids[first:last])
        if isinstance(order, str) and len(selection) * 8 < len(ids):
            # Sparse: sort the selection rather than walk the whole order.
            position = self.order_position(order)
            return sorted(selection, key=position.__getitem__)[first:last]
        found: list[int] = []
        seen = 0
        for i in ids:
            if i in selection:
                if seen >= first:
                    found.append(i)
                    if len(found) == last - first:
                        break
                seen += 1
        return found

    def order_position(self, order: str) -> array:
        if order == "name":
            return self.name_position
        with self.lock:
            position = self.positions.get(order)
        if position is None:
            position = positions_of(self.orders[order])
            with self.lock:
                self.positions[order] = position
        return position

    def remember(self, key, compute):
        """compute(), kept for the SEARCHES_KEPT latest keys (text searches:
        their matches, their order)."""
        with self.lock:
            if key in self.searches:
                self.searches.move_to_end(key)
                return self.searches[key]
        value = compute()
        with self.lock:
            self.searches[key] = value
            while len(self.searches) > SEARCHES_KEPT:
                self.searches.popitem(last=False)
        return value


def positions_of(ids: array) -> array:
    """Each identifier's position in `ids`, indexed by identifier."""
    position = array("q", bytes(8 * (max(ids, default=0) + 1)))
    for n, i in enumerate(ids):
        position[i] = n
    return position


def build(using: str = "default") -> CatalogueIndex:
    """Read the published catalogue (a few queries, one transaction: the
    version and the rows agree)."""
    from startups.filters import SORTS, ordered  # filters reads this module

    connection = connections[using]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        version, _changed = _read_version(connection)
        published = Startup.objects.using(using).published()
        values: dict[str, dict[str, list[int]]] = {
            name: {}
            for name in (
                *COLUMN_FACETS,
                "incubator",
                *RELATIONS,
                "budget",
                "recognition",
            )
        }
        years: dict[int, list[int]] = {}
        ids: list[int] = []
        incubator_of: dict[int, int] = {}
        columns = list(COLUMN_FACETS.items())
        for (
            pk,
            incubator_id,
            started,
            budget_url,
            fast_promotion,
            *facet_values,
        ) in published.values_list(
            "pk",
            "incubator_id",
            "started_on",
            "budget_url",
            "fast_promotion",
            *(column for _facet, column in columns),
        ).order_by():
            ids.append(pk)
            if budget_url:
                values["budget"].setdefault("link", []).append(pk)
            if fast_promotion is not None:
                values["recognition"].setdefault("fast", []).append(pk)
            for (facet, _column), value in zip(columns, facet_values, strict=True):
                values[facet].setdefault(value, []).append(pk)
            incubator_of[pk] = incubator_id
            if started is not None:
                years.setdefault(started.year, []).append(pk)
        everyone = BitMap(ids)

        from startups.models import Incubator

        labels: dict[str, dict[str, tuple[str, str | None]]] = {}
        incubators = dict(
            Incubator.objects.using(using).values_list("pk", "slug").order_by()
        )
        labels["incubator"] = {
            slug: (name, None)
            for slug, name in Incubator.objects.using(using)
            .values_list("slug", "name")
            .order_by()
        }
        by_incubator: dict[int, list[int]] = {}
        for pk, incubator_id in incubator_of.items():
            by_incubator.setdefault(incubator_id, []).append(pk)
        through = Startup.co_incubators.through.objects.using(using)
        for pk, incubator_id in through.values_list(
            "startup_id", "incubator_id"
        ).order_by():
            if pk in incubator_of and incubator_of[pk] != incubator_id:
                by_incubator.setdefault(incubator_id, []).append(pk)
        values["incubator"] = {
            incubators[i]: members for i, members in by_incubator.items()
        }

        for facet, relation in RELATIONS.items():
            model_field = Startup._meta.get_field(relation)
            model = model_field.related_model
            target = model_field.m2m_reverse_name()
            label_columns = ("name", "acronym") if facet == "sponsor" else ("label",)
            slugs = {}
            labels[facet] = {}
            for row in (
                model.objects.using(using)
                .values_list("pk", "slug", *label_columns)
                .order_by()
            ):
                slugs[row[0]] = row[1]
                labels[facet][row[1]] = (row[2], row[3] if len(row) > 3 else None)
            found: dict[str, list[int]] = {}
            link = model_field.remote_field.through.objects.using(using)
            for pk, target_id in link.values_list("startup_id", target).order_by():
                if pk in incubator_of:
                    found.setdefault(slugs[target_id], []).append(pk)
            values[facet] = found

        # The budget facet: sheets with budget lines (figures), with a link.
        figures = BudgetLine.objects.using(using).values_list("startup_id", flat=True)
        with_figures = sorted(
            {pk for pk in figures.order_by().distinct() if pk in incubator_of}
        )
        if with_figures:
            values["budget"]["figures"] = with_figures
        # The recognitions (startups.facets.RECOGNITIONS): national impact is
        # an event; FAST, the promotion read above.
        national = Event.objects.using(using).filter(kind=EventKind.NATIONAL_IMPACT)
        certified = sorted(
            {
                pk
                for pk in national.values_list("startup_id", flat=True).order_by()
                if pk in incubator_of
            }
        )
        if certified:
            values["recognition"]["national_impact"] = certified

        orders = {
            sort: array("q", ordered(published, sort).values_list("pk", flat=True))
            for sort in SORTS
        }
    name_position = positions_of(orders["name"])
    return CatalogueIndex(
        version=version,
        published=everyone,
        values={
            facet: {value: BitMap(members) for value, members in found.items()}
            for facet, found in values.items()
        },
        labels=labels,
        years={year: BitMap(members) for year, members in years.items()},
        orders=orders,
        name_position=name_position,
    )


# Per database alias: the latest index built, and whether a build is running.
_ready: dict[str, CatalogueIndex] = {}
_building: set[str] = set()
_guard = threading.Lock()


def _shared(using: str) -> CatalogueIndex:
    """The index of the current version from the shared cache (Redis: built by
    one worker of every server, then about 30 ms to load), or built here."""
    from django.core.cache import cache

    from startups.caching import RELEASE, cache_is_shared

    if not cache_is_shared():
        return build(using)  # a cache of this process only: nothing to share

    def key_of(version: int) -> str:
        return f"catalogue-index:{RELEASE}:{using}:{version}"

    key = key_of(_read_version(connections[using])[0])
    index = cache.get(key)
    if index is not None:
        return index
    if not cache.add(key + ":building", 1, 60):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            time.sleep(0.05)
            if (index := cache.get(key)) is not None:
                return index
    try:
        index = build(using)
        # Under the version it read (a write may have come since `key`).
        cache.set(key_of(index.version), index, 10 * 60)
    finally:
        cache.delete(key + ":building")
    return index


def _build_in_background(using: str) -> None:
    try:
        index = _shared(using)
        with _guard:
            current = _ready.get(using)
            if current is None or current.version != index.version:
                _ready[using] = index
    except Exception:  # noqa: BLE001 (the SQL way answers meanwhile)
        import logging

        logging.getLogger(__name__).exception("catalogue index not built")
    finally:
        connections.close_all()
        with _guard:
            _building.discard(using)


def for_version(version: int, using: str = "default") -> CatalogueIndex | None:
    """The index of this catalogue version, or None while it is not built yet
    (one build starts: in the background by default, see CATALOGUE_INDEX)."""
    mode = getattr(settings, "CATALOGUE_INDEX", "background")
    if mode == "off":
        return None
    index = _ready.get(using)
    if index is not None and index.version == version:
        return index
    if mode == "sync":
        index = build(using)
        _ready[using] = index
        return index if index.version == version else None
    with _guard:
        if using in _building:
            return None
        _building.add(using)
    threading.Thread(
        target=_build_in_background, args=(using,), daemon=True, name="catalogue-index"
    ).start()
    return None


def forget() -> None:
    """Drop the indexes built (tests)."""
    _ready.clear()


class IndexedRows:
    """A selection's start-ups in one order, as the paginators read a list:
    its length, and a slice read from `queryset` (the page's columns, its
    related rows) by identifier, in one query."""

    def __init__(self, index: CatalogueIndex, selection: BitMap, order, queryset):
        self.index, self.selection, self.order = index, selection, order
        self.queryset = queryset

    def __len__(self) -> int:
        return len(self.selection)

    def count(self) -> int:
        return len(self.selection)

    def __getitem__(self, item):
        if not isinstance(item, slice) or item.step not in (None, 1):
            raise TypeError("IndexedRows takes a slice")
        first = item.start or 0
        last = len(self) if item.stop is None else item.stop
        ids = self.index.page(self.selection, self.order, first, last)
        if not ids:
            return []
        found = {row.pk: row for row in self.queryset.filter(pk__in=ids)}
        return [found[i] for i in ids if i in found]
