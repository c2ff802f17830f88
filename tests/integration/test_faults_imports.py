"""Faults of the bulk import (issue 9): cells that crashed it, its size, a concurrent edit on SQLite,
the registry's own export, and the name the public audit trail shows for the command line."""

from __future__ import annotations

import csv
import getpass
import io
import os
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from registry import db
from registry.models import Partnership
from tests.conftest import POSTGRES_URL, LiveApi

POTSDAM = "12054000"
NIZHYN = "UA74040250000063494"
HEADER = ["de_code", "ua_code", "kind", "source", "start_year", "notes"]


def _csv(*rows: list[str], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def _import(api: LiveApi, body: bytes, *, dry_run: bool) -> httpx.Response:
    return httpx.post(
        f"{api.url}/api/partnerships/import",
        params={"dry_run": str(dry_run).lower()},
        content=body,
        headers={**api.editor, "content-type": "text/csv"},
        timeout=60,
    )


BAD_CELLS = {
    "a cell over 131,072 characters": ("notes", "x" * 131_073, "131,073 characters"),
    "year 1e400": ("start_year", "1e400", "not a finite number"),
    "a NUL byte": ("notes", "twinned\x00since 2022", "NUL"),
}


@pytest.mark.parametrize("fault", BAD_CELLS, ids=list(BAD_CELLS))
@pytest.mark.parametrize("dry_run", [True, False], ids=["dry run", "import"])
def test_a_bad_cell_is_reported_with_line_and_column(live_api: LiveApi, fault: str, dry_run: bool) -> None:
    column, value, message = BAD_CELLS[fault]
    cells = {"de_code": POTSDAM, "ua_code": NIZHYN, "kind": "partnership", "source": "https://example.org/a"}
    cells[column] = value
    good = ["12051000", NIZHYN, "partnership", "https://example.org/b", "2022", ""]
    body = _csv(good, [cells.get(c, "") for c in HEADER])  # the bad cell on line 3
    answer = _import(live_api, body, dry_run=dry_run)
    assert answer.status_code == 422, answer.text[:500]
    [problem] = answer.json()["errors"]
    assert (problem["line"], problem["field"]) == (3, column)
    assert message in problem["detail"]


def test_the_command_line_reports_a_bad_cell_without_a_traceback(live_api: LiveApi, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(_csv([POTSDAM, NIZHYN, "partnership", "https://example.org/a", "1e400", ""]))
    done = subprocess.run(
        [sys.executable, "-m", "registry", "import", str(path)],
        env={**os.environ, "DATABASE_URL": live_api.settings.database_url},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "bad.csv:2 [start_year]: not a finite number" in done.stderr


def test_an_import_is_bounded_in_rows(live_api: LiveApi) -> None:
    rows = [[POTSDAM, NIZHYN, "partnership", "https://example.org/a", "", ""]] * 5_001
    answer = _import(live_api, _csv(*rows), dry_run=True)
    assert answer.status_code == 422
    assert "split the file" in answer.json()["errors"][0]["detail"]


@pytest.mark.skipif(bool(POSTGRES_URL), reason="only SQLite locks the whole database for a write")
def test_an_edit_while_an_import_holds_the_sqlite_lock_is_503_with_retry_after(
    live_api: LiveApi, start_server: Any
) -> None:
    url = start_server(replace(live_api.settings, sqlite_busy_timeout_seconds=0.5))
    path = live_api.settings.database_url.removeprefix("sqlite:///")
    importer = sqlite3.connect(path, isolation_level=None)  # a writer in another process's place
    offer = {"category": "water", "note": "edited during an import"}
    try:
        importer.execute("BEGIN IMMEDIATE")  # what a long import holds until it commits
        importer.execute("UPDATE partnership SET notes = notes WHERE id = (SELECT min(id) FROM partnership)")
        answer = httpx.post(f"{url}/api/municipalities/12052000/offers", json=offer, headers=live_api.editor)
        assert answer.status_code == 503, answer.text
        assert int(answer.headers["retry-after"]) > 0
        assert answer.headers["content-type"].startswith("application/problem+json")
    finally:
        importer.execute("ROLLBACK")
        importer.close()
    again = httpx.post(f"{url}/api/municipalities/12052000/offers", json=offer, headers=live_api.editor)
    assert again.status_code == 201  # the retry the 503 asked for


def test_the_registrys_own_csv_export_reimports_unchanged(live_api: LiveApi) -> None:
    created = httpx.post(
        f"{live_api.url}/api/partnerships",
        json={
            "de_code": "12053000",
            "ua_code": NIZHYN,
            "kind": "friendship",
            "sources": [{"url": "https://example.org/decision"}, {"citation": "Council minutes; 2023-05-04"}],
            "notes": "-5 km from the border; =not a formula",
            "topics": ["schools", "water"],
            "start_year": 2023,
        },
        headers=live_api.editor,
    )
    assert created.status_code == 201, created.text
    before = httpx.get(f"{live_api.url}{created.headers['location']}")
    exported = httpx.get(f"{live_api.url}/api/partnerships.csv").content

    for dry_run in (True, False):
        answer = _import(live_api, exported, dry_run=dry_run)
        assert answer.status_code == 200, answer.text[:2000]
        report = answer.json()
        assert report["rows"] > 1
        assert (report["created"], report["updated"]) == (0, 0)
        assert report["unchanged"] == report["rows"]
    after = httpx.get(f"{live_api.url}{created.headers['location']}")
    assert after.headers["etag"] == before.headers["etag"]


def test_the_audit_trail_shows_command_line_not_the_os_account(live_api: LiveApi, tmp_path: Path) -> None:
    path = tmp_path / "new.csv"
    path.write_bytes(_csv(["12060005", NIZHYN, "partnership", "https://example.org/cli", "2024", ""]))
    done = subprocess.run(
        [sys.executable, "-m", "registry", "import", str(path)],
        env={**os.environ, "DATABASE_URL": live_api.settings.database_url},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    trail = httpx.get(f"{live_api.url}/api/audit", params={"limit": 5}).json()["items"]
    imported = [e for e in trail if e["action"] == "import"]
    assert imported
    assert {e["actor"] for e in imported} == {"command line"}
    assert getpass.getuser() not in {e["actor"] for e in trail}


# Runs `registry import FILE` and SIGKILLs it after its N-th INSERT into partnership: mid-import.
KILL_AFTER_INSERTS = """
import os, signal, sys
from sqlalchemy import event
from sqlalchemy.engine import Engine

limit, seen = int(sys.argv[1]), 0

@event.listens_for(Engine, "after_cursor_execute")
def _kill(conn, cursor, statement, parameters, context, executemany):
    global seen
    if statement.lstrip().upper().startswith("INSERT INTO PARTNERSHIP "):
        seen += 1
        if seen >= limit:
            os.kill(os.getpid(), signal.SIGKILL)

from registry.cli import run
sys.argv = ["registry", "import", sys.argv[2]]
run()
"""


def _partnerships(api: LiveApi) -> int:
    engine = db.make_engine(api.settings)
    try:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(Partnership)).scalar_one())
    finally:
        engine.dispose()


def test_an_import_killed_part_way_writes_nothing(live_api: LiveApi, tmp_path: Path) -> None:
    hromadas = ["UA21020010000055068", "UA21020030000019624", "UA21020050000065800", "UA21020070000015036"]
    path = tmp_path / "four.csv"
    path.write_bytes(
        _csv(*[["12060012", ua, "partnership", f"https://example.org/{ua}", "", ""] for ua in hromadas])
    )
    env = {**os.environ, "DATABASE_URL": live_api.settings.database_url}
    total = _partnerships(live_api)
    killed = subprocess.run(
        [sys.executable, "-c", KILL_AFTER_INSERTS, "3", str(path)],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert killed.returncode == -9, killed.stderr[-2000:]
    assert _partnerships(live_api) == total  # straight from the database, past any cache
    again = subprocess.run(
        [sys.executable, "-m", "registry", "import", str(path)],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "4 were created" in again.stdout
