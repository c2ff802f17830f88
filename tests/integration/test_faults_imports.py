"""Faults of the bulk import (issue 9): cells that crashed it, its size, a concurrent edit on SQLite,
the registry's own export, and the name the public audit trail shows for the command line."""

from __future__ import annotations

import csv
import getpass
import io
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from registry import db
from registry.api.imports import MAX_IMPORT_BYTES
from registry.models import Partnership
from tests.conftest import POSTGRES_URL, LiveApi

POTSDAM = "12054000"
NIZHYN = "UA74040250000063494"
HEADER = ["de_code", "ua_code", "kind", "source", "start_year", "notes"]
LOCKED = ["UA21020010000055068", "UA21020030000019624"]  # hromadas of Zakarpattia the locking import pairs


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
    limit = live_api.settings.import_max_rows
    rows = [[POTSDAM, NIZHYN, "partnership", "https://example.org/a", "", ""]] * (limit + 1)
    answer = _import(live_api, _csv(*rows), dry_run=True)
    assert answer.status_code == 422
    [problem] = answer.json()["errors"]
    assert f"at most {limit:,}: split the file" in problem["detail"]
    assert problem["line"] == limit + 2  # the first row over the limit


# Runs `registry import FILE` and, right after its first INSERT into the table named, signals it holds
# the transaction open (creates HOLDING) and waits until RELEASE exists: an import caught mid-write.
PAUSE_AFTER_INSERT = """
import sys, time
from pathlib import Path
from sqlalchemy import event
from sqlalchemy.engine import Engine

table, holding, release = sys.argv[1].upper(), Path(sys.argv[2]), Path(sys.argv[3])

@event.listens_for(Engine, "after_cursor_execute")
def _pause(conn, cursor, statement, parameters, context, executemany):
    if statement.lstrip().upper().startswith(f"INSERT INTO {table} ") and not holding.exists():
        holding.touch()
        deadline = time.monotonic() + 60
        while not release.exists() and time.monotonic() < deadline:
            time.sleep(0.01)

from registry.cli import run
sys.argv = ["registry", "import", sys.argv[4]]
run()
"""


def _wait_for(path: Path, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the import never reached its write"
        time.sleep(0.02)


def test_an_edit_during_an_import_is_503_with_retry_after_on_sqlite_and_goes_through_on_postgresql(
    live_api: LiveApi, start_server: Any, tmp_path: Path
) -> None:
    """A real import holds its write transaction open (paused right after it inserted its partnerships)
    while a PATCH of another partnership comes in over HTTP. SQLite locks the whole database for a write:
    the PATCH waits out the busy timeout (0.5 s here) and gets 503 with Retry-After, and goes through when
    retried after the import. PostgreSQL locks only the rows written: the PATCH goes through at once."""
    url = start_server(replace(live_api.settings, sqlite_busy_timeout_seconds=0.5))
    target = httpx.get(f"{url}/api/partnerships", params={"limit": 1}).json()["items"][0]["id"]
    etag = httpx.get(f"{url}/api/partnerships/{target}").headers["etag"]
    path = tmp_path / "import.csv"
    path.write_bytes(
        _csv(*[["12060052", ua, "partnership", "https://example.org/held", "", ""] for ua in LOCKED])
    )
    holding, release = tmp_path / "holding", tmp_path / "release"
    importer = subprocess.Popen(
        [sys.executable, "-c", PAUSE_AFTER_INSERT, "partnership", str(holding), str(release), str(path)],
        env={**os.environ, "DATABASE_URL": live_api.settings.database_url},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    edit = {"notes": "edited during an import"}
    try:
        _wait_for(holding, importer)
        started = time.monotonic()
        answer = httpx.patch(
            f"{url}/api/partnerships/{target}",
            json=edit,
            headers={**live_api.editor, "If-Match": etag},
            timeout=30,
        )
        waited = time.monotonic() - started
    finally:
        release.touch()
        out, err = importer.communicate(timeout=60)
    assert importer.returncode == 0, err[-2000:]
    assert f"{len(LOCKED)} were created" in out
    if POSTGRES_URL:
        assert answer.status_code == 200, answer.text
        return
    assert answer.status_code == 503, answer.text
    assert int(answer.headers["retry-after"]) > 0
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert waited < 5  # the busy timeout, not the import, decides how long the edit waits
    again = httpx.patch(
        f"{url}/api/partnerships/{target}", json=edit, headers={**live_api.editor, "If-Match": etag}
    )
    assert again.status_code == 200, again.text  # the retry the 503 asked for


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


# Runs `registry import FILE` and SIGKILLs it right after its first INSERT into the table named: with
# "audit_event", every partnership, topic and source link is written, and the commit is all that is left.
KILL_AFTER_INSERT = """
import os, signal, sys
from sqlalchemy import event
from sqlalchemy.engine import Engine

table = sys.argv[1].upper()

@event.listens_for(Engine, "after_cursor_execute")
def _kill(conn, cursor, statement, parameters, context, executemany):
    if statement.lstrip().upper().startswith(f"INSERT INTO {table} "):
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
        [sys.executable, "-c", KILL_AFTER_INSERT, "audit_event", str(path)],
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


def test_an_import_larger_than_its_body_limit_is_413_naming_it(live_api: LiveApi) -> None:
    row = f"{POTSDAM},{NIZHYN},partnership,https://example.org/{'x' * 200},,\n".encode()
    body = _csv() + row * (MAX_IMPORT_BYTES // len(row) + 1)
    answer = _import(live_api, body, dry_run=True)
    assert answer.status_code == 413, answer.text[:300]
    assert "larger than 16 MiB" in answer.json()["detail"]
