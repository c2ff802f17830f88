"""The frames of `registry.matching.MatchingInput` from the repository's rows: the unit levels the
matching ranks, the Kreis key, the bare names of oblasts and raions the explanations put words around."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from registry.matching import MatchingInput
from registry.matching.frames import (
    LISTING_COLUMNS,
    NEED_COLUMNS,
    OFFER_COLUMNS,
    PARTNERSHIP_COLUMNS,
    THIRD_PARTNER_COLUMNS,
    THIRD_PARTNER_OPTIONAL_COLUMNS,
    UA_CANDIDATE_LEVELS,
    VOCABULARY_COLUMNS,
)
from registry.models import Country, Level
from registry.repository import matching as queries
from registry.repository import third_partners

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from registry.matching.model import FitModel


def matching_input(session: Session, model: FitModel | None) -> MatchingInput:
    """Read everything the matching needs from the database."""
    return MatchingInput(
        hromadas=hromadas_frame(session),
        germans=germans_frame(session),
        partnerships=partnerships_frame(session),
        needs=pd.DataFrame(queries.needs(session), columns=list(NEED_COLUMNS)),
        offers=pd.DataFrame(queries.offers(session), columns=list(OFFER_COLUMNS)),
        third_partners=third_partners_frame(session),
        listings=listings_frame(session),
        vocabulary=pd.DataFrame(queries.category_labels(session), columns=list(VOCABULARY_COLUMNS)),
        model=model,
    )


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


def _count(value: int | None) -> float:
    return float("nan") if value is None else float(value)


def hromadas_frame(session: Session) -> pd.DataFrame:
    """Every Ukrainian unit the matching ranks (hromadas, Kyiv, Sevastopol, raions, oblasts) with its facts.

    A raion or oblast carries its own code and bare names in the raion or oblast columns.
    """
    rows = []
    for u in queries.units(session, country=Country.UA, levels=UA_CANDIDATE_LEVELS):
        special = u.level == Level.CITY_SPECIAL_STATUS
        region_code, region_name, region_de, region_uk = (
            u.region_code, u.region_name, u.region_name_de, u.region_name_uk
        )  # fmt: skip
        district_code, district_name, district_de, district_uk = (
            u.district_code, u.district_name, u.district_name_de, u.district_name_uk
        )  # fmt: skip
        if u.level == Level.OBLAST:
            region_code, region_name, region_de, region_uk = u.code, u.name, u.name_de, u.name_uk
        if u.level == Level.RAION:
            district_code, district_name, district_de, district_uk = u.code, u.name, u.name_de, u.name_uk
        oblast_name = u.name if special else _bare(region_name, " Oblast")
        oblast_de = (u.name_de or u.name) if special else _bare_de(region_de, "Oblast ", oblast_name)
        raion_name = _bare(district_name, " Raion")
        rows.append(
            {
                "code": u.code,
                "name": u.name,
                "name_de": u.name_de or u.name,
                "name_uk": u.name_uk,
                "level": u.level,
                "subtype": u.subtype,
                "oblast_code": u.code if special else region_code,
                "oblast_name": oblast_name,
                "oblast_name_de": oblast_de,
                "oblast_name_uk": u.name_uk if special else _bare(region_uk, " область"),
                "raion_code": district_code,
                "raion_name": raion_name,
                "raion_name_de": _bare_de(district_de, "Rajon ", raion_name),
                "raion_name_uk": _bare(district_uk, " район"),
                "population": _count(u.population),
                "population_date": u.population_date,
                "population_source": u.population_source,
                "lat": u.lat,
                "lon": u.lon,
                "war_status": u.war_status,
                "war_status_date": u.war_status_date,
                "ever_occupied": u.occupied_since is not None,
                "distance_to_russia_km": u.distance_to_russia_km,
                "idp_registered": _count(u.idp_registered),
                "idp_date": u.idp_date,
            }
        )
    return pd.DataFrame(rows)


def germans_frame(session: Session) -> pd.DataFrame:
    """Every German unit, with its Land and Kreis (a Land is its own Land)."""
    rows = []
    for u in queries.units(session, country=Country.DE):
        kreis = _kreis_key(u.level, u.code, u.district_code)
        rows.append(
            {
                "code": u.code,
                "name": u.name,
                "level": u.level,
                "land_code": u.region_code,
                "land_name": u.region_name,
                "kreis_code": kreis,
                "kreis_name": u.district_name or (u.name if kreis == u.code[:5] else None),
                "population": _count(u.population),
                "population_date": u.population_date,
                "population_source": u.population_source,
                "lat": u.lat,
                "lon": u.lon,
            }
        )
    return pd.DataFrame(rows)


def partnerships_frame(session: Session) -> pd.DataFrame:
    """Every partnership with the codes of both sides and of their Land/Kreis and oblast/raion, and its
    primary source."""
    primary = queries.primary_sources(session)
    rows = [
        {
            "id": p.id,
            "de_code": p.de_code,
            "de_level": p.de_level,
            "de_land_code": p.de_code if p.de_level == Level.LAND else p.de_region_code,
            "de_kreis_code": _kreis_key(p.de_level, p.de_code, p.de_district_code),
            "ua_code": p.ua_code,
            "ua_level": p.ua_level,
            "ua_oblast_code": p.ua_code
            if p.ua_level in (Level.OBLAST, Level.CITY_SPECIAL_STATUS)
            else p.ua_region_code,
            "ua_raion_code": p.ua_code if p.ua_level == Level.RAION else p.ua_district_code,
            "start_year": _count(p.start_year),
            "status": p.status,
            "kind": p.kind,
        }
        for p in queries.partnerships(session)
    ]
    frame = pd.DataFrame(rows, columns=list(PARTNERSHIP_COLUMNS))
    return frame.assign(source=pd.Series([primary.get(pid) for pid in frame["id"].tolist()], dtype=object))


def third_partners_frame(session: Session) -> pd.DataFrame:
    """Third-country twin towns of German and Ukrainian units: code, town key, name, country."""
    rows = third_partners.third_tie_rows(session)
    return pd.DataFrame(
        [(r.municipality_code, r.town_key, r.town_name, r.town_country) for r in rows],
        columns=[*THIRD_PARTNER_COLUMNS, *THIRD_PARTNER_OPTIONAL_COLUMNS],
    )


def listings_frame(session: Session) -> pd.DataFrame:
    """The official hostilities list's periods placed in hromadas (see matching.frames.LISTING_COLUMNS)."""
    rows = third_partners.war_listing_rows(session)
    return pd.DataFrame(
        [(r.hromada_code, r.section, r.start_date, r.end_date, r.covers_centre) for r in rows],
        columns=list(LISTING_COLUMNS),
    )
