"""Write the simplified outline files that the map loads as its offline base layer.

Reads ``data/geo/{countries,de_laender,ua_oblasts}.geojson`` (Natural Earth 10m, public domain, see
``data/geo/SOURCES.md``) and ``data/geo/ua_hromadas.geojson`` (OpenStreetMap, ODbL) and writes smaller
copies to ``registry/map/static/outlines/``. The two groups are simplified apart (their borders come
from different sources and share no vertices by design), each with its shared borders kept.

The simplification is Douglas-Peucker, made topology-aware by hand so that neighbouring polygons keep
one shared border instead of two slightly different ones (no slivers or gaps between Länder, oblasts
and countries): every vertex where more than two edges meet (a junction), or where a ring starts, is
fixed, the rings are cut into arcs between fixed vertices, and each arc is simplified once in a
canonical direction. Shared borders are made of identical vertices in the sources (mapshaper ``snap``)
and across the three files (all dissolved from the same Natural Earth admin-1 file), so every copy of a
border comes out the same. Distances are measured in an equirectangular projection at 50° N, so the
tolerance means the same on the ground in both directions.

Run: ``.venv/bin/python scripts/simplify_outlines.py [--tolerance-km 0.8] [--hromada-tolerance-km 0.8]``
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIR = ROOT / "data" / "geo"
TARGET_DIR = ROOT / "registry" / "map" / "static" / "outlines"

Point = tuple[float, float]
Ring = list[Point]

# Vertices 0.8 km off the simplified line are about 2 px at zoom 8 and invisible at the zoom of the
# whole network (6): small enough for the base layer, and it cuts the three files to about a tenth.
DEFAULT_TOLERANCE_KM = 0.8
KM_PER_DEGREE = 111.32
REFERENCE_LAT = 50.0
DECIMALS = 4  # about 10 m: well below the tolerance, and it keeps the numbers short
# Neighbour countries are context only: arcs that touch neither Germany nor Ukraine get a coarser
# tolerance (Russia's Arctic coast and Denmark's islands were a third of all vertices).
NEIGHBOUR_FACTOR = 4.0
# ...and are cut to this box (west, south, east, north), which holds Germany and Ukraine with a margin:
# the Arctic and Ural parts of Russia alone cost more to draw than both focus countries.
Box = tuple[float, float, float, float]
NEIGHBOUR_BOX: Box = (-5.0, 38.0, 50.0, 61.0)

# Hromadas are looked at from zoom 6 (0.8 km under 1 px) to about 9 (3 px); it cuts the file to a third,
# 0.95 MB (0.2 MB gzip), which the page fetches only when a hromada layer is switched on.
DEFAULT_HROMADA_TOLERANCE_KM = 0.8

# Only the properties the map needs, per file.
KEEP_PROPERTIES: dict[str, tuple[str, ...]] = {
    "countries.geojson": ("iso_a2", "name_de", "name_en", "name_uk", "role"),
    "de_laender.geojson": ("ags", "iso_3166_2", "name_de", "name_en"),
    "ua_oblasts.geojson": ("katotth", "iso_3166_2", "name_en", "name_uk", "type"),
    # the map colours hromadas by their code (the feature id) and names them from its own data
    "ua_hromadas.geojson": (),
}
NATURAL_EARTH_FILES = ("countries.geojson", "de_laender.geojson", "ua_oblasts.geojson")
HROMADA_FILES = ("ua_hromadas.geojson",)
SOURCE_NOTES: dict[str, str] = {
    "countries.geojson": "Natural Earth 10m admin-1, public domain",
    "de_laender.geojson": "Natural Earth 10m admin-1, public domain",
    "ua_oblasts.geojson": "Natural Earth 10m admin-1, public domain",
    "ua_hromadas.geojson": "© OpenStreetMap contributors, ODbL 1.0",
}


@dataclass(frozen=True)
class Stats:
    """Vertex counts and sizes before and after, for the report."""

    name: str
    vertices_in: int
    vertices_out: int
    bytes_in: int
    bytes_out: int


def _rings(geometry: dict[str, Any]) -> Iterable[list[list[float]]]:
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    for polygon in polygons:
        yield from polygon


def _as_ring(raw: Sequence[Sequence[float]]) -> Ring:
    ring = [(float(p[0]), float(p[1])) for p in raw]
    if ring[0] != ring[-1]:
        ring.append(ring[0])
    return ring


def find_fixed_points(rings: Iterable[Ring]) -> set[Point]:
    """Return the vertices no simplification may move: junctions of 3+ edges and ring starts."""
    neighbours: dict[Point, set[Point]] = defaultdict(set)
    fixed: set[Point] = set()
    for ring in rings:
        fixed.add(ring[0])
        for a, b in itertools.pairwise(ring):
            neighbours[a].add(b)
            neighbours[b].add(a)
    fixed.update(p for p, ns in neighbours.items() if len(ns) != 2)
    return fixed


def _distance_sq(p: Point, a: Point, b: Point, scale: float) -> float:
    """Squared distance from ``p`` to segment ``ab``, longitude scaled by ``scale``."""
    px, py, ax, ay, bx, by = p[0] * scale, p[1], a[0] * scale, a[1], b[0] * scale, b[1]
    dx, dy = bx - ax, by - ay
    length_sq = dx * dx + dy * dy
    if length_sq == 0.0:
        return (px - ax) ** 2 + (py - ay) ** 2
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length_sq))
    return (px - ax - t * dx) ** 2 + (py - ay - t * dy) ** 2


def douglas_peucker(points: Sequence[Point], tolerance: float, scale: float) -> list[Point]:
    """Simplify an open polyline, keeping both ends (iterative, so long coastlines do not recurse)."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    tolerance_sq = tolerance * tolerance
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        worst, worst_index = -1.0, -1
        for i in range(first + 1, last):
            d = _distance_sq(points[i], points[first], points[last], scale)
            if d > worst:
                worst, worst_index = d, i
        if worst_index >= 0 and worst > tolerance_sq:
            keep[worst_index] = True
            stack.append((first, worst_index))
            stack.append((worst_index, last))
    return [p for p, k in zip(points, keep, strict=True) if k]


def _simplify_arc(arc: list[Point], tolerance: float, scale: float) -> list[Point]:
    # The same border is walked in opposite directions by the two polygons it separates: simplify it
    # in one canonical direction so both get the very same vertices.
    if arc[-1] < arc[0]:
        return douglas_peucker(arc[::-1], tolerance, scale)[::-1]
    return douglas_peucker(arc, tolerance, scale)


def simplify_ring(
    ring: Ring, fixed: set[Point], tolerance: float, scale: float, focus: set[Point] | None = None
) -> Ring:
    """Simplify a closed ring arc by arc between its fixed vertices.

    Arcs with a vertex in ``focus`` use ``tolerance``, the others ``NEIGHBOUR_FACTOR`` times more. An
    arc's vertices are the same whichever ring walks it, so every copy gets the same tolerance.
    """
    cuts = [i for i, p in enumerate(ring[:-1]) if p in fixed]
    if len(cuts) == 1:
        # A ring touching nothing (an island): cut it at its start and at the vertex farthest away.
        start = ring[0]
        far = max(range(1, len(ring) - 1), key=lambda i: _distance_sq(ring[i], start, start, scale))
        cuts = [0, far]
    out: Ring = [ring[cuts[0]]]
    bounds = [*cuts, len(ring) - 1]
    for a, b in itertools.pairwise(bounds):
        arc = ring[a : b + 1]
        coarse = focus is not None and not any(p in focus for p in arc)
        out.extend(_simplify_arc(arc, tolerance * NEIGHBOUR_FACTOR if coarse else tolerance, scale)[1:])
    return out


def _round_ring(ring: Ring) -> list[list[float]]:
    out: list[list[float]] = []
    for x, y in ring:
        point = [round(x, DECIMALS), round(y, DECIMALS)]
        if not out or out[-1] != point:
            out.append(point)
    return out


def _area(ring: Sequence[Sequence[float]]) -> float:
    return abs(sum(a[0] * b[1] - b[0] * a[1] for a, b in itertools.pairwise(ring))) / 2


def _cross_x(a: list[float], b: list[float], x: float) -> list[float]:
    t = (x - a[0]) / (b[0] - a[0])
    return [x, a[1] + t * (b[1] - a[1])]


def _cross_y(a: list[float], b: list[float], y: float) -> list[float]:
    t = (y - a[1]) / (b[1] - a[1])
    return [a[0] + t * (b[0] - a[0]), y]


def clip_ring(ring: list[list[float]], box: Box) -> list[list[float]]:
    """Clip a closed ring to a rectangle (Sutherland-Hodgman); empty if nothing is left."""
    west, south, east, north = box
    edges: list[tuple[Callable[[list[float]], bool], Callable[[list[float], list[float]], list[float]]]] = [
        (lambda p: p[0] >= west, lambda a, b: _cross_x(a, b, west)),
        (lambda p: p[0] <= east, lambda a, b: _cross_x(a, b, east)),
        (lambda p: p[1] >= south, lambda a, b: _cross_y(a, b, south)),
        (lambda p: p[1] <= north, lambda a, b: _cross_y(a, b, north)),
    ]
    points = ring[:-1]
    for inside, cross in edges:
        out: list[list[float]] = []
        for i, current in enumerate(points):
            previous = points[i - 1]
            if inside(current):
                if not inside(previous):
                    out.append(cross(previous, current))
                out.append(current)
            elif inside(previous):
                out.append(cross(previous, current))
        points = out
    if len(points) < 3:
        return []
    return _round_ring([(p[0], p[1]) for p in [*points, points[0]]])


def simplify_geometry(
    geometry: dict[str, Any],
    fixed: set[Point],
    tolerance: float,
    scale: float,
    min_area: float,
    focus: set[Point] | None = None,
    box: Box | None = None,
) -> dict[str, Any]:
    """Simplify a Polygon or MultiPolygon; drop rings that collapse or are smaller than ``min_area``.

    With ``box``, rings are also clipped to it (after simplifying, so shared vertices stay shared).
    """
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    kept: list[list[list[list[float]]]] = []
    fallback: tuple[float, list[list[float]]] | None = None
    for polygon in polygons:
        rings: list[list[list[float]]] = []
        for index, raw in enumerate(polygon):
            original = _as_ring(raw)
            simplified = _round_ring(simplify_ring(original, fixed, tolerance, scale, focus))
            if box is not None:
                simplified = clip_ring(simplified, box)
            if index == 0:
                area = _area(_round_ring(original))
                if fallback is None or area > fallback[0]:
                    fallback = (area, _round_ring(original))
            if len(simplified) < 4 or _area(simplified) < min_area:
                if index == 0:
                    break  # the exterior is gone, so is the polygon with its holes
                continue
            rings.append(simplified)
        if rings:
            kept.append(rings)
    if not kept and box is not None:
        return {"type": "MultiPolygon", "coordinates": []}  # wholly outside the box
    if not kept:
        if fallback is None:
            raise ValueError("geometry without rings")
        # Keep the largest part unsimplified rather than lose a whole (tiny) feature.
        kept = [[fallback[1]]]
    if len(kept) == 1:
        return {"type": "Polygon", "coordinates": kept[0]}
    return {"type": "MultiPolygon", "coordinates": kept}


def _is_focus(feature: dict[str, Any]) -> bool:
    # countries.geojson marks DE and UA with role "focus"; Länder and oblasts carry no role.
    return bool(feature["properties"].get("role", "focus") == "focus")


def _count(collection: dict[str, Any]) -> int:
    return sum(len(r) for f in collection["features"] for r in _rings(f["geometry"]))


def simplify_files(
    names: Sequence[str], source_dir: Path, target_dir: Path, tolerance_km: float
) -> list[Stats]:
    """Simplify the files together (their shared borders stay shared) and write them."""
    collections = {name: json.loads((source_dir / name).read_text(encoding="utf-8")) for name in names}
    fixed = find_fixed_points(
        _as_ring(raw) for c in collections.values() for f in c["features"] for raw in _rings(f["geometry"])
    )
    focus = {
        p
        for c in collections.values()
        for f in c["features"]
        if _is_focus(f)
        for raw in _rings(f["geometry"])
        for p in _as_ring(raw)
    }
    scale = math.cos(math.radians(REFERENCE_LAT))
    tolerance = tolerance_km / KM_PER_DEGREE
    min_area = (2 * tolerance) ** 2  # islands under about 2.5 km² add vertices and nothing visible
    target_dir.mkdir(parents=True, exist_ok=True)
    stats = []
    for name, collection in collections.items():
        keep = KEEP_PROPERTIES[name]
        features = [
            {
                "type": "Feature",
                "id": feature.get("id"),
                "properties": {k: feature["properties"].get(k) for k in keep},
                "geometry": simplify_geometry(
                    feature["geometry"],
                    fixed,
                    tolerance,
                    scale,
                    min_area if _is_focus(feature) else min_area * NEIGHBOUR_FACTOR**2,
                    focus,
                    None if _is_focus(feature) else NEIGHBOUR_BOX,
                ),
            }
            for feature in collection["features"]
        ]
        out = {
            "type": "FeatureCollection",
            "name": collection.get("name", name),
            "source": (
                f"data/geo/{name} ({SOURCE_NOTES[name]}), simplified by "
                f"scripts/simplify_outlines.py: Douglas-Peucker {tolerance_km} km with shared borders kept"
            ),
            "features": features,
        }
        text = json.dumps(out, ensure_ascii=False, separators=(",", ":")) + "\n"
        (target_dir / name).write_text(text, encoding="utf-8")
        stats.append(
            Stats(
                name,
                _count(collection),
                _count(out),
                (source_dir / name).stat().st_size,
                len(text.encode()),
            )
        )
    return stats


def write_readme(
    target_dir: Path, stats: Sequence[Stats], tolerance_km: float, hromada_tolerance_km: float
) -> None:
    """Write ``README.md`` beside the outlines: what they are, where from, under which licence."""
    lines = [
        "# Simplified outlines for the map's base layer",
        "",
        "Written by `scripts/simplify_outlines.py`; do not edit by hand. Geometry of countries, Länder and",
        "oblasts: Natural Earth 1:10m admin-1 (public domain; no attribution required, the map names it",
        "anyway), via `data/geo/` (see `data/geo/SOURCES.md`). Simplified with Douglas-Peucker at "
        f"{tolerance_km} km ({tolerance_km * NEIGHBOUR_FACTOR:g} km",
        "for borders that touch neither Germany nor Ukraine), keeping every shared border identical in",
        "all three files. Neighbour countries are cut to the box "
        f"{NEIGHBOUR_BOX} (west, south, east, north). Properties reduced to codes and names.",
        "",
        "Hromadas (`ua_hromadas.geojson`): OpenStreetMap, © OpenStreetMap contributors, ODbL 1.0 (the map",
        "shows the credit while a hromada layer is on); simplified the same way at "
        f"{hromada_tolerance_km} km,",
        "borders between hromadas kept shared; the feature `id` is the KATOTTH code, no other properties.",
        "",
        "| file | vertices (source → here) | size |",
        "|---|---|---|",
    ]
    lines += [
        f"| `{s.name}` | {s.vertices_in:,} → {s.vertices_out:,} | {s.bytes_out / 1024:.0f} KiB |"
        for s in stats
    ]
    (target_dir / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, simplify, print what was written."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tolerance-km", type=float, default=DEFAULT_TOLERANCE_KM)
    parser.add_argument("--hromada-tolerance-km", type=float, default=DEFAULT_HROMADA_TOLERANCE_KM)
    parser.add_argument("--source", type=Path, default=SOURCE_DIR)
    parser.add_argument("--target", type=Path, default=TARGET_DIR)
    args = parser.parse_args(argv)
    stats = [
        *simplify_files(NATURAL_EARTH_FILES, args.source, args.target, args.tolerance_km),
        *simplify_files(HROMADA_FILES, args.source, args.target, args.hromada_tolerance_km),
    ]
    write_readme(args.target, stats, args.tolerance_km, args.hromada_tolerance_km)
    for s in stats:
        print(
            f"{s.name:22} {s.vertices_in:>7} -> {s.vertices_out:>6} vertices, "
            f"{s.bytes_in / 1024:7.0f} KiB -> {s.bytes_out / 1024:5.0f} KiB"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
