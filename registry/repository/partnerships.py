"""Partnerships: filtered lists, one record with its sources, and edits under compare-and-set."""

from __future__ import annotations

# Runtime imports: the filter dataclasses reach Litestar, which resolves their annotations.
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, cast

from sqlalchemy import ColumnElement, Select, Table, case, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

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


de = aliased(Municipality, name="de")
ua = aliased(Municipality, name="ua")
de_land = aliased(Municipality, name="de_land")
de_kreis = aliased(Municipality, name="de_kreis")
ua_oblast = aliased(Municipality, name="ua_oblast")
ua_raion = aliased(Municipality, name="ua_raion")


def land_of(unit: Any) -> Any:
    """The Land (oblast) a unit lies in; a Land, oblast or special-status city is its own."""
    return func.coalesce(unit.region_id, unit.id)


def filter_clauses(f: PartnershipFilter) -> list[ColumnElement[bool]]:
    p = Partnership
    clauses: list[ColumnElement[bool]] = []
    if f.land:
        clauses.append(land_of(de) == id_of(f.land))
    if f.kreis:
        kreis = id_of(f.kreis)
        clauses.append(or_(de.district_id == kreis, de.id == kreis))
    if f.municipality:
        clauses.append(de.id == id_of(f.municipality))
    if f.oblast:
        clauses.append(land_of(ua) == id_of(f.oblast))
    if f.raion:
        raion = id_of(f.raion)
        clauses.append(or_(ua.district_id == raion, ua.id == raion))
    if f.hromada:
        clauses.append(ua.id == id_of(f.hromada))
    for column, values in ((p.kind, f.kinds), (p.status, f.statuses), (p.confidence, f.confidences)):
        if values:
            clauses.append(column.in_(list(values)))
    if f.start_year_min is not None:
        clauses.append(p.start_year >= f.start_year_min)
    if f.start_year_max is not None:
        clauses.append(p.start_year <= f.start_year_max)
    if f.topic:
        clauses.append(
            exists().where(PartnershipTopic.partnership_id == p.id, PartnershipTopic.topic == f.topic)
        )
    if f.text and f.text.strip():
        hits = [p.notes.icontains(f.text.strip(), autoescape=True)]
        if key := fold(f.text):
            hits.append(
                exists().where(
                    MunicipalityName.municipality_id.in_([p.de_municipality_id, p.ua_municipality_id]),
                    MunicipalityName.key.contains(key, autoescape=True),
                )
            )
        clauses.append(or_(*hits))
    return clauses


def joined_select(statement: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
    p = Partnership
    return (
        statement.join(de, p.de_municipality_id == de.id)
        .join(ua, p.ua_municipality_id == ua.id)
        .outerjoin(de_land, de_land.id == land_of(de))
        .outerjoin(de_kreis, de_kreis.id == case((de.level == "kreis", de.id), else_=de.district_id))
        .outerjoin(ua_oblast, ua_oblast.id == land_of(ua))
        .outerjoin(ua_raion, ua_raion.id == case((ua.level == "raion", ua.id), else_=ua.district_id))
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


def _columns() -> list[Any]:
    p = Partnership
    own = [getattr(p, name) for name in OWN_COLUMNS]
    sides = [
        column.label(f"{prefix}_{name}")
        for prefix, unit in (("de", de), ("ua", ua))
        for name, column in (
            ("code", unit.code),
            ("name", unit.name),
            ("name_de", unit.name_de),
            ("name_en", unit.name_en),
            ("name_uk", unit.name_uk),
            ("level", unit.level),
            ("lat", unit.lat),
            ("lon", unit.lon),
            ("population", unit.population),
            ("war_status", unit.war_status),
        )
    ]
    regions = [
        column.label(label)
        for label, column in (
            ("de_land_code", de_land.code),
            ("de_land_name", de_land.name),
            ("de_kreis_code", de_kreis.code),
            ("de_kreis_name", de_kreis.name),
            ("ua_oblast_code", ua_oblast.code),
            ("ua_oblast_name", ua_oblast.name),
            ("ua_raion_code", ua_raion.code),
            ("ua_raion_name", ua_raion.name),
        )
    ]
    return [*own, *sides, *regions]


_OWN: Final = len(OWN_COLUMNS)
_SIDE: Final = 10  # each partner's columns, then four of each partner's region and district


def _order(sort: str) -> list[Any]:
    p = Partnership
    column = {
        "id": p.id,
        "start_year": p.start_year,
        "de_name": de.name,
        "ua_name": ua.name,
        "updated_at": p.updated_at,
    }[sort.lstrip("-")]
    ordered = column.desc().nulls_last() if sort.startswith("-") else column.asc().nulls_last()
    return [ordered, p.id]


_BASE: Final = joined_select(select(*_columns()))  # built once: statements are immutable


def _select(f: PartnershipFilter, sort: str) -> Select[*tuple[Any, ...]]:
    return _BASE.where(*filter_clauses(f)).order_by(*_order(sort))


def count_partnerships(session: Session, f: PartnershipFilter) -> int:
    """Count the partnerships that match ``f`` (the filters need both partners, not their regions)."""
    p = Partnership
    statement = (
        select(func.count(p.id))
        .join(de, p.de_municipality_id == de.id)
        .join(ua, p.ua_municipality_id == ua.id)
        .where(*filter_clauses(f))
    )
    return session.scalar(statement) or 0


def _topics_and_sources(
    session: Session, ids: Sequence[int]
) -> tuple[dict[int, list[str]], dict[int, list[CitedSourceRow]]]:
    """Return the topics and the sources (primary first) of a batch: one IN query each."""
    topics: dict[int, list[str]] = {i: [] for i in ids}
    sources: dict[int, list[CitedSourceRow]] = {i: [] for i in ids}
    if not ids:
        return topics, sources
    for pid, topic in session.execute(
        select(PartnershipTopic.partnership_id, PartnershipTopic.topic)
        .where(PartnershipTopic.partnership_id.in_(ids))
        .order_by(PartnershipTopic.topic)
    ):
        topics[pid].append(topic)
    for pid, role, sid, url, citation, publisher in session.execute(
        select(
            PartnershipSource.partnership_id,
            PartnershipSource.role,
            Source.id,
            Source.url,
            Source.citation,
            Source.publisher,
        )
        .join(Source, Source.id == PartnershipSource.source_id)
        .where(PartnershipSource.partnership_id.in_(ids))
        .order_by(case((PartnershipSource.role == "primary", 0), else_=1), Source.id)
    ):
        sources[pid].append(CitedSourceRow(sid, url, citation, publisher, role))
    return topics, sources


def _attach(session: Session, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add each flat row's topics and sources (as the exports write them), two queries for the batch."""
    topics, sources = _topics_and_sources(session, [r["id"] for r in rows])
    for record in rows:
        record["topics"] = topics[record["id"]]
        record["sources"] = [
            {"id": s.id, "url": s.url, "citation": s.citation, "publisher": s.publisher, "role": s.role}
            for s in sources[record["id"]]
        ]
    return rows


def _partner(values: Sequence[Any], side: int, region: int) -> PartnerRow:
    return PartnerRow(*values[side : side + _SIDE], *values[region : region + 4])


def _typed(session: Session, result: Iterable[Sequence[Any]]) -> list[PartnershipRow]:
    """Build typed rows from ``_columns()`` rows: by position, the partners nested once, here."""
    rows = list(result)
    topics, sources = _topics_and_sources(session, [r[0] for r in rows])
    return [
        PartnershipRow(
            **dict(zip(OWN_COLUMNS[:-2], r[: _OWN - 2], strict=True)),
            created_at=utc(r[_OWN - 2]),
            updated_at=utc(r[_OWN - 1]),
            de=_partner(r, _OWN, _OWN + 2 * _SIDE),
            ua=_partner(r, _OWN + _SIDE, _OWN + 2 * _SIDE + 4),
            topics=tuple(topics[r[0]]),
            sources=tuple(sources[r[0]]),
        )
        for r in rows
    ]


def list_partnerships(
    session: Session, f: PartnershipFilter, *, sort: str, limit: int, offset: int
) -> tuple[list[PartnershipRow], int]:
    """Return one page of partnerships in a stable order, and how many match in all."""
    page = session.execute(_select(f, sort).limit(limit).offset(offset))
    return _typed(session, page), count_partnerships(session, f)


def iter_partnerships(
    session: Session, f: PartnershipFilter, *, sort: str, batch: int
) -> Iterator[list[dict[str, Any]]]:
    """Yield every matching partnership in batches of flat rows (the exports' columns), as a stream.

    The rows come through the session's connection as plain Core rows: the ORM's row processing
    would double the time of a large export.
    """
    result = session.connection().execute(_select(f, sort).execution_options(stream_results=True))
    keys = list(result.keys())
    while partition := result.fetchmany(batch):
        yield _attach(session, [dict(zip(keys, row, strict=True)) for row in partition])


def partnership(session: Session, partnership_id: int) -> PartnershipRow:
    """Return one partnership with its partners, topics and sources."""
    found = _typed(
        session, session.execute(_select(PartnershipFilter(), "id").where(Partnership.id == partnership_id))
    )
    if not found:
        raise NotFoundError(f"no partnership with id {partnership_id}")
    return found[0]


def partnerships_of(session: Session, municipality_id: int) -> list[PartnershipRow]:
    """Return every partnership of one unit, on either side."""
    statement = _select(PartnershipFilter(), "id").where(
        or_(
            Partnership.de_municipality_id == municipality_id,
            Partnership.ua_municipality_id == municipality_id,
        )
    )
    return _typed(session, session.execute(statement))


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
    """Return many partnerships with their partners, topics and sources, a few queries per 500."""
    found: dict[int, PartnershipRow] = {}
    for start in range(0, len(ids), IN_BATCH):
        statement = _select(PartnershipFilter(), "id").where(
            Partnership.id.in_(ids[start : start + IN_BATCH])
        )
        found.update((row.id, row) for row in _typed(session, session.execute(statement)))
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
