"""The loader on a small real data set: counts, idempotence, clear errors, all-or-nothing writes."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from registry.errors import IngestError
from registry.ingest import datasets
from registry.models import (
    Municipality,
    MunicipalityName,
    Partnership,
    PartnershipSource,
    Source,
    UnresolvedRow,
)
from registry.repository import loading
from registry.services import loading as loader
from registry.services.loading import load_bundled


def _quiet(_message: str) -> None:
    pass


def fingerprint(sessions: sessionmaker[Session]) -> tuple[Any, ...]:
    """Everything a load could change, summed up."""
    with sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(Municipality)),
            session.scalar(select(func.sum(Municipality.version))),
            session.scalar(select(func.max(Municipality.updated_at))),
            session.scalar(select(func.count()).select_from(MunicipalityName)),
            session.scalar(select(func.max(MunicipalityName.id))),
            session.scalar(select(func.count()).select_from(Partnership)),
            session.scalar(select(func.sum(Partnership.version))),
            session.scalar(select(func.count()).select_from(PartnershipSource)),
            session.scalar(select(func.count()).select_from(UnresolvedRow)),
        )


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def test_load_places_every_row_of_the_subset(sessions: sessionmaker[Session], subset_dir: Path) -> None:
    report = load_bundled(sessions, subset_dir, _quiet)
    gemeinden = [
        r
        for r in _csv_rows(subset_dir / "de/gemeinden_2024-12-31.csv")
        if not r["gemeinde_type"].startswith("gemeindefreies Gebiet")
    ]
    partnerships = _csv_rows(subset_dir / "partnerships.csv")
    with sessions() as session:
        counted = dict(
            session.execute(select(Municipality.level, func.count()).group_by(Municipality.level)).all()
        )
        assert counted["gemeinde"] + counted["stadt"] == len(gemeinden)
        assert counted["land"] == 3
        assert counted["hromada"] == len(_csv_rows(subset_dir / "ua/hromadas.csv"))
        assert counted["city_special_status"] == 2
        stored = session.scalar(select(func.count()).select_from(Partnership))
        queued = session.scalar(select(func.count()).select_from(UnresolvedRow))
    assert stored + queued == len(partnerships)
    assert queued == len(report.unplaced) >= 1
    assert report.municipalities.added == sum(counted.values())


def test_second_load_changes_nothing(sessions: sessionmaker[Session], subset_dir: Path) -> None:
    load_bundled(sessions, subset_dir, _quiet)
    before = fingerprint(sessions)
    report = load_bundled(sessions, subset_dir, _quiet)
    assert not report.changed
    assert report.municipalities.unchanged > 0
    assert report.partnerships.unchanged > 0
    assert fingerprint(sessions) == before


def test_a_changed_source_row_updates_in_place(
    sessions: sessionmaker[Session], subset_dir: Path, tmp_path: Path
) -> None:
    load_bundled(sessions, subset_dir, _quiet)
    edition = shutil.copytree(subset_dir, tmp_path / "newer")
    rows = _csv_rows(edition / "partnerships.csv")
    rows[0]["since"] = "2019"
    rows[0]["note"] = "renewed charter (newer edition)"
    with (edition / "partnerships.csv").open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    report = load_bundled(sessions, edition, _quiet)
    assert (report.partnerships.added, report.partnerships.updated) == (0, 1)
    with sessions() as session:
        changed = session.scalar(
            select(Partnership).where(Partnership.external_ref == f"partnerships.csv#{rows[0]['id']}")
        )
        assert changed is not None
        assert changed.start_year == 2019
        assert changed.version == 2


# The file each level's area comes from: the unit's own row, or the rows of the members it sums over.
AREA_SOURCES = {
    "land": datasets.GEMEINDEN.key,  # laender.csv has no area: the sum over the Land's Gemeinden
    "kreis": datasets.KREISE.key,
    "stadt": datasets.GEMEINDEN.key,
    "gemeinde": datasets.GEMEINDEN.key,
    "gemeindeverband": datasets.GEMEINDEN.key,  # summed over the member Gemeinden
    "bezirk": datasets.GEMEINDEN.key,
    "hromada": datasets.HROMADAS.key,
    "raion": datasets.HROMADAS.key,  # summed over its hromadas
    "oblast": datasets.HROMADAS.key,
}


def _area_sources(sessions: sessionmaker[Session]) -> list[tuple[str, str, float | None, str | None]]:
    """(code, level, area, key of the area's source) of every municipality."""
    with sessions() as session:
        rows = session.execute(
            select(Municipality.code, Municipality.level, Municipality.area_km2, Source.key).outerjoin(
                Source, Source.id == Municipality.area_source_id
            )
        ).all()
    return [(code, str(level), area, key) for code, level, area, key in rows]


def test_every_area_cites_the_file_it_comes_from(sessions: sessionmaker[Session], subset_dir: Path) -> None:
    load_bundled(sessions, subset_dir, _quiet)
    rows = _area_sources(sessions)
    with_area = [(code, level, key) for code, level, area, key in rows if area is not None]
    assert {"land", "kreis", "gemeinde", "stadt", "hromada", "raion", "oblast"} <= {r[1] for r in with_area}
    assert [r for r in with_area if r[2] != AREA_SOURCES[r[1]]] == []
    assert [code for code, _, area, key in rows if area is None and key is not None] == []


def test_a_reload_fills_the_area_source_of_rows_loaded_before_it_was_recorded(
    sessions: sessionmaker[Session], subset_dir: Path
) -> None:
    load_bundled(sessions, subset_dir, _quiet)
    with sessions() as session:
        ids = dict(session.execute(select(Municipality.code, Municipality.id)).all())
    with sessions.begin() as session:
        # As migration 0003 leaves a database loaded before it: no area source, and fingerprints of
        # records without the area_source field, so none matches what the loader computes now.
        session.execute(
            update(Municipality).values(area_source_id=None, source_hash="loaded before 0003"),
            execution_options={"synchronize_session": False},
        )
    report = load_bundled(sessions, subset_dir, _quiet)
    assert (report.municipalities.added, report.municipalities.updated) == (0, len(ids))
    rows = _area_sources(sessions)
    assert {code: ids[code] for code, *_ in rows} == ids  # updated in place, not replaced
    assert [r for r in rows if r[2] is not None and r[3] != AREA_SOURCES[r[1]]] == []
    assert not load_bundled(sessions, subset_dir, _quiet).changed


def _broken_copy(subset_dir: Path, target: Path, change: str) -> Path:
    data = shutil.copytree(subset_dir, target)
    path = data / "partnerships.csv"
    lines = path.read_bytes().split(b"\n")
    header = list(_csv_rows(path)[0])
    if change == "missing column":
        rows = _csv_rows(path)
        keep = [c for c in header if c != "ua_code"]
        with path.open("w", encoding="utf-8", newline="") as stream:
            writer = csv.DictWriter(stream, fieldnames=keep, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
    elif change == "unknown code":
        rows = _csv_rows(path)
        rows[2]["de_code"] = "99999999"
        _write(path, header, rows)
    elif change == "duplicate pair":
        rows = _csv_rows(path)
        duplicate = dict(rows[1], id="9001")
        _write(path, header, [*rows, duplicate])
    elif change == "broken encoding":
        lines[3] = lines[3].replace(b"a", b"\xe4", 1)  # a Latin-1 "ä" inside UTF-8 text
        path.write_bytes(b"\n".join(lines))
    return data


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.parametrize(
    ("change", "line", "field", "message"),
    [
        ("missing column", 1, None, "missing column(s) ua_code"),
        ("unknown code", 4, "de_code", "unknown German code '99999999'"),
        ("duplicate pair", None, "ua_code", "duplicate pair"),
        ("broken encoding", 4, None, "not valid UTF-8"),
    ],
)
def test_bad_input_is_reported_with_file_line_field_and_nothing_changes(
    sessions: sessionmaker[Session],
    subset_dir: Path,
    tmp_path: Path,
    change: str,
    line: int | None,
    field: str | None,
    message: str,
) -> None:
    load_bundled(sessions, subset_dir, _quiet)
    before = fingerprint(sessions)
    broken = _broken_copy(subset_dir, tmp_path / "broken", change)
    with pytest.raises(IngestError) as caught:
        load_bundled(sessions, broken, _quiet)
    problem = caught.value.problems[0]
    assert problem.file == "partnerships.csv"
    assert message in problem.message
    assert problem.field == field
    if line is not None:
        assert problem.line == line
    else:  # the duplicate is the appended last row; the message names the first line
        assert problem.line == len(_csv_rows(broken / "partnerships.csv")) + 1
        assert "already on line 3" in problem.message
    assert f"partnerships.csv:{problem.line}" in str(caught.value)
    assert fingerprint(sessions) == before


def test_a_failure_while_writing_rolls_everything_back(
    sessions: sessionmaker[Session], subset_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(loading, "sync_partnerships", fail)
    monkeypatch.setattr(loader.repository, "sync_partnerships", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        load_bundled(sessions, subset_dir, _quiet)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Municipality)) == 0
