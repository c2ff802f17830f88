"""Several serving processes on one database: a write through one is read through the others.

On PostgreSQL every committed write is announced with NOTIFY and every app LISTENs; the fingerprint
poll is set to an hour here, so only the notification can tell the second app of the write. On SQLite
the poll is the mechanism, and the test checks it with its usual interval.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from registry.services import cache

if TYPE_CHECKING:
    from collections.abc import Callable

    from registry.config import Settings
    from tests.conftest import LiveApi


def _on_postgres(settings: Settings) -> bool:
    return settings.database_url.startswith("postgresql")


def _first_partnership(url: str) -> dict[str, Any]:
    return httpx.get(f"{url}/api/partnerships", params={"limit": 1}).json()["items"][0]


def _wait_for(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_a_write_through_one_app_is_read_through_another(
    live_api: LiveApi, start_server: Callable[[Settings], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    if _on_postgres(live_api.settings):
        monkeypatch.setattr(cache, "STAMP_INTERVAL_SECONDS", 3600.0)  # only LISTEN/NOTIFY can tell
    other = start_server(live_api.settings)
    item = _first_partnership(other)  # now in the other app's read cache
    record = f"{other}/api/partnerships/{item['id']}"
    assert httpx.get(record).json()["notes"] != "written through the first app"
    etag = httpx.get(f"{live_api.url}/api/partnerships/{item['id']}").headers["etag"]
    written = httpx.patch(
        f"{live_api.url}/api/partnerships/{item['id']}",
        json={"notes": "written through the first app"},
        headers=live_api.editor | {"If-Match": etag},
    )
    assert written.status_code == 200, written.text
    assert _wait_for(lambda: httpx.get(record).json()["notes"] == "written through the first app", 10)
    assert _first_partnership(other)["notes"] == "written through the first app"  # the list too


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_with_two_workers_runs_two_processes(live_api: LiveApi) -> None:
    port = _free_port()
    env = os.environ | {
        "DATABASE_URL": live_api.settings.database_url,
        "REGISTRY_DATA_DIR": str(live_api.settings.data_dir),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "registry", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        assert _wait_for(lambda: _answers(f"http://127.0.0.1:{port}/health"), 60), "the server did not start"
        children = subprocess.run(
            ["pgrep", "-P", str(server.pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        workers = [pid for pid in children if _is_worker(int(pid))]
        assert len(workers) == 2
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=30)[0]
    assert "with 2 worker(s)" in output


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _is_worker(pid: int) -> bool:
    """A uvicorn worker is a Python process started by multiprocessing (not its resource tracker)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as stream:
            command = stream.read().replace(b"\0", b" ")
    except FileNotFoundError:
        return False
    return b"multiprocessing" in command and b"resource_tracker" not in command
