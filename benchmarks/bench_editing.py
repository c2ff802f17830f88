"""Benchmark search and suggestions while an editor writes once a second (issue 9).

Run (one command):

    .venv/bin/python benchmarks/bench_editing.py [--database-url postgresql://postgres@127.0.0.1:5432/bench]

It copies the bundled data into a database of its own (benchmarks/results/bench_editing.db, loaded
once; on PostgreSQL the given database, loaded once if empty), creates an editor's API key and, for
each server configuration, starts `registry.api.app:create_app` with uvicorn (one worker, ports
8200-8249) and measures with four client threads in a closed loop, each request a search
(`/api/municipalities?q=<name>`) or suggestions (`/api/suggestions?for=<code>`) for real names and
codes drawn from the data:

* for ``--seconds`` without a writer: the baseline of the same run;
* for ``--seconds`` with an editor that every second PATCHes a hromada's population or a
  partnership's notes through the API, whether or not the last write was answered (a write is
  answered once the caches it outdated are rebuilt: its time is shown too).

Configurations: the API as served (read cache on, caches rebuilt in the background); the same with
the read cache off; and, as the reference of the same run, the caches rebuilt synchronously as before
(a reader after a write waits for the rebuild). Target: with the writer, p50 < 20 ms and p99 < 100 ms
for search and for suggestions, read cache on.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import httpx
from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from serving import create_postgres_database_if_missing, free_port, wait_until_up  # noqa: E402

from registry import db  # noqa: E402
from registry.api import app  # noqa: E402
from registry.config import Settings  # noqa: E402
from registry.models import ApiKeyRole, Municipality, Partnership  # noqa: E402
from registry.repository import apikeys  # noqa: E402
from registry.services import cache, search, suggestions  # noqa: E402
from registry.services.loading import load_bundled  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Iterator

    from litestar import Litestar

RESULTS = ROOT / "benchmarks" / "results"
PORTS: Final = range(8200, 8250)  # this benchmark's share of the machine's ports
READERS: Final = 4
SAMPLE: Final = 60  # names and codes of each kind drawn from the data
TARGET_P50_MS: Final = 20.0
TARGET_P99_MS: Final = 100.0
CONFIGURATIONS: Final = {
    "read cache on, background rebuild": "registry.api.app:create_app",
    "read cache off, background rebuild": "bench_editing:uncached_app",
    "read cache on, synchronous rebuild (before)": "bench_editing:synchronous_app",
}


# --- the apps the servers run ---------------------------------------------------------------------


def uncached_app() -> Litestar:
    """The API with its read cache off: every request goes through the handler."""
    return app.create_app(Settings.from_env(), cached_reads=0)


class _Synchronous(cache.Stamped[Any]):
    """The stamp-checked cache as it was: a reader after a write rebuilds while the others wait."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.pop("background", None)
        super().__init__(*args, **kwargs)


def synchronous_app() -> Litestar:
    """The API with the name index and the matching input rebuilt by the reader that finds them out
    of date, as before the background rebuild: the reference of the same run."""
    search.Stamped = _Synchronous  # type: ignore[misc]
    suggestions.Stamped = _Synchronous  # type: ignore[misc]
    app.MatchingData = lambda data_dir, **_processes: suggestions.MatchingData(data_dir)  # type: ignore[assignment,misc]
    return app.create_app(Settings.from_env())


# --- the database ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    """Real names and codes to ask for, what the editor edits, and its key."""

    names: list[str]
    codes: list[str]
    hromadas: list[str]
    partnerships: list[int]
    key: str


def prepared(database_url: str) -> Workload:
    """Migrate and load the bundled data (once), create an editor's key, draw the workload."""
    settings = replace(Settings(), database_url=database_url)
    create_postgres_database_if_missing(database_url)
    db.upgrade(settings)
    engine = db.make_engine(settings)
    sessions = db.make_sessionmaker(engine)
    with sessions() as session:
        empty = session.scalar(select(Municipality.id).limit(1)) is None
    if empty:
        print("loading the bundled data (once) ...", flush=True)
        load_bundled(sessions, settings.data_dir, lambda _message: None)
    rng = random.Random(9)
    with db.transaction(sessions) as session:
        _, key = apikeys.create_key(session, "bench_editing", ApiKeyRole.EDITOR)
        towns = session.execute(
            select(Municipality.name, Municipality.code)
            .where(Municipality.level.in_(["stadt", "hromada"]), Municipality.population > 20_000)
            .order_by(Municipality.code)
        ).all()
        hromadas = list(
            session.scalars(
                select(Municipality.code)
                .where(Municipality.level == "hromada", Municipality.population.is_not(None))
                .order_by(Municipality.code)
            )
        )
        partnerships = list(session.scalars(select(Partnership.id).order_by(Partnership.id)))
    engine.dispose()
    drawn = rng.sample(towns, SAMPLE)
    return Workload(
        names=[name for name, _ in drawn],
        codes=[code for _, code in drawn],
        hromadas=rng.sample(hromadas, 10),
        partnerships=rng.sample(partnerships, 10),
        key=key,
    )


# --- servers and clients --------------------------------------------------------------------------


@contextmanager
def server(app: str, database_url: str) -> Iterator[str]:
    """Run uvicorn on the app factory ``app`` in a child process; yield its base URL."""
    port = free_port(PORTS)
    command = [
        *(sys.executable, "-m", "uvicorn", app, "--factory", "--port", str(port)),
        *("--log-level", "warning", "--no-access-log", "--app-dir", str(ROOT / "benchmarks")),
    ]
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PYTHONPATH": str(ROOT),
        "REGISTRY_READ_RATE_LIMIT": "1000000",  # one client asks thousands of times a minute
        "REGISTRY_WRITE_RATE_LIMIT": "1000000",
    }
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@dataclass
class Timings:
    """Request latencies in ms by endpoint, and errors."""

    ms: dict[str, list[float]] = field(default_factory=lambda: {"search": [], "suggestions": []})
    errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, ms: float, ok: bool) -> None:
        with self.lock:
            self.ms[kind].append(ms)
            self.errors += not ok


def _read(url: str, work: Workload, seconds: float, seed: int, timings: Timings) -> None:
    rng = random.Random(seed)
    deadline = time.monotonic() + seconds
    with httpx.Client(base_url=url, timeout=60) as client:
        while time.monotonic() < deadline:
            if rng.random() < 0.5:
                kind, path = "search", "/api/municipalities"
                params = {"q": rng.choice(work.names), "limit": "20"}
            else:
                kind, path = "suggestions", "/api/suggestions"
                params = {"for": rng.choice(work.codes), "limit": "10"}
            started = time.perf_counter()
            response = client.get(path, params=params)
            timings.add(kind, (time.perf_counter() - started) * 1000, response.status_code == 200)


def _write(url: str, work: Workload, stop: threading.Event, timings: Timings) -> None:
    """Once a second, whether or not the last write was answered: a hromada's population (ranks the
    name index) or a partnership's notes, each on a record of its own for 20 s (no 412 in between)."""
    headers = {"Authorization": f"Bearer {work.key}"}

    def edit(client: httpx.Client, n: int) -> None:
        if n % 2 == 0:
            path = f"/api/municipalities/{work.hromadas[n // 2 % len(work.hromadas)]}"
            read = client.get(path)
            body: dict[str, Any] = {
                "population": read.json()["population"] + (1 if n % 4 == 0 else -1),
                "source": {"citation": "bench_editing: synthetic edit"},
            }
        else:
            path = f"/api/partnerships/{work.partnerships[n // 2 % len(work.partnerships)]}"
            read = client.get(path)
            body = {"notes": f"bench_editing: synthetic edit {n}"}
        started = time.perf_counter()
        response = client.patch(path, json=body, headers={"If-Match": read.headers["etag"]})
        elapsed = (time.perf_counter() - started) * 1000
        with timings.lock:
            timings.ms.setdefault("write", []).append(elapsed)
            timings.errors += response.status_code != 200

    def counted(client: httpx.Client, n: int) -> None:
        try:
            edit(client, n)
        except Exception:  # counted as an error, not lost in the pool's futures
            with timings.lock:
                timings.errors += 1

    with (
        httpx.Client(base_url=url, timeout=60, headers=headers) as client,
        ThreadPoolExecutor(8) as pool,
    ):
        n = 0
        while not stop.wait(max(0.0, 1.0 - (time.monotonic() % 1.0))):
            pool.submit(counted, client, n)
            n += 1


def measure(url: str, work: Workload, seconds: float, *, writer: bool) -> Timings:
    """Run the readers (and the writer) for ``seconds``; return what they saw."""
    timings = Timings()
    stop = threading.Event()
    writing = threading.Thread(target=_write, args=(url, work, stop, timings)) if writer else None
    if writing:
        writing.start()
    readers = [
        threading.Thread(target=_read, args=(url, work, seconds, seed, timings)) for seed in range(READERS)
    ]
    for thread in readers:
        thread.start()
    for thread in readers:
        thread.join()
    stop.set()
    if writing:
        writing.join()
    return timings


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def run(database_url: str, seconds: float) -> dict[str, Any]:
    """Measure every configuration: without a writer, then with one."""
    work = prepared(database_url)
    results: dict[str, Any] = {}
    for label, factory in CONFIGURATIONS.items():
        with server(factory, database_url) as url:
            for code in work.codes:  # builds the index and the matching input, fills the read cache
                httpx.get(f"{url}/api/suggestions", params={"for": code}, timeout=300).raise_for_status()
            for name in work.names:
                httpx.get(f"{url}/api/municipalities", params={"q": name, "limit": "20"}, timeout=300)
            phases = {}
            for phase, writer in (("no writer", False), ("writer 1/s", True)):
                timings = measure(url, work, seconds, writer=writer)
                phases[phase] = {
                    kind: {
                        "requests": len(ms),
                        "p50_ms": statistics.median(ms),
                        "p99_ms": _percentile(ms, 0.99),
                        "max_ms": max(ms),
                    }
                    for kind, ms in timings.ms.items()
                    if ms
                } | {"errors": timings.errors}
            results[label] = phases
    return results


def report(results: dict[str, Any], database: str, seconds: float) -> None:
    print(
        f"\n{database}: {READERS} readers in a closed loop, {seconds:.0f} s without and {seconds:.0f} s "
        f"with one editor writing every second; target with the writer (read cache on): "
        f"p50 < {TARGET_P50_MS:.0f} ms, p99 < {TARGET_P99_MS:.0f} ms"
    )
    print(
        f"{'configuration':45} {'endpoint':12} {'p50 ms':>8} {'p99 ms':>8} {'with writer:':>13} "
        f"{'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'p99 ratio':>9}  target"
    )
    for label, phases in results.items():
        quiet, busy = phases["no writer"], phases["writer 1/s"]
        for kind in ("search", "suggestions"):
            q, b = quiet[kind], busy[kind]
            met = b["p50_ms"] < TARGET_P50_MS and b["p99_ms"] < TARGET_P99_MS
            print(
                f"{label:45} {kind:12} {q['p50_ms']:8.1f} {q['p99_ms']:8.1f} {'':13} {b['p50_ms']:8.1f} "
                f"{b['p99_ms']:8.1f} {b['max_ms']:8.0f} {b['p99_ms'] / q['p99_ms']:8.1f}x  "
                f"{'met' if met else 'MISSED'}"
            )
        writes = busy.get("write")
        if writes:
            print(
                f"{'':45} {'the writes':12} {writes['requests']:8d} {'':8} {'':13} {writes['p50_ms']:8.1f} "
                f"{writes['p99_ms']:8.1f} {writes['max_ms']:8.0f}   errors {quiet['errors'] + busy['errors']}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20, help="measuring time of each phase")
    parser.add_argument(
        "--database-url",
        help="a database to load (once) and edit, e.g. postgresql://postgres@127.0.0.1:5432/bench "
        "(default: benchmarks/results/bench_editing.db)",
    )
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    database_url = args.database_url or f"sqlite:///{RESULTS / 'bench_editing.db'}"
    results = run(database_url, args.seconds)
    database = database_url.split(":", 1)[0]
    report(results, database, args.seconds)
    (RESULTS / f"bench_editing_{database}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
