"""Faults of the database under the API and the CLI (issue 9): down, read-only, full, failing mid-export,
or misnamed. Each must give 503 with Retry-After (or one clear line on the command line), never a 500
or a traceback, and never a 200 that looks whole but is not."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

from registry.api import exports
from registry.config import Settings
from tests.conftest import POSTGRES_URL, LiveApi

POTSDAM = "12054000"
NOWHERE_PORT = 8119  # nothing listens here: a PostgreSQL server that is down


def _assert_unavailable(answer: httpx.Response) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert int(answer.headers["retry-after"]) > 0
    assert answer.json()["status"] == 503


def _down_url(tmp_path: Path) -> str:
    if POSTGRES_URL:
        return f"postgresql+psycopg://postgres@127.0.0.1:{NOWHERE_PORT}/test?connect_timeout=2"
    return f"sqlite:///{tmp_path / 'no such directory' / 'registry.db'}"


def _read_only_url(settings: Settings) -> str:
    url = settings.database_url
    if url.startswith("sqlite"):
        return f"sqlite:///file:{quote(url.removeprefix('sqlite:///'))}?mode=ro&uri=true"
    return url.replace("options=", "options=-cdefault_transaction_read_only%3Don%20", 1)


def test_a_database_that_is_down_gives_503_and_health_says_so(
    live_api: LiveApi, start_server: Any, tmp_path: Path
) -> None:
    url = start_server(replace(live_api.settings, database_url=_down_url(tmp_path)))
    _assert_unavailable(httpx.get(f"{url}/health"))
    _assert_unavailable(httpx.get(f"{url}/api/partnerships"))
    offers = f"{url}/api/municipalities/{POTSDAM}/offers"
    _assert_unavailable(httpx.post(offers, json={}, headers=live_api.editor))
    page = httpx.get(f"{url}/", headers={"accept": "text/html"})
    assert page.status_code == 503
    assert httpx.get(f"{live_api.url}/health").status_code == 200  # the healthy server still is


def test_a_read_only_database_refuses_writes_with_503(live_api: LiveApi, start_server: Any) -> None:
    url = start_server(replace(live_api.settings, database_url=_read_only_url(live_api.settings)))
    assert httpx.get(f"{url}/api/partnerships").status_code == 200  # reads still work
    answer = httpx.post(
        f"{url}/api/municipalities/{POTSDAM}/offers",
        json={"category": "education", "note": "read-only test"},
        headers=live_api.editor,
    )
    _assert_unavailable(answer)


@pytest.fixture
def full_sqlite() -> Iterator[None]:
    """Every new SQLite connection of this process may not grow its file: writes that need a page fail
    with SQLITE_FULL ("database or disk is full"), as on a full disk."""

    def no_growth(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        pages = cursor.execute("PRAGMA page_count").fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count = {int(pages)}")
        cursor.close()

    event.listen(Engine, "connect", no_growth)
    try:
        yield
    finally:
        event.remove(Engine, "connect", no_growth)


@pytest.mark.skipif(bool(POSTGRES_URL), reason="a full disk is simulated with SQLite's max_page_count")
def test_a_full_database_refuses_writes_with_503(
    live_api: LiveApi, start_server: Any, full_sqlite: None
) -> None:
    url = start_server(live_api.settings)
    answer = httpx.post(
        f"{url}/api/municipalities/{POTSDAM}/offers",
        json={"category": "education", "note": "x" * 9_000},  # needs new pages
        headers=live_api.editor,
    )
    _assert_unavailable(answer)


def _failing_after(batches: int) -> Any:
    real = exports.municipalities.iter_municipalities

    def iter_municipalities(*args: Any, **kwargs: Any) -> Iterator[Any]:
        read = list(real(*args, **kwargs)) if batches else []  # read whole: no cursor left open
        yield from read[:batches]
        raise exc.OperationalError("SELECT ...", {}, Exception("server closed the connection unexpectedly"))

    return iter_municipalities


def test_an_export_whose_database_fails_at_once_is_a_503(
    live_api: LiveApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports.municipalities, "iter_municipalities", _failing_after(0))
    _assert_unavailable(httpx.get(f"{live_api.url}/api/municipalities.csv"))
    _assert_unavailable(httpx.get(f"{live_api.url}/api/municipalities.geojson"))


def test_an_export_cut_by_a_database_error_is_no_complete_200(
    live_api: LiveApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "BATCH", 500)
    monkeypatch.setattr(exports.municipalities, "iter_municipalities", _failing_after(1))
    with httpx.stream("GET", f"{live_api.url}/api/municipalities.csv") as answer:
        assert answer.status_code == 200  # the first batch was read before answering
        with pytest.raises(httpx.RemoteProtocolError, match="incomplete"):
            answer.read()


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://someone:secret@127.0.0.1:{NOWHERE_PORT}/registry",
        "nonsense://somewhere",
        "mysql://someone@somewhere/registry",  # its driver is not installed
        "sqlite:////no/such/directory/registry.db",
    ],
)
@pytest.mark.parametrize("command", [["stats"], ["db", "upgrade"]])
def test_a_wrong_database_url_prints_one_clear_line(url: str, command: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "registry", *command],
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    assert "secret" not in done.stderr  # the password is not shown
