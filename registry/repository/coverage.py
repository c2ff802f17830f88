"""Reads for the coverage dashboard: every hromada with its oblast, raion, war status, IDPs and whether it
has a German partner; the regions' names; partnerships by Land, level and kind, and by start year.

A hromada *has a German partner* while a partnership of it has not ended, whatever its kind or stage
(a planned one included: someone is already reaching out). The map's layer of hromadas without a
German partner uses the same rule (``registry.repository.mapdata``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from registry.models import Level, Municipality, Partnership, PartnershipStatus

# The Ukrainian units counted: the hromadas and the two cities outside any oblast (Kyiv, Sevastopol).
UNIT_LEVELS: Final = (Level.HROMADA, Level.CITY_SPECIAL_STATUS)
REGION_LEVELS: Final = (Level.OBLAST, Level.CITY_SPECIAL_STATUS, Level.RAION, Level.LAND)
LAPSED: Final = (PartnershipStatus.ENDED,)


@dataclass(frozen=True)
class UnitRow:
    """One hromada (or Kyiv, Sevastopol) as the dashboard counts it."""

    code: str
    oblast_code: str
    raion_code: str | None
    war_status: str | None
    idp: int | None  # registered IDPs, net (negative where more residents left than IDPs arrived)
    population: int | None
    partnered: bool


@dataclass(frozen=True)
class RegionRow:
    """A Land, oblast, raion or special-status city, with its names."""

    code: str
    level: str
    name: str
    name_de: str | None
    name_en: str | None
    name_uk: str | None
    parent_code: str | None  # a raion's oblast


@dataclass(frozen=True)
class LandCountRow:
    """Partnerships of one Land with German partners of one level and one kind."""

    land_code: str
    level: str
    kind: str
    count: int


@dataclass(frozen=True)
class YearCountRow:
    """Partnerships started in one year; ``year`` None: no source gives it."""

    year: int | None
    count: int


def units(session: Session) -> list[UnitRow]:
    """Return every hromada and special-status city with what the dashboard counts of it."""
    m = Municipality
    oblast, raion = aliased(Municipality, name="oblast"), aliased(Municipality, name="raion")
    # one query for the partnered ids instead of a subquery per unit: a tenth of the time
    partnered = set(
        session.scalars(select(Partnership.ua_municipality_id).where(Partnership.status.not_in(LAPSED)))
    )
    # a unit outside any oblast (Kyiv, Sevastopol) is its own; joined on region_id alone, so the join
    # uses the primary key (a join on coalesce(region_id, id) made SQLite scan)
    statement = (
        select(
            m.id,
            m.code,
            func.coalesce(oblast.code, m.code),
            raion.code,
            m.war_status,
            m.idp_registered,
            m.population,
        )
        .outerjoin(oblast, oblast.id == m.region_id)
        .outerjoin(raion, raion.id == m.district_id)
        .where(m.level.in_(UNIT_LEVELS))
        .order_by(m.code)
    )
    return [
        UnitRow(
            code=code,
            oblast_code=oblast_code,
            raion_code=raion_code,
            war_status=None if war_status is None else str(war_status),
            idp=idp,
            population=population,
            partnered=unit_id in partnered,
        )
        for unit_id, code, oblast_code, raion_code, war_status, idp, population in session.execute(statement)
    ]


def fact_dates(session: Session) -> tuple[dt.date | None, dt.date | None]:
    """Return the newest dates of the hromadas' war status (list edition) and IDP figures."""
    m = Municipality
    row = session.execute(
        select(func.max(m.war_status_date), func.max(m.idp_date)).where(m.level.in_(UNIT_LEVELS))
    ).one()
    return row[0], row[1]


def regions(session: Session) -> list[RegionRow]:
    """Return every Land, oblast, raion and special-status city with its names, by code."""
    m, parent = Municipality, aliased(Municipality, name="parent")
    statement = (
        select(m.code, m.level, m.name, m.name_de, m.name_en, m.name_uk, parent.code)
        .outerjoin(parent, parent.id == m.region_id)
        .where(m.level.in_(REGION_LEVELS))
        .order_by(m.code)
    )
    return [
        RegionRow(code, str(level), name, name_de, name_en, name_uk, parent_code)
        for code, level, name, name_de, name_en, name_uk, parent_code in session.execute(statement)
    ]


def partnerships_by_land(session: Session) -> list[LandCountRow]:
    """Count partnerships by the Land of the German partner, its level and the partnership's kind."""
    de, land = aliased(Municipality, name="de"), aliased(Municipality, name="land")
    count = func.count(Partnership.id)
    land_code = func.coalesce(land.code, de.code)  # a Land's own partnerships: the Land itself
    statement = (
        select(land_code, de.level, Partnership.kind, count)
        .join(de, de.id == Partnership.de_municipality_id)
        .outerjoin(land, land.id == de.region_id)
        .group_by(land_code, de.level, Partnership.kind)
        .order_by(land_code, de.level, Partnership.kind)
    )
    return [
        LandCountRow(code, str(level), str(kind), n) for code, level, kind, n in session.execute(statement)
    ]


def partnerships_by_year(session: Session) -> list[YearCountRow]:
    """Count partnerships by start year, the undated ones as year None (last)."""
    statement = (
        select(Partnership.start_year, func.count(Partnership.id))
        .group_by(Partnership.start_year)
        .order_by(Partnership.start_year.is_(None), Partnership.start_year)
    )
    return [YearCountRow(year, n) for year, n in session.execute(statement)]
