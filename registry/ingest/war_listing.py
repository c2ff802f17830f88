"""Read the official list of hostilities and occupation (Order No. 376) row by row, placed in hromadas.

The per-hromada roll-up (`war_status_by_hromada_*.csv`) calls a hromada "partly occupied" when the
list names some of its settlements but not the hromada itself, even when the town it is named after
is occupied (Berdiansk, Lysychansk, Novohrodivka). The rows of the list tell which unit is listed,
in which section and since when, so the status of a hromada's administrative centre can be known.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

from registry.ingest.csvfile import read_rows
from registry.records import MunicipalityRecord, Row, WarListingRecord

COLUMNS: Final = ("section", "code", "level", "hromada_code_prefix", "name_uk", "start_dates", "end_dates")
SECTIONS: Final = frozenset(
    {
        "1_possible_hostilities",
        "2_active_hostilities",
        "3_active_hostilities_with_state_e_resources",
        "4_temporarily_occupied",
    }
)
# "Маріупольський район за винятком с. Заїченко, м. Маріуполь": a listed unit minus some places.
EXCEPT: Final = "за винятком"


def _dates(text: str | None) -> list[dt.date | None]:
    result: list[dt.date | None] = []
    for part in (text or "").split(";"):
        part = part.strip()
        try:
            result.append(dt.datetime.strptime(part, "%d.%m.%Y").date() if part else None)
        except ValueError:
            result.append(None)
    return result


def _periods(row: Row) -> list[tuple[dt.date | None, dt.date | None]]:
    starts = [d for d in _dates(row.get("start_dates")) if d is not None]
    ends = [d for d in _dates(row.get("end_dates")) if d is not None]
    # A period without an end date is ongoing at the list's date; ends are listed in the order of starts.
    return list(itertools.zip_longest(starts, ends[: len(starts)]))


def _centre_excepted(listed_name: str, centre_name: str | None) -> bool:
    if EXCEPT not in listed_name or not centre_name:
        return False
    exceptions = listed_name.split(EXCEPT, 1)[1]
    return re.search(rf"(^|[\s.,]){re.escape(centre_name)}($|[\s,])", exceptions) is not None


def read_war_listing(
    path: Path,
    hromadas: Sequence[MunicipalityRecord],
    code_owner: Mapping[str, str],
    centres: Mapping[str, tuple[str, str]],
) -> tuple[list[WarListingRecord], list[Row]]:
    """Place every row of the list in the hromadas it covers; return the records and the rows not placed.

    Args:
        path: the list's CSV file.
        hromadas: the hromadas and special cities.
        code_owner: any known code (settlements included) -> the municipality it resolves to.
        centres: hromada code -> (centre's settlement code, centre's Ukrainian name).
    """
    by_raion: dict[str, list[str]] = defaultdict(list)
    by_oblast: dict[str, list[str]] = defaultdict(list)
    known = {h.code for h in hromadas}
    for h in hromadas:
        if h.district_code:
            by_raion[h.district_code].append(h.code)
        by_oblast[h.region_code or h.code].append(h.code)
    records: list[WarListingRecord] = []
    unplaced: list[Row] = []
    for row in read_rows(path, COLUMNS):
        section, code, level = row.get("section"), row.get("code") or "", row.get("level") or ""
        if section not in SECTIONS:
            unplaced.append(row)
            continue
        name = row.get("name_uk") or ""
        if level == "raion":
            targets = by_raion.get(code, [])
        elif level == "oblast":
            targets = by_oblast.get(code, []) or ([code_owner[code]] if code in code_owner else [])
        elif level == "hromada":
            targets = [code] if code in known else []
        else:
            owner = code_owner.get(code)
            if owner is None and (prefix := row.get("hromada_code_prefix")):
                owner = next((h for h in known if h.startswith(prefix)), None)
            targets = [owner] if owner in known else []
        if not targets:
            unplaced.append(row)
            continue
        for target in targets:
            centre_code, centre_name = centres.get(target, ("", ""))
            covers = code == centre_code if level == "settlement" else not _centre_excepted(name, centre_name)
            for start, end in _periods(row):
                records.append(WarListingRecord(target, code, level, name, section, start, end, covers))
    return records, unplaced
