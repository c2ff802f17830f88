"""Partners without an 8-digit AGS: Gemeindeverbände, Bavarian Bezirke, Berlin boroughs, associations."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence

from registry.geo import Geocoder, weighted_centre
from registry.ingest import datasets
from registry.ingest.cells import Values
from registry.ingest.gazetteer_de import POPULATION_DATE
from registry.names import NameKind, fold
from registry.records import MunicipalityRecord, Row

VERBAND_PREFIX = re.compile(
    r"^(Verbandsgemeinde|Samtgemeinde|Amt|Verwaltungsgemeinschaft|Verwaltungsverband)\s+", re.IGNORECASE
)
BERLIN_AGS = "11000000"


class LocalUnits:
    """Build records for partners the Gemeindeverzeichnis has no Gemeinde row for."""

    def __init__(
        self, gemeinde_rows: Sequence[Row], records: dict[str, MunicipalityRecord], geocode: Geocoder
    ) -> None:
        self._verbands: dict[tuple[str, str], list[Row]] = defaultdict(list)
        self._regbez: dict[tuple[str, str], list[Row]] = defaultdict(list)
        for row in gemeinde_rows:
            land = row.get("land_code") or ""
            if name := row.get("verband_name"):
                self._verbands[land, fold(name)].append(row)
            if name := row.get("regbez_name"):
                self._regbez[land, fold(name)].append(row)
        self._records = records
        self._geocode = geocode

    def __call__(self, name: str, land: str, note: str) -> MunicipalityRecord:
        """Return the unit ``name`` in Land ``land``: by its official Verband code where there is one."""
        if VERBAND_PREFIX.match(name) and (
            members := self._verbands.get((land, fold(VERBAND_PREFIX.sub("", name))))
        ):
            code = members[0].get("verband_code") or ""
            return self._aggregate(
                code,
                "verband",
                "gemeindeverband",
                name,
                members,
                members[0].get("verband_type"),
                members[0].get("kreis_code"),
                land,
            )
        if name.startswith("Bezirk ") and (
            members := self._regbez.get((land, fold(name.removeprefix("Bezirk "))))
        ):
            # A Bavarian Bezirk covers the same area as the Regierungsbezirk of that name.
            return self._aggregate(
                self.local_code(name, land), "local", "bezirk", name, members, "Bezirk (Bayern)", land, land
            )
        return self._placed_by_name(name, land, note)

    @staticmethod
    def local_code(name: str, land: str) -> str:
        """A stable identifier for a unit without official code: Land key plus the folded name."""
        return f"DE-X-{land}-{fold(name).replace(' ', '-')}"

    def _aggregate(
        self,
        code: str,
        scheme: str,
        level: str,
        name: str,
        members: list[Row],
        subtype: str | None,
        parent: str | None,
        land: str,
    ) -> MunicipalityRecord:
        values = Values([])
        population = sum(values.integer(m, "population") or 0 for m in members)
        centre = weighted_centre(
            (
                values.number(m, "lat") or float("nan"),
                values.number(m, "lon") or float("nan"),
                float(values.integer(m, "population") or 0),
            )
            for m in members
        )
        return MunicipalityRecord(
            code=code,
            scheme=scheme,
            country="DE",
            level=level,
            name=name,
            name_official=(members[0].get("verband_name") or name) if scheme == "verband" else name,
            name_de=name,
            subtype=subtype,
            parent_code=parent,
            region_code=land,
            district_code=parent if parent and len(parent) == 5 else None,
            population=population,
            population_date=POPULATION_DATE,
            population_source=datasets.GEMEINDEN.key,
            area_km2=round(sum(values.number(m, "area_km2") or 0 for m in members), 2),
            area_source=datasets.GEMEINDEN.key,  # summed over the member Gemeinden
            lat=centre[0] if centre else None,
            lon=centre[1] if centre else None,
            coordinates_source=datasets.GEMEINDEN.key if centre else None,
            names=[(name, "de", NameKind.DISPLAY), (VERBAND_PREFIX.sub("", name), "de", NameKind.SHORT)],
            codes=[(code, scheme, f"{name}: {len(members)} member Gemeinden")],
        )

    def _placed_by_name(self, name: str, land: str, note: str) -> MunicipalityRecord:
        """A borough or association: a local id, coordinates from GeoNames if its name is found there."""
        level, parent, short = "gemeindeverband", land, name
        if name.startswith("Berlin-"):
            level, parent, short = "stadtbezirk", BERLIN_AGS, name.removeprefix("Berlin-")
        anchor = self._records.get(parent)
        near = (
            (anchor.lat, anchor.lon) if anchor and anchor.lat is not None and anchor.lon is not None else None
        )
        location = next(
            filter(None, (self._geocode(part, "DE", near) for part in (short, *short.split("-")))), None
        )
        code = self.local_code(name, land)
        return MunicipalityRecord(
            code=code,
            scheme="local",
            country="DE",
            level=level,
            name=name,
            name_official=name,
            name_de=name,
            subtype="Bezirk (Berlin)" if level == "stadtbezirk" else "Verbund",
            parent_code=parent,
            region_code=land,
            lat=location.lat if location else None,
            lon=location.lon if location else None,
            coordinates_source=datasets.GEONAMES.key if location else None,
            names=[(name, "de", NameKind.DISPLAY), (short, "de", NameKind.SHORT)],
            codes=[(code, "local", f"no official code; {note}"[:300])],
        )
