"""One page of a filtered, ordered list in one query: the page's ids first, then the page's rows.

The page is chosen from the ids and the sort keys alone; only its rows are then joined to the
columns a list shows. The total comes in the same query, as an uncorrelated scalar subquery that the
database computes once (a ``count(*) over ()`` window costs SQLite more than the page itself).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Subquery, func, select


def page_of(
    ids: ColumnElement[int],
    source: FromClause,
    where: Sequence[ColumnElement[bool]],
    order_by: Sequence[Any],
    *,
    limit: int,
    offset: int,
) -> Subquery:
    """Return a subquery of the page's ``id`` values; the outer query orders by ``order_by`` again."""
    statement = select(ids.label("id")).select_from(source).where(*where).order_by(*order_by)
    return statement.limit(limit).offset(offset).subquery("page")


def total_of(source: FromClause, where: Sequence[ColumnElement[bool]]) -> ColumnElement[int]:
    """Return a scalar subquery: how many rows of ``source`` match ``where`` (never correlated)."""
    return select(func.count()).select_from(source).where(*where).correlate(None).scalar_subquery()
