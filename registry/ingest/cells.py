"""Typed access to the cells of a CSV row, recording a Problem (file, line, field) for each bad cell."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Set
from typing import Any

from registry.errors import Problem
from registry.records import Row


class Values:
    """Typed access to a row's cells that records a Problem (file, line, field) for each bad cell."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems

    def text(self, row: Row, column: str, *, required: bool = False) -> str | None:
        value = row.get(column)
        if value is None and required:
            self.problems.append(row.problem(column, "required value is empty"))
        return value

    def integer(self, row: Row, column: str) -> int | None:
        number = self.number(row, column)
        return None if number is None else round(number)

    def number(self, row: Row, column: str) -> float | None:
        value = row.get(column)
        if value is None or value.upper() in {"NA", "NAN"}:
            return None
        try:
            number = float(value)
        except ValueError:
            self.problems.append(row.problem(column, f"not a number: {value!r}"))
            return None
        return None if math.isnan(number) else number

    def date(self, row: Row, column: str) -> dt.date | None:
        value = row.get(column)
        if value is None:
            return None
        for parse in (dt.date.fromisoformat, lambda v: dt.datetime.strptime(v, "%d.%m.%Y").date()):
            try:
                return parse(value)
            except ValueError:
                continue
        self.problems.append(row.problem(column, f"not a date (YYYY-MM-DD or DD.MM.YYYY): {value!r}"))
        return None

    def choice(self, row: Row, column: str, allowed: Set[str], *, required: bool = True) -> str | None:
        value = row.get(column)
        if value is None:
            if required:
                self.problems.append(row.problem(column, "required value is empty"))
            return None
        if value not in allowed:
            self.problems.append(
                row.problem(column, f"unknown value {value!r}; expected one of {', '.join(sorted(allowed))}")
            )
            return None
        return value

    def code(self, row: Row, column: str, pattern: Any, *, required: bool = False) -> str | None:
        value = self.text(row, column, required=required)
        if value is not None and not pattern.fullmatch(value):
            self.problems.append(row.problem(column, f"malformed code {value!r}"))
            return None
        return value


def any_value(*values: Any) -> Any:
    """Return the first value that is not None."""
    return next((v for v in values if v is not None), None)


def parse_any_date(value: Any) -> dt.date | None:
    """Parse an ISO date string, passing None through."""
    return None if value in (None, "") else dt.date.fromisoformat(str(value))
