"""Counts of partnerships by Land, oblast, kind, status and start year, for any filtered set."""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from registry.models import Country, Municipality, Partnership
from registry.repository.count_rows import PartnershipStatisticsRow, RegionCountRow, TimelineYearRow
from registry.repository.needs import declared_counts
from registry.repository.partnerships import PartnershipFilter, de, filter_clauses, joined_select, land_of, ua

# The year of the full-scale invasion: partnerships started since then are the solidarity wave.
INVASION_YEAR: Final = 2022


def partnership_statistics(session: Session, f: PartnershipFilter) -> PartnershipStatisticsRow:
    """Count the partnerships matching ``f`` every way the statistics page shows them."""
    where = filter_clauses(f)

    def by(*columns: Any) -> list[tuple[Any, ...]]:
        statement = joined_select(select(*columns, func.count(Partnership.id))).where(*where)
        return [tuple(r) for r in session.execute(statement.group_by(*columns).order_by(*columns))]

    def by_region(unit: Any, country: Country, narrowed: bool) -> tuple[RegionCountRow, ...]:
        """Count per Land (oblast); every region of the country is listed, zeros too, unless the
        filter narrows that side to a place (then the others are zero by definition)."""
        region = aliased(Municipality)
        statement = (
            joined_select(select(region.code, func.count(Partnership.id)))
            .join(region, region.id == land_of(unit))
            .where(*where)
            .group_by(region.code)
        )
        counted: dict[str, int] = {code: n for code, n in session.execute(statement)}
        regions = session.execute(
            select(Municipality.code, Municipality.name).where(
                Municipality.country == country, Municipality.region_id.is_(None)
            )
        )
        rows = [
            RegionCountRow(code, name, counted.get(code, 0))
            for code, name in regions
            if counted.get(code) or not narrowed
        ]
        return tuple(sorted(rows, key=lambda r: (-r.count, r.code)))

    years = by(Partnership.start_year)
    cumulative, timeline = 0, []
    for year, count in years:
        if year is not None:
            cumulative += count
            timeline.append(TimelineYearRow(year, count, cumulative))
    total = sum(count for _year, count in years)
    declared = declared_counts(session)
    return PartnershipStatisticsRow(
        total=total,
        by_land=by_region(de, Country.DE, bool(f.land or f.kreis or f.municipality)),
        by_oblast=by_region(ua, Country.UA, bool(f.oblast or f.raion or f.hromada)),
        by_kind={str(kind): n for kind, n in by(Partnership.kind)},
        by_status={str(status): n for status, n in by(Partnership.status)},
        by_start_year=tuple(timeline),
        start_year_unknown=sum(count for year, count in years if year is None),
        started_since_invasion=sum(
            count for year, count in years if year is not None and year >= INVASION_YEAR
        ),
        needs_by_category=declared.needs,
        offers_by_category=declared.offers,
    )
