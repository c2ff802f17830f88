"""Write a small but real data directory: the bundled files cut down to a few Länder and oblasts.

Every row is a real row of the bundled data; nothing is invented. Loader tests run on this in
about a second instead of loading the whole country twice.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from pathlib import Path

from registry.config import Settings

DATA = Settings().data_dir
LANDS = frozenset({"12", "11", "09"})  # Brandenburg, Berlin, Bayern
OBLASTS = frozenset(
    {"UA74000000000025378", "UA73000000000044923", "UA21000000000011690"}
)  # Chernihiv, Chernivtsi, Zakarpattia
SPECIAL = frozenset({"UA80000000000093317", "UA85000000000065278"})


def _copy_rows(name: str, target: Path, keep: Callable[[dict[str, str]], bool]) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        rows = [row for row in reader if keep(row)]
        header = reader.fieldnames or []
    (target / name).parent.mkdir(parents=True, exist_ok=True)
    with (target / name).open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return rows


def write_subset(target: Path) -> Path:
    """Write the subset to ``target`` and return it."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(DATA / "geo", target / "geo", dirs_exist_ok=True)
    shutil.copytree(DATA / "geonames", target / "geonames", dirs_exist_ok=True)
    gemeinden = _copy_rows("de/gemeinden_2024-12-31.csv", target, lambda r: r["land_code"] in LANDS)
    kreise = _copy_rows("de/kreise_2024-12-31.csv", target, lambda r: r["land_code"] in LANDS)
    _copy_rows("de/laender.csv", target, lambda r: r["land_code"] in LANDS)
    hromadas = _copy_rows("ua/hromadas.csv", target, lambda r: r["oblast_code"] in OBLASTS)
    _copy_rows("ua/special_status_cities.csv", target, lambda r: True)
    _copy_rows("needs_vocabulary.csv", target, lambda r: True)
    prefixes = {code[:4] for code in OBLASTS}
    _copy_rows("ua/hromadas_ocha_incl_crimea_2023.csv", target, lambda r: r["ADM1_PCODE"] in prefixes)
    _copy_rows("ua/raions_ocha_2023.csv", target, lambda r: r["ADM1_PCODE"] in prefixes)
    units = _copy_rows(
        "ua/katotth_codifier_2025-05-16.csv", target, lambda r: r["level1_oblast"] in OBLASTS | SPECIAL
    )
    _copy_rows("ua/war_status_by_hromada_2025-04-30.csv", target, lambda r: r["oblast_code"] in OBLASTS)
    listed = prefixes | {code[:4] for code in SPECIAL}
    _copy_rows("ua/war_status_order376_list_2025-04-30.csv", target, lambda r: r["code"][:4] in listed)
    # Twin towns whose German or Ukrainian side is named like a place of the subset (the loader places them).
    places = {r["name"].split(",")[0] for r in gemeinden} | {r["center_name_en"] for r in hromadas}
    places |= {"Kyiv", "Sevastopol"}
    _copy_rows(
        "third/twin_towns_de_ua_wikipedia.csv",
        target,
        lambda r: any(
            r[f"country{k}"] in ("Germany", "Ukraine") and r[f"city{k}"].split(" (")[0] in places
            for k in "12"
        ),
    )
    de_codes = {r["ags"] for r in gemeinden} | {r["kreis_code"] for r in kreise} | set(LANDS)
    ua_codes = {r["hromada_code"] for r in hromadas} | {r["code"] for r in units}
    _copy_rows(
        "partnerships.csv",
        target,
        lambda r: (
            (
                r["de_code"] in de_codes
                or (not r["de_code"] and r["de_state"] in {"Berlin", "Bayern", "Brandenburg"})
            )
            and (r["ua_code"] in ua_codes or (not r["ua_code"] and r["resolution"] == "unresolved"))
        ),
    )
    if (DATA / "aliases_manual.csv").is_file():
        _copy_rows("aliases_manual.csv", target, lambda r: r["code"] in de_codes | ua_codes)
    return target
