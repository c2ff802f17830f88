"""Third-country twin towns and the official hostilities list per hromada: writes on load, typed reads.

Both tables mirror a bundled file and nothing else writes them, so a load makes them equal to the
file: rows that are already there stay untouched (a second load changes nothing).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from registry.models import Municipality, ThirdTie, ThirdTown, WarListing
from registry.records import ThirdPartnerFile, WarListingRecord


@dataclass(frozen=True)
class ThirdTieRow:
    """A municipality's third-country twin town, as the matching reads it."""

    municipality_code: str
    town_key: str
    town_name: str
    town_country: str


@dataclass(frozen=True)
class WarListingRow:
    """One period of a unit on the official list, placed in a hromada, as the matching reads it."""

    hromada_code: str
    listed_name: str
    section: str
    start_date: dt.date | None
    end_date: dt.date | None
    covers_centre: bool


def sync_third_partners(session: Session, file: ThirdPartnerFile, source_id: int | None) -> tuple[int, int]:
    """Make the tables hold the file's towns and ties; return (ties added, ties removed)."""
    towns = {t.key: t for t in session.scalars(select(ThirdTown))}
    for record in file.towns:
        town = towns.get(record.key)
        values = {
            "name": record.name,
            "country": record.country,
            "lat": record.lat,
            "lon": record.lon,
            "source_id": source_id,
        }
        if town is None:
            town = ThirdTown(key=record.key, **values)
            session.add(town)
            towns[record.key] = town
        elif any(getattr(town, k) != v for k, v in values.items()):
            for column, value in values.items():
                setattr(town, column, value)
    session.flush()
    ids = dict(session.execute(select(Municipality.code, Municipality.id)).all())
    wanted = {
        (ids[tie.municipality_code], towns[tie.town_key].id): tie
        for tie in file.ties
        if tie.municipality_code in ids
    }
    existing = {(t.municipality_id, t.town_id): t for t in session.scalars(select(ThirdTie))}
    removed = [t.id for pair, t in existing.items() if pair not in wanted]
    if removed:
        session.execute(delete(ThirdTie).where(ThirdTie.id.in_(removed)))
    added = 0
    for pair, tie in wanted.items():
        current = existing.get(pair)
        if current is None:
            session.add(
                ThirdTie(
                    municipality_id=pair[0],
                    town_id=pair[1],
                    name_in_source=tie.name_in_source,
                    line=tie.line,
                    source_id=source_id,
                )
            )
            added += 1
        elif (current.name_in_source, current.line, current.source_id) != (
            tie.name_in_source,
            tie.line,
            source_id,
        ):
            current.name_in_source, current.line, current.source_id = tie.name_in_source, tie.line, source_id
    used = {town_id for _, town_id in wanted}
    unused = [t.id for t in towns.values() if t.id not in used]
    if unused:
        session.execute(delete(ThirdTown).where(ThirdTown.id.in_(unused)))
    session.flush()
    return added, len(removed)


def sync_war_listing(session: Session, records: Sequence[WarListingRecord], source_id: int | None) -> bool:
    """Make the table hold exactly `records`; return whether anything changed."""
    ids = dict(session.execute(select(Municipality.code, Municipality.id)).all())
    rows = [
        {
            "municipality_id": ids[r.hromada_code],
            "listed_code": r.listed_code,
            "listed_level": r.listed_level,
            "listed_name": r.listed_name[:400],
            "section": r.section,
            "start_date": r.start_date,
            "end_date": r.end_date,
            "covers_centre": r.covers_centre,
            "source_id": source_id,
        }
        for r in records
        if r.hromada_code in ids
    ]
    columns = tuple(rows[0]) if rows else ()
    current = (
        {tuple(getattr(w, c) for c in columns) for w in session.scalars(select(WarListing))}
        if rows
        else set()
    )
    if current == {tuple(r.values()) for r in rows} and len(current) == len(rows):
        return False
    session.execute(delete(WarListing))
    for start in range(0, len(rows), 5000):
        session.execute(insert(WarListing), rows[start : start + 5000])
    session.flush()
    return True


def third_tie_rows(session: Session) -> list[ThirdTieRow]:
    """Every third-country tie with its town."""
    query = (
        select(Municipality.code, ThirdTown.key, ThirdTown.name, ThirdTown.country)
        .join(ThirdTie, ThirdTie.municipality_id == Municipality.id)
        .join(ThirdTown, ThirdTie.town_id == ThirdTown.id)
        .order_by(Municipality.code, ThirdTown.key)
    )
    return [ThirdTieRow(*row) for row in session.execute(query)]


def war_listing_rows(session: Session) -> list[WarListingRow]:
    """Every period of the official list placed in a hromada."""
    query = (
        select(
            Municipality.code,
            WarListing.listed_name,
            WarListing.section,
            WarListing.start_date,
            WarListing.end_date,
            WarListing.covers_centre,
        )
        .join(Municipality, WarListing.municipality_id == Municipality.id)
        .order_by(WarListing.id)
    )
    return [WarListingRow(*row) for row in session.execute(query)]
