"""Geocoding: offline from the shipped GeoNames extract; online (Nominatim) only when asked for."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from registry.geo import haversine_km
from registry.names import fold


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


def nominatim_geocoder(user_agent: str) -> Geocoder:
    """Build an online geocoder (opt-in; needs network): Nominatim via geopy, at most 1 request/s."""
    from geopy.extra.rate_limiter import RateLimiter
    from geopy.geocoders import Nominatim

    # Nominatim's usage policy allows at most one request per second.
    geocode = RateLimiter(Nominatim(user_agent=user_agent).geocode, min_delay_seconds=1)

    def locate(name: str, country: str, near: tuple[float, float] | None = None) -> Location | None:
        result = geocode(name, country_codes=country.lower())
        if result is None:
            return None
        return Location(result.latitude, result.longitude, f"Nominatim (OpenStreetMap): {result.address}")

    return locate
