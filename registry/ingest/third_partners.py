"""Read the third-country twin towns: place German and Ukrainian names, keep the third-country towns.

`third/twin_towns_de_ua_wikipedia.csv` lists twin-town pairs of English Wikipedia's European lists in
which one side is German or Ukrainian. A pair of a German or Ukrainian municipality with a town of a
third country (Polish, French, ...) becomes a tie of that municipality with that town; a shared town is
how many German–Ukrainian partnerships began (Ingelheim–Nysa–Kolomyia). The list has names and
geocoded centres but no codes: a German name is placed on a Gemeinde (or Kreis, Berlin borough) and a
Ukrainian one on its hromada by name AND distance to the centre; names the list uses for regions,
boroughs or abolished units are reported, never guessed.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from registry.geo import haversine_km
from registry.ingest.csvfile import read_rows
from registry.names import NameKind, fold, short_name
from registry.records import (
    MunicipalityRecord,
    Row,
    ThirdPartnerFile,
    ThirdTieRecord,
    ThirdTownRecord,
    UnplacedRow,
)

COLUMNS: Final = ("city1", "country1", "lat1", "lng1", "city2", "country2", "lat2", "lng2")
COUNTRIES: Final = {"Germany": "DE", "Ukraine": "UA"}
# Levels a listed town can be: the municipalities themselves (a city's ties are its hromada's).
PLACEABLE_LEVELS: Final = {
    "DE": frozenset({"gemeinde", "stadt", "stadtbezirk", "kreis"}),
    "UA": frozenset({"hromada", "city_special_status"}),
}
# A listed name is placed on a unit of that name whose centre lies within this distance of the list's
# geocoded point. Gemeinde centres (Destatis) and hromada centres (KSE) lie within a few km of a
# geocoded town; 20 km tolerates large cities and coarse geocodes yet keeps same-named places apart
# (the nearest of several Neustadts).
MAX_DISTANCE_KM: Final = 20.0
# A village or town inside a hromada that is not its centre: the list's point is the village, the
# stored point the hromada's centre, up to a large rural hromada's radius away.
MAX_SETTLEMENT_DISTANCE_KM: Final = 35.0
# Words that show a listed name is a region, district or borough rather than a town; "Berlin – Mitte"
# and "Mitte (Berlin)" are how the lists write boroughs.
REGION_WORDS: Final = ("raion", "oblast", "region", "district", "county", "landkreis", "kreis ", "bezirk")
BOROUGH_MARKS: Final = ("(", " – ")
DISTRICT_MARK: Final = "(district)"
# The register abbreviates what Wikipedia spells out: "Weiden i.d.OPf.", "Lauf a.d.Pegnitz", "St. Wendel".
GERMAN_ABBREVIATIONS: Final = (
    (" an der ", " a.d. "),
    (" in der ", " i.d. "),
    (" am ", " a. "),
    (" an ", " a. "),
    (" im ", " i. "),
    (" bei ", " b. "),
    ("Sankt ", "St. "),
    (" in der Oberpfalz", " i.d.OPf."),
)
# Name kinds that name the unit itself; settlements name a place inside a hromada.
OWN_KINDS: Final = frozenset(NameKind) - {NameKind.SETTLEMENT, NameKind.SOURCE}


@dataclass(frozen=True)
class _Place:
    code: str
    level: str
    lat: float | None
    lon: float | None
    own_name: bool  # the name is the unit's own, not one of its villages'


SearchNames = Callable[[str, str], list[str]]  # (name, country) -> codes of the best fuzzy matches


class PlaceFinder:
    """Place a listed name on a municipality by name and distance."""

    def __init__(self, records: Iterable[MunicipalityRecord], search: SearchNames) -> None:
        """Index the names of the placeable units of both countries."""
        self._by_key: dict[tuple[str, str], list[_Place]] = defaultdict(list)
        self._records: dict[str, MunicipalityRecord] = {}
        for record in records:
            if record.level not in PLACEABLE_LEVELS.get(record.country, frozenset()):
                continue
            self._records[record.code] = record
            # Two places per unit, shared by its 10 to 100 names (125,000 in all): building one per
            # name took most of the placing.
            own, village = (
                _Place(record.code, record.level, record.lat, record.lon, flag) for flag in (True, False)
            )
            for _name, _lang, kind, key in record.name_rows:
                self._by_key[(record.country, key)].append(own if kind in OWN_KINDS else village)
        self._search = search

    def _exact(self, names: Iterable[str], country: str) -> list[_Place]:
        return [p for name in names for p in self._by_key.get((country, fold(name)), [])]

    def place(self, name: str, country: str, lat: float | None, lon: float | None) -> tuple[str | None, str]:
        """Return (code, how) for a listed name, or (None, why not).

        Tried in turn, each checked against the distance: the name and its register abbreviations;
        the name without its qualifier ("Friedberg, Bavaria"); close spellings (fuzzy search).
        """
        if lat is None or lon is None:
            return None, "the list gives no coordinates to tell same-named places apart"
        bare = name.split(",")[0].strip()
        if bare.endswith(DISTRICT_MARK):  # "Herford (district)": a Kreis, never a town of that name
            base = bare.removesuffix(DISTRICT_MARK).strip()
            attempts: list[Callable[[], list[_Place]]] = [
                lambda: [
                    p
                    for p in self._exact([base, f"Kreis {base}", f"{base}-Kreis"], country)
                    if p.level == "kreis"
                ]
            ]
        elif any(mark in bare for mark in BOROUGH_MARKS):
            # "Berlin – Mitte", "Porz (Cologne)": a borough keeps partnerships of its own, which are not
            # its city's; only a borough the register holds (Berlin-Pankow) is placed. Qualifiers that
            # are part of an official name ("Winsen (Luhe)") match exactly.
            inner = re.match(r"^(.*?)\s*\((.*)\)$", bare)
            forms = [bare, bare.replace(" – ", "-")] + ([f"{inner[2]}-{inner[1]}"] if inner else [])
            attempts = [lambda: self._exact(forms, country)]
        else:
            variants = [
                bare,
                *(bare.replace(long, short) for long, short in GERMAN_ABBREVIATIONS if long in bare),
            ]
            attempts = [
                lambda: self._exact(variants, country),
                lambda: self._exact([s] if (s := short_name(bare)) else [], country),
                lambda: [
                    _Place(r.code, r.level, r.lat, r.lon, True)
                    for r in (self._records[c] for c in self._search(bare, country) if c in self._records)
                    if r.level != "kreis"
                ],
            ]
        nearest: tuple[float, str] | None = None
        for attempt in attempts:
            scored = sorted(
                (haversine_km(lat, lon, p.lat, p.lon), not p.own_name, p.level == "kreis", p.code)
                for p in attempt()
                if p.lat is not None and p.lon is not None
            )
            for distance, village, _kreis, code in scored:
                if distance <= (MAX_SETTLEMENT_DISTANCE_KM if village else MAX_DISTANCE_KM):
                    return (
                        code,
                        f"{'a village of the hromada' if village else 'name'} within {distance:.0f} km",
                    )
            if scored and (nearest is None or scored[0][0] < nearest[0]):
                nearest = (scored[0][0], scored[0][3])
        where = f"; nearest of a similar name {nearest[0]:.0f} km away ({nearest[1]})" if nearest else ""
        if any(word in f"{fold(name)} " for word in REGION_WORDS) or any(m in name for m in BOROUGH_MARKS):
            return None, f"names a region, district or borough, not a municipality{where}"
        if nearest:
            return None, f"no municipality of this name near the list's point{where}"
        return None, "no municipality of this name"


def _number(row: Row, column: str) -> float | None:
    try:
        value = float(row.get(column) or "nan")
    except ValueError:
        return None
    return None if math.isnan(value) else value


def read_third_partners(path: Path, finder: PlaceFinder) -> ThirdPartnerFile:
    """Read the list; every German or Ukrainian side is placed or reported."""
    result = ThirdPartnerFile()
    towns: dict[str, ThirdTownRecord] = {}
    placed: dict[tuple[str, str], tuple[str | None, str]] = {}
    seen: set[tuple[str, str]] = set()
    for row in read_rows(path, COLUMNS):
        sides = [
            (
                row.get(f"city{k}") or "",
                row.get(f"country{k}") or "",
                _number(row, f"lat{k}"),
                _number(row, f"lng{k}"),
            )
            for k in (1, 2)
        ]
        ours = [s for s in sides if s[1] in COUNTRIES]
        if len(ours) == 2:
            if ours[0][1] == ours[1][1]:
                result.same_country_pairs += 1
            else:
                result.german_ukrainian_pairs += 1
            continue
        if len(ours) != 1:
            continue
        (name, country, lat, lon), (t_name, t_country, t_lat, t_lon) = (
            ours[0],
            next(s for s in sides if s is not ours[0]),
        )
        key = f"{t_country}:{fold(t_name)}"
        towns.setdefault(key, ThirdTownRecord(key, t_name, t_country, t_lat, t_lon))
        code_country = COUNTRIES[country]
        if (code_country, name) not in placed:
            placed[(code_country, name)] = finder.place(name, code_country, lat, lon)
        code, how = placed[(code_country, name)]
        if code is None:
            result.unplaced.append(UnplacedRow(row, f"{country} side {name!r} not placed: {how}", []))
        elif (code, key) not in seen:
            seen.add((code, key))
            result.ties.append(ThirdTieRecord(code, key, name, row.line))
    used = {tie.town_key for tie in result.ties}
    result.towns = [town for key, town in sorted(towns.items()) if key in used]
    return result


def unplaced_names(rows: Sequence[UnplacedRow]) -> list[tuple[str, int]]:
    """Group the unplaced rows by reason (one per listed name), most rows first, for the load report."""
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row.reason] += 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))
