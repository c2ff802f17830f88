"""The new edition of partnerships.csv goes through the reload that keeps edits made through the API.

The data directory is the subset plus two real rows the new edition corrected (Wolfsburg–Nizhyn: newer
source and confidence; Aachen–Chernihiv: kind, start year, source), with their German sides. The
previous edition is the same directory with those rows as the previous edition had them (the values
below are that edition's, copied from it). A coordinator edits Aachen–Chernihiv through the API;
loading the new edition then updates Wolfsburg–Nizhyn and leaves the edited row alone.
"""

from __future__ import annotations

import csv
import shutil
from dataclasses import replace
from typing import TYPE_CHECKING

import httpx
import pytest
from sqlalchemy import select

from registry import db
from registry.config import Settings
from registry.ingest import datasets
from registry.models import Partnership
from registry.services.loading import load_bundled
from tests.conftest import _fresh_database, _keys
from tests.subset import DATA

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

WOLFSBURG_NIZHYN, AACHEN_CHERNIHIV = "112", "114"
PREVIOUS_EDITION = {
    WOLFSBURG_NIZHYN: {
        "source": "https://regionalheute.de/wolfsburg/unterstuetzung-fuer-schowkwa-und-nischyn-wolfsburg-1695387012",
        "note": "council to decide 28 Sep 2023 on Solidaritätspartnerschaften with Schowkwa and Nischyn "
        "(recommended by Beirat)",
        "confidence": "medium",
    },
    AACHEN_CHERNIHIV: {
        "kind": "unknown",
        "since": "",
        "source": "github:Hekman/twincities twin_cities_raw.csv (scrape of en.wikipedia 'List of twin towns "
        "and sister cities in Europe' country pages)",
        "note": "listed on en.wikipedia Germany page; not confirmed by a second source here",
        "confidence": "medium",
    },
}
# The German sides of the two rows, and their Kreise and Länder (real rows of the bundled files).
GERMAN_ROWS = {
    "de/gemeinden_2024-12-31.csv": ("ags", {"03103000", "05334002"}),
    "de/kreise_2024-12-31.csv": ("kreis_code", {"03103", "05334"}),
    "de/laender.csv": ("land_code", {"03", "05"}),
}


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


def _edition(subset_dir: Path, target: Path, *, previous: bool) -> Path:
    data = shutil.copytree(subset_dir, target)
    for file, (column, keys) in GERMAN_ROWS.items():
        header, rows = _rows(data / file)
        _, bundled = _rows(DATA / file)
        _write(data / file, header, rows + [r for r in bundled if r[column] in keys])
    header, rows = _rows(data / datasets.PARTNERSHIPS.path)
    _, bundled = _rows(DATA / datasets.PARTNERSHIPS.path)
    added = [dict(r) for r in bundled if r["id"] in PREVIOUS_EDITION]
    if previous:
        for row in added:
            row.update(PREVIOUS_EDITION[row["id"]])
    _write(data / datasets.PARTNERSHIPS.path, header, rows + added)
    return data


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    for url in _fresh_database(tmp_path_factory.mktemp("edition")):
        settings = replace(Settings(), database_url=url, write_rate_limit_per_minute=100_000)
        db.upgrade(settings)
        yield settings


def _load(settings: Settings, data_dir: Path) -> object:
    engine = db.make_engine(settings)
    try:
        return load_bundled(db.make_sessionmaker(engine), data_dir, lambda _m: None)
    finally:
        engine.dispose()


def _stored(settings: Settings, row_id: str) -> Partnership:
    engine = db.make_engine(settings)
    try:
        with db.make_sessionmaker(engine)() as session:
            found = session.scalar(
                select(Partnership).where(
                    Partnership.external_ref == f"{datasets.PARTNERSHIPS.path}#{row_id}"
                )
            )
            assert found is not None
            return found
    finally:
        engine.dispose()


def test_the_new_edition_updates_what_nobody_edited_and_keeps_what_was(
    database: Settings, subset_dir: Path, tmp_path: Path, start_server: Callable[[Settings], str]
) -> None:
    previous = _edition(subset_dir, tmp_path / "previous", previous=True)
    new = _edition(subset_dir, tmp_path / "new", previous=False)
    _load(database, previous)
    assert _stored(database, AACHEN_CHERNIHIV).start_year is None
    assert _stored(database, WOLFSBURG_NIZHYN).confidence == "medium"

    url = start_server(replace(database, data_dir=previous))
    editor, _ = _keys(database)
    path = f"{url}/api/partnerships/{_stored(database, AACHEN_CHERNIHIV).id}"
    etag = httpx.get(path).headers["etag"]
    edited = httpx.patch(
        path, json={"notes": "charter signed 13 May 2023 (city office)"}, headers=editor | {"If-Match": etag}
    )
    assert edited.status_code == 200, edited.text

    report = _load(database, new)
    counts = report.partnerships  # type: ignore[attr-defined]
    assert (counts.updated, counts.kept_edited) == (1, 1)
    updated = _stored(database, WOLFSBURG_NIZHYN)
    assert updated.confidence == "high"
    assert "signed Nov 2023 at the Leipzig conference" in (updated.notes or "")
    kept = _stored(database, AACHEN_CHERNIHIV)
    assert kept.notes == "charter signed 13 May 2023 (city office)"
    assert kept.start_year is None  # the edited record is left as it is, the new edition's year included
    assert not _load(database, new).changed  # type: ignore[attr-defined]
