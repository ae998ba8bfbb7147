"""SQL expressions the querysets share."""

from __future__ import annotations

from django.db.models import (
    Aggregate,
    Func,
    IntegerField,
    OuterRef,
    Subquery,
    TextField,
)

from startups.search import normalise_text

# What joins the values of a list in the database: a control character (unit
# separator) that no name or label holds, so that splitting it back is exact.
_UNIT_SEPARATOR = "\x1f"


class DaysBetween(Func):
    """The whole number of days from the second date to the first, computed by
    the database itself (date subtraction on PostgreSQL, julianday on SQLite)
    rather than by Django's Python function on SQLite, so that a grouped
    query over thousands of rows stays in SQL."""

    arity = 2
    output_field = IntegerField()

    def _sides(self, compiler):
        later, sooner = (compiler.compile(e) for e in self.get_source_expressions())
        return later, sooner

    def as_sql(self, compiler, connection, **extra_context):
        (later, p1), (sooner, p2) = self._sides(compiler)
        return f"({later} - {sooner})", (*p1, *p2)

    def as_sqlite(self, compiler, connection, **extra_context):
        (later, p1), (sooner, p2) = self._sides(compiler)
        return (
            f"CAST(julianday({later}) - julianday({sooner}) AS INTEGER)",
            (*p1, *p2),
        )


class _Joined(Aggregate):
    """A group's values as one string, in no particular order: GROUP_CONCAT on
    SQLite, STRING_AGG on PostgreSQL."""

    function = "GROUP_CONCAT"
    template = "%(function)s(%(expressions)s, CHAR(31))"
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            function="STRING_AGG",
            template="%(function)s(%(expressions)s, CHR(31))",
            **extra_context,
        )


def joined_list(through_model, value) -> Subquery:
    """A subquery giving, for each start-up, the `value` (a field or expression
    of `through_model`, a many-to-many table with a `startup` key) of every row
    of its list, joined into one string: a whole list in the row's own query,
    where prefetching costs one more query per list for every chunk of rows.
    Read it back with `listed()`."""
    return Subquery(
        through_model.objects.filter(startup=OuterRef("pk"))
        .order_by()
        .values("startup")
        .annotate(joined=_Joined(value))
        .values("joined"),
        output_field=TextField(),
    )


def listed(joined: str | None) -> list[str]:
    """The values of a `joined_list()`, in alphabetical order (accents and case
    aside, as a reader expects)."""
    if not joined:
        return []
    return sorted(joined.split(_UNIT_SEPARATOR), key=normalise_text)
