"""Typed rows of units as the pages and the import name them: their names in every spelling.

(The categories of the needs/offers vocabulary are read back as the ``CategoryRecord`` they were loaded
from: one shape from the file to the page.)"""

from __future__ import annotations

from dataclasses import dataclass


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
class PlacedUnitRow:
    """A unit as an import places a partner: its official name and level, and its Land or oblast named in
    every spelling (a row may name the region in any of them)."""

    id: int
    code: str
    country: str
    level: str
    name: str
    name_official: str
    population: int | None
    war_status: str | None
    region_code: str | None  # the unit's own code for a Land, an oblast, Kyiv or Sevastopol
    region_name: str | None
    region_name_de: str | None
    region_name_en: str | None
    region_name_uk: str | None


@dataclass(frozen=True)
class FoundUnitRow(UnitNameRow):
    """A unit as a name search shows it: its names, the unit it lies in, its population."""

    parent_name: str | None
    population: int | None
