"""Typed rows of the counts: the statistics, the front page's figures, what the database holds.

Frozen dataclasses (one per request, so the speed of a Struct does not matter); the API encodes them
field by field (``convert.typed``), the command line prints them with ``dataclasses.asdict``.
"""

from __future__ import annotations

from dataclasses import dataclass


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
