"""Reads of the web pages that no other module makes: headline counts and unit names by code."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from registry.models import Country, Municipality, Partnership
from registry.repository import mapdata
from registry.repository.common import unit_name, unit_name_columns
from registry.repository.count_rows import HeadlineCountsRow

if TYPE_CHECKING:
    from collections.abc import Iterable

    from registry.repository.name_rows import UnitNameRow

# The year of the full-scale invasion: partnerships started since then are the solidarity wave.
INVASION_YEAR: Final = 2022


def headline_counts(session: Session) -> HeadlineCountsRow:
    """Count partnerships, the units and regions on both sides, and the hromadas still without a partner."""
    p = Partnership
    de, ua = aliased(Municipality, name="de"), aliased(Municipality, name="ua")
    joined = (
        select(
            func.count(p.id),
            func.count(func.distinct(p.de_municipality_id)),
            func.count(func.distinct(p.ua_municipality_id)),
            func.count(func.distinct(func.coalesce(de.region_id, de.id))),
            func.count(func.distinct(func.coalesce(ua.region_id, ua.id))),
        )
        .select_from(p)
        .join(de, de.id == p.de_municipality_id)
        .join(ua, ua.id == p.ua_municipality_id)
    )
    total, german, ukrainian, lands, oblasts = session.execute(joined).one()
    since = session.scalar(select(func.count(p.id)).where(p.start_year >= INVASION_YEAR)) or 0
    m = Municipality
    hromadas = session.scalar(select(func.count(m.id)).where(m.level.in_(mapdata.HROMADA_LEVELS)))
    german_units = session.scalar(select(func.count(m.id)).where(m.country == Country.DE))
    return HeadlineCountsRow(
        partnerships=int(total or 0),
        german=int(german or 0),
        ukrainian=int(ukrainian or 0),
        lands=int(lands or 0),
        oblasts=int(oblasts or 0),
        since_2022=int(since),
        unpartnered=mapdata.count_unpartnered(session),
        hromadas=int(hromadas or 0),
        german_units=int(german_units or 0),
    )


def unit_names(session: Session, codes: Iterable[str | None]) -> dict[str, UnitNameRow]:
    """Return the names, country and level of the units with these (own) codes, keyed by code."""
    wanted = sorted({c for c in codes if c})
    if not wanted:
        return {}
    rows = session.execute(select(*unit_name_columns(Municipality)).where(Municipality.code.in_(wanted)))
    return {row[0]: unit_name(*row) for row in rows}


def partnership_counts(session: Session, codes: Iterable[str]) -> dict[str, int]:
    """Count the partnerships of each unit (on either side), keyed by the unit's own code."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    m, p = Municipality, Partnership
    ends = (
        select(p.de_municipality_id.label("unit"))
        .union_all(select(p.ua_municipality_id.label("unit")))
        .subquery()
    )
    rows = session.execute(
        select(m.code, func.count(ends.c.unit))
        .join(ends, ends.c.unit == m.id)
        .where(m.code.in_(wanted))
        .group_by(m.code)
    )
    found = {code: int(n) for code, n in rows}
    return {code: found.get(code, 0) for code in wanted}


def parent_names(session: Session, codes: Iterable[str]) -> dict[str, UnitNameRow]:
    """Return the names, country and level of each unit's parent (Kreis, raion, ...), keyed by the unit."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    m, parent = Municipality, aliased(Municipality, name="parent")
    rows = session.execute(
        select(m.code, *unit_name_columns(parent))
        .join(parent, parent.id == m.parent_id)
        .where(m.code.in_(wanted))
    )
    return {child: unit_name(*columns) for child, *columns in rows}
