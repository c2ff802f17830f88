"""Read the Ukrainian gazetteer: oblasts, Kyiv and Sevastopol, raions, hromadas (incl. Crimea)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import translitua

from registry.errors import IngestError, Problem
from registry.geo import polygon_centre, weighted_centre
from registry.ingest import datasets
from registry.ingest.cells import Values
from registry.ingest.csvfile import read_rows
from registry.models import WarStatus
from registry.names import NameKind
from registry.records import MunicipalityRecord, Row

Number = TypeVar("Number", int, float)
KATOTTH = re.compile(r"UA\d{17}")
POPULATION_DATE = dt.date(2022, 1, 1)
WAR_LIST_DATE = dt.date(2025, 4, 30)
IDP_DATE = dt.date(2023, 7, 25)
WAR_STATUSES = frozenset(status.value for status in WarStatus)
HROMADA_COLUMNS = (
    "hromada_code",
    "raion_name_uk",
    "ocha_pcode",
    "name_uk",
    "name_en",
    "full_name_uk",
    "type_en",
    "raion_code",
    "oblast_code",
    "center_code",
    "center_name_uk",
    "center_name_en",
    "is_oblast_center",
    "lat",
    "lon",
    "area_km2",
    "population_2022",
    "idp_registered_net_2023_07_25",
    "distance_to_russia_km",
)
CODIFIER_COLUMNS = (
    "level1_oblast",
    "level2_raion",
    "level3_hromada",
    "category",
    "name_uk",
    "code",
    "name_en_translit",
)
WAR_COLUMNS = ("hromada_code", "status_2025_04_30", "first_occupation_start", "last_occupation_end")
SPECIAL_COLUMNS = (
    "code",
    "name_uk",
    "name_en",
    "lat",
    "lon",
    "population_2022",
    "idp_registered_net_2023_07_25",
    "war_status_2025_04_30",
)
OCHA_COLUMNS = ("ADM3_PCODE", "ADM3_EN", "ADM3_UA", "ADM3_RU")
SETTLEMENT_CATEGORIES = {"M": "city", "X": "settlement", "C": "village", "B": "city district"}


@lru_cache(maxsize=1 << 16)
def german(name_uk: str) -> str:
    """Transliterate a Ukrainian name as the Foreign Office and the German press write it.

    Duden-like ("Харків" -> "Charkiw"), but Ж is "sch" as in German usage (Saporischschja, Schytomyr,
    Schowkwa, Uschhorod), where translitua's German table writes "sh".
    """
    parts = re.split("([Жж])", name_uk)
    return "".join(
        ("Sch" if part == "Ж" else "sch")
        if part in ("Ж", "ж")
        else str(translitua.translit(part, translitua.UkrainianGerman))
        for part in parts
    )


def raion_centres(rows: Sequence[Row], current_names: dict[str, tuple[str, str]]) -> dict[str, str]:
    """Find the centre each raion is named after: "Нікопольський" raion -> "Нікополь".

    A raion is named after its centre's hromada (Нікопольська громада, centre Нікополь): the adjective
    of the raion and of that hromada share their stem (-ий for the raion, -а for the hromada). The
    centre's current name comes from the codifier (`current_names`, settlement code -> names).
    """
    found: dict[str, str] = {}
    for row in rows:
        raion, adjective, centre = row.get("raion_code"), row.get("name_uk"), row.get("center_name_uk")
        raion_name = row.get("raion_name_uk")
        centre = current_names.get(row.get("center_code") or "", (centre or "", ""))[0] or centre
        if raion and adjective and centre and raion_name and adjective[:-1] == raion_name[:-2]:
            found[raion] = centre
    return found


@dataclass(frozen=True)
class UkrainianGazetteer:
    """The Ukrainian units, and the codifier's settlements for the geocoder."""

    records: list[MunicipalityRecord]
    settlements_by_hromada: dict[str, list[tuple[str, str, str]]]  # hromada -> (code, name_uk, category)


def read_ukrainian_gazetteer(data_dir: Path) -> UkrainianGazetteer:
    """Read every Ukrainian unit; raise IngestError listing every bad cell."""
    problems: list[Problem] = []
    values = Values(problems)
    codifier = read_rows(data_dir / datasets.CODIFIER.path, CODIFIER_COLUMNS)
    hromada_rows = read_rows(data_dir / datasets.HROMADAS.path, HROMADA_COLUMNS)
    war_rows = {r.get("hromada_code"): r for r in read_rows(data_dir / datasets.WAR_STATUS.path, WAR_COLUMNS)}
    ocha = {r.get("ADM3_PCODE"): r for r in read_rows(data_dir / datasets.OCHA_HROMADAS.path, OCHA_COLUMNS)}
    oblast_shapes = _features(data_dir / datasets.UA_OUTLINES.path)
    raion_shapes = _features(data_dir / datasets.UA_RAION_OUTLINES.path)
    special_rows = read_rows(data_dir / datasets.SPECIAL_CITIES.path, SPECIAL_COLUMNS)

    settlements: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    current_names: dict[str, tuple[str, str]] = {}  # settlement code -> (name_uk, name_en) in this edition
    units: dict[str, Row] = {}
    for row in codifier:
        category, code = row.get("category"), values.code(row, "code", KATOTTH, required=True)
        if code is None or category is None:
            continue
        if category in {"O", "K", "P", "H"}:
            units[code] = row
        elif category in SETTLEMENT_CATEGORIES:
            owner = row.get("level3_hromada") or row.get("level1_oblast")  # Kyiv's districts: Kyiv
            if owner:
                settlements[owner].append((code, row.get("name_uk") or "", category))
            current_names[code] = (row.get("name_uk") or "", row.get("name_en_translit") or "")

    hromadas = [
        _hromada_record(
            r, values, war_rows.get(r.get("hromada_code")), current_names.get(r.get("center_code") or "")
        )
        for r in hromada_rows
    ]
    known = {h.code for h in hromadas}
    for code, row in units.items():
        if row.get("category") == "H" and code not in known:
            hromadas.append(_codifier_hromada_record(row, values, ocha.get(code[:9]), war_rows.get(code)))
    for hromada in hromadas:
        hromada.codes += [
            (code, "settlement", f"{name} ({SETTLEMENT_CATEGORIES[cat]})")
            for code, name, cat in settlements.get(hromada.code, [])
        ]
        hromada.settlement_names = [
            (name, "uk")
            for code, name, _ in settlements.get(hromada.code, [])
            if code != _centre_code(hromada)
        ]

    specials = [_special_city_record(r, values, settlements) for r in special_rows]
    oblast_cities = _oblast_city_names(hromadas, specials, oblast_shapes)
    centres = raion_centres(hromada_rows, current_names)
    regional: list[MunicipalityRecord] = []
    for code, row in units.items():
        category = row.get("category")
        if category == "O":
            regional.append(
                _oblast_record(code, row, hromadas, oblast_shapes.get(code), oblast_cities.get(code))
            )
        elif category == "P":
            regional.append(_raion_record(code, row, hromadas, raion_shapes.get(code), centres.get(code)))
    if problems:
        raise IngestError(problems)
    return UkrainianGazetteer(regional + specials + hromadas, dict(settlements))


def _centre_code(record: MunicipalityRecord) -> str | None:
    return next(
        (code for code, scheme, label in record.codes if scheme == "settlement" and label == "centre"), None
    )


def _hromada_record(
    row: Row, values: Values, war: Row | None, current_centre: tuple[str, str] | None
) -> MunicipalityRecord:
    code = values.code(row, "hromada_code", KATOTTH, required=True) or ""
    centre_en = values.text(row, "center_name_en", required=True) or code
    centre_uk = row.get("center_name_uk") or ""
    former: list[tuple[str | None, str, str]] = []
    if current_centre and current_centre[0] and current_centre[0] != centre_uk:
        # Renamed since the KSE file (e.g. Chervonohrad -> Sheptytskyi, 2024): the codifier is newer.
        former = [(centre_en, "en", NameKind.HISTORIC), (centre_uk, "uk", NameKind.HISTORIC)]
        centre_uk, centre_en = current_centre[0], current_centre[1] or centre_en
    name_en, name_uk, full_uk = row.get("name_en"), row.get("name_uk"), row.get("full_name_uk") or centre_en
    idp = values.integer(row, "idp_registered_net_2023_07_25")
    area = values.number(row, "area_km2")
    record = MunicipalityRecord(
        code=code,
        scheme="katotth",
        country="UA",
        level="hromada",
        name=centre_en,
        name_official=full_uk,
        name_de=german(centre_uk) if centre_uk else None,
        name_en=centre_en,
        name_uk=centre_uk or name_uk,
        subtype=row.get("type_en"),
        parent_code=row.get("raion_code"),
        region_code=row.get("oblast_code"),
        district_code=row.get("raion_code"),
        population=values.integer(row, "population_2022"),
        population_date=POPULATION_DATE,
        population_source=datasets.HROMADAS.key,
        area_km2=area,
        area_source=datasets.HROMADAS.key if area is not None else None,
        lat=values.number(row, "lat"),
        lon=values.number(row, "lon"),
        coordinates_source=datasets.HROMADAS.key,
        idp_registered=idp,
        idp_date=IDP_DATE if idp is not None else None,
        idp_source=datasets.IDP.key if idp is not None else None,
        distance_to_russia_km=values.number(row, "distance_to_russia_km"),
        distance_source=datasets.HROMADAS.key,
        names=[
            (centre_en, "en", NameKind.CENTRE),
            (centre_uk, "uk", NameKind.CENTRE),
            (german(centre_uk) if centre_uk else None, "de", NameKind.TRANSLATION),
            (name_en, "en", NameKind.TRANSLATION),
            (name_uk, "uk", NameKind.TRANSLATION),
            (f"{name_en} hromada", "en", NameKind.TRANSLATION),
            (full_uk, "uk", NameKind.OFFICIAL),
            *former,
        ],
        codes=[(code, "katotth", full_uk)],
    )
    if centre := row.get("center_code"):
        record.codes.append((centre, "settlement", "centre"))
    if pcode := row.get("ocha_pcode"):
        record.codes.append((pcode, "ocha", name_en))
    _apply_war_status(record, war, values)
    return record


def _codifier_hromada_record(
    row: Row, values: Values, ocha: Row | None, war: Row | None
) -> MunicipalityRecord:
    """A hromada that only the codifier and OCHA list: the Crimean ones, with no population figures."""
    code = row.get("code") or ""
    name_uk = row.get("name_uk") or code
    name_en = (ocha.get("ADM3_EN") if ocha else None) or row.get("name_en_translit") or name_uk
    record = MunicipalityRecord(
        code=code,
        scheme="katotth",
        country="UA",
        level="hromada",
        name=f"{name_en} hromada",
        name_official=f"{name_uk} громада",
        name_de=f"Hromada {german(name_uk)}",
        name_en=f"{name_en} hromada",
        name_uk=f"{name_uk} громада",
        parent_code=row.get("level2_raion"),
        region_code=row.get("level1_oblast"),
        district_code=row.get("level2_raion"),
        names=[
            (name_en, "en", NameKind.TRANSLATION),
            (name_uk, "uk", NameKind.TRANSLATION),
            (ocha.get("ADM3_RU") if ocha else None, "ru", NameKind.EXONYM),
        ],
        codes=[(code, "katotth", name_uk), *([(code[:9], "ocha", name_en)] if ocha else [])],
    )
    _apply_war_status(record, war, values)
    return record


def _apply_war_status(record: MunicipalityRecord, war: Row | None, values: Values) -> None:
    if war is None:
        return
    record.war_status = values.choice(war, "status_2025_04_30", WAR_STATUSES)
    record.war_status_date = WAR_LIST_DATE
    record.occupied_since = values.date(war, "first_occupation_start")
    record.occupation_ended = values.date(war, "last_occupation_end")
    record.war_status_source = datasets.WAR_STATUS.key


def _special_city_record(
    row: Row, values: Values, settlements: dict[str, list[tuple[str, str, str]]]
) -> MunicipalityRecord:
    code = values.code(row, "code", KATOTTH, required=True) or ""
    name_en = values.text(row, "name_en", required=True) or code
    name_uk = row.get("name_uk") or name_en
    idp = values.integer(row, "idp_registered_net_2023_07_25")
    population = values.integer(row, "population_2022")
    return MunicipalityRecord(
        code=code,
        scheme="katotth",
        country="UA",
        level="city_special_status",
        name=name_en,
        name_official=name_uk,
        name_de=german(name_uk),
        name_en=name_en,
        name_uk=name_uk,
        subtype="city with special status",
        population=population,
        population_date=POPULATION_DATE if population else None,
        population_source=datasets.SPECIAL_CITIES.key if population else None,
        lat=values.number(row, "lat"),
        lon=values.number(row, "lon"),
        coordinates_source=datasets.SPECIAL_CITIES.key,
        war_status=values.choice(row, "war_status_2025_04_30", WAR_STATUSES),
        war_status_date=WAR_LIST_DATE,
        war_status_source=datasets.SPECIAL_CITIES.key,
        idp_registered=idp,
        idp_date=IDP_DATE if idp is not None else None,
        idp_source=datasets.SPECIAL_CITIES.key if idp is not None else None,
        names=[(name_en, "en", NameKind.TRANSLATION), (name_uk, "uk", NameKind.TRANSLATION)],
        codes=[
            (code, "katotth", name_uk),
            *[
                (c, "settlement", f"{n} ({SETTLEMENT_CATEGORIES[cat]})")
                for c, n, cat in settlements.get(code, [])
            ],
        ],
    )


def _oblast_city_names(
    hromadas: list[MunicipalityRecord], specials: list[MunicipalityRecord], shapes: dict[str, dict[str, Any]]
) -> dict[str, str]:
    """Find the city each oblast is named after ("Luhansk Oblast" -> Луганськ), for its German name.

    Not the administrative centre: Luhansk oblast is run from Sievierodonetsk, yet named after Luhansk.
    """
    by_name = {(h.region_code or h.code, h.name_en): h.name_uk for h in [*hromadas, *specials] if h.name_uk}
    by_name |= {("*", s.name_en): s.name_uk for s in specials if s.name_uk}
    found = {}
    for code, shape in shapes.items():
        city = str(shape["properties"].get("name_en", "")).removesuffix(" Oblast")
        if name_uk := by_name.get((code, city)) or by_name.get(("*", city)):
            found[code] = name_uk
    return found


def _whole_sum(values: Sequence[Number | None]) -> Number | None:
    """Sum a unit's members' figures, or None when one lacks it (a partial sum would understate the unit)."""
    known = [v for v in values if v is not None]
    return sum(known) if known and len(known) == len(values) else None


def _aggregate_centre(
    members: list[MunicipalityRecord], shape: dict[str, Any] | None
) -> tuple[float, float] | None:
    centre = weighted_centre(
        (m.lat, m.lon, float(m.population))
        for m in members
        if m.lat is not None and m.lon is not None and m.population
    )
    if centre is None and shape is not None:
        centre = polygon_centre(shape["geometry"])
    return centre


def _oblast_record(
    code: str, row: Row, hromadas: list[MunicipalityRecord], shape: dict[str, Any] | None, city_uk: str | None
) -> MunicipalityRecord:
    name_de = f"Oblast {german(city_uk)}" if city_uk else None
    record = _regional_record(
        code,
        row,
        [h for h in hromadas if h.region_code == code],
        shape,
        level="oblast",
        words=("Oblast", "область"),
        name_de=name_de,
        outlines=datasets.UA_OUTLINES.key,
    )
    record.subtype = shape["properties"].get("type", "oblast") if shape else "oblast"
    return record


def _raion_record(
    code: str,
    row: Row,
    hromadas: list[MunicipalityRecord],
    shape: dict[str, Any] | None,
    centre_uk: str | None,
) -> MunicipalityRecord:
    # German usage names a raion after its centre ("Rajon Nikopol"), not by the adjective.
    name_de = f"Rajon {german(centre_uk or row.get('name_uk') or code)}"
    record = _regional_record(
        code,
        row,
        [h for h in hromadas if h.district_code == code],
        shape,
        level="raion",
        words=("raion", "район"),
        name_de=name_de,
        outlines=datasets.UA_RAION_OUTLINES.key,
    )
    record.parent_code = record.region_code = row.get("level1_oblast")
    return record


def _regional_record(
    code: str,
    row: Row,
    members: list[MunicipalityRecord],
    shape: dict[str, Any] | None,
    *,
    level: str,
    words: tuple[str, str],
    name_de: str | None,
    outlines: str,
) -> MunicipalityRecord:
    """An oblast or raion: names from its outline file, population and centre from its hromadas."""
    name_uk_short = row.get("name_uk") or code
    props = shape["properties"] if shape else {}
    name_en = props.get("name_en") or f"{row.get('name_en_translit')} {words[0]}"
    name_uk = props.get("name_uk") or f"{name_uk_short} {words[1]}"
    centre = _aggregate_centre(members, shape)
    population = _whole_sum([m.population for m in members])
    area_sum = _whole_sum([m.area_km2 for m in members])
    area = None if area_sum is None else round(area_sum, 1)
    return MunicipalityRecord(
        code=code,
        scheme="katotth",
        country="UA",
        level=level,
        name=name_en,
        name_official=name_uk,
        name_de=name_de,
        name_en=name_en,
        name_uk=name_uk,
        population=population,
        population_date=POPULATION_DATE if population else None,
        population_source=datasets.HROMADAS.key if population else None,
        area_km2=area,
        area_source=datasets.HROMADAS.key if area is not None else None,  # summed over its hromadas
        lat=centre[0] if centre else None,
        lon=centre[1] if centre else None,
        # weighted by hromada population where known, else the outline's centroid (Crimea)
        coordinates_source=(datasets.HROMADAS.key if population else outlines) if centre else None,
        names=[
            (name_en, "en", NameKind.TRANSLATION),
            (name_uk, "uk", NameKind.OFFICIAL),
            (name_uk_short, "uk", NameKind.TRANSLATION),
            (f"{row.get('name_en_translit')} {words[0]}", "en", NameKind.TRANSLIT),
            (name_de, "de", NameKind.TRANSLATION),
        ],
        codes=[(code, "katotth", name_uk)],
    )


def _features(path: Path) -> dict[str, dict[str, Any]]:
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    return {f["properties"]["katotth"]: f for f in features}
