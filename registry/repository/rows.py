"""Typed rows the repository returns: one shape from the query to the JSON encoder.

The rows of the list pages are msgspec Structs (frozen): a page builds one per record, and a Struct
is built several times faster than a frozen dataclass. The API turns them into its response Structs
field by field (``msgspec.convert(..., from_attributes=True)``); nothing is re-nested or renamed.
"""

from __future__ import annotations

import datetime as dt

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


class SourceRow(msgspec.Struct, frozen=True):
    """A source a fact cites: where to find it, who published it, under which licence, which edition."""

    id: int
    url: str | None
    citation: str
    publisher: str | None
    licence: str | None
    edition: str | None


class MunicipalityFactsRow(MunicipalityRow, frozen=True):
    """A municipality's own page: its list row's facts, then what only that page shows (its parent,
    the facts of the war, the names it is also known by, the source of each group of facts)."""

    parent_code: str | None
    parent_name: str | None
    occupied_since: dt.date | None
    occupation_ended: dt.date | None
    distance_to_russia_km: float | None
    damage_note: str | None
    names: tuple[str, ...]
    fact_sources: dict[str, SourceRow]  # by group of facts (facts.SOURCE_GROUPS), only those cited
    version: int
    updated_at: dt.datetime
