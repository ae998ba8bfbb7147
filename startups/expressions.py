"""SQL expressions the querysets share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Aggregate,
    Expression,
    Func,
    IntegerField,
    Model,
    OuterRef,
    Subquery,
    TextField,
)

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

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
    template = "(%(expressions)s)"
    arg_joiner = " - "

    def as_sqlite(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        **extra_context: Any,
    ) -> tuple[str, tuple[str | int, ...]]:
        sql, params = self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )
        return sql, tuple(params)


class _Joined(Aggregate):
    """A group's values as one string, in no particular order: GROUP_CONCAT on
    SQLite, STRING_AGG on PostgreSQL."""

    function = "GROUP_CONCAT"
    template = "%(function)s(%(expressions)s, CHAR(31))"
    output_field = TextField()

    def as_postgresql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        **extra_context: Any,
    ) -> tuple[str, Sequence[Any]]:
        return self.as_sql(
            compiler,
            connection,
            function="STRING_AGG",
            template="%(function)s(%(expressions)s, CHR(31))",
            **extra_context,
        )


def joined_list(through_model: type[Model], value: str | Expression) -> Subquery:
    """A subquery giving, for each start-up, the `value` (a field or expression
    of `through_model`, a many-to-many table with a `startup` key) of every row
    of its list, joined into one string: a whole list in the row's own query,
    where prefetching costs one more query per list for every chunk of rows.
    Read it back with `listed()`."""
    return Subquery(
        through_model._default_manager.filter(startup=OuterRef("pk"))
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
