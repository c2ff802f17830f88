"""Places on the globe: great-circle distance, polygon centres, the offline geocoder (no GIS, no network)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Protocol

from registry.names import fold

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


class NamedPoint(Protocol):
    """A named place with coordinates and population (a GeoNames city)."""

    @property
    def name(self) -> str: ...
    @property
    def country(self) -> str: ...
    @property
    def lat(self) -> float: ...
    @property
    def lon(self) -> float: ...
    @property
    def population(self) -> int: ...
    @property
    def alternates(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class Location:
    """A geocoding result and where it came from."""

    lat: float
    lon: float
    source: str  # e.g. "GeoNames 2950159"


Geocoder = Callable[[str, str, tuple[float, float] | None], Location | None]


class OfflineGeocoder:
    """Look names up in GeoNames cities: the largest place of that name near an expected point."""

    def __init__(self, cities: Iterable[NamedPoint], *, radius_km: float = 30.0) -> None:
        self._by_key: dict[tuple[str, str], list[NamedPoint]] = defaultdict(list)
        for city in cities:
            for name in {city.name, *city.alternates}:
                self._by_key[city.country, fold(name)].append(city)
        self._radius_km = radius_km

    def __call__(self, name: str, country: str, near: tuple[float, float] | None = None) -> Location | None:
        """Return the most populous match, within ``radius_km`` of ``near`` when given."""
        found = [
            c
            for c in self._by_key.get((country, fold(name)), [])
            if near is None or haversine_km(near[0], near[1], c.lat, c.lon) <= self._radius_km
        ]
        if not found:
            return None
        city = max(found, key=lambda c: c.population)
        return Location(city.lat, city.lon, f"GeoNames: {city.name}")
