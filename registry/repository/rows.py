"""Typed rows the repository returns: one shape from the query to the JSON encoder.

The rows of the list pages are msgspec Structs (frozen): a page builds one per record, and a Struct
is built several times faster than a frozen dataclass. The API turns them into its response Structs
field by field (``msgspec.convert(..., from_attributes=True)``); nothing is re-nested or renamed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import msgspec


class PartnerRow(msgspec.Struct, frozen=True):
    """One side of a partnership: the unit, and the region and district it lies in."""

    code: str
    name: str
    name_de: str | None
    name_en: str | None
    name_uk: str | None
    level: str
    lat: float | None
    lon: float | None
    population: int | None
    war_status: str | None
    region_code: str | None  # Land or oblast
    region_name: str | None
    district_code: str | None  # Kreis or raion
    district_name: str | None


class CitedSourceRow(msgspec.Struct, frozen=True, array_like=True):
    """A source a record cites, with the role it plays there (array-like: the database sends each
    one as a JSON array, see ``json_agg``)."""

    id: int
    url: str | None
    citation: str
    publisher: str | None
    role: str

    @property
    def key(self) -> str:
        """Return what tells two sources apart (the source table is unique on it)."""
        return self.url or self.citation


class PartnershipRow(msgspec.Struct, frozen=True):
    """A partnership with both partners, its topics and its sources (primary first)."""

    id: int
    kind: str
    kind_source: str | None
    status: str
    status_reason: str | None
    start_year: int | None
    start_date: dt.date | None
    end_date: dt.date | None
    notes: str | None
    confidence: str | None
    last_confirmed: dt.date | None
    external_ref: str | None
    resolution_note: str | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    de: PartnerRow
    ua: PartnerRow
    topics: tuple[str, ...]
    sources: tuple[CitedSourceRow, ...]


def utc(value: dt.datetime) -> dt.datetime:
    """Return a stored timestamp as UTC: SQLite returns naive datetimes; the database keeps UTC."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


class MunicipalityRow(msgspec.Struct, frozen=True):
    """A municipality in a list: identity, where it lies, headline facts, its partnerships counted."""

    id: int
    code: str
    country: str
    level: str
    subtype: str | None
    name: str
    name_official: str
    name_de: str | None
    name_en: str | None
    name_uk: str | None
    region_code: str | None
    region_name: str | None
    district_code: str | None
    district_name: str | None
    population: int | None
    population_date: dt.date | None
    area_km2: float | None
    lat: float | None
    lon: float | None
    war_status: str | None
    war_status_date: dt.date | None
    idp_registered: int | None
    idp_date: dt.date | None
    partnership_count: int  # all its partnerships
    partner_count: int  # those that have not ended


@dataclass(frozen=True)
class RegionCountRow:
    """Partnerships counted in one Land or oblast."""

    code: str
    name: str
    count: int


@dataclass(frozen=True)
class TimelineYearRow:
    """Partnerships started in one year, and all started up to it."""

    year: int
    count: int
    cumulative: int


@dataclass(frozen=True)
class DeclaredCountsRow:
    """Needs and offers counted per category code."""

    needs: dict[str, int]
    offers: dict[str, int]


@dataclass(frozen=True)
class PartnershipStatisticsRow:
    """A (filtered) set of partnerships counted every way the statistics show them."""

    total: int
    by_land: tuple[RegionCountRow, ...]  # most partnerships first
    by_oblast: tuple[RegionCountRow, ...]
    by_kind: dict[str, int]
    by_status: dict[str, int]
    by_start_year: tuple[TimelineYearRow, ...]  # known years, oldest first
    start_year_unknown: int
    started_since_invasion: int  # start year 2022 or later
    needs_by_category: dict[str, int]
    offers_by_category: dict[str, int]


@dataclass(frozen=True)
class PartnershipCountsRow:
    """All partnerships counted, and counted by kind, status and start year ("unknown" for none)."""

    total: int
    by_kind: dict[str, int]
    by_status: dict[str, int]
    by_start_year: dict[str, int]


@dataclass(frozen=True)
class GazetteerStatisticsRow:
    """What the database holds: units by ``country/level``, partnerships, sources, rows not placed."""

    municipalities: dict[str, int]
    partnerships: PartnershipCountsRow
    sources: int
    unresolved_rows: int


@dataclass(frozen=True)
class UnitNameRow:
    """A unit as a page names it: code, country and level, and its names in every spelling."""

    code: str
    country: str
    level: str
    name: str
    name_de: str | None
    name_en: str | None
    name_uk: str | None


@dataclass(frozen=True)
class FocusUnitRow(UnitNameRow):
    """The unit a map is focused on: its names, its centre and its page."""

    lat: float | None
    lon: float | None
    url: str


@dataclass(frozen=True)
class HeadlineCountsRow:
    """The figures the front page leads with."""

    partnerships: int
    german: int  # German units with a partnership
    ukrainian: int  # Ukrainian units with a partnership
    lands: int  # Länder with a partnership
    oblasts: int  # oblasts (and Kyiv, Sevastopol) with a partnership
    since_2022: int  # partnerships started since the full-scale invasion
    unpartnered: int  # hromadas without a German partner
    hromadas: int
    german_units: int


@dataclass(frozen=True)
class CategoryRow:
    """A category of the needs/offers vocabulary, in the vocabulary file's order (``position``)."""

    code: str
    group: str
    label_de: str
    label_en: str
    label_uk: str
    examples: str | None
    basis: str | None  # the public programmes whose categories it follows
    position: int

    def label(self, lang: str) -> str:
        """Return the category's label in ``lang`` (de, en or uk)."""
        return str(getattr(self, f"label_{lang}"))
