"""Benchmark a large CSV import through the API, and an edit made while it runs.

Run (one command):

    .venv/bin/python benchmarks/bench_imports.py [--large] [--database-url postgresql://postgres@127.0.0.1:5432/test]

SQLite (default): the bundled data is loaded once into benchmarks/results/bench_imports.db and each
run works on a copy of it. PostgreSQL (``--database-url``): the bundled data is loaded into a schema
of its own, dropped afterwards. A synthetic CSV of 10,000 rows (100,000 with ``--large``) is made by
code from real gazetteer codes of that database: German Gemeinden and Städte paired with hromadas
that are not partners yet, each row with its own synthetic source URL, a topic and a start year, so
every row resolves and is created. A server (uvicorn, the app as in production, on a port of
8250-8299) imports it with ``POST /api/partnerships/import``, while another client edits one
partnership (``PATCH``, notes) again and again. Printed: the import's time and rows/s, how long its
write transaction was held (from its first INSERT to its COMMIT, timed inside the server process),
and the latency of the concurrent edits; baseline of the same run: the same edits without an import.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final

import httpx
from sqlalchemy import create_engine, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from serving import free_port, wait_until_up  # noqa: E402

from registry import db  # noqa: E402
from registry.config import Settings, normalize_database_url  # noqa: E402
from registry.models import ApiKeyRole, Municipality, Partnership  # noqa: E402
from registry.repository import apikeys  # noqa: E402
from registry.services.loading import load_bundled  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Iterator

RESULTS = ROOT / "benchmarks" / "results"
PORTS: Final = range(8250, 8300)  # this benchmark's ports
BASELINE_EDITS: Final = 30
EDIT_PAUSE_SECONDS: Final = 0.05  # between two concurrent edits

# The server, with every write transaction timed from its first INSERT/UPDATE/DELETE to its end: on
# SQLite that is how long the database's write lock was held.
SERVE: Final = """
import sys, time
from sqlalchemy import event
from sqlalchemy.engine import Engine

log = open(sys.argv[1], "a", buffering=1)

@event.listens_for(Engine, "after_cursor_execute")
def _first_write(conn, cursor, statement, parameters, context, executemany):
    writes = statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE")
    if writes and "bench_first_write" not in conn.info:
        conn.info["bench_first_write"] = time.perf_counter()

def _ended(conn):
    started = conn.info.pop("bench_first_write", None)
    if started is not None:
        log.write(f"{time.time():.6f} {time.perf_counter() - started:.6f}\\n")

event.listen(Engine, "commit", _ended)
event.listen(Engine, "rollback", _ended)

import uvicorn
from registry.api.app import create_app
uvicorn.run(create_app(), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
"""


@dataclass
class Edits:
    """Latencies (ms) and statuses of the edits of one partnership."""

    latencies: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)

    def summary(self) -> str:
        if not self.latencies:
            return "none"
        ordered = sorted(self.latencies)
        p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
        failed = sum(1 for s in self.statuses if s != 200)
        return (
            f"{len(ordered)} edits: median {statistics.median(ordered):7.1f} ms, p99 {p99:7.1f} ms, "
            f"max {ordered[-1]:7.1f} ms, not 200: {failed} {sorted(set(self.statuses))}"
        )


@contextmanager
def _database(database_url: str | None) -> Iterator[Settings]:
    """Yield settings of a loaded database the run may change: a copy of the SQLite file, or a schema."""
    if database_url is None:
        RESULTS.mkdir(parents=True, exist_ok=True)
        loaded = RESULTS / "bench_imports.db"
        if not loaded.exists():
            print("loading the bundled data into benchmarks/results/bench_imports.db (once) ...", flush=True)
            _load(Settings.from_env({"DATABASE_URL": f"sqlite:///{loaded}"}))
        with tempfile.TemporaryDirectory() as directory:
            copy = Path(directory) / "registry.db"
            shutil.copyfile(loaded, copy)
            yield Settings.from_env({"DATABASE_URL": f"sqlite:///{copy}"})
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalize_database_url(database_url))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = f"{database_url}{'&' if '?' in database_url else '?'}options=-csearch_path%3D{schema}"
        settings = Settings.from_env({"DATABASE_URL": url})
        print("loading the bundled data into a schema of its own ...", flush=True)
        _load(settings)
        yield settings
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _load(settings: Settings) -> None:
    db.upgrade(settings)
    engine = db.make_engine(settings)
    load_bundled(db.make_sessionmaker(engine), settings.data_dir, lambda _message: None)
    engine.dispose()


def synthetic_csv(settings: Settings, rows: int, seed: int = 9) -> bytes:
    """A synthetic import file: real German Gemeinden and hromadas of the database, paired anew."""
    engine = db.make_engine(settings)
    with engine.connect() as connection:
        german = sorted(
            connection.scalars(
                select(Municipality.code).where(
                    Municipality.country == "DE", Municipality.level.in_(["gemeinde", "stadt"])
                )
            )
        )
        hromadas = sorted(
            connection.scalars(
                select(Municipality.code).where(Municipality.country == "UA", Municipality.level == "hromada")
            )
        )
        m_de, m_ua = Municipality.__table__.alias("de"), Municipality.__table__.alias("ua")
        linked = set(
            connection.execute(
                select(m_de.c.code, m_ua.c.code)
                .select_from(Partnership)
                .join(m_de, m_de.c.id == Partnership.de_municipality_id)
                .join(m_ua, m_ua.c.id == Partnership.ua_municipality_id)
            ).all()
        )
    engine.dispose()
    rng = random.Random(seed)
    pairs: set[tuple[str, str]] = set()
    while len(pairs) < rows:
        pair = (rng.choice(german), rng.choice(hromadas))
        if pair not in linked:
            pairs.add(pair)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["de_code", "ua_code", "kind", "source", "start_year", "topics", "note"])
    for i, (de, ua) in enumerate(sorted(pairs)):
        writer.writerow(
            [de, ua, "friendship", f"https://example.org/synthetic-import/{i}", 2000 + i % 26, "culture",
             f"synthetic benchmark row {i}"]
        )  # fmt: skip
    return out.getvalue().encode()


@contextmanager
def _server(settings: Settings, rows: int, timings: Path) -> Iterator[str]:
    port = free_port(PORTS)
    env = os.environ | {
        "DATABASE_URL": settings.database_url,
        "REGISTRY_IMPORT_MAX_ROWS": str(rows),
        "REGISTRY_WRITE_RATE_LIMIT": "1000000",
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(timings), str(port)], env=env, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def _edit(client: httpx.Client, url: str, pid: int, etag: str, edits: Edits) -> str:
    started = time.perf_counter()
    answer = client.patch(
        f"{url}/api/partnerships/{pid}",
        json={"notes": f"bench edit {uuid.uuid4().hex}"},
        headers={"If-Match": etag},
    )
    edits.latencies.append((time.perf_counter() - started) * 1000)
    edits.statuses.append(answer.status_code)
    return answer.headers.get("etag") or client.get(f"{url}/api/partnerships/{pid}").headers["etag"]


def run(settings: Settings, rows: int) -> None:
    content = synthetic_csv(settings, rows)
    engine = db.make_engine(settings)
    with db.transaction(db.make_sessionmaker(engine)) as session:
        _, key = apikeys.create_key(session, "bench imports", ApiKeyRole.EDITOR)
        target = session.scalar(select(Partnership.id).order_by(Partnership.id).limit(1))
    engine.dispose()
    assert target is not None
    auth = {"Authorization": f"Bearer {key}"}
    with tempfile.TemporaryDirectory() as directory:
        timings = Path(directory) / "write-transactions.log"
        with _server(settings, rows, timings) as url, httpx.Client(headers=auth, timeout=600) as client:
            etag = client.get(f"{url}/api/partnerships/{target}").headers["etag"]
            baseline = Edits()
            for _ in range(BASELINE_EDITS):
                etag = _edit(client, url, target, etag, baseline)
                time.sleep(EDIT_PAUSE_SECONDS)
            during, done = Edits(), threading.Event()

            def edit_while_importing(etag: str) -> None:
                with httpx.Client(headers=auth, timeout=600) as editor:
                    while not done.is_set():
                        etag = _edit(editor, url, target, etag, during)
                        time.sleep(EDIT_PAUSE_SECONDS)

            editor = threading.Thread(target=edit_while_importing, args=(etag,))
            began_at = time.time()
            started = time.perf_counter()
            editor.start()
            answer = client.post(
                f"{url}/api/partnerships/import", content=content, headers={"content-type": "text/csv"}
            )
            seconds = time.perf_counter() - started
            done.set()
            editor.join()
        held = [
            float(line.split()[1])
            for line in timings.read_text().splitlines()
            if float(line.split()[0]) >= began_at
        ]
    if answer.status_code != 200:
        sys.exit(f"the import failed: {answer.status_code} {answer.text[:1000]}")
    report = answer.json()
    database = settings.database_url.split(":", 1)[0].split("+")[0]
    print(f"import of {rows:,} synthetic rows ({len(content) / 1e6:.1f} MB) on {database}")
    print(
        f"  created {report['created']:,}, updated {report['updated']:,}, unchanged {report['unchanged']:,}"
    )
    print(f"  import (HTTP, check + write): {seconds:8.2f} s   {rows / seconds:10,.0f} rows/s")
    print(f"  its write transaction held:  {max(held):8.2f} s   ({max(held) / seconds:.0%} of the import)")
    print(f"  edits without an import (baseline): {baseline.summary()}")
    print(f"  edits during the import:            {during.summary()}")
    print(
        f"  ratio of the worst edit during the import to the baseline's median: "
        f"{max(during.latencies) / statistics.median(baseline.latencies):.0f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--large", action="store_true", help="100,000 rows instead of 10,000")
    parser.add_argument("--database-url", help="PostgreSQL, e.g. postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    rows = 100_000 if args.large else 10_000
    with _database(args.database_url) as settings:
        run(settings, rows)


if __name__ == "__main__":
    main()
