"""The facts of a municipality that editors keep: which ones may be edited, the column holding each one's
source, which ones only Ukrainian municipalities have, and how a page groups them by source.

The services check edits against them, the repository reads the sources by them, and ``registry load``
keeps what was edited by them; so they live below all three.
"""

from __future__ import annotations

from typing import Final

# Editable facts and the column that holds each one's source: a fact never changes without its source.
FACT_SOURCE: Final[dict[str, str]] = {
    "population": "population_source_id",
    "population_date": "population_source_id",
    "area_km2": "area_source_id",
    "lat": "coordinates_source_id",
    "lon": "coordinates_source_id",
    "war_status": "war_status_source_id",
    "war_status_date": "war_status_source_id",
    "occupied_since": "war_status_source_id",
    "occupation_ended": "war_status_source_id",
    "idp_registered": "idp_source_id",
    "idp_date": "idp_source_id",
    "distance_to_russia_km": "distance_source_id",
    "damage_note": "damage_source_id",
}
# The facts only Ukrainian municipalities have.
UKRAINIAN_FACTS: Final = frozenset(
    {
        "war_status",
        "war_status_date",
        "occupied_since",
        "occupation_ended",
        "idp_registered",
        "idp_date",
        "distance_to_russia_km",
        "damage_note",
    }
)
# The facts a page shows with one source, each with the column holding that source.
SOURCE_GROUPS: Final[dict[str, str]] = {
    "population": "population_source_id",
    "area": "area_source_id",
    "coordinates": "coordinates_source_id",
    "war_status": "war_status_source_id",
    "idp": "idp_source_id",
    "distance_to_russia": "distance_source_id",
    "damage": "damage_source_id",
}
