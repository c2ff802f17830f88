"""Coverage: how many hromadas have a German partner, per oblast and raion and by war status, with the
registered IDPs; the partnerships per Land by level and kind; and the growth by start year.

One use case, one read transaction: the repository's rows (``registry.repository.coverage``) are summed
here into the figures the dashboard (``/coverage``), its JSON (``/api/coverage``) and its CSV
(``/api/coverage.csv``) show, so the three never disagree. Every region is listed, zeros included (an
oblast without any partnership, e.g. Luhansk, is a row of zeros, not a missing row).

War status groups (the current status on the official list, Order No. 376):

    occupied   occupied or partly occupied: support cannot reach them now
    active     active hostilities
    possible   possible hostilities
    rear       on the list with none of these today (deoccupied, former hostilities) or not listed

Registered IDPs are summed from the hromadas' figures, which are *net* in front-line oblasts (negative
where more residents registered as displaced elsewhere than displaced people arrived); a region's sum
can therefore be negative, and it counts only hromadas with a figure (``idp_known``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Final

import msgspec

from registry.models import Level, PartnershipKind, WarStatus
from registry.repository import coverage as rows

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

WAR_GROUPS: Final = ("occupied", "active", "possible", "rear")
_GROUP_OF: Final[Mapping[str, str]] = {
    WarStatus.OCCUPIED: "occupied",
    WarStatus.PARTLY_OCCUPIED: "occupied",
    WarStatus.ACTIVE_HOSTILITIES: "active",
    WarStatus.POSSIBLE_HOSTILITIES: "possible",
}
# The German partner's level, in three groups a coordinator tells apart.
LEVEL_GROUPS: Final[Mapping[str, tuple[str, ...]]] = {
    "municipality": (Level.STADT, Level.GEMEINDE, Level.GEMEINDEVERBAND, Level.STADTBEZIRK),
    "kreis": (Level.KREIS,),
    "region": (Level.LAND, Level.BEZIRK),
}
_LEVEL_GROUP_OF: Final = {level: group for group, levels in LEVEL_GROUPS.items() for level in levels}
# The year of the full-scale invasion: the growth since then is the solidarity wave.
INVASION_YEAR: Final = 2022


def war_group(status: str | None) -> str:
    """Return the war status group of a hromada's status (None, an unknown or a past status: rear)."""
    return _GROUP_OF.get(status or "", "rear")


class GroupCount(msgspec.Struct, frozen=True, kw_only=True):
    """Hromadas of one war status group, and how many of them have a German partner."""

    hromadas: int
    partnered: int


class Names(msgspec.Struct, frozen=True, kw_only=True):
    """A region's name in each language (Ukrainian in Cyrillic; German regions keep their German name)."""

    de: str
    en: str
    uk: str


class RegionCoverage(msgspec.Struct, frozen=True, kw_only=True):
    """An oblast (or Kyiv, Sevastopol) or a raion: its hromadas, those with a German partner, IDPs."""

    code: str
    level: str
    names: Names
    oblast_code: str | None  # a raion's oblast; None for an oblast
    hromadas: int
    partnered: int
    share: float  # partnered / hromadas, 0..1 (0 without hromadas)
    by_war_status: dict[str, GroupCount]  # keyed by WAR_GROUPS, every group present
    idp: int  # registered IDPs, net, summed over the hromadas with a figure
    idp_known: int  # hromadas with an IDP figure
    raions: tuple[RegionCoverage, ...] = ()


class LandCoverage(msgspec.Struct, frozen=True, kw_only=True):
    """A German Land: its partnerships, by the German partner's level and by kind."""

    code: str
    names: Names
    partnerships: int
    by_level: dict[str, int]  # keyed by LEVEL_GROUPS, every group present
    by_kind: dict[str, int]  # every kind present


class YearCount(msgspec.Struct, frozen=True, kw_only=True):
    """Partnerships started in a year, and all dated ones up to it."""

    year: int
    count: int
    cumulative: int


class Coverage(msgspec.Struct, frozen=True, kw_only=True):
    """The whole dashboard."""

    hromadas: int
    partnered: int
    share: float
    by_war_status: dict[str, GroupCount]
    idp: int
    oblasts: tuple[RegionCoverage, ...]  # by code; each with its raions
    lands: tuple[LandCoverage, ...]  # by code, all 16
    partnerships: int
    years: tuple[YearCount, ...]  # every year from the first to the last dated one, gaps as 0
    year_unknown: int  # partnerships no source dates: a bar of their own, never dropped
    since_invasion: int  # started in 2022 or later
    before_invasion: int  # dated and started before 2022
    war_status_as_of: dt.date | None  # edition of the hostilities list the war statuses come from
    idp_as_of: dt.date | None  # date of the IDP figures


def _names(region: rows.RegionRow | None, code: str) -> Names:
    if region is None:
        return Names(de=code, en=code, uk=code)
    de = region.name_de or region.name
    return Names(de=de, en=region.name_en or region.name, uk=region.name_uk or de)


def _groups(units: Iterable[rows.UnitRow]) -> dict[str, GroupCount]:
    total: Counter[str] = Counter()
    partnered: Counter[str] = Counter()
    for unit in units:
        group = war_group(unit.war_status)
        total[group] += 1
        partnered[group] += unit.partnered
    return {g: GroupCount(hromadas=total[g], partnered=partnered[g]) for g in WAR_GROUPS}


def _region(
    code: str,
    level: str,
    region: rows.RegionRow | None,
    units: list[rows.UnitRow],
    *,
    oblast_code: str | None = None,
    raions: tuple[RegionCoverage, ...] = (),
) -> RegionCoverage:
    partnered = sum(u.partnered for u in units)
    known = [u.idp for u in units if u.idp is not None]
    return RegionCoverage(
        code=code,
        level=level,
        names=_names(region, code),
        oblast_code=oblast_code,
        hromadas=len(units),
        partnered=partnered,
        share=partnered / len(units) if units else 0.0,
        by_war_status=_groups(units),
        idp=sum(known),
        idp_known=len(known),
        raions=raions,
    )


def _oblasts(units: list[rows.UnitRow], regions: dict[str, rows.RegionRow]) -> tuple[RegionCoverage, ...]:
    by_oblast: dict[str, list[rows.UnitRow]] = defaultdict(list)
    by_raion: dict[str, list[rows.UnitRow]] = defaultdict(list)
    for unit in units:
        by_oblast[unit.oblast_code].append(unit)
        if unit.raion_code:
            by_raion[unit.raion_code].append(unit)
    # every oblast, special-status city and raion, with or without hromadas counted
    oblast_codes = {r.code for r in regions.values() if r.level in (Level.OBLAST, Level.CITY_SPECIAL_STATUS)}
    raions_of: dict[str, list[str]] = defaultdict(list)
    for r in regions.values():
        if r.level == Level.RAION and r.parent_code:
            raions_of[r.parent_code].append(r.code)
    out = []
    for code in sorted(oblast_codes | set(by_oblast)):
        raions = tuple(
            _region(raion, Level.RAION, regions.get(raion), by_raion.get(raion, []), oblast_code=code)
            for raion in sorted(raions_of.get(code, []))
        )
        region = regions.get(code)
        level = region.level if region else Level.OBLAST
        out.append(_region(code, level, region, by_oblast.get(code, []), raions=raions))
    return tuple(out)


def _lands(counts: list[rows.LandCountRow], regions: dict[str, rows.RegionRow]) -> tuple[LandCoverage, ...]:
    land_codes = sorted(
        {r.code for r in regions.values() if r.level == Level.LAND} | {c.land_code for c in counts}
    )
    by_level: dict[str, Counter[str]] = defaultdict(Counter)
    by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    for row in counts:
        by_level[row.land_code][_LEVEL_GROUP_OF.get(row.level, "municipality")] += row.count
        by_kind[row.land_code][row.kind] += row.count
    return tuple(
        LandCoverage(
            code=code,
            names=_names(regions.get(code), code),
            partnerships=sum(by_kind[code].values()),
            by_level={group: by_level[code][group] for group in LEVEL_GROUPS},
            # the whole vocabulary, zeros included
            by_kind={kind.value: by_kind[code][kind.value] for kind in PartnershipKind},
        )
        for code in land_codes
    )


def _years(counts: list[rows.YearCountRow]) -> tuple[YearCount, ...]:
    dated = {row.year: row.count for row in counts if row.year is not None}
    if not dated:
        return ()
    out, running = [], 0
    for year in range(min(dated), max(dated) + 1):
        running += dated.get(year, 0)
        out.append(YearCount(year=year, count=dated.get(year, 0), cumulative=running))
    return tuple(out)


def coverage(session: Session) -> Coverage:
    """Read and sum everything the coverage dashboard shows."""
    units = rows.units(session)
    regions = {r.code: r for r in rows.regions(session)}
    years = rows.partnerships_by_year(session)
    partnered = sum(u.partnered for u in units)
    dated = [r for r in years if r.year is not None]
    war_status_as_of, idp_as_of = rows.fact_dates(session)
    return Coverage(
        hromadas=len(units),
        partnered=partnered,
        share=partnered / len(units) if units else 0.0,
        by_war_status=_groups(units),
        idp=sum(u.idp for u in units if u.idp is not None),
        oblasts=_oblasts(units, regions),
        lands=_lands(rows.partnerships_by_land(session), regions),
        partnerships=sum(r.count for r in years),
        years=_years(years),
        year_unknown=sum(r.count for r in years if r.year is None),
        since_invasion=sum(r.count for r in dated if r.year is not None and r.year >= INVASION_YEAR),
        before_invasion=sum(r.count for r in dated if r.year is not None and r.year < INVASION_YEAR),
        war_status_as_of=war_status_as_of,
        idp_as_of=idp_as_of,
    )
