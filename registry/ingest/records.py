"""Plain records the readers produce and the loader writes: no database types here."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Set
from dataclasses import asdict, dataclass, field
from typing import Any

from registry.errors import Problem
from registry.ingest.csvfile import Row

Name = tuple[str | None, str, str]  # (name, lang, kind)
Code = tuple[str, str, str | None]  # (code, scheme, label)


@dataclass
class MunicipalityRecord:
    """One municipality as read from the bundled files, with its names and codes."""

    code: str
    scheme: str
    country: str
    level: str
    name: str
    name_official: str
    subtype: str | None = None
    name_de: str | None = None
    name_en: str | None = None
    name_uk: str | None = None
    parent_code: str | None = None
    region_code: str | None = None
    district_code: str | None = None
    population: int | None = None
    population_date: dt.date | None = None
    population_source: str | None = None
    area_km2: float | None = None
    area_source: str | None = None
    lat: float | None = None
    lon: float | None = None
    coordinates_source: str | None = None
    war_status: str | None = None
    war_status_date: dt.date | None = None
    occupied_since: dt.date | None = None
    occupation_ended: dt.date | None = None
    war_status_source: str | None = None
    idp_registered: int | None = None
    idp_date: dt.date | None = None
    idp_source: str | None = None
    distance_to_russia_km: float | None = None
    distance_source: str | None = None
    # (name, lang, kind), most important first; expanded into spellings by registry.names.names_for
    names: list[Name] = field(default_factory=list)
    # (code, scheme, label): codes that resolve to this municipality, its own included
    codes: list[Code] = field(default_factory=list)
    settlement_names: list[tuple[str, str]] = field(default_factory=list)  # (name, lang), exact-only
    # what is stored: (spelling, lang, kind, key), derived from the two lists above by the loader
    name_rows: list[tuple[str, str, str, str]] = field(default_factory=list)

    def digest(self) -> str:
        """Fingerprint every field, derived names included, to skip unchanged records on reload."""
        payload = json.dumps(asdict(self), sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()


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
