"""Benchmark the full map page served from the database: HTML size and time to interactive in Chromium.

Serves the real app (``registry serve``'s app, tiles off) over a database holding the whole bundled data,
and a bare ``folium.Map`` page with the same vendored Leaflet from a plain static server (the floor any
map page pays), and loads both in Debian's Chromium in the same run:

- ``/map`` over HTTP: first request (reads the frames from the database and renders) and a repeated one
  (served from the cache), HTML size raw and gzipped;
- Chromium, each run in a fresh browser context (cold HTTP cache): the bare page's load event, and for
  ``/map`` the builder's hooks ``registry-map:interactive`` (markers, lines, filters work) and
  ``registry-map:complete`` (outlines drawn), all from navigation start.

Targets (issues 5 and 12): interactive < 1.5 s at 1440x900, HTML < 2 MB; the exit status is 1 when one
is missed.

Run: ``.venv/bin/python benchmarks/bench_pages.py [--runs 5] [--database-url sqlite:////tmp/x.db]``
Without ``--database-url`` a temporary SQLite database is created and loaded (about 25 s, not timed).
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Final

import httpx
from bench_map import baseline_page, serve

from registry import db
from registry.config import Settings, normalize_database_url
from registry.services.loading import load_bundled

# tests.devtools (the app on a free port, Chromium) is shared with the browser tests; run from any cwd.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.devtools import is_local, launch_chromium, serve_app

INTERACTIVE_TARGET_MS: Final = 1500.0
HTML_TARGET_BYTES: Final = 2 * 1024 * 1024
VIEWPORT: Final = {"width": 1440, "height": 900}


def _database(url: str | None, workdir: Path) -> Settings:
    """Return settings for a loaded database: the given one, or a fresh temporary SQLite file."""
    if url:
        return replace(Settings(), database_url=normalize_database_url(url), map_tiles=None)
    settings = replace(Settings(), database_url=f"sqlite:///{workdir / 'bench.db'}", map_tiles=None)
    start = time.perf_counter()
    db.upgrade(settings)
    engine = db.make_engine(settings)
    load_bundled(db.make_sessionmaker(engine), settings.data_dir, lambda _message: None)
    engine.dispose()
    print(f"loaded the bundled data into a temporary database in {time.perf_counter() - start:.1f} s")
    return settings


def _http(base: str) -> dict[str, Any]:
    """Time the /map request cold (first) and warm (cached); return the figures and the page."""
    with httpx.Client(base_url=base, timeout=120) as client:
        start = time.perf_counter()
        first = client.get("/map")
        cold = time.perf_counter() - start
        warm = []
        for _ in range(5):
            start = time.perf_counter()
            client.get("/map")
            warm.append(time.perf_counter() - start)
    first.raise_for_status()
    raw = first.content
    return {
        "first_request_ms": cold * 1000,
        "cached_request_ms": statistics.median(warm) * 1000,
        "html_bytes": len(raw),
        "html_gzip_bytes": len(gzip.compress(raw, 6)),
    }


def _browser(map_url: str, baseline_url: str, runs: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    times: dict[str, list[float]] = {"baseline_load": [], "map_load": [], "interactive": [], "complete": []}
    errors: list[str] = []
    external: list[str] = []
    counts: dict[str, Any] = {}
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        for _ in range(runs):
            context = browser.new_context(viewport=VIEWPORT)
            page = context.new_page()
            page.goto(baseline_url, wait_until="load")
            times["baseline_load"].append(
                page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
            )
            context.close()

            context = browser.new_context(viewport=VIEWPORT)
            page = context.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: None if is_local(r.url) else external.append(r.url))
            page.goto(map_url, wait_until="load")
            page.wait_for_function("document.documentElement.dataset.registryMap === 'ready'")
            page.evaluate("() => window.registryMap.ready")
            marks = page.evaluate(
                "() => Object.fromEntries("
                "performance.getEntriesByType('mark').map(m => [m.name, m.startTime]))"
            )
            times["map_load"].append(
                page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
            )
            times["interactive"].append(marks["registry-map:interactive"])
            times["complete"].append(marks["registry-map:complete"])
            counts = page.evaluate(
                "() => ({markers: registryMap.visibleDots(), lines: registryMap.visibleFlows(),"
                " partnerships: registryMap.totals.partnerships})"
            )
            context.close()
        browser.close()
    return {"times_ms": times, "errors": errors, "external_requests": external, "counts": counts}


def main(argv: list[str] | None = None) -> int:
    """Load, serve, measure, print; return 1 if a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5, help="browser loads per page (median reported)")
    parser.add_argument("--database-url", help="a database that already holds the data (default: load one)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request would bury the figures

    with tempfile.TemporaryDirectory() as workdir:
        settings = _database(args.database_url, Path(workdir))
        with serve_app(settings) as base, serve({"baseline.html": baseline_page()}) as static_base:
            http = _http(base)
            browser = _browser(f"{base}/map", f"{static_base}baseline.html", args.runs)

    def median(key: str) -> float:
        return float(statistics.median(browser["times_ms"][key]))

    def spread(key: str) -> str:
        return ", ".join(f"{v:.0f}" for v in browser["times_ms"][key])

    kib = http["html_bytes"] / 1024
    print(f"/map HTML: {kib:.1f} KiB ({kib / 1024:.2f} MiB), gzip {http['html_gzip_bytes'] / 1024:.1f} KiB")
    first, cached = http["first_request_ms"], http["cached_request_ms"]
    print(f"/map over HTTP: first request {first:.0f} ms, cached {cached:.1f} ms")
    print(f"chromium, {args.runs} runs in fresh contexts, ms from navigation start (median; all runs):")
    for label, key in (
        ("bare folium.Map, vendored Leaflet, load event", "baseline_load"),
        ("/map, load event", "map_load"),
        ("/map, interactive (registry-map:interactive)", "interactive"),
        ("/map, complete (outlines drawn)", "complete"),
    ):
        print(f"  {label:46} {median(key):6.0f}  ({spread(key)})")
    counts = browser["counts"]
    print(
        f"  drawn: {counts.get('markers')} places, {counts.get('lines')} overview lines, "
        f"{counts.get('partnerships')} partnerships; JS errors: {len(browser['errors'])}; "
        f"requests leaving the machine: {len(browser['external_requests'])}"
    )
    ok_time = median("interactive") < INTERACTIVE_TARGET_MS
    ok_size = http["html_bytes"] < HTML_TARGET_BYTES
    clean = not browser["errors"] and not browser["external_requests"]
    print(
        f"targets: interactive < {INTERACTIVE_TARGET_MS:.0f} ms {'met' if ok_time else 'MISSED'}; "
        f"HTML < 2 MB {'met' if ok_size else 'MISSED'}; offline and error-free {'yes' if clean else 'NO'}"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"http": http, "browser": browser}, indent=2), encoding="utf-8")
    return 0 if ok_time and ok_size and clean else 1


if __name__ == "__main__":
    sys.exit(main())
