"""Reads for the partnership map: the database as the input frames of ``registry.map`` (its payload contract).

Three frames, each documented in ``registry.map.payload``:

- ``map_municipalities``: every unit that is an end of a partnership, and every hromada (and Kyiv,
  Sevastopol) with a war status, for the war-status layer;
- ``map_partnerships``: every partnership with its sources and the region codes of both ends;
- ``unpartnered_hromadas``: hromadas without a German partner, with the facts their need is scored
  from (``registry.services.mapview`` adds the ``need`` column from the matching module's criteria);
- ``region_centres``: the centres of Länder and oblasts, where the overview lines start and end.

``focus_unit`` reads the one unit a map is focused on (``/map?focus=CODE``).

Region names come in German, English and Ukrainian (``region_name_de``, ``_en``, ``_uk``); the caller
picks one as ``region_name`` for the page's language, so the frames are cached once for every language.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

import pandas as pd
from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select, union
from sqlalchemy.orm import Session, aliased

from registry.models import (
    Country,
    Level,
    Municipality,
    Partnership,
    PartnershipSource,
    PartnershipStatus,
    Source,
    WarStatus,
)
from registry.repository.common import id_of
from registry.repository.name_rows import FocusUnitRow

# The Ukrainian units of the hromada layers: the hromadas and the two cities outside any oblast.
HROMADA_LEVELS: Final = (Level.HROMADA, Level.CITY_SPECIAL_STATUS)
# A partnership that ended no longer makes its hromada "partnered" for outreach planning.
LAPSED: Final = (PartnershipStatus.ENDED,)
# Occupied hromadas cannot receive support (the matching module never suggests them either).
UNREACHABLE: Final = (WarStatus.OCCUPIED,)

MUNICIPALITY_FRAME_COLUMNS: Final = (
    "code", "country", "level", "name", "name_de", "name_en", "name_uk", "population", "lat", "lon",
    "region_code", "region_name_de", "region_name_en", "region_name_uk", "war_status", "url",
    "population_date", "war_status_date", "idp", "idp_date",
)  # fmt: skip
PARTNERSHIP_FRAME_COLUMNS: Final = (
    "id", "de_code", "ua_code", "kind", "status", "start_year", "de_region_code", "ua_region_code",
    "sources", "url",
)  # fmt: skip
UNPARTNERED_FRAME_COLUMNS: Final = (
    "code", "name", "name_de", "name_en", "name_uk", "lat", "lon", "population", "region_code",
    "war_status", "ever_occupied", "distance_to_russia_km", "idp_registered", "url",
)  # fmt: skip
REGION_FRAME_COLUMNS: Final = ("code", "country", "lat", "lon")
# The units whose centres anchor the overview lines between a Land and an oblast.
REGION_LEVELS: Final = (Level.LAND, Level.OBLAST, Level.CITY_SPECIAL_STATUS)


def municipality_url(code: str) -> str:
    """Return the path of a municipality's page."""
    return f"/municipalities/{code}"


def partnership_url(partnership_id: int) -> str:
    """Return the path of a partnership's page."""
    return f"/partnerships/{partnership_id}"


def _region_of(unit: Any) -> Any:
    """The Land or oblast a unit lies in; a Land, oblast or special-status city is its own region."""
    return func.coalesce(unit.region_id, unit.id)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _number(value: float | int | None) -> float:
    return float("nan") if value is None else float(value)


def _iso(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def map_municipalities(session: Session) -> pd.DataFrame:
    """Return the partnered units and every hromada with a war status, with their region's names."""
    m, region = Municipality, aliased(Municipality, name="region")
    ends = union(
        select(Partnership.de_municipality_id.label("id")), select(Partnership.ua_municipality_id.label("id"))
    ).subquery()
    statement = (
        select(
            m.code,
            m.country,
            m.level,
            m.name,
            m.name_de,
            m.name_en,
            m.name_uk,
            m.population,
            m.lat,
            m.lon,
            region.code,
            region.name,
            region.name_de,
            region.name_en,
            region.name_uk,
            m.war_status,
            m.population_date,
            m.war_status_date,
            m.idp_registered,
            m.idp_date,
        )
        .outerjoin(region, region.id == _region_of(m))
        .where(
            or_(
                m.id.in_(select(ends.c.id)),
                and_(m.level.in_(HROMADA_LEVELS), m.war_status.is_not(None)),
            )
        )
        .order_by(m.code)
    )
    rows = [
        {
            "code": code,
            "country": str(country),
            "level": str(level),
            "name": name,
            "name_de": name_de,
            "name_en": name_en,
            "name_uk": name_uk,
            "population": _number(population),
            "lat": _number(lat),
            "lon": _number(lon),
            "region_code": region_code,
            "region_name_de": region_de or region_name,
            "region_name_en": region_en or region_name,
            # German regions have no Ukrainian name: Ukrainian readers see them in German (Latin script)
            "region_name_uk": region_uk or region_de or region_name,
            # only Ukrainian units carry a war status; the builder ignores it elsewhere
            "war_status": _text(war_status) if country == Country.UA else None,
            "url": municipality_url(code),
            "population_date": _iso(population_date),
            "war_status_date": _iso(war_status_date),
            "idp": _number(idp),
            "idp_date": _iso(idp_date),
        }
        for (
            code,
            country,
            level,
            name,
            name_de,
            name_en,
            name_uk,
            population,
            lat,
            lon,
            region_code,
            region_name,
            region_de,
            region_en,
            region_uk,
            war_status,
            population_date,
            war_status_date,
            idp,
            idp_date,
        ) in session.execute(statement)
    ]
    return pd.DataFrame(rows, columns=list(MUNICIPALITY_FRAME_COLUMNS))


def region_centres(session: Session) -> pd.DataFrame:
    """Return the centre of every Land, oblast and special-status city (the ends of the overview lines)."""
    m = Municipality
    statement = (
        select(m.code, m.country, m.lat, m.lon)
        .where(m.level.in_(REGION_LEVELS), m.lat.is_not(None), m.lon.is_not(None))
        .order_by(m.code)
    )
    rows = [
        {"code": code, "country": str(country), "lat": lat, "lon": lon}
        for code, country, lat, lon in session.execute(statement)
    ]
    return pd.DataFrame(rows, columns=list(REGION_FRAME_COLUMNS))


def focus_unit(session: Session, code: str) -> FocusUnitRow | None:
    """Return the unit a map is focused on (any of its codes), with its centre, or None if unknown."""
    m = Municipality
    row = session.execute(
        select(m.code, m.country, m.level, m.name, m.name_de, m.name_en, m.name_uk, m.lat, m.lon).where(
            m.id == id_of(code)
        )
    ).first()
    if row is None:
        return None
    code, country, level, name, name_de, name_en, name_uk, lat, lon = row
    return FocusUnitRow(
        code, str(country), str(level), name, name_de, name_en, name_uk, lat, lon, municipality_url(code)
    )


def _sources_by_partnership(session: Session) -> dict[int, list[dict[str, str | None]]]:
    """Return every partnership's sources, primary ones first, as ``{"url", "citation"}`` dicts."""
    statement = (
        select(PartnershipSource.partnership_id, Source.url, Source.citation)
        .join(Source, Source.id == PartnershipSource.source_id)
        .order_by(
            PartnershipSource.partnership_id,
            case((PartnershipSource.role == "primary", 0), else_=1),
            Source.id,
        )
    )
    found: dict[int, list[dict[str, str | None]]] = {}
    for pid, url, citation in session.execute(statement):
        found.setdefault(pid, []).append({"url": url, "citation": citation})
    return found


def map_partnerships(session: Session) -> pd.DataFrame:
    """Return every partnership with the codes and region codes of its ends and its sources."""
    p = Partnership
    de, ua = aliased(Municipality, name="de"), aliased(Municipality, name="ua")
    de_region, ua_region = aliased(Municipality, name="de_region"), aliased(Municipality, name="ua_region")
    statement = (
        select(p.id, de.code, ua.code, p.kind, p.status, p.start_year, de_region.code, ua_region.code)
        .join(de, p.de_municipality_id == de.id)
        .join(ua, p.ua_municipality_id == ua.id)
        .outerjoin(de_region, de_region.id == _region_of(de))
        .outerjoin(ua_region, ua_region.id == _region_of(ua))
        .order_by(p.id)
    )
    sources = _sources_by_partnership(session)
    rows = [
        {
            "id": pid,
            "de_code": de_code,
            "ua_code": ua_code,
            "kind": str(kind),
            "status": str(status),
            "start_year": _number(start_year),
            "de_region_code": de_region_code,
            "ua_region_code": ua_region_code,
            "sources": sources.get(pid, []),
            "url": partnership_url(pid),
        }
        for pid, de_code, ua_code, kind, status, start_year, de_region_code, ua_region_code in (
            session.execute(statement)
        )
    ]
    return pd.DataFrame(rows, columns=list(PARTNERSHIP_FRAME_COLUMNS))


def _unpartnered(m: Any) -> list[ColumnElement[bool]]:
    partnered = exists().where(Partnership.ua_municipality_id == m.id, Partnership.status.not_in(LAPSED))
    return [
        m.level.in_(HROMADA_LEVELS),
        ~partnered,
        or_(m.war_status.is_(None), m.war_status.not_in(UNREACHABLE)),
    ]


def count_unpartnered(session: Session) -> int:
    """Count the rows ``unpartnered_hromadas`` returns."""
    return session.scalar(select(func.count(Municipality.id)).where(*_unpartnered(Municipality))) or 0


def unpartnered_hromadas(session: Session) -> pd.DataFrame:
    """Return the hromadas (and Kyiv, Sevastopol) that no German unit partners, occupied ones left out.

    A hromada counts as partnered while it has a partnership that has not ended, whatever its kind
    (a planned one included: someone is already reaching out).
    """
    m, region = Municipality, aliased(Municipality, name="region")
    statement = (
        select(
            m.code,
            m.name,
            m.name_de,
            m.name_en,
            m.name_uk,
            m.lat,
            m.lon,
            m.population,
            region.code,
            m.war_status,
            m.occupied_since,
            m.distance_to_russia_km,
            m.idp_registered,
        )
        .outerjoin(region, region.id == _region_of(m))
        .where(*_unpartnered(m))
        .order_by(m.code)
    )
    rows = [
        {
            "code": code,
            "name": name,
            "name_de": name_de,
            "name_en": name_en,
            "name_uk": name_uk,
            "lat": _number(lat),
            "lon": _number(lon),
            "population": _number(population),
            "region_code": region_code,
            "war_status": _text(war_status),
            "ever_occupied": occupied_since is not None,
            "distance_to_russia_km": _number(distance),
            "idp_registered": _number(idp),
            "url": municipality_url(code),
        }
        for (
            code,
            name,
            name_de,
            name_en,
            name_uk,
            lat,
            lon,
            population,
            region_code,
            war_status,
            occupied_since,
            distance,
            idp,
        ) in session.execute(statement)
    ]
    return pd.DataFrame(rows, columns=list(UNPARTNERED_FRAME_COLUMNS))
