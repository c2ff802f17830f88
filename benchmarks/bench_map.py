"""Benchmark the partnership map on the full bundled data set.

Builds the map's input frames from the CSV files in ``data/`` (partnerships joined to the Destatis
Gemeinden/Kreise/Länder and to the hromadas, special-status cities and KATOTTH codifier), renders the
map and prints render time and HTML size next to baselines measured in the same run:

- ``bare folium``: an empty ``folium.Map`` (the floor: folium's own page and CDN links);
- ``folium, one element per item``: the same data drawn the usual folium way (a ``Marker`` in a
  ``MarkerCluster`` per place, a ``PolyLine`` per partnership, a ``CircleMarker`` per hromada, each with
  an HTML popup), which the builder avoids by emitting JSON tables (see ``registry/map/builder.py``).

With ``--browser`` it also serves the page and the static files on 127.0.0.1, loads the page in
Debian's Chromium through Playwright and reports the time until the map is drawn and its counts,
blocking (and counting) any request that would leave the machine.

Run: ``.venv/bin/python benchmarks/bench_map.py [--repeat 5] [--browser] [--screenshot docs/map.png]``

The kinds and statuses below are derived from the CSV's ``kind`` and ``note`` columns with simple
keyword rules, and ``need`` is a proxy from war status and IDP burden: good enough for a realistic
page, not the registry's ingest or matching.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import re
import statistics
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import folium
import pandas as pd
from folium.plugins import MarkerCluster

from registry.map.assets import MAP_CSS, MAP_JS, STATIC_DIR, links
from registry.map.builder import build_map, extract_data

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip

# War-status weights of the need proxy (occupied hromadas cannot receive support and are left out).
_WAR_NEED = {
    "deoccupied": 1.0, "active_hostilities": 0.9, "partly_occupied": 0.9, "former_active_hostilities": 0.8,
    "possible_hostilities": 0.6, "former_possible_hostilities": 0.5, "not_listed": 0.2,
}  # fmt: skip


def _name(official: str) -> str:
    """Drop Destatis suffixes: "Bad Mergentheim, Stadt" -> "Bad Mergentheim"."""
    return official.split(",")[0].strip()


def _kind(row: pd.Series) -> str:
    note = str(row["note"]).lower() if isinstance(row["note"], str) else ""
    if re.search(r"memorand|letter of intent|declaration of intent|absichtserkl", note):
        return "letter_of_intent"
    return {"partnership": "partnership", "friendship": "friendship", "project/solidarity": "solidarity"}.get(
        str(row["kind"]), "other"
    )


def _status(row: pd.Series) -> str:
    note = str(row["note"]).lower() if isinstance(row["note"], str) else ""
    if re.search(r"\bended\b|terminated|dissolved", note):
        return "ended"
    if re.search(r"occupied|suspended|frozen", note):
        return "paused"
    if re.search(r"\brequest", note):
        return "requested"
    if re.search(r"\bplan(s|ned)?\b|pending|intended|being agreed|towards", note):
        return "in_preparation"
    return "active"


def _sources(text: object) -> list[dict[str, str | None]]:
    if not isinstance(text, str) or not text.strip():
        return []
    urls = re.findall(r"https?://\S+", text)
    if not urls:
        return [{"url": None, "citation": text.strip()}]
    return [{"url": u, "citation": re.sub(r"^https?://(www\.)?", "", u).split("/")[0]} for u in urls]


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def load_frames(data: Path = DATA) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Return ``(municipalities, partnerships, unpartnered)`` built from the bundled CSV files."""
    p = pd.read_csv(data / "partnerships.csv", dtype=str)
    gem = pd.read_csv(data / "de" / "gemeinden_2024-12-31.csv", dtype={"ags": str, "land_code": str})
    kreise = pd.read_csv(data / "de" / "kreise_2024-12-31.csv", dtype={"kreis_code": str, "land_code": str})
    laender = pd.read_csv(data / "de" / "laender.csv", dtype={"land_code": str})
    hrom = pd.read_csv(data / "ua" / "hromadas.csv", dtype=str)
    for col in ("lat", "lon", "population_2022", "idp_registered_net_2023_07_25"):
        hrom[col] = pd.to_numeric(hrom[col], errors="coerce")
    special = pd.read_csv(data / "ua" / "special_status_cities.csv", dtype={"code": str})
    codifier = pd.read_csv(data / "ua" / "katotth_codifier_2025-05-16.csv", dtype=str)
    land_names = dict(zip(laender["land_code"], laender["land_name"], strict=True))

    rows: dict[str, dict[str, Any]] = {}

    def add(code: str, **values: Any) -> None:
        rows.setdefault(code, {"code": code, "url": f"/municipalities/{code}", **values})

    # Ukrainian side first: every hromada (for the war-status layer), then Kyiv and Sevastopol.
    oblast_names: dict[str, str] = {}
    for h in _records(hrom):
        oblast_names.setdefault(h["oblast_code"], f"{h['oblast_name_en']} Oblast")
        add(
            h["hromada_code"], country="UA", level="hromada", name=h["center_name_en"], name_de=None,
            name_en=h["center_name_en"], name_uk=h["center_name_uk"], population=h["population_2022"],
            lat=h["lat"], lon=h["lon"], region_code=h["oblast_code"], war_status=h["war_status_2025_04_30"],
        )  # fmt: skip
    for c in _records(special):
        oblast_names.setdefault(c["code"], c["name_en"])
        add(
            c["code"], country="UA", level="city_special_status", name=c["name_en"], name_de=None,
            name_en=c["name_en"], name_uk=c["name_uk"], population=c["population_2022"], lat=c["lat"],
            lon=c["lon"], region_code=c["code"], war_status=c["war_status_2025_04_30"],
        )  # fmt: skip
    oblast_names["UA01000000000013043"] = "Autonomous Republic of Crimea"
    centres = hrom[hrom["is_oblast_center"] == "1"].set_index("oblast_code")
    by_raion = hrom.groupby("raion_code")[["lat", "lon"]].mean()
    cod = {c["code"]: c for c in _records(codifier)}

    for r in p.itertuples(index=False):
        code = r.ua_code
        if not isinstance(code, str):
            continue
        if code in rows:  # a partnered hromada or special city: the partnership's own names are better
            rows[code].update(name=r.ua_name_en, name_en=r.ua_name_en, name_uk=r.ua_name_uk)
            rows[code]["name_de"] = rows[code]["name_de"] or r.ua_name_de
        elif r.ua_level == "raion":
            c = cod[code]
            lat, lon = by_raion.loc[code] if code in by_raion.index else (math.nan, math.nan)
            add(
                code, country="UA", level="raion", name=r.ua_name_en, name_de=r.ua_name_de,
                name_en=r.ua_name_en,
                name_uk=c["name_uk"], population=math.nan, lat=lat, lon=lon, region_code=c["level1_oblast"],
                war_status=None,
            )  # fmt: skip
        elif r.ua_level == "oblast":
            centre = centres.loc[code] if code in centres.index else None
            add(
                code, country="UA", level="oblast", name=r.ua_name_en, name_de=r.ua_name_de,
                name_en=r.ua_name_en,
                name_uk=r.ua_name_uk, population=math.nan,
                lat=centre["lat"] if centre is not None else math.nan,
                lon=centre["lon"] if centre is not None else math.nan, region_code=code, war_status=None,
            )  # fmt: skip

    gem_by = {g["ags"]: g for g in _records(gem)}
    kreis_by = {k["kreis_code"]: k for k in _records(kreise)}
    land_centres = (
        kreise.assign(
            wlat=kreise["lat_popweighted"] * kreise["population_sum"],
            wlon=kreise["lon_popweighted"] * kreise["population_sum"],
        )
        .groupby("land_code")[["wlat", "wlon", "population_sum"]]
        .sum()
    )
    for r in p.itertuples(index=False):
        code = r.de_code
        if not isinstance(code, str) or code in rows:
            continue
        if len(code) == 8 and code in gem_by:
            g = gem_by[code]
            name, pop, lat, lon = _name(g["name"]), g["population"], g["lat"], g["lon"]
            level = "gemeinde"
        elif len(code) == 5 and code in kreis_by:
            k = kreis_by[code]
            name, pop, lat, lon = (
                _name(k["kreis_name"]),
                k["population_sum"],
                k["lat_popweighted"],
                k["lon_popweighted"],
            )
            level = "kreis"
        elif len(code) == 2 and code in land_centres.index:
            weighted = land_centres.loc[code]
            name, pop = land_names[code], weighted["population_sum"]
            lat, lon = weighted["wlat"] / pop, weighted["wlon"] / pop
            level = "land"
        else:
            continue
        add(
            code, country="DE", level=level, name=name, name_de=name, name_en=name, name_uk=None,
            population=float(str(pop)), lat=float(str(lat)), lon=float(str(lon)), region_code=code[:2],
            war_status=None,
        )  # fmt: skip

    municipalities = pd.DataFrame(rows.values())
    municipalities["region_name"] = [
        land_names.get(c) if country == "DE" else oblast_names.get(c)
        for c, country in zip(municipalities["region_code"], municipalities["country"], strict=True)
    ]
    region_of = dict(zip(municipalities["code"], municipalities["region_code"], strict=True))

    partnerships = pd.DataFrame(
        {
            "id": p["id"].astype(int),
            "de_code": p["de_code"],
            "ua_code": p["ua_code"],
            "kind": p.apply(_kind, axis=1),
            "status": p.apply(_status, axis=1),
            "start_year": pd.to_numeric(p["since"], errors="coerce"),
            "de_region_code": [c[:2] if isinstance(c, str) else None for c in p["de_code"]],
            "ua_region_code": [region_of.get(c) if isinstance(c, str) else None for c in p["ua_code"]],
            "sources": p["source"].map(_sources),
            "url": [f"/partnerships/{i}" for i in p["id"]],
        }
    )

    partnered = set(p["ua_code"].dropna())
    free = hrom[~hrom["hromada_code"].isin(partnered) & (hrom["war_status_2025_04_30"] != "occupied")]
    idp_share = (free["idp_registered_net_2023_07_25"] / free["population_2022"]).clip(lower=0).fillna(0)
    need = 0.7 * free["war_status_2025_04_30"].map(_WAR_NEED).fillna(0.2) + 0.3 * (idp_share * 10).clip(
        upper=1
    )
    unpartnered = pd.DataFrame(
        {
            "code": free["hromada_code"],
            "name": free["center_name_en"],
            "name_uk": free["center_name_uk"],
            "lat": free["lat"],
            "lon": free["lon"],
            "population": free["population_2022"],
            "need": need.round(3),
            "region_code": free["oblast_code"],
            "url": [f"/municipalities/{c}" for c in free["hromada_code"]],
        }
    )
    return municipalities, partnerships, unpartnered


def naive_folium(municipalities: pd.DataFrame, partnerships: pd.DataFrame, unpartnered: pd.DataFrame) -> str:
    """Render the same data with one folium element (and HTML popup) per item, for comparison."""
    m = folium.Map(location=[50, 22], zoom_start=5, tiles=None)
    by_code = {r["code"]: r for r in _records(municipalities)}
    cluster = MarkerCluster(name="places").add_to(m)  # type: ignore[no-untyped-call]
    lines = folium.FeatureGroup(name="lines").add_to(m)
    war = folium.FeatureGroup(name="war", show=False).add_to(m)
    free = folium.FeatureGroup(name="unpartnered", show=False).add_to(m)
    ends = set(partnerships["de_code"].dropna()) | set(partnerships["ua_code"].dropna())
    for code, row in by_code.items():
        if pd.isna(row["lat"]):
            continue
        text = f"<b>{row['name']}</b><br>{row['name_de']} / {row['name_en']} / {row['name_uk']}"
        if code in ends:
            folium.Marker([row["lat"], row["lon"]], popup=folium.Popup(text)).add_to(cluster)
        if row["war_status"] is not None and not pd.isna(row["war_status"]):
            folium.CircleMarker([row["lat"], row["lon"]], radius=4, popup=folium.Popup(text)).add_to(war)
    for r in _records(partnerships):
        if r["de_code"] in by_code and r["ua_code"] in by_code:
            a, b = by_code[r["de_code"]], by_code[r["ua_code"]]
            if not (pd.isna(a["lat"]) or pd.isna(b["lat"])):
                folium.PolyLine(  # type: ignore[no-untyped-call]
                    [[a["lat"], a["lon"]], [b["lat"], b["lon"]]],
                    popup=folium.Popup(
                        f"{a['name']} - {b['name']}<br>{r['kind']}, {r['status']}, {r['start_year']}"
                    ),
                ).add_to(lines)
    for r in _records(unpartnered):
        folium.CircleMarker(
            [r["lat"], r["lon"]], radius=3 + 9 * math.sqrt(r["need"]), popup=folium.Popup(r["name"])
        ).add_to(free)
    folium.LayerControl().add_to(m)
    page: str = m.get_root().render()
    return page


@dataclass(frozen=True)
class Timing:
    """Median seconds and the output of the last run."""

    seconds: float
    html: str


def timed(fn: Callable[[], str], repeat: int) -> Timing:
    """Run ``fn`` ``repeat`` times; return the median time and the last result."""
    times, out = [], ""
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return Timing(statistics.median(times), out)


def _size(html: str) -> str:
    raw = html.encode()
    return f"{len(raw) / 1024:8.1f} KiB (gzip {len(gzip.compress(raw, 6)) / 1024:6.1f} KiB)"


@contextmanager
def serve(pages: dict[str, str]) -> Iterator[str]:
    """Serve ``pages`` ({file name: HTML}) and ``STATIC_DIR`` at /static on a free loopback port."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name, html in pages.items():
            (root / name).write_text(html, encoding="utf-8")
        (root / "static").symlink_to(STATIC_DIR, target_is_directory=True)

        class Quiet(SimpleHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(root)))
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/"
        finally:
            server.shutdown()
            server.server_close()


def baseline_page() -> str:
    """Return a bare folium map that loads the same vendored Leaflet: the floor of any map page."""
    m = folium.Map(tiles=None)
    m.default_js = links(MAP_JS, "/static")
    m.default_css = links(MAP_CSS, "/static")
    page: str = m.get_root().render()
    return page


def browser_load(base_url: str, screenshot: Path | None, runs: int) -> dict[str, Any]:
    """Load the baseline and the map in Chromium; return times (ms from navigation start) and counts."""
    from playwright.sync_api import Route, sync_playwright

    errors: list[str] = []
    blocked: list[str] = []

    def guard(route: Route) -> None:
        host = route.request.url.split("/")[2].split(":")[0] if "://" in route.request.url else ""
        if route.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    times: dict[str, list[float]] = {"baseline_load": [], "map_load": [], "interactive": [], "complete": []}
    result: dict[str, Any] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for i in range(runs):
            page = browser.new_page(viewport={"width": 1366, "height": 850})
            page.goto(base_url + "baseline.html", wait_until="load")
            times["baseline_load"].append(
                page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
            )
            page.close()

            page = browser.new_page(viewport={"width": 1366, "height": 850})
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.route("**/*", guard)
            page.goto(base_url + "map.html", wait_until="load")
            page.wait_for_function("document.documentElement.dataset.registryMap === 'ready'")
            page.evaluate("() => window.registryMap.ready")
            marks = page.evaluate(
                """() => Object.fromEntries(performance.getEntriesByType('mark')
                    .map(m => [m.name, m.startTime]))"""
            )
            times["map_load"].append(
                page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
            )
            times["interactive"].append(marks["registry-map:interactive"])
            times["complete"].append(marks["registry-map:complete"])
            if i == runs - 1:
                result = page.evaluate(
                    """() => ({
                        markers: registryMap.visibleMarkers(), lines: registryMap.visibleLines(),
                        partnerships: registryMap.visiblePartnerships(), totals: registryMap.totals,
                    })"""
                )
                if screenshot is not None:
                    page.wait_for_timeout(500)
                    page.screenshot(path=str(screenshot))
            page.close()
        browser.close()
    result.update(times_ms=times, errors=errors, blocked=blocked)
    return result


def main(argv: list[str] | None = None) -> int:
    """Build, time and print; optionally load in Chromium."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--browser", action="store_true", help="also time the page in Chromium")
    parser.add_argument("--browser-runs", type=int, default=3)
    parser.add_argument("--screenshot", type=Path, help="with --browser: save a PNG of the map")
    parser.add_argument("--tiles", choices=["osm", "none"], default="none")
    parser.add_argument("--lang", choices=["de", "en"], default="de")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    tiles: Literal["osm"] | None = "osm" if args.tiles == "osm" else None

    start = time.perf_counter()
    municipalities, partnerships, unpartnered = load_frames()
    load_s = time.perf_counter() - start

    def ours() -> str:
        page: str = (
            build_map(municipalities, partnerships, unpartnered, tiles=tiles, lang=args.lang)
            .get_root()
            .render()
        )
        return page

    def bare() -> str:
        page: str = folium.Map(tiles=None).get_root().render()
        return page

    base = timed(bare, args.repeat)
    built = timed(ours, args.repeat)
    naive = timed(lambda: naive_folium(municipalities, partnerships, unpartnered), max(1, args.repeat // 2))
    data = extract_data(built.html)
    counts = {k: len(data[k]["rows"]) for k in ("municipalities", "partnerships", "unpartnered")}

    print(f"data: {counts} (CSV loading {load_s:.2f} s, not counted below)")
    print(f"{'':32}{'render':>10}  size")
    print(f"{'bare folium.Map (baseline)':32}{base.seconds * 1000:8.1f} ms  {_size(base.html)}")
    print(f"{'registry map (build + render)':32}{built.seconds * 1000:8.1f} ms  {_size(built.html)}")
    print(f"{'folium, one element per item':32}{naive.seconds * 1000:8.1f} ms  {_size(naive.html)}")
    print(
        f"registry map minus baseline: +{(built.seconds - base.seconds) * 1000:.1f} ms, "
        f"+{(len(built.html.encode()) - len(base.html.encode())) / 1024:.1f} KiB; static files loaded by URL:"
    )
    figures: dict[str, Any] = {
        "counts": counts,
        "baseline": {"seconds": base.seconds, "bytes": len(base.html.encode())},
        "registry_map": {"seconds": built.seconds, "bytes": len(built.html.encode())},
        "naive_folium": {"seconds": naive.seconds, "bytes": len(naive.html.encode())},
    }
    for url in dict.fromkeys(re.findall(r'(?:src|href)="/static/([^"?]+)', built.html)):
        print(f"  {url:58} {(STATIC_DIR / url).stat().st_size / 1024:7.1f} KiB")

    if args.browser:
        with serve({"map.html": built.html, "baseline.html": baseline_page()}) as url:
            b = browser_load(url, args.screenshot, args.browser_runs)

        def ms(key: str) -> str:
            values = b["times_ms"][key]
            return (
                f"median {statistics.median(values):6.0f} ms  (" + ", ".join(f"{v:.0f}" for v in values) + ")"
            )

        print(f"chromium, {args.browser_runs} runs, times from navigation start:")
        print(f"  bare folium.Map with vendored Leaflet, load event   {ms('baseline_load')}")
        print(f"  registry map, load event                           {ms('map_load')}")
        print(f"  registry map, interactive (layers, filters)        {ms('interactive')}")
        print(f"  registry map, complete (outlines drawn)            {ms('complete')}")
        print(
            f"  markers {b['markers']}/{b['totals']['markers']}, lines {b['lines']}/{b['totals']['lines']}, "
            f"partnerships {b['partnerships']}; JS errors: {b['errors'] or 'none'}; "
            f"requests leaving the machine: {len(b['blocked'])}"
        )
        figures["chromium"] = b
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
