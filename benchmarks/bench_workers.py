"""Benchmark how soon a write through one serving process is read through another, on PostgreSQL.

Run (one command; PostgreSQL at 127.0.0.1:5432, trust auth, database `test`):

    .venv/bin/python benchmarks/bench_workers.py [--database-url postgresql://postgres@127.0.0.1:5432/test]

It creates a schema of its own, loads a small real subset of the bundled data (three Länder, three
oblasts: tests/subset.py), starts two `registry serve` processes on two ports over it, and times,
for 30 edits of a partnership's notes through process A, the interval until process B answers
the new text (polling every 2 ms; B's answer is in its read cache before each edit). The same is
done with B's LISTEN turned off, so only the 1 s fingerprint poll tells it: the baseline of the same
run. Target (issue 9): the median and the worst case under 100 ms with LISTEN/NOTIFY.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ helpers of the checkout

from registry import db
from registry.config import Settings, normalize_database_url
from registry.models import ApiKeyRole
from registry.repository import apikeys
from registry.services.loading import load_bundled
from tests.subset import write_subset

if TYPE_CHECKING:
    from collections.abc import Iterator

EDITS = 30
TARGET_MS = 100.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _server(settings: Settings, listen: bool) -> Iterator[str]:
    port = _free_port()
    env = os.environ | {"DATABASE_URL": settings.database_url, "REGISTRY_DATA_DIR": str(settings.data_dir)}
    if not listen:
        env["REGISTRY_LISTEN"] = "off"
    process = subprocess.Popen(
        [sys.executable, "-m", "registry", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        time.sleep(1.5)  # the listener connects in the background
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def _latencies(a: str, b: str, key: str) -> list[float]:
    pid = httpx.get(f"{a}/api/partnerships", params={"limit": 1}).json()["items"][0]["id"]
    seen: list[float] = []
    with httpx.Client() as client:
        for i in range(EDITS):
            client.get(f"{b}/api/partnerships/{pid}")  # cached in B
            etag = client.get(f"{a}/api/partnerships/{pid}").headers["etag"]
            note = f"bench edit {uuid.uuid4().hex}"
            response = client.patch(
                f"{a}/api/partnerships/{pid}",
                json={"notes": note},
                headers={"Authorization": f"Bearer {key}", "If-Match": etag},
            )
            response.raise_for_status()
            written = time.perf_counter()
            while client.get(f"{b}/api/partnerships/{pid}").json()["notes"] != note:
                time.sleep(0.002)
            seen.append((time.perf_counter() - written) * 1000)
            time.sleep(0.05 * (i % 3))
    return seen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    base = parser.parse_args().database_url
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalize_database_url(base))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        with tempfile.TemporaryDirectory() as directory:
            url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
            data = write_subset(Path(directory))
            settings = Settings.from_env({"DATABASE_URL": url, "REGISTRY_DATA_DIR": str(data)})
            db.upgrade(settings)
            engine = db.make_engine(settings)
            sessions = db.make_sessionmaker(engine)
            load_bundled(sessions, settings.data_dir, lambda _message: None)
            with db.transaction(sessions) as session:
                _, key = apikeys.create_key(session, "bench", ApiKeyRole.EDITOR)
            engine.dispose()
            results = {}
            for listen in (True, False):
                with _server(settings, True) as a, _server(settings, listen) as b:
                    results[listen] = _latencies(a, b, key)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    notify, poll = results[True], results[False]
    print(f"write through A, read through B, {EDITS} edits, PostgreSQL")
    for name, values in (("LISTEN/NOTIFY", notify), ("fingerprint poll only (baseline)", poll)):
        print(f"  {name:34} median {statistics.median(values):7.1f} ms   max {max(values):7.1f} ms")
    print(
        f"  ratio of medians: {statistics.median(poll) / statistics.median(notify):.1f}x faster with NOTIFY"
    )
    met = max(notify) < TARGET_MS
    print(f"  target: every edit seen within {TARGET_MS:.0f} ms: {'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
