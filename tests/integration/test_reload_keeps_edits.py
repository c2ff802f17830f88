"""A reload of the bundled data keeps what coordinators changed through the API.

Edits go through the real API over HTTP; the reload reads a newer edition of the data: a copy of the
subset with changed rows. Reloads change the shared database, so these tests have a module (and so a
database) of their own.
"""

from __future__ import annotations

import csv
import shutil
from typing import TYPE_CHECKING

import httpx
from sqlalchemy import select

from registry.ingest import datasets
from registry.models import Municipality, Partnership
from registry.repository.municipalities import municipality_facts
from registry.repository.partnerships import partnership
from registry.services.loading import LoadReport, load_bundled

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from sqlalchemy.orm import Session, sessionmaker

    from tests.conftest import LiveApi

NIZHYN = "UA74040250000063494"
AHRENSFELDE = "12060005"  # a Gemeinde without partnerships in the subset
# Rows of partnerships.csv in the subset.
BAMBERG_MUKACHEVO, MEMMINGEN_CHERNIHIV, MUENCHEN_KYIV = "39", "47", "48"
CENSUS = {"url": "https://example.org/census-2025", "publisher": "city council"}


def _edition(subset: Path, target: Path, file: str, change: Callable[[list[dict[str, str]]], None]) -> Path:
    """Copy the subset as a newer edition in which ``change`` edits the rows of ``file``."""
    data = shutil.copytree(subset, target)
    with (data / file).open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        rows, header = list(reader), list(reader.fieldnames or [])
    change(rows)
    with (data / file).open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return data


def _reload(sessions: sessionmaker[Session], data_dir: Path) -> LoadReport:
    """Load ``data_dir``, check that loading it again changes nothing, and return the first report."""
    report = load_bundled(sessions, data_dir, lambda _message: None)
    assert not load_bundled(sessions, data_dir, lambda _message: None).changed
    return report


def _partnership_id(sessions: sessionmaker[Session], row_id: str) -> int | None:
    with sessions() as session:
        return session.scalar(
            select(Partnership.id).where(Partnership.external_ref == f"{datasets.PARTNERSHIPS.path}#{row_id}")
        )


def _patch(live_api: LiveApi, path: str, body: dict[str, object]) -> httpx.Response:
    """Edit a record the way a client does: read its ETag, send it with the change."""
    url = f"{live_api.url}{path}"
    etag = httpx.get(url).headers["etag"]
    response = httpx.patch(url, json=body, headers=live_api.editor | {"If-Match": etag})
    assert response.status_code == 200, response.text
    return response


def test_an_edited_fact_keeps_its_value_and_source_while_the_others_update(
    live_api: LiveApi, subset_sessions: sessionmaker[Session], subset_dir: Path, tmp_path: Path
) -> None:
    _patch(
        live_api,
        f"/api/municipalities/{NIZHYN}",
        {"population": 65_000, "population_date": "2025-01-01", "source": CENSUS},
    )

    def newer(rows: list[dict[str, str]]) -> None:
        row = next(r for r in rows if r["hromada_code"] == NIZHYN)
        row["population_2022"] = "70000"  # the fact edited through the API
        row["area_km2"] = "131.5"  # a fact of the same row nobody edited

    report = _reload(subset_sessions, _edition(subset_dir, tmp_path / "newer", "ua/hromadas.csv", newer))
    assert report.municipalities.updated >= 1  # Nizhyn, and its raion and oblast (their areas are sums)
    assert report.municipalities.kept_facts >= 1
    assert "facts edited through the API kept in" in str(report.municipalities)
    with subset_sessions() as session:
        facts = municipality_facts(session, NIZHYN)
    assert (facts.population, facts.population_date.isoformat()) == (65_000, "2025-01-01")
    assert facts.fact_sources["population"].url == CENSUS["url"]
    assert facts.area_km2 == 131.5
    assert facts.fact_sources["area"].url == datasets.HROMADAS.url

    report = _reload(subset_sessions, subset_dir)  # the unedited fact follows the data back, the edit stays
    with subset_sessions() as session:
        facts = municipality_facts(session, NIZHYN)
    assert (facts.population, facts.area_km2) == (65_000, 130.3)


def test_an_edited_partnership_is_not_overwritten(
    live_api: LiveApi, subset_sessions: sessionmaker[Session], subset_dir: Path, tmp_path: Path
) -> None:
    edited_id = _partnership_id(subset_sessions, BAMBERG_MUKACHEVO)
    other_id = _partnership_id(subset_sessions, MEMMINGEN_CHERNIHIV)
    path = f"/api/partnerships/{edited_id}"
    edited = _patch(
        live_api, path, {"status": "paused", "notes": "paused by the council", "topics": ["schools"]}
    )
    cited = httpx.post(
        f"{live_api.url}{path}/sources",
        json={"citation": "Amtsblatt 3/2025", "role": "also"},
        headers=live_api.editor | {"If-Match": edited.headers["etag"]},
    )
    assert cited.status_code == 201, cited.text

    def newer(rows: list[dict[str, str]]) -> None:
        for row in rows:
            if row["id"] in {BAMBERG_MUKACHEVO, MEMMINGEN_CHERNIHIV}:
                row["since"] = "2021"
                row["note"] = "charter renewed (newer edition)"

    report = _reload(subset_sessions, _edition(subset_dir, tmp_path / "newer", "partnerships.csv", newer))
    assert report.partnerships.kept_edited == 1
    assert report.partnerships.updated == 1
    assert "1 kept (edited through the API)" in str(report.partnerships)
    with subset_sessions() as session:
        kept = partnership(session, edited_id or 0)
        updated = partnership(session, other_id or 0)
    assert (kept.status, kept.notes, kept.start_year, kept.topics) == (
        "paused",
        "paused by the council",
        2023,
        ("schools",),
    )
    assert "Amtsblatt 3/2025" in [s.citation for s in kept.sources]
    assert kept.version == cited.json()["version"]
    assert updated.start_year == 2021
    assert "charter renewed" in (updated.notes or "")


def test_a_deleted_partnership_is_not_recreated(
    live_api: LiveApi, subset_sessions: sessionmaker[Session], subset_dir: Path
) -> None:
    deleted_id = _partnership_id(subset_sessions, MUENCHEN_KYIV)
    url = f"{live_api.url}/api/partnerships/{deleted_id}"
    etag = httpx.get(url).headers["etag"]
    assert httpx.delete(url, headers=live_api.admin | {"If-Match": etag}).status_code == 204
    report = _reload(subset_sessions, subset_dir)
    assert report.partnerships.kept_deleted == 1
    assert "1 not re-created (deleted through the API)" in str(report.partnerships)
    assert _partnership_id(subset_sessions, MUENCHEN_KYIV) is None
    assert httpx.get(url).status_code == 404


def test_a_municipality_with_edited_facts_stays_when_it_leaves_the_data(
    live_api: LiveApi, subset_sessions: sessionmaker[Session], subset_dir: Path, tmp_path: Path
) -> None:
    _patch(live_api, f"/api/municipalities/{AHRENSFELDE}", {"area_km2": 58.0, "source": CENSUS})

    def without_it(rows: list[dict[str, str]]) -> None:
        rows[:] = [r for r in rows if r["ags"] != AHRENSFELDE]

    edition = _edition(subset_dir, tmp_path / "newer", "de/gemeinden_2024-12-31.csv", without_it)
    report = _reload(subset_sessions, edition)
    assert report.municipalities.kept_stale >= 1
    with subset_sessions() as session:
        area = session.scalar(select(Municipality.area_km2).where(Municipality.code == AHRENSFELDE))
    assert area == 58.0


def test_a_pair_entered_through_the_api_and_then_published_is_linked_not_doubled(
    live_api: LiveApi, subset_sessions: sessionmaker[Session], subset_dir: Path, tmp_path: Path
) -> None:
    created = httpx.post(
        f"{live_api.url}/api/partnerships",
        json={"de_code": AHRENSFELDE, "ua_code": NIZHYN, "kind": "friendship", "sources": [CENSUS]},
        headers=live_api.editor,
    )
    assert created.status_code == 201, created.text

    def published(rows: list[dict[str, str]]) -> None:
        row = dict(rows[0])
        row.update(
            id="9001",
            de_name="Ahrensfelde",
            de_state="Brandenburg",
            de_level="gemeinde",
            de_code=AHRENSFELDE,
            ua_name_en="Nizhyn",
            ua_name_de="Nischyn",
            ua_name_uk="Ніжин",
            ua_oblast="Chernihiv",
            ua_level="hromada",
            ua_code=NIZHYN,
            ua_settlement_code="",
            kind="partnership",
            since="2025",
        )
        rows.append(row)

    report = _reload(subset_sessions, _edition(subset_dir, tmp_path / "newer", "partnerships.csv", published))
    assert report.partnerships.linked == 1
    assert report.partnerships.added == 0
    assert "1 linked to the same pair entered through the API" in str(report.partnerships)
    assert _partnership_id(subset_sessions, "9001") == created.json()["id"]
    with subset_sessions() as session:
        kept = partnership(session, created.json()["id"])
    assert (kept.kind, kept.start_year) == ("friendship", None)  # the coordinator's record wins
