"""Partnerships: filtered lists, one record with its sources, and edits under compare-and-set."""

from __future__ import annotations

# Runtime imports: the filter dataclasses reach Litestar, which resolves their annotations.
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, cast

import msgspec
from sqlalchemy import ColumnElement, Connection, FromClause, Select, Table, case, exists, func, or_, select
from sqlalchemy.orm import Session

from registry.errors import NotFoundError
from registry.models import (
    Municipality,
    MunicipalityName,
    Partnership,
    PartnershipSource,
    PartnershipTopic,
    Source,
)
from registry.names import fold
from registry.repository.common import IN_BATCH, id_of
from registry.repository.json_agg import children_json, json_row
from registry.repository.paging import page_of, total_of
from registry.repository.rows import CitedSourceRow, PartnerRow, PartnershipRow, utc

TABLE: Final = cast("Table", Partnership.__table__)
PartnershipSort = Literal[  # the orders a list of partnerships can come in; ties are broken by id
    "id",
    "-id",
    "start_year",
    "-start_year",
    "de_name",
    "-de_name",
    "ua_name",
    "-ua_name",
    "updated_at",
    "-updated_at",
]
EDITABLE: Final = (
    "kind",
    "status",
    "status_reason",
    "start_year",
    "start_date",
    "end_date",
    "notes",
    "confidence",
    "last_confirmed",
)


@dataclass(frozen=True)
class PartnershipFilter:
    """Which partnerships to list; every field narrows the list. Codes may be any code of a unit."""

    land: str | None = None  # the German partner is, or lies in, this Land
    kreis: str | None = None  # ... is, or lies in, this Kreis
    municipality: str | None = None  # the German partner is this unit
    oblast: str | None = None  # the Ukrainian partner is, or lies in, this oblast
    raion: str | None = None  # ... is, or lies in, this raion
    hromada: str | None = None  # the Ukrainian partner is this unit
    kinds: Sequence[str] = ()
    statuses: Sequence[str] = ()
    confidences: Sequence[str] = ()
    start_year_min: int | None = None
    start_year_max: int | None = None
    topic: str | None = None
    text: str | None = None  # a name of either partner in any spelling, or words of the notes


MUNICIPALITY: Final = cast("Table", Municipality.__table__)
TOPIC: Final = cast("Table", PartnershipTopic.__table__)
CITED: Final = cast("Table", PartnershipSource.__table__)
SOURCE: Final = cast("Table", Source.__table__)
NAME: Final = cast("Table", MunicipalityName.__table__)

# Core aliases, not ORM ones: SQLAlchemy keys its statement cache by walking the statement, and that
# walk over six annotated ORM aliases cost more than the query itself.
de = MUNICIPALITY.alias("de")
ua = MUNICIPALITY.alias("ua")
de_land = MUNICIPALITY.alias("de_land")
de_kreis = MUNICIPALITY.alias("de_kreis")
ua_oblast = MUNICIPALITY.alias("ua_oblast")
ua_raion = MUNICIPALITY.alias("ua_raion")


def land_of(unit: FromClause) -> ColumnElement[int]:
    """The Land (oblast) a unit lies in; a Land, oblast or special-status city is its own."""
    return func.coalesce(unit.c.region_id, unit.c.id)


def filter_clauses(f: PartnershipFilter) -> list[ColumnElement[bool]]:
    p = TABLE.c
    clauses: list[ColumnElement[bool]] = []
    if f.land:
        land = id_of(f.land)
        clauses.append(or_(de.c.region_id == land, de.c.id == land))  # land_of(de), as indexes can answer it
    if f.kreis:
        kreis = id_of(f.kreis)
        clauses.append(or_(de.c.district_id == kreis, de.c.id == kreis))
    if f.municipality:
        clauses.append(de.c.id == id_of(f.municipality))
    if f.oblast:
        oblast = id_of(f.oblast)
        clauses.append(or_(ua.c.region_id == oblast, ua.c.id == oblast))
    if f.raion:
        raion = id_of(f.raion)
        clauses.append(or_(ua.c.district_id == raion, ua.c.id == raion))
    if f.hromada:
        clauses.append(ua.c.id == id_of(f.hromada))
    for column, values in ((p.kind, f.kinds), (p.status, f.statuses), (p.confidence, f.confidences)):
        if values:
            clauses.append(column.in_(list(values)))
    if f.start_year_min is not None:
        clauses.append(p.start_year >= f.start_year_min)
    if f.start_year_max is not None:
        clauses.append(p.start_year <= f.start_year_max)
    if f.topic:
        clauses.append(exists().where(TOPIC.c.partnership_id == p.id, TOPIC.c.topic == f.topic))
    if f.text and f.text.strip():
        hits = [p.notes.icontains(f.text.strip(), autoescape=True)]
        if key := fold(f.text):
            hits.append(
                exists().where(
                    NAME.c.municipality_id.in_([p.de_municipality_id, p.ua_municipality_id]),
                    NAME.c.key.contains(key, autoescape=True),
                )
            )
        clauses.append(or_(*hits))
    return clauses


def joined_select(statement: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
    """Join both partners and the regions and districts they lie in to the partnerships."""
    p = TABLE.c
    return statement.select_from(
        TABLE.join(de, p.de_municipality_id == de.c.id)
        .join(ua, p.ua_municipality_id == ua.c.id)
        .outerjoin(de_land, de_land.c.id == land_of(de))
        .outerjoin(de_kreis, de_kreis.c.id == case((de.c.level == "kreis", de.c.id), else_=de.c.district_id))
        .outerjoin(ua_oblast, ua_oblast.c.id == land_of(ua))
        .outerjoin(ua_raion, ua_raion.c.id == case((ua.c.level == "raion", ua.c.id), else_=ua.c.district_id))
    )


# The partnership's own columns, first in every list query (the last two are timestamps).
OWN_COLUMNS: Final = (
    "id",
    "kind",
    "kind_source",
    *EDITABLE[1:],
    "external_ref",
    "resolution_note",
    "version",
    "created_at",
    "updated_at",
)
PARTNER_COLUMNS: Final = (
    "code",
    "name",
    "name_de",
    "name_en",
    "name_uk",
    "level",
    "lat",
    "lon",
    "population",
    "war_status",
)


def _topics() -> ColumnElement[str]:
    """A partnership's topics, alphabetically, as a JSON array of strings."""
    ordered = (
        select(TOPIC.c.topic)
        .where(TOPIC.c.partnership_id == TABLE.c.id)
        .order_by(TOPIC.c.topic)
        .correlate(TABLE)
        .subquery("topics")
    )
    return children_json(ordered, ordered.c.topic, ordered.c.topic)


def _sources() -> ColumnElement[str]:
    """A partnership's sources, primary first, as a JSON array of ``CitedSourceRow`` arrays."""
    rank = case((CITED.c.role == "primary", 0), else_=1).label("rank")
    ordered = (
        select(CITED.c.source_id, CITED.c.role, rank)
        .where(CITED.c.partnership_id == TABLE.c.id)
        .order_by(rank, CITED.c.source_id)
        .correlate(TABLE)
        .subquery("cited")
    )
    value = json_row(SOURCE.c.id, SOURCE.c.url, SOURCE.c.citation, SOURCE.c.publisher, ordered.c.role)
    children = ordered.join(SOURCE, SOURCE.c.id == ordered.c.source_id)
    return children_json(children, value, ordered.c.rank, ordered.c.source_id)


def _columns() -> list[Any]:
    own = [TABLE.c[name] for name in OWN_COLUMNS]
    sides = [
        unit.c[name].label(f"{prefix}_{name}")
        for prefix, unit in (("de", de), ("ua", ua))
        for name in PARTNER_COLUMNS
    ]
    regions = [
        column.label(label)
        for label, column in (
            ("de_land_code", de_land.c.code),
            ("de_land_name", de_land.c.name),
            ("de_kreis_code", de_kreis.c.code),
            ("de_kreis_name", de_kreis.c.name),
            ("ua_oblast_code", ua_oblast.c.code),
            ("ua_oblast_name", ua_oblast.c.name),
            ("ua_raion_code", ua_raion.c.code),
            ("ua_raion_name", ua_raion.c.name),
        )
    ]
    return [*own, *sides, *regions, _topics().label("topics"), _sources().label("sources")]


_OWN: Final = len(OWN_COLUMNS)
_SIDE: Final = len(PARTNER_COLUMNS)  # each partner's columns, then four of each partner's region and district
_TOPICS: Final = _OWN + 2 * _SIDE + 8  # then the topics' and the sources' JSON, then the total
_TOPIC_LIST: Final = msgspec.json.Decoder(tuple[str, ...])
_SOURCE_LIST: Final = msgspec.json.Decoder(tuple[CitedSourceRow, ...])


def _order(sort: str) -> list[Any]:
    p = TABLE.c
    column = {
        "id": p.id,
        "start_year": p.start_year,
        "de_name": de.c.name,
        "ua_name": ua.c.name,
        "updated_at": p.updated_at,
    }[sort.lstrip("-")]
    ordered = column.desc().nulls_last() if sort.startswith("-") else column.asc().nulls_last()
    return [ordered, p.id]


_COLUMNS: Final = _columns()  # built once: statements are immutable, and building costs more than a query
_BASE: Final = joined_select(select(*_COLUMNS))


def _select(f: PartnershipFilter, sort: str) -> Select[*tuple[Any, ...]]:
    return _BASE.where(*filter_clauses(f)).order_by(*_order(sort))


def _partners(f: PartnershipFilter, sort: str = "id") -> FromClause:
    """The partnerships, joined to the partners only where the filter or the sort order needs them.

    A join that nothing reads still costs every row a lookup (on PostgreSQL, hash joins over all
    municipalities for the count): the foreign keys already say both partners exist.
    """
    p = TABLE.c
    source: FromClause = TABLE
    if f.land or f.kreis or f.municipality or sort.lstrip("-") == "de_name":
        source = source.join(de, p.de_municipality_id == de.c.id)
    if f.oblast or f.raion or f.hromada or sort.lstrip("-") == "ua_name":
        source = source.join(ua, p.ua_municipality_id == ua.c.id)
    return source


def count_partnerships(connection: Connection, f: PartnershipFilter) -> int:
    """Count the partnerships that match ``f``."""
    statement = select(func.count(TABLE.c.id)).select_from(_partners(f)).where(*filter_clauses(f))
    return connection.scalar(statement) or 0


def _partner(values: Sequence[Any], side: int, region: int) -> PartnerRow:
    return PartnerRow(*values[side : side + _SIDE], *values[region : region + 4])


# Built by position from the query's columns (``OWN_COLUMNS`` first), which mypy cannot count.
_new_row: Final[Callable[..., PartnershipRow]] = PartnershipRow


def _typed(rows: Iterable[Sequence[Any]]) -> list[PartnershipRow]:
    """Build typed rows from ``_columns()`` rows: by position, the partners nested once, here."""
    return [
        _new_row(
            *r[: _OWN - 2],
            utc(r[_OWN - 2]),  # created_at
            utc(r[_OWN - 1]),  # updated_at
            _partner(r, _OWN, _OWN + 2 * _SIDE),
            _partner(r, _OWN + _SIDE, _OWN + 2 * _SIDE + 4),
            _TOPIC_LIST.decode(r[_TOPICS]),
            _SOURCE_LIST.decode(r[_TOPICS + 1]),
        )
        for r in rows
    ]


def list_partnerships(
    connection: Connection, f: PartnershipFilter, *, sort: str, limit: int, offset: int
) -> tuple[list[PartnershipRow], int]:
    """Return one page of partnerships in a stable order, and how many match in all: one query."""
    where, order = filter_clauses(f), _order(sort)
    page = page_of(TABLE.c.id, _partners(f, sort), where, order, limit=limit, offset=offset)
    total = total_of(_partners(f), where)
    statement = _BASE.add_columns(total).join(page, page.c.id == TABLE.c.id).order_by(*order)
    rows = connection.execute(statement).all()
    if not rows:  # past the end (or nothing matches): no row carried the total
        return [], count_partnerships(connection, f) if offset else 0
    return _typed(rows), rows[0][-1]


def iter_partnerships(
    connection: Connection, f: PartnershipFilter, *, sort: str, batch: int
) -> Iterator[list[dict[str, Any]]]:
    """Yield every matching partnership in batches of flat rows (the exports' columns), as a stream."""
    # Closed however the stream ends (a database error, a client gone): PostgreSQL reads it through a
    # server-side cursor, which must not be left to the garbage collector.
    with connection.execute(_select(f, sort).execution_options(stream_results=True)) as result:
        keys = list(result.keys())
        while partition := result.fetchmany(batch):
            rows = [dict(zip(keys, row, strict=True)) for row in partition]
            for record in rows:
                record["topics"] = list(_TOPIC_LIST.decode(record["topics"]))
                record["sources"] = [
                    msgspec.structs.asdict(s) for s in _SOURCE_LIST.decode(record["sources"])
                ]
            yield rows


def partnership(session: Session, partnership_id: int) -> PartnershipRow:
    """Return one partnership with its partners, topics and sources."""
    statement = _select(PartnershipFilter(), "id").where(TABLE.c.id == partnership_id)
    found = _typed(session.connection().execute(statement))
    if not found:
        raise NotFoundError(f"no partnership with id {partnership_id}")
    return found[0]


def partnerships_of(session: Session, municipality_id: int) -> list[PartnershipRow]:
    """Return every partnership of one unit, on either side."""
    statement = _select(PartnershipFilter(), "id").where(
        or_(TABLE.c.de_municipality_id == municipality_id, TABLE.c.ua_municipality_id == municipality_id)
    )
    return _typed(session.connection().execute(statement))


def snapshot(record: PartnershipRow) -> dict[str, Any]:
    """Return what the audit trail records of a partnership."""
    return {
        "de_code": record.de.code,
        "ua_code": record.ua.code,
        **{name: getattr(record, name) for name in EDITABLE},
        "topics": list(record.topics),
        "sources": [
            {"id": s.id, "url": s.url, "citation": s.citation, "role": s.role} for s in record.sources
        ],
        "version": record.version,
    }


def find_pair(session: Session, de_id: int, ua_id: int) -> PartnershipRow | None:
    """Return the partnership between two units, if there is one."""
    found = session.scalar(
        select(Partnership.id).where(
            Partnership.de_municipality_id == de_id, Partnership.ua_municipality_id == ua_id
        )
    )
    return None if found is None else partnership(session, found)


def partnerships_by_id(session: Session, ids: Sequence[int]) -> dict[int, PartnershipRow]:
    """Return many partnerships with their partners, topics and sources: one query per 500."""
    found: dict[int, PartnershipRow] = {}
    for start in range(0, len(ids), IN_BATCH):
        statement = _select(PartnershipFilter(), "id").where(TABLE.c.id.in_(ids[start : start + IN_BATCH]))
        found.update((row.id, row) for row in _typed(session.connection().execute(statement)))
    return found


def pair_ids(session: Session, pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """Return the ids of the partnerships linking any of ``pairs`` (German id, Ukrainian id)."""
    wanted = set(pairs)
    german = sorted({de_id for de_id, _ in wanted})
    found: dict[tuple[int, int], int] = {}
    p = Partnership
    for start in range(0, len(german), IN_BATCH):
        statement = select(p.id, p.de_municipality_id, p.ua_municipality_id).where(
            p.de_municipality_id.in_(german[start : start + IN_BATCH])
        )
        found.update(((de_id, ua_id), pid) for pid, de_id, ua_id in session.execute(statement))
    return {pair: pid for pair, pid in found.items() if pair in wanted}
