"""Reads of the gazetteer: the name index's rows, municipalities by id or code, statistics."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from registry.codes import official_code
from registry.models import (
    Municipality,
    MunicipalityCode,
    MunicipalityName,
    Partnership,
    Source,
    UnresolvedRow,
)
from registry.names import Candidate, IndexedName
from registry.repository.count_rows import GazetteerStatisticsRow, PartnershipCountsRow
from registry.repository.name_rows import FoundUnitRow


def name_index_stamp(session: Session) -> tuple[Any, ...]:
    """Return a cheap fingerprint of the name index: its names' part, then its ranking facts' part.

    The ranking part (the sum of the municipalities' versions) moves with every edit of a
    municipality's facts; the names part only when names or municipalities were added or removed
    (``names_stamp``).
    """
    ranking = session.scalar(select(func.sum(Municipality.version)))
    return (*names_stamp(session), ranking)


def names_stamp(session: Session) -> tuple[Any, ...]:
    """Return a cheap fingerprint of the stored names and of which municipalities exist.

    Names are only written by `registry load`, which deletes a municipality's names and inserts new
    ones: the count, the highest id or the total length of the keys moves. (SQLite may hand the ids of
    deleted last rows out again; then a respelling of the same length would go unseen until the next
    change of names.)
    """
    names = session.execute(
        select(
            func.count(MunicipalityName.id),
            func.max(MunicipalityName.id),
            func.sum(func.length(MunicipalityName.key)),
        )
    ).one()
    municipalities = session.execute(select(func.count(Municipality.id), func.max(Municipality.id))).one()
    return (*names, *municipalities)


def name_index_rows(session: Session) -> tuple[list[IndexedName], list[Candidate]]:
    """Return every stored name and every municipality's ranking facts."""
    return indexed_names(session), ranking_candidates(session)


def indexed_names(session: Session) -> list[IndexedName]:
    """Return every stored name as the index needs it."""
    return [
        IndexedName(mid, key, kind)
        for mid, key, kind in session.execute(
            select(MunicipalityName.municipality_id, MunicipalityName.key, MunicipalityName.kind)
        )
    ]


def ranking_stamp(session: Session) -> tuple[Any, ...]:
    """Return a fingerprint of the municipalities' ranking facts: it moves with every edit of one."""
    return tuple(session.execute(select(func.count(Municipality.id), func.sum(Municipality.version))).one())


def ranking_candidates(session: Session) -> list[Candidate]:
    """Return every municipality's ranking facts."""
    return [
        Candidate(mid, str(country), str(level), population)
        for mid, country, level, population in session.execute(
            select(Municipality.id, Municipality.country, Municipality.level, Municipality.population)
        )
    ]


# Made once: an alias made per call is new to SQLAlchemy's memoised expressions (~1.4 ms per search).
_PARENT = aliased(Municipality, name="parent")


def search_rows(session: Session, ids: Sequence[int]) -> dict[int, FoundUnitRow]:
    """Load what a search result shows of each municipality (and its parent's name), keyed by id."""
    parent = _PARENT
    rows = session.execute(
        select(
            Municipality.id,
            Municipality.code,
            Municipality.country,
            Municipality.level,
            Municipality.name,
            Municipality.name_de,
            Municipality.name_en,
            Municipality.name_uk,
            parent.name.label("parent_name"),
            Municipality.population,
        )
        .outerjoin(parent, Municipality.parent_id == parent.id)
        .where(Municipality.id.in_(list(ids)))
    )
    return {
        mid: FoundUnitRow(code, str(country), str(level), *names)
        for mid, code, country, level, *names in rows
    }


def municipality_by_code(session: Session, code: str) -> Municipality | None:
    """Find a municipality by any of its codes (see ``municipality_id_by_code``)."""
    found = municipality_id_by_code(session, code)
    return None if found is None else session.get(Municipality, found)


def municipality_id_by_code(session: Session, code: str) -> int | None:
    """Find a municipality's id by any of its codes (AGS, Kreis key, KATOTTH, a settlement's KATOTTH ...),
    also as the exports write them (``DE_01001000``, ``registry.codes``)."""
    code = official_code(code)
    found = session.scalar(select(Municipality.id).where(Municipality.code == code))
    if found is not None:
        return found
    return session.scalar(select(MunicipalityCode.municipality_id).where(MunicipalityCode.code == code))


def statistics(session: Session) -> GazetteerStatisticsRow:
    """Count municipalities by country and level, partnerships by kind, status and start year, sources."""

    def grouped(*columns: Any, model: Any = Partnership) -> list[tuple[Any, ...]]:
        return [
            tuple(row)
            for row in session.execute(
                select(*columns, func.count()).select_from(model).group_by(*columns).order_by(*columns)
            )
        ]

    def count(model: Any) -> int:
        return session.scalar(select(func.count()).select_from(model)) or 0

    return GazetteerStatisticsRow(
        municipalities={
            f"{country}/{level}": n
            for country, level, n in grouped(Municipality.country, Municipality.level, model=Municipality)
        },
        partnerships=PartnershipCountsRow(
            total=count(Partnership),
            by_kind={str(kind): n for kind, n in grouped(Partnership.kind)},
            by_status={str(status): n for status, n in grouped(Partnership.status)},
            by_start_year={
                ("unknown" if year is None else str(year)): n for year, n in grouped(Partnership.start_year)
            },
        ),
        sources=count(Source),
        unresolved_rows=count(UnresolvedRow),
    )


def without_coordinates(session: Session) -> list[tuple[int, str, str, str, tuple[float, float] | None]]:
    """List (id, code, name, country, parent's point) of every municipality lacking coordinates."""
    parent = _PARENT
    rows = session.execute(
        select(
            Municipality.id,
            Municipality.code,
            Municipality.name,
            Municipality.country,
            parent.lat,
            parent.lon,
        )
        .outerjoin(parent, Municipality.parent_id == parent.id)
        .where(Municipality.lat.is_(None))
        .order_by(Municipality.code)
    ).all()
    return [
        (mid, code, name, str(country), (plat, plon) if plat is not None and plon is not None else None)
        for mid, code, name, country, plat, plon in rows
    ]


def set_coordinates(session: Session, municipality_id: int, lat: float, lon: float, source_id: int) -> None:
    """Store geocoded coordinates with their source."""
    municipality = session.get_one(Municipality, municipality_id)
    municipality.lat, municipality.lon, municipality.coordinates_source_id = lat, lon, source_id
    session.flush()
