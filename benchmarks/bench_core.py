"""Benchmark the registry core: loading the bundled data and searching names.

Run: .venv/bin/python benchmarks/bench_core.py [--database-url URL]
(default: a fresh SQLite file in a temporary directory). Prints figures and ratios against
baselines measured in the same run:
- load: `load_bundled` vs. only parsing every bundled CSV with pandas (the floor for any loader);
- search: MunicipalitySearch.find vs. a naive rapidfuzz scan over every stored spelling.
Targets (issue 2): whole load < 60 s, one name search < 20 ms once loaded.

The load also reports this process's CPU time: on a shared machine the wall time of a load varies by
half between runs, its CPU time by a few per cent (the database server's own work is not in it).
Figures of 2026-12-04 (issue 8, PostgreSQL, CPU time of the loader): first load 15.8 s -> 12.8 s,
reload 9.0 s -> 6.9 s, back to before third-country twin towns were placed (11.9 s, 6.9 s); the
digest of a record no longer deep-copies its 10 to 100 names, names are folded once each, and the
place finder shares one entry per unit among its names.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
from rapidfuzz import fuzz, process

from registry import db
from registry.config import Settings, normalize_database_url
from registry.repository.gazetteer import name_index_rows
from registry.services.loading import load_bundled
from registry.services.search import MunicipalitySearch

QUERIES = [
    "Charkiw",
    "Kharkov",
    "Харків",
    "Saporischschja",
    "Kiew",
    "Kyjiw",
    "Dnipropetrowsk",
    "Nuernberg",
    "Nuremberg",
    "Frankfurt",
    "Frankfurt (Oder)",
    "Lemberg",
    "Czernowitz",
    "Stanislau",
    "Oblast Charkiw",
    "Arzys",
    "Tscherniwzi",
    "Landkreis München",
    "Kropywnyzkyj",
    "Bad Mergenthiem",
    "Mülheim",
    "Halle",
    "Butscha",
    "Winnyzja",
    "Odessa",
    "Köln",
    "Samar",
    "Scheptyzkyj",
    "Berlin",
    "Xyzzy",
]


def timed(action: object) -> float:
    started = time.perf_counter()
    action()  # type: ignore[operator]
    return time.perf_counter() - started


def timed_cpu(action: object) -> tuple[float, float]:
    """Wall and CPU time of this process."""
    cpu = time.process_time()
    wall = timed(action)
    return wall, time.process_time() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", help="database to load into (must be empty); default: temporary SQLite"
    )
    parser.add_argument("--repeat", type=int, default=20, help="search rounds over the query list")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = normalize_database_url(args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}")
        settings = replace(Settings(), database_url=url)
        db.upgrade(settings)
        sessions = db.make_sessionmaker(db.make_engine(settings))

        csvs = sorted(settings.data_dir.rglob("*.csv"))
        parse_only = timed(lambda: [pd.read_csv(p, dtype=str) for p in csvs])
        first, first_cpu = timed_cpu(lambda: load_bundled(sessions, settings.data_dir, lambda _m: None))
        again, again_cpu = timed_cpu(lambda: load_bundled(sessions, settings.data_dir, lambda _m: None))
        print(f"database: {url.split('://')[0]}")
        print(f"baseline  parse {len(csvs)} bundled CSV files with pandas: {parse_only:6.2f} s")
        print(
            f"load      first load into an empty database:        {first:6.2f} s  "
            f"({first / parse_only:.1f}x the parse baseline; target < 60 s; CPU {first_cpu:.2f} s)"
        )
        print(f"reload    second load, nothing changed:              {again:6.2f} s  (CPU {again_cpu:.2f} s)")

        search = MunicipalitySearch()
        with sessions() as session:
            build = timed(lambda: search.index(session))
            names, _ = name_index_rows(session)
            keys = sorted({n.key for n in names})
            ours, naive = [], []
            for _ in range(args.repeat):
                for query in QUERIES:
                    ours.append(timed(lambda q=query: search.find(session, q, limit=10)))
            for query in QUERIES:
                naive.append(
                    timed(lambda q=query: process.extract(q.lower(), keys, scorer=fuzz.WRatio, limit=10))
                )
        ours_ms = sorted(t * 1000 for t in ours)
        naive_ms = sorted(t * 1000 for t in naive)
        p99 = ours_ms[int(len(ours_ms) * 0.99) - 1]
        print(f"search    index build (once per process, {len(keys):,} spellings): {build:5.2f} s")
        print(
            f"search    find(): median {statistics.median(ours_ms):5.1f} ms, p99 {p99:5.1f} ms, "
            f"max {ours_ms[-1]:5.1f} ms over {len(ours_ms)} searches (target < 20 ms)"
        )
        print(
            "baseline  naive rapidfuzz WRatio scan of all spellings: "
            f"median {statistics.median(naive_ms):5.1f} ms "
            f"({statistics.median(naive_ms) / statistics.median(ours_ms):.0f}x slower than find())"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
