"""Fill in missing coordinates with an injected geocoder (offline, or Nominatim on request), with sources."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from registry.geo import Geocoder, Location
from registry.repository import gazetteer as queries
from registry.repository.loading import sync_sources


@dataclass(frozen=True)
class Geocoded:
    """One municipality the geocoder placed (or could not place)."""

    code: str
    name: str
    lat: float | None
    lon: float | None
    source: str | None


def fill_missing_coordinates(
    session: Session, geocode: Geocoder, progress: Callable[[str], None] = lambda _m: None
) -> list[Geocoded]:
    """Geocode every municipality without coordinates, near its parent unit where that has a point."""
    results = []
    for municipality_id, code, name, country, near in queries.without_coordinates(session):
        location = geocode(name, country, near)
        if location is None:
            results.append(Geocoded(code, name, None, None, None))
            progress(f"  {code} {name}: not found")
            continue
        source_ids = sync_sources(session, [(None, location.source)])
        queries.set_coordinates(
            session, municipality_id, location.lat, location.lon, source_ids[location.source]
        )
        results.append(Geocoded(code, name, location.lat, location.lon, location.source))
        progress(f"  {code} {name}: {location.lat:.5f}, {location.lon:.5f} ({location.source})")
    return results


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
