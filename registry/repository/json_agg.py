"""JSON built by the database: a record's list of children as one JSON text column of its row.

A list page then needs one query, not one per kind of child, and no grouping in Python. SQLite and
PostgreSQL name the functions differently; these constructs compile to each one's own.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, FromClause, Text, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class json_row(FunctionElement[Any]):  # noqa: N801 - SQL function constructs are named like functions
    """A JSON array of the given values: one child as ``[id, url, ...]``."""

    inherit_cache = True


class json_list(FunctionElement[str]):  # noqa: N801
    """Aggregate: the JSON array of the first argument over the rows, ordered by the others."""

    type = Text()
    inherit_cache = True


@compiles(json_row)  # SQLite's spelling is also what str(statement) shows
@compiles(json_row, "sqlite")
def _json_row_sqlite(element: json_row, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_array({compiler.process(element.clauses, **kw)})"


@compiles(json_row, "postgresql")
def _json_row_postgresql(element: json_row, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_build_array({compiler.process(element.clauses, **kw)})"


@compiles(json_list)
@compiles(json_list, "sqlite")
def _json_list_sqlite(element: json_list, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite (before 3.44) has no ORDER BY in aggregates: it aggregates in the order of its input,
    # which children_json() takes from an ordered subquery.
    value = next(iter(element.clauses))
    return f"json_group_array({compiler.process(value, **kw)})"


@compiles(json_list, "postgresql")
def _json_list_postgresql(element: json_list, compiler: SQLCompiler, **kw: Any) -> str:
    value, *order = element.clauses
    ordering = ", ".join(compiler.process(o, **kw) for o in order)
    return f"json_agg({compiler.process(value, **kw)} ORDER BY {ordering})::text"


def children_json(
    children: FromClause, value: ColumnElement[Any], *order_by: ColumnElement[Any]
) -> ColumnElement[str]:
    """Return a scalar subquery: the JSON array (text, ``[]`` when none) of ``value`` over ``children``.

    ``children`` is an ordered subquery correlated to the outer row (see ``ordered_children``); the
    order is given again for PostgreSQL, which does not promise to keep a subquery's order.
    """
    listed = select(json_list(value, *order_by)).select_from(children).scalar_subquery()
    return func.coalesce(listed, "[]")
