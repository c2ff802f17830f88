"""Attach other names to the gazetteer (GeoNames, a hand list) and geocode what lacks coordinates.

GeoNames cities are matched to municipalities by name and distance; their alternate names then
make "Lemberg", "Kiew", "Charkow" or "Nuremberg" findable. Crimean hromadas have no centre point
in the bundled files: they get the coordinates of their largest settlement that GeoNames knows.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from registry.geo import haversine_km
from registry.ingest import datasets
from registry.ingest.cells import Values
from registry.ingest.csvfile import read_rows
from registry.names import NameKind, fold
from registry.records import MunicipalityRecord, Row

MATCH_RADIUS_KM = 12.0  # a GeoNames city point and a Gemeinde/hromada centre rarely differ by more
GEONAMES_COLUMNS = (
    "geonameid",
    "countrycode",
    "name",
    "latitude",
    "longitude",
    "population",
    "admin1code",
    "alternatenames",
)
ALIAS_COLUMNS = ("code", "name", "lang", "kind", "basis")
CRIMEA_ADMIN1 = {"11", "20"}  # GeoNames admin1 codes of Crimea and Sevastopol
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


@dataclass(frozen=True)
class GeoCity:
    """A GeoNames city with the names worth searching for."""

    geonameid: str
    country: str
    name: str
    lat: float
    lon: float
    population: int
    admin1: str
    alternates: tuple[str, ...]

    @property
    def keys(self) -> set[str]:
        return {fold(n) for n in (self.name, *self.alternates)}


def read_geonames(path: Path) -> list[GeoCity]:
    """Read the shipped GeoNames extract."""
    values = Values([])
    cities = []
    for row in read_rows(path, GEONAMES_COLUMNS):
        lat, lon = values.number(row, "latitude"), values.number(row, "longitude")
        if lat is None or lon is None:
            continue
        cities.append(
            GeoCity(
                row.get("geonameid") or "",
                row.get("countrycode") or "",
                row.get("name") or "",
                lat,
                lon,
                values.integer(row, "population") or 0,
                row.get("admin1code") or "",
                tuple(n for n in (row.get("alternatenames") or "").split("|") if n),
            )
        )
    return cities


def attach_geonames(
    records: Iterable[MunicipalityRecord],
    cities: list[GeoCity],
    settlements: dict[str, list[tuple[str, str, str]]],
) -> int:
    """Add GeoNames names to matched municipalities and geocode Crimean hromadas; return matches."""
    by_key: dict[tuple[str, str], list[MunicipalityRecord]] = defaultdict(list)
    unplaced_hromadas = []
    for record in records:
        if record.level not in {"gemeinde", "stadt", "hromada", "city_special_status"}:
            continue
        if record.lat is None or record.lon is None:
            if record.level == "hromada":
                unplaced_hromadas.append(record)
            continue
        for name, _lang, kind in record.names:
            if name and kind in {NameKind.DISPLAY, NameKind.SHORT, NameKind.CENTRE, NameKind.TRANSLATION}:
                by_key[record.country, fold(name)].append(record)
    best: dict[str, tuple[float, GeoCity]] = {}
    for city in cities:
        for candidate in {
            id(r): r for key in city.keys for r in by_key.get((city.country, key), [])
        }.values():
            assert candidate.lat is not None
            assert candidate.lon is not None
            distance = haversine_km(city.lat, city.lon, candidate.lat, candidate.lon)
            current = best.get(candidate.code)
            if distance <= MATCH_RADIUS_KM and (
                current is None or (-city.population, distance) < (-current[1].population, current[0])
            ):
                best[candidate.code] = (distance, city)
    records_by_code = {r.code: r for key in by_key.values() for r in key}
    for code, (_distance, city) in best.items():
        _add_city_names(records_by_code[code], city)
    return len(best) + _geocode_by_settlement(unplaced_hromadas, cities, settlements)


def _add_city_names(record: MunicipalityRecord, city: GeoCity) -> None:
    if record.country == "DE" and record.name_en is None and fold(city.name) != fold(record.name):
        record.name_en = city.name  # GeoNames' main name is the English one: Munich, Cologne, Nuremberg
    record.names += [
        (n, "ru" if _CYRILLIC.search(n) else "xx", NameKind.EXONYM) for n in (city.name, *city.alternates)
    ]


def _geocode_by_settlement(
    hromadas: list[MunicipalityRecord],
    cities: list[GeoCity],
    settlements: dict[str, list[tuple[str, str, str]]],
) -> int:
    """Place a hromada at its most populous settlement that GeoNames knows (Crimea only)."""
    crimean = defaultdict(list)
    for city in cities:
        if city.country == "UA" and city.admin1 in CRIMEA_ADMIN1:
            for name in city.alternates:
                if _CYRILLIC.search(name):
                    crimean[name].append(city)
    placed = 0
    for hromada in hromadas:
        found = [
            city
            for _code, name, _category in settlements.get(hromada.code, [])
            for city in crimean.get(name, [])
        ]
        if not found:
            continue
        city = max(found, key=lambda c: c.population)
        hromada.lat, hromada.lon = city.lat, city.lon
        hromada.coordinates_source = datasets.GEONAMES.key
        hromada.names += [(city.name, "en", NameKind.SETTLEMENT)]
        placed += 1
    return placed


def read_manual_aliases(path: Path) -> list[Row]:
    """Read the hand-kept exonyms and historic names; each row cites its basis."""
    return read_rows(path, ALIAS_COLUMNS) if path.is_file() else []


def attach_manual_aliases(records: dict[str, MunicipalityRecord], rows: list[Row]) -> list[str]:
    """Add hand-kept names; return a problem line for each alias whose code is unknown."""
    unknown = []
    for row in rows:
        record = records.get(row.get("code") or "")
        if record is None:
            unknown.append(f"{row.file}:{row.line} [code]: unknown code {row.get('code')!r}")
            continue
        lang = row.get("lang") or "xx"
        record.names.append((row.get("name"), lang, row.get("kind") or NameKind.EXONYM))
        if lang == "de" and row.get("kind") == NameKind.TRANSLATION:
            record.name_de = row.get("name")
    return unknown
