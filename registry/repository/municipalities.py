"""Municipalities: filtered lists, the page of facts, and edits of facts with their sources."""

from __future__ import annotations

# Runtime imports: the filter dataclass reaches Litestar, which resolves its annotations.
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, cast

import msgspec
from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Table,
    case,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session

from registry.codes import official_code
from registry.facts import SOURCE_GROUPS
from registry.models import (
    Municipality,
    MunicipalityCode,
    MunicipalityName,
    Partnership,
    PartnershipStatus,
    Source,
)
from registry.names import NameKind
from registry.repository.common import IN_BATCH, id_of, municipality_row
from registry.repository.name_rows import PlacedUnitRow
from registry.repository.paging import page_of, total_of
from registry.repository.rows import MunicipalityFactsRow, MunicipalityRow, SourceRow, utc

TABLE: Final = cast("Table", Municipality.__table__)
PARTNERSHIP: Final = cast("Table", Partnership.__table__)
MunicipalitySort = Literal["relevance", "name", "-name", "population", "-population", "code", "-code"]

# Kinds of names worth showing on a page; settlements (villages of a hromada) would drown them.
SHOWN_NAME_KINDS: Final = tuple(k.value for k in NameKind if k is not NameKind.SETTLEMENT)


@dataclass(frozen=True)
class MunicipalityFilter:
    """Which municipalities to list; every field narrows the list."""

    country: str | None = None
    levels: Sequence[str] = ()
    region: str | None = None  # code of the Land or oblast they lie in
    district: str | None = None  # code of the Kreis or raion they lie in
    population_min: int | None = None
    population_max: int | None = None
    war_statuses: Sequence[str] = ()
    has_partner: bool | None = None
    ids: Sequence[int] | None = None  # the hits of a name search, best first


# Core aliases: cheaper for SQLAlchemy to key its statement cache by than ORM ones (see partnerships)
_region = TABLE.alias("region")
_district = TABLE.alias("district")


def _partnerships(unit_id: ColumnElement[int], *, current: bool) -> ColumnElement[int]:
    """Count a unit's partnerships (only those that have not ended if ``current``), on either side.

    Two correlated counts, each answered from the index of one side: an OR over both sides scans.
    """
    p = PARTNERSHIP.c
    counts = []
    for side in (p.de_municipality_id, p.ua_municipality_id):
        statement = select(func.count()).select_from(PARTNERSHIP).where(side == unit_id)
        if current:
            statement = statement.where(p.status != PartnershipStatus.ENDED)
        counts.append(statement.scalar_subquery())
    return counts[0] + counts[1]


def _where(f: MunicipalityFilter) -> list[ColumnElement[bool]]:
    m = TABLE.c
    clauses: list[ColumnElement[bool]] = []
    if f.country:
        clauses.append(m.country == f.country)
    if f.levels:
        clauses.append(m.level.in_(list(f.levels)))
    if f.region:
        clauses.append(m.region_id == id_of(f.region))
    if f.district:
        clauses.append(m.district_id == id_of(f.district))
    if f.population_min is not None:
        clauses.append(m.population >= f.population_min)
    if f.population_max is not None:
        clauses.append(m.population <= f.population_max)
    if f.war_statuses:
        clauses.append(m.war_status.in_(list(f.war_statuses)))
    if f.has_partner is not None:
        partnered = exists().where(
            or_(Partnership.de_municipality_id == m.id, Partnership.ua_municipality_id == m.id)
        )
        clauses.append(partnered if f.has_partner else ~partnered)
    if f.ids is not None:
        clauses.append(m.id.in_(list(f.ids)))
    return clauses


def _columns() -> list[Any]:
    """The columns of ``MunicipalityRow``, in its order (its fields name them), from ``_JOINED``."""
    m = TABLE.c
    derived = {
        "region_code": _region.c.code,
        "region_name": _region.c.name,
        "district_code": _district.c.code,
        "district_name": _district.c.name,
        "partnership_count": _partnerships(m.id, current=False),
        "partner_count": _partnerships(m.id, current=True),
    }
    return [
        derived[name].label(name) if name in derived else m[name]
        for name in MunicipalityRow.__struct_fields__
    ]


_COLUMNS: Final = _columns()  # built once: statements are immutable
_JOINED: Final = TABLE.outerjoin(_region, TABLE.c.region_id == _region.c.id).outerjoin(
    _district, TABLE.c.district_id == _district.c.id
)


def _select(f: MunicipalityFilter, sort: str) -> Select[*tuple[Any, ...]]:
    """Select the columns of ``MunicipalityRow``, in its order."""
    statement = select(*_COLUMNS).select_from(_JOINED).where(*_where(f))
    return statement.order_by(*_order(f, sort), TABLE.c.id)


def _order(f: MunicipalityFilter, sort: str) -> list[Any]:
    m = TABLE.c
    if sort == "relevance":
        if not f.ids:
            return [m.name]
        return [case({mid: rank for rank, mid in enumerate(f.ids)}, value=m.id)]
    column = {"name": m.name, "population": m.population, "code": m.code}[sort.lstrip("-")]
    return [column.desc().nulls_last() if sort.startswith("-") else column.asc().nulls_last()]


def count_municipalities(connection: Connection, f: MunicipalityFilter) -> int:
    """Count the municipalities that match ``f``."""
    return connection.scalar(select(func.count()).select_from(TABLE).where(*_where(f))) or 0


def list_municipalities(
    connection: Connection, f: MunicipalityFilter, *, sort: str, limit: int, offset: int
) -> tuple[list[MunicipalityRow], int]:
    """Return one page of municipalities in a stable order, and how many match in all: one query."""
    if f.ids is not None and not f.ids:
        return [], 0
    where, order = _where(f), [*_order(f, sort), TABLE.c.id]
    page = page_of(TABLE.c.id, TABLE, where, order, limit=limit, offset=offset)
    statement = (
        select(*_COLUMNS, total_of(TABLE, where))
        .select_from(_JOINED.join(page, page.c.id == TABLE.c.id))
        .order_by(*order)
    )
    rows = connection.execute(statement).all()
    if not rows:  # past the end (or nothing matches): no row carried the total
        return [], count_municipalities(connection, f) if offset else 0
    return [MunicipalityRow(*r[:-1]) for r in rows], rows[0][-1]


def iter_municipalities(
    connection: Connection, f: MunicipalityFilter, *, sort: str, batch: int
) -> Iterator[list[dict[str, Any]]]:
    """Yield every matching municipality in batches, reading the result as a stream."""
    if f.ids is not None and not f.ids:
        return
    # Closed however the stream ends, like iter_partnerships' (a server-side cursor on PostgreSQL).
    with connection.execute(_select(f, sort).execution_options(yield_per=batch)) as result:
        for partition in result.mappings().partitions():
            yield [dict(r) for r in partition]


def _sources(session: Session, ids: set[int]) -> dict[int, SourceRow]:
    if not ids:
        return {}
    rows = session.execute(
        select(
            Source.id, Source.url, Source.citation, Source.publisher, Source.licence, Source.edition
        ).where(Source.id.in_(ids))
    )
    return {row.id: SourceRow(*row) for row in rows}


def municipality_facts(session: Session, code: str) -> MunicipalityFactsRow:
    """Return a municipality's facts, its names and the source of each group of facts."""
    row = municipality_row(session, code)
    rows, _ = list_municipalities(
        session.connection(), MunicipalityFilter(ids=[row["id"]]), sort="code", limit=1, offset=0
    )
    listed = rows[0]
    parent = session.execute(
        select(Municipality.code, Municipality.name).where(Municipality.id == row["parent_id"])
    ).first()
    sources = _sources(session, {row[c] for c in SOURCE_GROUPS.values() if row[c] is not None})
    names = session.scalars(
        select(MunicipalityName.name).where(
            MunicipalityName.municipality_id == row["id"], MunicipalityName.kind.in_(SHOWN_NAME_KINDS)
        )
    )
    return MunicipalityFactsRow(
        **msgspec.structs.asdict(listed)
        | {name: _text(getattr(listed, name)) for name in _ENUMS},  # plain strings, as templates compare
        parent_code=parent.code if parent else None,
        parent_name=parent.name if parent else None,
        occupied_since=row["occupied_since"],
        occupation_ended=row["occupation_ended"],
        distance_to_russia_km=row["distance_to_russia_km"],
        damage_note=row["damage_note"],
        names=tuple(sorted(set(names))),
        fact_sources={
            group: sources[row[column]] for group, column in SOURCE_GROUPS.items() if row[column] is not None
        },
        version=row["version"],
        updated_at=utc(row["updated_at"]),
    )


_UNITS: Final = select(
    Municipality.id,
    Municipality.code,
    Municipality.country,
    Municipality.level,
    Municipality.name,
    Municipality.name_official,
    Municipality.population,
    Municipality.war_status,
    _region.c.code.label("region_code"),
    _region.c.name.label("region_name"),
    _region.c.name_de.label("region_name_de"),
    _region.c.name_en.label("region_name_en"),
    _region.c.name_uk.label("region_name_uk"),
).outerjoin(_region, _region.c.id == func.coalesce(Municipality.region_id, Municipality.id))
_ENUMS: Final = ("country", "level", "war_status")


def _placed(session: Session, statement: Select[*tuple[Any, ...]]) -> list[PlacedUnitRow]:
    return [
        PlacedUnitRow(**row._asdict() | {name: _text(getattr(row, name)) for name in _ENUMS})
        for row in session.execute(statement)
    ]


def units(session: Session, ids: Sequence[int] = (), codes: Sequence[str] = ()) -> list[PlacedUnitRow]:
    """Return what placing a partner needs to know of units, by id or by any of their codes."""
    found = _placed(session, _UNITS.where(Municipality.id.in_(list(ids)))) if ids else []
    for code in codes:
        found += _placed(session, _UNITS.where(Municipality.id == id_of(code)))
    return found


def units_by_code(session: Session, codes: Iterable[str]) -> dict[str, PlacedUnitRow]:
    """Return the units of many codes (any of their codes, as ``id_of`` reads one) in a few queries.

    A unit's own code wins over another unit's further code, as in ``id_of``; unknown codes are left out.
    """
    wanted = {code: official_code(code) for code in codes}
    by_own: dict[str, PlacedUnitRow] = {}
    official = sorted(set(wanted.values()))
    for start in range(0, len(official), IN_BATCH):
        statement = _UNITS.where(Municipality.code.in_(official[start : start + IN_BATCH]))
        by_own.update((unit.code, unit) for unit in _placed(session, statement))
    others = sorted({c for c in official if c not in by_own})
    owner: dict[str, int] = {}
    for start in range(0, len(others), IN_BATCH):
        further = select(MunicipalityCode.code, MunicipalityCode.municipality_id).where(
            MunicipalityCode.code.in_(others[start : start + IN_BATCH])
        )
        owner.update((code, mid) for code, mid in session.execute(further))
    by_id = {u.id: u for u in units(session, ids=sorted(set(owner.values())))} if owner else {}
    found = {code: by_own.get(o) or by_id.get(owner.get(o, -1)) for code, o in wanted.items()}
    return {code: unit for code, unit in found.items() if unit is not None}


def _text(value: object) -> str | None:
    return None if value is None else str(value)
