"""Benchmark the HTTP API: throughput and latency of the main reads, and the CSV export.

Run (one command; needs `wrk`, from Debian: `apt-get install -y wrk`):

    .venv/bin/python benchmarks/bench_api.py

It loads the bundled data into its own SQLite file (benchmarks/results/bench_api.db, once), starts
servers with uvicorn (one worker each, no access log), and for every endpoint runs wrk with 64
connections after a warm-up:

* a bare Litestar hello world, measured in the same run as the yardstick;
* the list and search endpoints of the API as served (with its read cache), and again with the
  cache turned off (every request goes to the database);
* the first page of partnerships answered from memory by a handler of the uncached app: the floor
  the app stack itself sets for that answer (middleware, a thread hop, encoding ~90 KB of JSON);
* the SQL of that page run through the bare driver in one thread, no HTTP: the ceiling of a server
  that asks the database for the page;

then the CSV export of 100,000 synthetic partnerships: the encoder alone against `pandas.to_csv`
of the same rows, and the streamed HTTP export of the same rows from a synthetic copy of the
database against `pandas.to_csv`. Targets: with the cache, list/search >= 50% of hello-world
throughput with p99 < 50 ms at 64 connections (issue 3); without it, >= 15% and p99 < 100 ms
(issue 9); export >= 50% of raw pandas speed. Figures go to stdout and to benchmarks/results/.

On PostgreSQL (reads only; the database is loaded once if empty):

    .venv/bin/python benchmarks/bench_api.py --database-url postgresql://postgres@127.0.0.1:5432/bench_api
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import httpx
import pandas as pd
from litestar import Litestar, get
from sqlalchemy import event, func, insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from serving import create_postgres_database_if_missing  # noqa: E402

from registry import db, export  # noqa: E402
from registry.api import convert, dictionary  # noqa: E402
from registry.api.app import create_app  # noqa: E402
from registry.api.schemas import PartnershipPageOut  # noqa: E402
from registry.config import Settings  # noqa: E402
from registry.models import Municipality, Partnership, PartnershipSource, PartnershipTopic, Source  # noqa: E402
from registry.repository import partnerships  # noqa: E402
from registry.services.loading import load_bundled  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Iterator

RESULTS = ROOT / "benchmarks" / "results"
PARTNERSHIP_COLUMNS = dictionary.columns(dictionary.PARTNERSHIP_FIELDS)
SYNTHETIC_ROWS = 100_000
READS = {
    "list partnerships": "/api/partnerships?limit=50",
    "list hromadas": "/api/municipalities?country=UA&level=hromada&sort=-population&limit=50",
    "search (Charkiw)": "/api/municipalities?q=Charkiw&limit=20",
}


# --- the apps the servers run ---------------------------------------------------------------------


@get("/", sync_to_thread=False)
def hello() -> dict[str, str]:
    """The yardstick: a Litestar handler that does nothing."""
    return {"hello": "world"}


hello_app = Litestar([hello])


def uncached_app() -> Litestar:
    """The API with its read cache off: every request goes through the handler and the database."""
    return create_app(Settings.from_env(), cached_reads=0)


FLOOR_PATH: Final = "/bench/precomputed-partnerships"


def floor_app() -> Litestar:
    """The uncached API plus one handler that answers the first page of partnerships from memory: what
    the app stack costs for that answer (thread hop, middleware, encoding ~90 KB) without any query."""
    settings = Settings.from_env()
    engine = db.make_engine(settings)
    with engine.connect() as connection:
        rows, total = partnerships.list_partnerships(
            connection, partnerships.PartnershipFilter(), sort="id", limit=50, offset=0
        )
    engine.dispose()
    page = PartnershipPageOut(items=[convert.partnership(r) for r in rows], total=total, limit=50, offset=0)

    @get(FLOOR_PATH, sync_to_thread=True)
    def precomputed() -> PartnershipPageOut:
        return page

    return create_app(settings, cached_reads=0, extra_handlers=[precomputed])


# --- the query alone -------------------------------------------------------------------------------


def query_alone(database_url: str, seconds: float) -> dict[str, float]:
    """Run the first page's query of the partnerships list through the bare driver, one thread, for
    ``seconds``: the ceiling of any server that asks the database for that page (no Python per row
    beyond the driver's own, no HTTP)."""
    settings = replace(Settings(), database_url=database_url)
    engine = db.make_engine(settings)
    captured: list[tuple[str, Any]] = []

    def capture(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
    ) -> None:
        captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    with engine.connect() as connection:
        partnerships.list_partnerships(
            connection, partnerships.PartnershipFilter(), sort="id", limit=50, offset=0
        )
    event.remove(engine, "before_cursor_execute", capture)
    statement, parameters = captured[-1]
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        runs, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds:
            cursor.execute(statement, parameters)
            cursor.fetchall()
            runs += 1
        cursor.close()
    finally:
        raw.close()
        engine.dispose()
    return {"qps": runs / elapsed, "ms": elapsed / runs * 1000}


# --- helpers ---------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(app: str, database_url: str, *, factory: bool = False) -> Iterator[str]:
    """Run uvicorn on ``app`` in a child process; yield its base URL."""
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        "--app-dir",
        str(ROOT / "benchmarks"),
    ]
    if factory:
        command.append("--factory")
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(url + "/", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"{app} did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def wrk(url: str, seconds: int, connections: int) -> dict[str, float]:
    """Warm up, then measure with wrk; return requests/s, p50 and p99 in ms, and errors."""
    httpx.get(url, timeout=300).raise_for_status()  # builds what the first request builds (the name index)
    subprocess.run(["wrk", "-t2", f"-c{connections}", "-d2s", url], capture_output=True, check=True)
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def latency(percentile: str) -> float:
        value, unit = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return {
        "rps": rps,
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "errors": errors + (int(non_2xx.group(1)) if non_2xx else 0),
    }


def ensure_loaded(settings: Settings) -> None:
    """Create (PostgreSQL), migrate and load the bundled data unless the database already holds it."""
    create_postgres_database_if_missing(settings.database_url)
    db.upgrade(settings)
    engine = db.make_engine(settings)
    factory = db.make_sessionmaker(engine)
    with factory() as session:
        empty = not session.scalar(select(func.count()).select_from(Municipality))
    if empty:
        print("loading the bundled data (once) ...", flush=True)
        load_bundled(factory, settings.data_dir, lambda _message: None)
    engine.dispose()


# --- synthetic rows for the export ----------------------------------------------------------------


def synthetic_rows(n: int, seed: int = 3) -> list[dict[str, Any]]:
    """Rows shaped like an export of partnerships, generated (not real: every name says synthetic)."""
    rng = random.Random(seed)
    kinds = ["partnership", "friendship", "solidarity", "project"]
    return [
        {
            "id": i,
            "de_code": f"{rng.randrange(1, 16):02d}{rng.randrange(10**6):06d}",
            "de_name": f"Synthetic Stadt {i}",
            "de_level": "stadt",
            "de_land_code": "DE_01",
            "de_land_name": "Synthetic Land",
            "de_kreis_code": "DE_01001",
            "de_kreis_name": f"Synthetic Kreis {i % 400}",
            "ua_code": f"UA{rng.randrange(10**16, 10**17)}",
            "ua_name": f"Synthetic Hromada {i}",
            "ua_name_uk": "Синтетична громада",
            "ua_level": "hromada",
            "ua_oblast_code": "UA01000000000013043",
            "ua_oblast_name": "Synthetic Oblast",
            "ua_raion_code": "UA01020000000022387",
            "ua_raion_name": "Synthetic Raion",
            "kind": kinds[i % 4],
            "status": "active",
            "status_reason": None,
            "start_year": 2014 + i % 12,
            "start_date": None,
            "end_date": None,
            "confidence": "medium",
            "topics": ["water"] if i % 3 == 0 else [],
            "source_url": f"https://example.org/synthetic/{i}",
            "source_citation": "synthetic source",
            "source_publisher": None,
            "source_list": [f"https://example.org/synthetic/{i}"],
            "licence": "CC0-1.0",
            "notes": "=synthetic formula" if i % 97 == 0 else "synthetic row",
            "de_lat": 47.5 + rng.random() * 7,
            "de_lon": 6 + rng.random() * 9,
            "ua_lat": 45 + rng.random() * 7,
            "ua_lon": 23 + rng.random() * 16,
            "version": 1,
            "updated_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        }
        for i in range(1, n + 1)
    ]


def _best(seconds: list[float]) -> float:
    return min(seconds)


def encoder_vs_pandas(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Time the CSV encoder and pandas.to_csv on the same rows and columns (best of three)."""
    frame = pd.DataFrame([{c.name: r[c.key or c.name] for c in PARTNERSHIP_COLUMNS} for r in rows])
    frame["topics"] = frame["topics"].map(" | ".join)
    frame["sources"] = frame["sources"].map(" | ".join)
    batches = [rows[i : i + 2000] for i in range(0, len(rows), 2000)]
    figures: dict[str, Any] = {}
    for dialect, options in (("excel", {}), ("excel-de", {"sep": ";", "decimal": ","})):
        ours = _best(
            [
                _timed(lambda d=dialect: b"".join(export.csv_chunks(PARTNERSHIP_COLUMNS, batches, d)))
                for _ in range(3)
            ]
        )
        theirs = _best(
            [_timed(lambda o=options: str(frame.to_csv(index=False, **o)).encode()) for _ in range(3)]
        )
        figures[dialect] = {"registry_s": ours, "pandas_s": theirs, "ratio": theirs / ours}
    return figures


def _timed(work: Any) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def synthetic_database(source_url: str, target: Path, rows: int) -> str:
    """Copy the loaded SQLite database and add ``rows`` synthetic partnerships to the copy."""
    shutil.copyfile(source_url.removeprefix("sqlite:///"), target)
    settings = replace(Settings(), database_url=f"sqlite:///{target}")
    engine = db.make_engine(settings)
    with db.transaction(db.make_sessionmaker(engine)) as session:
        german = list(session.scalars(select(Municipality.id).where(Municipality.country == "DE").limit(500)))
        ukrainian = list(
            session.scalars(select(Municipality.id).where(Municipality.country == "UA").limit(500))
        )
        taken = set(
            session.execute(select(Partnership.de_municipality_id, Partnership.ua_municipality_id)).all()
        )
        pairs = [(d, u) for d in german for u in ukrainian if (d, u) not in taken][:rows]
        session.execute(insert(Source).values(key="synthetic", citation="synthetic benchmark rows"))
        source = session.scalar(select(Source.id).where(Source.key == "synthetic"))
        session.execute(
            insert(Partnership),
            [
                {
                    "de_municipality_id": d,
                    "ua_municipality_id": u,
                    "kind": "solidarity",
                    "status": "active",
                    "start_year": 2022 + i % 4,
                    "notes": "synthetic row",
                    "external_ref": f"synthetic#{i}",
                    "version": 1,
                }
                for i, (d, u) in enumerate(pairs)
            ],
        )
        ids = list(
            session.scalars(select(Partnership.id).where(Partnership.external_ref.like("synthetic#%")))
        )
        session.execute(
            insert(PartnershipSource),
            [{"partnership_id": i, "source_id": source, "role": "primary"} for i in ids],
        )
        session.execute(insert(PartnershipTopic), [{"partnership_id": i, "topic": "water"} for i in ids[::3]])
    engine.dispose()
    return settings.database_url


def pandas_from_database(database_url: str) -> bytes:
    """The same export done by pandas: read the same joined query, write CSV (no topics or sources)."""
    engine = db.make_engine(replace(Settings(), database_url=database_url))
    try:
        with engine.connect() as connection:
            frame = pd.read_sql(partnerships._select(partnerships.PartnershipFilter(), "id"), connection)
        return str(frame.to_csv(index=False)).encode()
    finally:
        engine.dispose()


def http_export(url: str) -> tuple[float, int, bytes]:
    """Stream the whole partnerships CSV; return seconds, chunks and the body."""
    started = time.perf_counter()
    body = bytearray()
    chunks = 0
    with httpx.stream("GET", f"{url}/api/partnerships.csv", timeout=600) as response:
        response.raise_for_status()
        for chunk in response.iter_raw():
            body += chunk
            chunks += 1
    return time.perf_counter() - started, chunks, bytes(body)


# --- the run -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="measuring time per endpoint")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--database-url",
        help="a database to load (once) and read from, e.g. postgresql://postgres@127.0.0.1:5432/bench "
        "(default: benchmarks/results/bench_api.db); the export part runs on the SQLite default only",
    )
    parser.add_argument("--reads-only", action="store_true", help="skip the CSV export part")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install -y wrk")
    RESULTS.mkdir(parents=True, exist_ok=True)
    database_url = args.database_url or f"sqlite:///{RESULTS / 'bench_api.db'}"
    ensure_loaded(replace(Settings(), database_url=database_url))
    results: dict[str, Any] = {
        "database": database_url.split(":", 1)[0],
        "connections": args.connections,
        "seconds": args.seconds,
        "reads": {},
    }

    with server("bench_api:hello_app", database_url) as url:
        hello_figures = wrk(url + "/", args.seconds, args.connections)
    results["hello_world"] = hello_figures
    for label, app in (
        ("cached", "registry.api.app:create_app"),
        ("uncached", "bench_api:uncached_app"),
    ):
        with server(app, database_url, factory=True) as url:
            for name, path in READS.items():
                figures = wrk(url + path, args.seconds, args.connections)
                figures["ratio_to_hello"] = figures["rps"] / hello_figures["rps"]
                results["reads"][f"{name}, {label}"] = figures
    with server("bench_api:floor_app", database_url, factory=True) as url:
        figures = wrk(url + FLOOR_PATH, args.seconds, args.connections)
        figures["ratio_to_hello"] = figures["rps"] / hello_figures["rps"]
        results["floor"] = figures
    results["query_alone"] = query_alone(database_url, args.seconds)
    results["query_alone"]["ratio_to_hello"] = results["query_alone"]["qps"] / hello_figures["rps"]
    if not (args.reads_only or args.database_url):
        results.update(export_figures(database_url))
    report(results)
    name = "bench_api.json" if not args.database_url else f"bench_api_{results['database']}.json"
    (RESULTS / name).write_text(json.dumps(results, indent=2))


def export_figures(database_url: str) -> dict[str, Any]:
    """Time the CSV encoder and the streamed HTTP export of synthetic rows against pandas."""
    rows = synthetic_rows(SYNTHETIC_ROWS)
    encoder = encoder_vs_pandas(rows)
    synthetic_url = synthetic_database(database_url, RESULTS / "bench_api_synthetic.db", SYNTHETIC_ROWS)
    with server("registry.api.app:create_app", synthetic_url, factory=True) as url:
        seconds, chunks, body = http_export(url)
    exported = pd.read_csv(io.BytesIO(body), dtype=str)
    frame = pd.DataFrame(
        [{c.name: r[c.key or c.name] for c in PARTNERSHIP_COLUMNS} for r in rows[: len(exported)]]
    )
    pandas_seconds = _best([_timed(lambda: str(frame.to_csv(index=False)).encode()) for _ in range(3)])
    from_database = _best([_timed(lambda: pandas_from_database(synthetic_url)) for _ in range(2)])
    return {
        "export_encoder": encoder,
        "export_http": {
            "rows": len(exported),
            "seconds": seconds,
            "chunks": chunks,
            "pandas_s": pandas_seconds,
            "ratio": pandas_seconds / seconds,
            "pandas_from_database_s": from_database,
            "ratio_from_database": from_database / seconds,
        },
    }


# Targets: issue 3 for the cached reads, issue 9 for the uncached ones (share of hello world, p99 ms).
TARGETS: Final = {"cached": (0.5, 50.0), "uncached": (0.15, 100.0)}


def report(results: dict[str, Any]) -> None:
    hello = results["hello_world"]
    print(
        f"\n{results['database']}: wrk, {results['connections']} connections, {results['seconds']} s per "
        "endpoint, after a 2 s warm-up"
    )
    print(f"{'endpoint':48} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'vs hello':>9}")
    print(
        f"{'hello world (bare Litestar)':48} {hello['rps']:9.0f} {hello['p50_ms']:8.1f} "
        f"{hello['p99_ms']:8.1f} "
        f"{hello['errors']:7d} {'100%':>9}"
    )
    for name, f in results["reads"].items():
        share, p99 = TARGETS[name.rsplit(", ", 1)[1]]
        ok = "ok" if f["ratio_to_hello"] >= share and f["p99_ms"] < p99 else "MISSED"
        print(
            f"{name:48} {f['rps']:9.0f} {f['p50_ms']:8.1f} {f['p99_ms']:8.1f} {f['errors']:7d} "
            f"{f['ratio_to_hello']:8.0%}  {ok}"
        )
    f = results["floor"]
    print(
        f"{'list partnerships, answer precomputed (floor)':48} {f['rps']:9.0f} {f['p50_ms']:8.1f} "
        f"{f['p99_ms']:8.1f} {f['errors']:7d} {f['ratio_to_hello']:8.0%}  (no query: the app stack alone)"
    )
    q = results["query_alone"]
    print(
        f"{'list partnerships, its query alone (ceiling)':48} {q['qps']:9.0f} {q['ms']:8.2f} {'':8} {'':7} "
        f"{q['ratio_to_hello']:8.0%}  (queries/s and ms each: the bare driver, one thread, no HTTP)"
    )
    if "export_http" not in results:
        return
    print(f"\nCSV export of {SYNTHETIC_ROWS:,} synthetic rows (target: >= 50% of pandas.to_csv's speed)")
    for dialect, f in results["export_encoder"].items():
        print(
            f"  encoder, {dialect:9} {f['registry_s']:6.2f} s   pandas.to_csv {f['pandas_s']:6.2f} s   "
            f"speed ratio {f['ratio']:.0%}  {'ok' if f['ratio'] >= 0.5 else 'MISSED'}"
        )
    f = results["export_http"]
    print(
        f"  HTTP stream of {f['rows']:,} rows from SQLite: {f['seconds']:.2f} s in {f['chunks']} chunks; "
        f"pandas.to_csv of the same rows in memory {f['pandas_s']:.2f} s: ratio {f['ratio']:.0%}; "
        f"pandas.read_sql of the same query + to_csv {f['pandas_from_database_s']:.2f} s: "
        f"ratio {f['ratio_from_database']:.0%}"
    )


if __name__ == "__main__":
    main()
