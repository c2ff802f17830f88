"""Reads for the matching module: the database as the frames of `registry.matching.MatchingInput`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import pandas as pd
from sqlalchemy import Table, func, select
from sqlalchemy.orm import Bundle, Session, aliased

from registry.models import (
    Country,
    HromadaNeed,
    Level,
    Municipality,
    MunicipalityOffer,
    NeedCategory,
    Partnership,
    PartnershipSource,
    Source,
    ThirdTie,
    WarListing,
)
from registry.repository import third_partners

UA_CANDIDATE_LEVELS = (Level.HROMADA, Level.CITY_SPECIAL_STATUS, Level.RAION, Level.OBLAST)


def _with_region_and_district() -> tuple[Any, Any, Any]:
    region, district = aliased(Municipality), aliased(Municipality)
    # The unit's columns as one bundle, read like an entity (m.code, m.level) but without ORM instances:
    # 12,000 of them and their states made a full garbage collection pause other threads 150 ms.
    unit: Bundle[Any] = Bundle("m", *cast("Table", Municipality.__table__).c)
    query = (
        select(
            unit,
            region.code.label("region_code"),
            region.name.label("region_name"),
            region.name_de.label("region_name_de"),
            district.code.label("district_code"),
            district.name.label("district_name"),
            district.name_de.label("district_name_de"),
            region.name_uk.label("region_name_uk"),
            district.name_uk.label("district_name_uk"),
            Source.publisher.label("population_source"),
        )
        .outerjoin(region, Municipality.region_id == region.id)
        .outerjoin(district, Municipality.district_id == district.id)
        .outerjoin(Source, Municipality.population_source_id == Source.id)
    )
    return query, region, district


def _kreis_key(level: str, code: str, district_code: str | None) -> str | None:
    """The Kreis key: its own for a Kreis, else the AGS prefix (a kreisfreie Stadt is its own Kreis)."""
    if level == Level.KREIS:
        return code
    if district_code:
        return district_code
    return code[:5] if code.isdigit() and len(code) == 8 else None


def _bare(name: str | None, suffix: str) -> str | None:
    # The explanations add the word themselves ("Kharkiv oblast", "Oblast Kharkiv").
    return name.removesuffix(suffix) if name else name


def _bare_de(name_de: str | None, prefix: str, fallback: str | None) -> str | None:
    # German names lead with the word ("Oblast Charkiw", "Rajon Charkiwskyj"); the Autonomous Republic
    # of Crimea has none ("Autonome Republik Krim"). Without a German name the English one stands in.
    return name_de.removeprefix(prefix) if name_de else fallback


def hromadas_frame(session: Session) -> pd.DataFrame:
    """Every Ukrainian unit the matching ranks (hromadas, Kyiv, Sevastopol, raions, oblasts) with its facts.

    A raion or oblast carries its own code and bare names in the raion or oblast columns.
    """
    query, _, _ = _with_region_and_district()
    rows = []
    units = query.where(Municipality.level.in_(UA_CANDIDATE_LEVELS)).order_by(Municipality.code)
    for row in session.execute(units):
        m, region_code, region_name, region_de, district_code, district_name, district_de = row[:7]
        region_uk, district_uk, population_source = row[7:]
        special = m.level == Level.CITY_SPECIAL_STATUS
        if m.level == Level.OBLAST:
            region_code, region_name, region_de, region_uk = m.code, m.name, m.name_de, m.name_uk
        if m.level == Level.RAION:
            district_code, district_name, district_de, district_uk = m.code, m.name, m.name_de, m.name_uk
        oblast_name = m.name if special else _bare(region_name, " Oblast")
        oblast_de = (m.name_de or m.name) if special else _bare_de(region_de, "Oblast ", oblast_name)
        raion_name = _bare(district_name, " Raion")
        rows.append(
            {
                "code": m.code,
                "name": m.name,
                "name_de": m.name_de or m.name,
                "name_uk": m.name_uk,
                "level": str(m.level),
                "subtype": m.subtype,
                "oblast_code": m.code if special else region_code,
                "oblast_name": oblast_name,
                "oblast_name_de": oblast_de,
                "oblast_name_uk": m.name_uk if special else _bare(region_uk, " область"),
                "raion_code": district_code,
                "raion_name": raion_name,
                "raion_name_de": _bare_de(district_de, "Rajon ", raion_name),
                "raion_name_uk": _bare(district_uk, " район"),
                "population": float("nan") if m.population is None else float(m.population),
                "population_date": m.population_date,
                "population_source": population_source,
                "lat": m.lat,
                "lon": m.lon,
                "war_status": None if m.war_status is None else str(m.war_status),
                "war_status_date": m.war_status_date,
                "ever_occupied": m.occupied_since is not None,
                "distance_to_russia_km": m.distance_to_russia_km,
                "idp_registered": float("nan") if m.idp_registered is None else float(m.idp_registered),
                "idp_date": m.idp_date,
            }
        )
    return pd.DataFrame(rows)


def germans_frame(session: Session) -> pd.DataFrame:
    """Every German unit, with its Land and Kreis (a Land is its own Land)."""
    query, _, _ = _with_region_and_district()
    rows = []
    for (
        m,
        region_code,
        region_name,
        _,
        district_code,
        district_name,
        _,
        _,
        _,
        population_source,
    ) in session.execute(query.where(Municipality.country == Country.DE).order_by(Municipality.code)):
        kreis = _kreis_key(str(m.level), m.code, district_code)
        rows.append(
            {
                "code": m.code,
                "name": m.name,
                "level": str(m.level),
                "land_code": region_code,
                "land_name": region_name,
                "kreis_code": kreis,
                "kreis_name": district_name or (m.name if kreis == m.code[:5] else None),
                "population": float("nan") if m.population is None else float(m.population),
                "population_date": m.population_date,
                "population_source": population_source,
                "lat": m.lat,
                "lon": m.lon,
            }
        )
    return pd.DataFrame(rows)


def partnerships_frame(session: Session, columns: Sequence[str]) -> pd.DataFrame:
    """Every partnership with the codes of both sides and of their Land/Kreis and oblast/raion.

    ``columns`` is the matching input's column order (passed in: the repository does not import matching).
    """
    de, ua = aliased(Municipality), aliased(Municipality)
    de_region, de_district = aliased(Municipality), aliased(Municipality)
    ua_region, ua_district = aliased(Municipality), aliased(Municipality)
    query = (
        select(
            Partnership.id,
            Partnership.start_year,
            Partnership.status,
            Partnership.kind,
            de.code,
            de.level,
            de_region.code,
            de_district.code,
            ua.code,
            ua.level,
            ua_region.code,
            ua_district.code,
        )
        .join(de, Partnership.de_municipality_id == de.id)
        .join(ua, Partnership.ua_municipality_id == ua.id)
        .outerjoin(de_region, de.region_id == de_region.id)
        .outerjoin(de_district, de.district_id == de_district.id)
        .outerjoin(ua_region, ua.region_id == ua_region.id)
        .outerjoin(ua_district, ua.district_id == ua_district.id)
        .order_by(Partnership.id)
    )
    rows = []
    for (
        pid,
        start_year,
        status,
        kind,
        de_code,
        de_level,
        de_land,
        de_kreis,
        ua_code,
        ua_level,
        ua_oblast,
        ua_raion,
    ) in session.execute(query):
        rows.append(
            {
                "id": pid,
                "de_code": de_code,
                "de_level": str(de_level),
                "de_land_code": de_code if de_level == Level.LAND else de_land,
                "de_kreis_code": _kreis_key(str(de_level), de_code, de_kreis),
                "ua_code": ua_code,
                "ua_level": str(ua_level),
                "ua_oblast_code": ua_code
                if ua_level in (Level.OBLAST, Level.CITY_SPECIAL_STATUS)
                else ua_oblast,
                "ua_raion_code": ua_code if ua_level == Level.RAION else ua_raion,
                "start_year": float("nan") if start_year is None else float(start_year),
                "status": str(status),
                "kind": str(kind),
            }
        )
    frame = pd.DataFrame(rows, columns=list(columns))
    primary = dict(
        session.execute(
            select(PartnershipSource.partnership_id, func.coalesce(Source.url, Source.citation))
            .join(Source, PartnershipSource.source_id == Source.id)
            .where(PartnershipSource.role == "primary")
            .order_by(PartnershipSource.partnership_id, Source.id)
        ).all()
    )
    return frame.assign(source=pd.Series([primary.get(pid) for pid in frame["id"].tolist()], dtype=object))


def needs_frame(session: Session) -> pd.DataFrame:
    """Declared needs of hromadas: code, category, priority."""
    rows = session.execute(
        select(Municipality.code, HromadaNeed.category, HromadaNeed.priority)
        .join(Municipality, HromadaNeed.municipality_id == Municipality.id)
        .order_by(HromadaNeed.id)
    ).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=["ua_code", "category", "priority"])


def offers_frame(session: Session) -> pd.DataFrame:
    """Declared offers of German municipalities: code, category."""
    rows = session.execute(
        select(Municipality.code, MunicipalityOffer.category)
        .join(Municipality, MunicipalityOffer.municipality_id == Municipality.id)
        .order_by(MunicipalityOffer.id)
    ).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=["de_code", "category"])


def third_partners_frame(session: Session) -> pd.DataFrame:
    """Third-country twin towns of German and Ukrainian units: code, town key, name, country."""
    rows = third_partners.third_tie_rows(session)
    return pd.DataFrame(
        [(r.municipality_code, r.town_key, r.town_name, r.town_country) for r in rows],
        columns=["municipality_code", "partner_key", "partner_name", "partner_country"],
    )


def listings_frame(session: Session) -> pd.DataFrame:
    """The official hostilities list's periods placed in hromadas (see matching.frames.LISTING_COLUMNS)."""
    rows = third_partners.war_listing_rows(session)
    return pd.DataFrame(
        [(r.hromada_code, r.section, r.start_date, r.end_date, r.covers_centre) for r in rows],
        columns=["ua_code", "section", "start_date", "end_date", "covers_centre"],
    )


def vocabulary_frame(session: Session) -> pd.DataFrame:
    """Labels of the need/offer categories, for the explanations."""
    rows = session.execute(
        select(NeedCategory.code, NeedCategory.label_de, NeedCategory.label_en).order_by(
            NeedCategory.position
        )
    ).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=["code", "label_de", "label_en"])


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
