"""Read the German gazetteer: Länder, Kreise, Gemeinden (Destatis Gemeindeverzeichnis)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from registry.errors import IngestError, Problem
from registry.geo import weighted_centre
from registry.ingest import datasets
from registry.ingest.cells import Values
from registry.ingest.csvfile import read_rows
from registry.names import NameKind, fold, short_name
from registry.records import MunicipalityRecord, Row

AGS = re.compile(r"\d{8}")
KREIS_KEY = re.compile(r"\d{5}")
LAND_KEY = re.compile(r"\d{2}")
POPULATION_DATE = dt.date(2023, 12, 31)
CITY_TYPES = {"Stadt", "Große Kreisstadt", "Kreisfreie Stadt", "Stadtkreis"}
KREISFREI_TYPES = {"Kreisfreie Stadt", "Stadtkreis"}
UNINCORPORATED = "gemeindefreies Gebiet"  # forests and lakes outside any Gemeinde: not municipalities
GEMEINDE_COLUMNS = (
    "ags",
    "ars",
    "name",
    "gemeinde_type",
    "land_code",
    "land_name",
    "kreis_code",
    "kreis_name",
    "kreis_type",
    "verband_code",
    "verband_name",
    "verband_type",
    "area_km2",
    "population",
    "lat",
    "lon",
)
KREIS_COLUMNS = (
    "kreis_code",
    "kreis_name",
    "kreis_type",
    "land_code",
    "area_km2_sum",
    "population_sum",
    "lat_popweighted",
    "lon_popweighted",
)
LAND_COLUMNS = ("land_code", "land_name", "population_sum_2023_12_31")


@dataclass(frozen=True)
class GermanGazetteer:
    """The German municipalities, plus what the partnership loader needs to place Gemeindeverbände."""

    records: list[MunicipalityRecord]
    gemeinde_rows: list[Row]  # every Gemeinde row, for Gemeindeverband look-ups
    skipped_unincorporated: int


def display_name(official: str) -> str:
    """Drop the register's suffix: "Kiel, Landeshauptstadt" -> "Kiel"."""
    return official.split(", ")[0].strip()


def kreis_display_name(name: str, kreis_type: str) -> str:
    """Name a Kreis as people do: "München" (Landkreis) -> "Landkreis München"; keep "Lahn-Dill-Kreis"."""
    base = display_name(name)
    if "kreis" in base.lower() or base.lower().startswith(("region", "städteregion", "regionalverband")):
        return base
    return f"{kreis_type} {base}"


def read_german_gazetteer(data_dir: Path) -> GermanGazetteer:
    """Read Länder, Kreise and Gemeinden; raise IngestError listing every bad cell."""
    problems: list[Problem] = []
    values = Values(problems)
    gemeinde_rows = read_rows(data_dir / datasets.GEMEINDEN.path, GEMEINDE_COLUMNS)
    kreis_rows = read_rows(data_dir / datasets.KREISE.path, KREIS_COLUMNS)
    land_rows = read_rows(data_dir / datasets.LAENDER.path, LAND_COLUMNS)
    english_land_names = _english_land_names(data_dir / datasets.DE_LAENDER_OUTLINES.path)

    municipal_rows = [
        r for r in gemeinde_rows if not (r.get("gemeinde_type") or "").startswith(UNINCORPORATED)
    ]
    centres: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    areas: dict[str, float] = defaultdict(float)
    for row in municipal_rows:
        lat, lon = values.number(row, "lat"), values.number(row, "lon")
        population = values.number(row, "population") or 0.0
        land = row.get("land_code") or ""
        if lat is not None and lon is not None:
            centres[land].append((lat, lon, population))
        areas[land] += values.number(row, "area_km2") or 0.0

    records: list[MunicipalityRecord] = []
    for row in land_rows:
        code = values.code(row, "land_code", LAND_KEY, required=True)
        name = values.text(row, "land_name", required=True)
        if code is None or name is None:
            continue
        centre = weighted_centre(centres[code])
        records.append(
            MunicipalityRecord(
                code=code,
                scheme="land",
                country="DE",
                level="land",
                name=name,
                name_official=name,
                name_de=name,
                name_en=english_land_names.get(code),
                subtype="Land",
                population=values.integer(row, "population_sum_2023_12_31"),
                population_date=POPULATION_DATE,
                population_source=datasets.LAENDER.key,
                area_km2=round(areas[code], 2),
                area_source=datasets.GEMEINDEN.key,  # summed over its Gemeinden: laender.csv has no area
                lat=centre[0] if centre else None,
                lon=centre[1] if centre else None,
                coordinates_source=datasets.GEMEINDEN.key if centre else None,
                names=[
                    (name, "de", NameKind.DISPLAY),
                    (english_land_names.get(code), "en", NameKind.TRANSLATION),
                    (f"Land {name}", "de", NameKind.DISPLAY),
                ],
                codes=[(code, "land", name)],
            )
        )

    kreisfrei = {row.get("kreis_code") for row in kreis_rows if row.get("kreis_type") in KREISFREI_TYPES}
    for row in kreis_rows:
        code = values.code(row, "kreis_code", KREIS_KEY, required=True)
        if code is None or code in kreisfrei:
            continue  # a kreisfreie Stadt is one record: the Stadt, found by its Kreis key too
        official = values.text(row, "kreis_name", required=True) or str(code)
        kreis_type = row.get("kreis_type") or "Kreis"
        name = kreis_display_name(official, kreis_type)
        kreis_land = row.get("land_code")
        area = values.number(row, "area_km2_sum")
        records.append(
            MunicipalityRecord(
                code=code,
                scheme="kreis",
                country="DE",
                level="kreis",
                name=name,
                name_official=official,
                name_de=name,
                subtype=kreis_type,
                parent_code=kreis_land,
                region_code=kreis_land,
                population=values.integer(row, "population_sum"),
                population_date=POPULATION_DATE,
                population_source=datasets.KREISE.key,
                area_km2=area,
                area_source=datasets.KREISE.key if area is not None else None,
                lat=values.number(row, "lat_popweighted"),
                lon=values.number(row, "lon_popweighted"),
                coordinates_source=datasets.KREISE.key,
                names=[
                    (name, "de", NameKind.DISPLAY),
                    (display_name(official), "de", NameKind.SHORT),
                    (official, "de", NameKind.OFFICIAL),
                ],
                codes=[(code, "kreis", name)],
            )
        )

    for row in municipal_rows:
        record = _gemeinde_record(row, values, kreisfrei)
        if record is not None:
            records.append(record)
    if problems:
        raise IngestError(problems)
    return GermanGazetteer(records, gemeinde_rows, len(gemeinde_rows) - len(municipal_rows))


def _gemeinde_record(row: Row, values: Values, kreisfrei: set[str | None]) -> MunicipalityRecord | None:
    code = values.code(row, "ags", AGS, required=True)
    official = values.text(row, "name", required=True)
    if code is None or official is None:
        return None
    name = display_name(official)
    gemeinde_type = row.get("gemeinde_type") or ""
    land, kreis = row.get("land_code"), row.get("kreis_code")
    is_kreisfrei = kreis in kreisfrei
    codes: list[tuple[str, str, str | None]] = [(code, "ags", name)]
    if ars := values.code(row, "ars", re.compile(r"\d{12}")):
        codes.append((ars, "ars", name))
    if is_kreisfrei and kreis:
        codes.append((kreis, "kreis", name))
    short = short_name(name)
    area = values.number(row, "area_km2")
    return MunicipalityRecord(
        code=code,
        scheme="ags",
        country="DE",
        level="stadt" if gemeinde_type in CITY_TYPES else "gemeinde",
        name=name,
        name_official=official,
        name_de=name,
        subtype=gemeinde_type,
        parent_code=land if is_kreisfrei else kreis,
        region_code=land,
        district_code=None if is_kreisfrei else kreis,
        population=values.integer(row, "population"),
        population_date=POPULATION_DATE,
        population_source=datasets.GEMEINDEN.key,
        area_km2=area,
        area_source=datasets.GEMEINDEN.key if area is not None else None,
        lat=values.number(row, "lat"),
        lon=values.number(row, "lon"),
        coordinates_source=datasets.GEMEINDEN.key,
        names=[
            (name, "de", NameKind.DISPLAY),
            (official, "de", NameKind.OFFICIAL),
            (short, "de", NameKind.SHORT) if short and fold(short) != fold(name) else (None, "de", ""),
        ],
        codes=codes,
    )


def _english_land_names(path: Path) -> dict[str, str]:
    """Read the English Land names from the Natural Earth outlines (Bavaria, North Rhine-Westphalia ...)."""
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    return {f["properties"]["ags"]: f["properties"]["name_en"] for f in features}
