"""Small geometry helpers: great-circle distance and polygon centres, without GIS dependencies."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import Any

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the great-circle distance between two points in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def weighted_centre(points: Iterable[tuple[float, float, float]]) -> tuple[float, float] | None:
    """Return the weight-averaged (lat, lon) of (lat, lon, weight) points, or None if there are none."""
    total = lat_sum = lon_sum = 0.0
    for lat, lon, weight in points:
        if math.isnan(lat) or math.isnan(lon) or weight <= 0:
            continue
        total += weight
        lat_sum += lat * weight
        lon_sum += lon * weight
    return (lat_sum / total, lon_sum / total) if total else None


def _ring_centroid(ring: Sequence[Sequence[float]]) -> tuple[float, float, float]:
    """Return (signed area, x, y) of a ring by the shoelace formula, in degree units."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in pairwise(ring):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    area /= 2
    return (area, cx / (6 * area), cy / (6 * area)) if area else (0.0, ring[0][0], ring[0][1])


def polygon_centre(geometry: dict[str, Any]) -> tuple[float, float]:
    """Return the (lat, lon) area centroid of a GeoJSON Polygon or MultiPolygon's outer rings."""
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    parts = [_ring_centroid([(float(p[0]), float(p[1])) for p in polygon[0]]) for polygon in polygons]
    total = sum(abs(area) for area, _, _ in parts)
    lon = sum(abs(area) * x for area, x, _ in parts) / total
    lat = sum(abs(area) * y for area, _, y in parts) / total
    return lat, lon
