"""Missing coordinates are filled by an injected geocoder and stored with their source."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from registry.db import transaction
from registry.geo import Location
from registry.models import Municipality, Source
from registry.services.coordinates import fill_missing_coordinates
from registry.services.loading import load_bundled

POTSDAM = "12054000"


def test_missing_coordinates_are_filled_with_their_source(
    sessions: sessionmaker[Session], subset_dir: Path
) -> None:
    load_bundled(sessions, subset_dir, lambda _m: None)
    with transaction(sessions) as session:
        session.execute(update(Municipality).where(Municipality.code == POTSDAM).values(lat=None, lon=None))
    asked: list[tuple[str, str, tuple[float, float] | None]] = []

    def fake(name: str, country: str, near: tuple[float, float] | None = None) -> Location | None:
        asked.append((name, country, near))
        return Location(52.4, 13.06, "test gazetteer: Potsdam") if name == "Potsdam" else None

    with transaction(sessions) as session:
        results = fill_missing_coordinates(session, fake)
    placed = {r.code: r for r in results if r.lat is not None}
    assert set(placed) == {POTSDAM}
    assert ("Potsdam", "DE", asked[[a[0] for a in asked].index("Potsdam")][2]) in asked
    assert asked[[a[0] for a in asked].index("Potsdam")][2] is not None  # asked near its parent, Brandenburg
    with sessions() as session:
        potsdam = session.scalar(select(Municipality).where(Municipality.code == POTSDAM))
        assert potsdam is not None
        assert (potsdam.lat, potsdam.lon) == (52.4, 13.06)
        source = session.get(Source, potsdam.coordinates_source_id)
        assert source is not None
        assert source.citation == "test gazetteer: Potsdam"
