"""Reads for the matching module: every unit with its region and district, the partnerships, the
declared needs and offers, the vocabulary's labels. Rows only; ``registry.services.matching_input``
turns them into the frames of `registry.matching.MatchingInput`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from registry.models import (
    Country,
    HromadaNeed,
    Municipality,
    MunicipalityOffer,
    NeedCategory,
    Partnership,
    PartnershipSource,
    Source,
    ThirdTie,
    WarListing,
)


@dataclass(frozen=True)
class MatchingUnitRow:
    """A unit's facts as stored, with the codes and names of its region (Land, oblast) and district
    (Kreis, raion), and the publisher of its population figure."""

    code: str
    name: str
    name_de: str | None
    name_uk: str | None
    level: str
    subtype: str | None
    region_code: str | None
    region_name: str | None
    region_name_de: str | None
    region_name_uk: str | None
    district_code: str | None
    district_name: str | None
    district_name_de: str | None
    district_name_uk: str | None
    population: int | None
    population_date: dt.date | None
    population_source: str | None
    lat: float | None
    lon: float | None
    war_status: str | None
    war_status_date: dt.date | None
    occupied_since: dt.date | None
    distance_to_russia_km: float | None
    idp_registered: int | None
    idp_date: dt.date | None


@dataclass(frozen=True)
class MatchingPartnershipRow:
    """A partnership with the level, region and district of both sides (codes only)."""

    id: int
    start_year: int | None
    status: str
    kind: str
    de_code: str
    de_level: str
    de_region_code: str | None
    de_district_code: str | None
    ua_code: str
    ua_level: str
    ua_region_code: str | None
    ua_district_code: str | None


def units(
    session: Session, *, country: Country, levels: Collection[str] | None = None
) -> list[MatchingUnitRow]:
    """Return the units of ``country`` (of ``levels`` only, if given), by code."""
    m, region, district = Municipality, aliased(Municipality), aliased(Municipality)
    query = (
        select(
            m.code,
            m.name,
            m.name_de,
            m.name_uk,
            m.level,
            m.subtype,
            region.code.label("region_code"),
            region.name.label("region_name"),
            region.name_de.label("region_name_de"),
            region.name_uk.label("region_name_uk"),
            district.code.label("district_code"),
            district.name.label("district_name"),
            district.name_de.label("district_name_de"),
            district.name_uk.label("district_name_uk"),
            m.population,
            m.population_date,
            Source.publisher.label("population_source"),
            m.lat,
            m.lon,
            m.war_status,
            m.war_status_date,
            m.occupied_since,
            m.distance_to_russia_km,
            m.idp_registered,
            m.idp_date,
        )
        .outerjoin(region, m.region_id == region.id)
        .outerjoin(district, m.district_id == district.id)
        .outerjoin(Source, m.population_source_id == Source.id)
        .where(m.country == country)
        .order_by(m.code)
    )
    if levels is not None:
        query = query.where(m.level.in_(sorted(levels)))
    return [
        MatchingUnitRow(
            **row._asdict()
            | {"level": str(row.level), "war_status": None if row.war_status is None else str(row.war_status)}
        )
        for row in session.execute(query)
    ]


def partnerships(session: Session) -> list[MatchingPartnershipRow]:
    """Return every partnership, by id."""
    de, ua = aliased(Municipality), aliased(Municipality)
    de_region, de_district = aliased(Municipality), aliased(Municipality)
    ua_region, ua_district = aliased(Municipality), aliased(Municipality)
    query = (
        select(
            Partnership.id,
            Partnership.start_year,
            Partnership.status,
            Partnership.kind,
            de.code.label("de_code"),
            de.level.label("de_level"),
            de_region.code.label("de_region_code"),
            de_district.code.label("de_district_code"),
            ua.code.label("ua_code"),
            ua.level.label("ua_level"),
            ua_region.code.label("ua_region_code"),
            ua_district.code.label("ua_district_code"),
        )
        .join(de, Partnership.de_municipality_id == de.id)
        .join(ua, Partnership.ua_municipality_id == ua.id)
        .outerjoin(de_region, de.region_id == de_region.id)
        .outerjoin(de_district, de.district_id == de_district.id)
        .outerjoin(ua_region, ua.region_id == ua_region.id)
        .outerjoin(ua_district, ua.district_id == ua_district.id)
        .order_by(Partnership.id)
    )
    enums = ("status", "kind", "de_level", "ua_level")
    return [
        MatchingPartnershipRow(**row._asdict() | {name: str(getattr(row, name)) for name in enums})
        for row in session.execute(query)
    ]


def primary_sources(session: Session) -> dict[int, str]:
    """Return each partnership's primary source (its URL, else its citation), keyed by partnership id."""
    statement = (
        select(PartnershipSource.partnership_id, func.coalesce(Source.url, Source.citation))
        .join(Source, PartnershipSource.source_id == Source.id)
        .where(PartnershipSource.role == "primary")
        .order_by(PartnershipSource.partnership_id, Source.id)
    )
    return {pid: source for pid, source in session.execute(statement)}


def needs(session: Session) -> list[tuple[str, str, int]]:
    """Return the declared needs of hromadas as (code, category, priority), in the order declared."""
    statement = (
        select(Municipality.code, HromadaNeed.category, HromadaNeed.priority)
        .join(Municipality, HromadaNeed.municipality_id == Municipality.id)
        .order_by(HromadaNeed.id)
    )
    return [(code, category, priority) for code, category, priority in session.execute(statement)]


def offers(session: Session) -> list[tuple[str, str]]:
    """Return the declared offers of German municipalities as (code, category), in the order declared."""
    statement = (
        select(Municipality.code, MunicipalityOffer.category)
        .join(Municipality, MunicipalityOffer.municipality_id == Municipality.id)
        .order_by(MunicipalityOffer.id)
    )
    return [(code, category) for code, category in session.execute(statement)]


def category_labels(session: Session) -> list[tuple[str, str, str]]:
    """Return the categories as (code, German label, English label), in the vocabulary's order."""
    statement = select(NeedCategory.code, NeedCategory.label_de, NeedCategory.label_en)
    return [(code, de, en) for code, de, en in session.execute(statement.order_by(NeedCategory.position))]


def matching_stamp(session: Session) -> tuple[Any, ...]:
    """A fingerprint that changes whenever a municipality or partnership changes."""
    municipalities = session.execute(
        select(func.count(Municipality.id), func.sum(Municipality.version))
    ).one()
    partnerships = session.execute(
        select(func.count(Partnership.id), func.sum(Partnership.version), func.max(Partnership.id))
    ).one()
    needs = session.execute(
        select(func.count(HromadaNeed.id), func.sum(HromadaNeed.version), func.max(HromadaNeed.id))
    ).one()
    offer = MunicipalityOffer
    offers = session.execute(select(func.count(offer.id), func.sum(offer.version), func.max(offer.id))).one()
    third = session.execute(select(func.count(ThirdTie.id), func.max(ThirdTie.id))).one()
    listed = session.execute(select(func.count(WarListing.id), func.max(WarListing.id))).one()
    return (*municipalities, *partnerships, *needs, *offers, *third, *listed)
