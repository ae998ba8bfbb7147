"""The catalogue's facet counts, in one SQL statement.

For each facet, how many start-ups each value would give with the other facets'
filters (and the text, the year) as they are. Facets nobody filters on count
within the same selection; a facet with a selection counts within the selection
made without it (so that its other values stay reachable). The statement names
each of these selections once, as a common table expression, and every count is
a grouped query over one of them, joined to the many-to-many tables: the text
search and the filters run once per selection instead of once per facet, and
the number of values changes nothing. The phase facet's counts give the number
selected (the page's "N start-ups"). A facet's counts depend on the other
facets' filters only: the caller may keep them for every selection that shares
those (`known`).

The selections are the FilterSet's own querysets, compiled by Django: what is
counted is exactly what the page lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import connections
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from startups.models import (
    Audience,
    BudgetLine,
    Event,
    Incubator,
    Organisation,
    Startup,
    Technology,
    Theme,
)
from startups.search import normalise_text


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool


# A facet shows its selected values and its most frequent ones; "see all"
# unfolds the rest (the catalogue page stays light whatever the vocabularies).
TOP_VALUES = 6
# An unfolded facet lists this many values at most, the most frequent first
# (the page stays under 100 KB): its filter box finds the others.
MOST_VALUES = 100


@dataclass
class Facet:
    name: str
    label: str
    options: list[FacetOption] = field(default_factory=list)

    def shown(self, *, unfolded: bool = False, find: str = "") -> list[FacetOption]:
        """The values listed, in the facet's order: the selected ones and the
        TOP_VALUES most frequent, or when unfolded the MOST_VALUES most
        frequent of those whose label holds `find` (case and accents aside)."""
        limit = MOST_VALUES if unfolded else TOP_VALUES
        wanted = normalise_text(find) if unfolded else ""
        top = sorted(
            (
                o
                for o in self.options
                if not o.selected and wanted in normalise_text(o.label)
            ),
            key=lambda o: -o.count,
        )[:limit]
        keep = {id(o) for o in top}
        return [o for o in self.options if o.selected or id(o) in keep]


class Selection(NamedTuple):
    """The start-ups a facet counts within. `costly`: whether choosing them
    costs enough (text search, a subquery on a link table) to be done once for
    every count rather than again for each."""

    queryset: QuerySet
    costly: bool


class IndexSelection(NamedTuple):
    """The start-ups a facet counts within, as a bitmap of the in-memory index
    (startups.catalogue_index): counted there, without SQL."""

    catalogue: Any  # a catalogue_index.CatalogueIndex
    ids: Any


@dataclass
class FacetCounts:
    facets: list[Facet]
    total: int


# Facet name -> start-up column, for the facets stored on the start-up itself.
COLUMN_FACETS = {
    "phase": "current_phase",
    "accessibility": "accessibility_status",
    "certification": "impact_certification",
}
# What the national team certified beyond the impact matrix's level: a value
# per recognition, counted by its own condition (a start-up may have both).
RECOGNITIONS = {
    "national_impact": "EXISTS (SELECT 1 FROM {event} e WHERE e.startup_id = {s}.id "
    "AND e.kind = 'national_impact')",
    "fast": "{s}.fast_promotion IS NOT NULL",
}
# Facet name -> (many-to-many field of Startup, related model, label columns).
RELATION_FACETS = {
    "sponsor": ("sponsors", Organisation, ("name", "acronym")),
    "thematic": ("themes", Theme, ("label",)),
    "usertype": ("audiences", Audience, ("label",)),
    "technology": ("technology_terms", Technology, ("label",)),
}
# The ways a sheet publishes its budget: figures (budget lines) or a document.
BUDGET_CHOICES = [
    ("figures", _("Budget figures")),
    ("link", _("Budget document (link)")),
]
# Facets whose values are a fixed list of choices (labels from the filter).
CHOICE_FACETS = (*COLUMN_FACETS, "budget", "recognition")
FACETS = (
    "phase",
    "incubator",
    "sponsor",
    "thematic",
    "usertype",
    "technology",
    "accessibility",
    "budget",
    "certification",
    "recognition",
)
# What each selection keeps of a start-up: enough to group on every facet.
_COLUMNS = (
    "id",
    "incubator_id",
    "current_phase",
    "accessibility_status",
    "impact_certification",
    "fast_promotion",
)


def count_facets(
    selections: dict[str, Selection] | dict[str, IndexSelection],
    *,
    labels: dict[str, str],
    choices: dict[str, dict[str, str]],
    selected: dict[str, list],
    known: dict[str, list[tuple]] | None = None,
) -> tuple[FacetCounts, dict[str, list[tuple]]]:
    """The facets and the number of start-ups selected, and every facet's rows
    (value, label, acronym, count) for the caller to keep. `selections`: the
    start-ups each facet counts within, by facet name (the same Selection
    object shares one table expression). `labels`: each facet's title;
    `choices`: the values and labels of the column facets; `selected`: each
    facet's selected values (strings, or instances with a slug); `known`: the
    rows of facets already counted within the same selections (kept by the
    caller): they are not counted again."""
    rows = dict(known or {})
    if missing := [name for name in FACETS if name not in rows]:
        in_sql = []
        for name in missing:
            selection = selections[name]
            if isinstance(selection, IndexSelection):
                rows[name] = selection.catalogue.facet_rows(name, selection.ids)
            else:
                in_sql.append(name)
        if in_sql:
            rows |= _count(selections, in_sql)
    return _facet_counts(rows, labels=labels, choices=choices, selected=selected), rows


def _count(selections, facets: list[str]) -> dict[str, list]:
    """The rows of `facets`, in one statement."""
    names: dict[int, str] = {}
    ctes, params = [], []
    db = selections[facets[0]].queryset.db
    connection = connections[db]
    for queryset, costly in (selections[facet] for facet in facets):
        if id(queryset) in names:
            continue
        name = names[id(queryset)] = f"s{len(names)}"
        hint = ""
        if connection.vendor == "postgresql":
            # PostgreSQL computes a table expression named several times once,
            # into a temporary table, and scans that for each count: worth it
            # when choosing the rows costs, slower than choosing them again
            # from the facets index otherwise (33 ms instead of 90 for one
            # facet of 100,000 start-ups).
            hint = "MATERIALIZED " if costly else "NOT MATERIALIZED "
        sql, sql_params = (
            queryset.order_by()
            .values_list("pk", *_COLUMNS[1:])
            .query.get_compiler(using=db)
            .as_sql()
        )
        ctes.append(f"{name}({', '.join(_COLUMNS)}) AS {hint}({sql})")
        params.extend(sql_params)

    q = connection.ops.quote_name
    branches = []
    for facet in facets:
        s = names[id(selections[facet].queryset)]
        branches += _branches(facet, s, q)
    statement = f"WITH {', '.join(ctes)} " + " UNION ALL ".join(branches)
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        found = cursor.fetchall()
    rows: dict[str, list] = {facet: [] for facet in facets}
    for facet, *row in found:
        rows[facet].append(tuple(row))
    return rows


def _branches(facet: str, s: str, q) -> list[str]:
    """The grouped queries counting `facet`'s values within the table
    expression `s`: (facet, value, label, acronym, count) rows."""
    if facet in COLUMN_FACETS:
        column = COLUMN_FACETS[facet]
        return [
            f"SELECT '{facet}', {column}, NULL, NULL, COUNT(*) "
            f"FROM {s} GROUP BY {column}"
        ]
    if facet == "recognition":
        event = q(Event._meta.db_table)
        return [
            f"SELECT '{facet}', '{value}', NULL, NULL, COUNT(*) FROM {s} "
            f"WHERE {condition.format(event=event, s=s)}"
            for value, condition in RECOGNITIONS.items()
        ]

    def counted(model, label_columns, grouped_sql):
        # Counted by id, then joined to the few rows of the related table.
        second = f"t.{q(label_columns[1])}" if len(label_columns) > 1 else "NULL"
        return (
            f"SELECT '{facet}', t.slug, t.{q(label_columns[0])}, {second}, c.n "
            f"FROM ({grouped_sql}) c JOIN {q(model._meta.db_table)} t ON t.id = c.id"
        )

    if facet == "budget":
        # Sheets with budget lines; sheets with a budget link (read from the
        # start-up row itself, which the selection doesn't carry).
        lines = q(BudgetLine._meta.db_table)
        startups = q(Startup._meta.db_table)
        return [
            f"SELECT 'budget', 'figures', NULL, NULL, COUNT(*) FROM {s} "
            f"WHERE EXISTS (SELECT 1 FROM {lines} b WHERE b.startup_id = {s}.id)",
            f"SELECT 'budget', 'link', NULL, NULL, COUNT(*) FROM {s} "
            f"JOIN {startups} t ON t.id = {s}.id WHERE t.budget_url <> ''",
        ]
    if facet == "incubator":
        link = q(Startup.co_incubators.through._meta.db_table)
        return [
            counted(
                Incubator,
                ("name",),
                f"SELECT incubator_id AS id, COUNT(*) AS n FROM {s} "
                "GROUP BY incubator_id",
            ),
            # Co-incubated start-ups, each counted once per incubator.
            counted(
                Incubator,
                ("name",),
                f"SELECT l.incubator_id AS id, COUNT(*) AS n FROM {s} "
                f"JOIN {link} l ON l.startup_id = {s}.id "
                f"WHERE l.incubator_id <> {s}.incubator_id GROUP BY l.incubator_id",
            ),
        ]
    relation, model, label_columns = RELATION_FACETS[facet]
    field = Startup._meta.get_field(relation)
    link = q(field.remote_field.through._meta.db_table)
    target = q(field.m2m_reverse_name())
    return [
        counted(
            model,
            label_columns,
            f"SELECT l.{target} AS id, COUNT(*) AS n FROM {s} "
            f"JOIN {link} l ON l.startup_id = {s}.id GROUP BY l.{target}",
        )
    ]


def _facet_counts(rows, *, labels, choices, selected) -> FacetCounts:
    counts: dict[str, dict[str, int]] = {name: {} for name in FACETS}
    names: dict[str, dict[str, str]] = {name: {} for name in FACETS}
    for facet in FACETS:
        for value, label, acronym, n in rows[facet]:
            counts[facet][value] = counts[facet].get(value, 0) + n
            if label is not None:
                names[facet][value] = Organisation.label_of(label, acronym)
    # Every start-up has one current phase ("" for none): the selection holds
    # the start-ups of the selected phases (of all, if none is) among those
    # the phase facet counts.
    chosen_phases = set(selected.get("phase") or counts["phase"])
    total = sum(n for value, n in counts["phase"].items() if value in chosen_phases)

    facets = []
    for name in FACETS:
        chosen = selected.get(name) or []
        if name in CHOICE_FACETS:
            options = [
                FacetOption(
                    value, str(label), counts[name].get(value, 0), value in chosen
                )
                for value, label in choices[name].items()
                if counts[name].get(value) or value in chosen
            ]
        else:
            for obj in chosen:
                names[name].setdefault(obj.slug, str(obj))
            slugs = {obj.slug for obj in chosen}
            options = sorted(
                (
                    FacetOption(slug, label, counts[name].get(slug, 0), slug in slugs)
                    for slug, label in names[name].items()
                ),
                key=lambda o: (-o.count, normalise_text(o.label)),
            )
        # Plain strings (in the active language): they are cached, and lazy
        # translations cost far more to unpickle.
        facets.append(Facet(name, str(labels[name]), options))
    return FacetCounts(facets, total)
