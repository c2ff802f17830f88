"""Benchmark the coverage dashboard and the XLSX exports against baselines measured in the same run.

Serves the real app over a database holding the whole bundled data and measures over HTTP:

- ``/coverage`` (computed on every request: no cache) and ``/api/coverage``, median of 10 requests each,
  against the start page ``/`` (headline counts and the newest partnerships) as the baseline;
- ``/api/municipalities.xlsx`` of every municipality (~13,000 rows), against the same rows as CSV;

and in-process, on the very rows of that export, the registry's XLSX writer (``registry.export``)
against openpyxl's write-only writer, the usual library for the job.

Targets (issue 12): /coverage < 300 ms uncached; the XLSX of all municipalities < 5 s. Exit status 1
when one is missed.

Run: ``.venv/bin/python benchmarks/bench_exports.py [--database-url sqlite:////tmp/x.db]``
Without ``--database-url`` a temporary SQLite database is created and loaded (about 25 s, not timed).
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Final

import httpx
from bench_pages import _database

from registry import db, export
from registry.api import dictionary
from registry.repository.municipalities import MunicipalityFilter, iter_municipalities

# tests.devtools (the app on a free port, Chromium) is shared with the browser tests; run from any cwd.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.devtools import serve_app

COVERAGE_TARGET_MS: Final = 300.0
XLSX_TARGET_S: Final = 5.0
REQUESTS: Final = 10


def _median_ms(client: httpx.Client, path: str, runs: int = REQUESTS) -> float:
    client.get(path).raise_for_status()  # templates compiled, connections open
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        client.get(path).raise_for_status()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _timed(client: httpx.Client, path: str) -> tuple[float, int]:
    start = time.perf_counter()
    response = client.get(path)
    response.raise_for_status()
    return time.perf_counter() - start, len(response.content)


def _openpyxl(columns: list[export.XlsxColumn], rows: list[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("municipalities")
    sheet.append([c.name for c in columns])
    for row in rows:
        sheet.append(
            [(" | ".join(v) if isinstance(v, list) else v) for v in (row[c.key or c.name] for c in columns)]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Load, serve, measure, print; return 1 if a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database-url")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as workdir:
        settings = _database(args.database_url, Path(workdir))
        with serve_app(settings) as base, httpx.Client(base_url=base, timeout=300) as client:
            coverage_ms = _median_ms(client, "/coverage?lang=de")
            coverage_json_ms = _median_ms(client, "/api/coverage")
            start_ms = _median_ms(client, "/?lang=de")
            xlsx_s, xlsx_bytes = _timed(client, "/api/municipalities.xlsx")
            csv_s, csv_bytes = _timed(client, "/api/municipalities.csv")
        engine = db.make_engine(settings)
        with db.make_sessionmaker(engine)() as session:
            rows = [
                row
                for batch in iter_municipalities(
                    session.connection(), MunicipalityFilter(), sort="code", batch=2000
                )
                for row in dictionary.prepare("municipalities", batch, "xlsx")
            ]
        engine.dispose()
    fields = dictionary.MUNICIPALITY_FIELDS
    columns = [
        export.XlsxColumn(f.name, "text" if f.kind == "code" else f.kind, key=f.source) for f in fields
    ]  # type: ignore[arg-type]
    start = time.perf_counter()
    ours = export.xlsx_bytes(columns, [rows], "municipalities")
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    theirs = _openpyxl(columns, rows)
    theirs_s = time.perf_counter() - start

    n, kib = f"{len(rows):,}", 1024
    print(f"/coverage (uncached, median of {REQUESTS}): {coverage_ms:.0f} ms")
    print(f"  /api/coverage (the app's read cache): {coverage_json_ms:.0f} ms")
    print(f"  baseline: the start page / {start_ms:.0f} ms (ratio {coverage_ms / start_ms:.1f}x)")
    print(f"/api/municipalities.xlsx, {n} rows: {xlsx_s:.2f} s, {xlsx_bytes // kib} KiB")
    print(f"  baseline: the same rows as CSV {csv_s:.2f} s, {csv_bytes // kib} KiB ({xlsx_s / csv_s:.1f}x)")
    print(
        f"in-process, the same {n} rows: registry.export.xlsx_bytes {ours_s:.2f} s ({len(ours) // kib} KiB)"
    )
    ratio = theirs_s / ours_s
    print(f"  baseline: openpyxl write-only {theirs_s:.2f} s ({len(theirs) // kib} KiB; ratio {ratio:.1f}x)")
    ok_coverage = coverage_ms < COVERAGE_TARGET_MS
    ok_xlsx = xlsx_s < XLSX_TARGET_S
    print(
        f"targets: /coverage < {COVERAGE_TARGET_MS:.0f} ms {'met' if ok_coverage else 'MISSED'}; "
        f"XLSX of all municipalities < {XLSX_TARGET_S:.0f} s {'met' if ok_xlsx else 'MISSED'}"
    )
    return 0 if ok_coverage and ok_xlsx else 1


if __name__ == "__main__":
    sys.exit(main())
