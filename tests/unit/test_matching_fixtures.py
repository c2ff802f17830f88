"""A tiny hand-made world for the matching tests (imported by the other test_matching_* modules).

Hromadas (oblast / raion, population, war status, km to Russia, IDPs):
  A Alpha    O1 Poltavska / R1   50,000  not listed   600 km     500 IDPs (1%)
  B Bravo    O1 Poltavska / R1   48,000  deoccupied   100 km   6,000 IDPs (12.5%)
  C Charlie  O2 Odeska / R2       5,000  not listed   700 km       0
  D Delta    O2 Odeska / R2      52,000  occupied      20 km   unknown
  E Echo     O2 Odeska / R3      45,000  not listed   650 km   6,200 IDPs (13.8%)
  K Kyiv     city with special status, 2,950,000, former active hostilities
German names (Alfa, Brawo, Tscharli, Etscho, Kyjiw; Oblast Poltawa, Odessa; Rajon Eins, Drei) stand
beside the English ones; Delta and Raion-Two have none, so the German texts fall back to English.
Ukrainian names are the English ones with "-uk".
German side: Gstadt (50,000), Gdorf (5,000), Gweiler (20,000) in Kreis Nordkreis (Schleswig-Holstein),
Hstadt (49,000) in Kreis Hansekreis (Hamburg); the Kreis Nordkreis and both Länder as entities.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from registry.matching import MatchingInput

if TYPE_CHECKING:
    from collections.abc import Iterable

NAN = float("nan")
A, B, C, D, E, K = "UA_A", "UA_B", "UA_C", "UA_D", "UA_E", "UA80000000000093317"
O1, O2, R1, R2, R3 = "UA_O1", "UA_O2", "UA_R1", "UA_R2", "UA_R3"
GSTADT, GDORF, GWEILER, HSTADT = "01001000", "01001001", "01001002", "02001000"
NORDKREIS, LAND_SH, LAND_HH = "01001", "01", "02"

HROMADAS = [
    # code, name, oblast, raion, population, war status, ever occupied, km to Russia, IDPs
    (A, "Alpha", O1, R1, 50_000, "not_listed", False, 600, 500),
    (B, "Bravo", O1, R1, 48_000, "deoccupied", True, 100, 6_000),
    (C, "Charlie", O2, R2, 5_000, "not_listed", False, 700, 0),
    (D, "Delta", O2, R2, 52_000, "occupied", True, 20, NAN),
    (E, "Echo", O2, R3, 45_000, "not_listed", False, 650, 6_200),
    (K, "Kyiv", None, None, 2_950_000, "former_active_hostilities", False, NAN, 7_100),
]
OBLAST_NAMES = {O1: "Poltavska", O2: "Odeska"}
RAION_NAMES = {R1: "Raion-One", R2: "Raion-Two", R3: "Raion-Three"}
NAMES_DE = {A: "Alfa", B: "Brawo", C: "Tscharli", E: "Etscho", K: "Kyjiw"}
OBLAST_NAMES_DE = {O1: "Poltawa", O2: "Odessa"}
RAION_NAMES_DE = {R1: "Eins", R3: "Drei"}
GERMANS = [
    # code, name, level, Land, Kreis, population
    (GSTADT, "Gstadt", "stadt", LAND_SH, NORDKREIS, 50_000),
    (GDORF, "Gdorf", "gemeinde", LAND_SH, NORDKREIS, 5_000),
    (GWEILER, "Gweiler", "gemeinde", LAND_SH, NORDKREIS, 20_000),
    (HSTADT, "Hstadt", "stadt", LAND_HH, "02001", 49_000),
    (NORDKREIS, "Nordkreis", "kreis", LAND_SH, None, 75_000),
    (LAND_SH, "Schleswig-Holstein", "land", LAND_SH, None, 2_900_000),
    (LAND_HH, "Hamburg", "land", LAND_HH, None, 1_900_000),
]
LAND_NAMES = {LAND_SH: "Schleswig-Holstein", LAND_HH: "Hamburg"}
KREIS_NAMES = {NORDKREIS: "Nordkreis", "02001": "Hansekreis"}


def hromadas_frame() -> pd.DataFrame:
    """Return the hromadas of the tiny world in the input contract."""
    rows = []
    for code, name, oblast, raion, population, status, ever, km, idp in HROMADAS:
        rows.append({
            "code": code, "name": name, "name_de": NAMES_DE.get(code), "name_uk": f"{name}-uk",
            "level": "city_special_status" if oblast is None else "hromada",
            "oblast_code": oblast, "oblast_name": OBLAST_NAMES.get(oblast or ""),
            "oblast_name_de": OBLAST_NAMES_DE.get(oblast or ""), "raion_code": raion,
            "raion_name": RAION_NAMES.get(raion or ""), "raion_name_de": RAION_NAMES_DE.get(raion or ""),
            "population": float(population),
            "lat": NAN, "lon": NAN,
            "war_status": status, "war_status_date": "2025-04-30", "ever_occupied": ever,
            "distance_to_russia_km": float(km), "idp_registered": float(idp), "idp_date": "2023-07-25",
        })  # fmt: skip
    return pd.DataFrame(rows)


def germans_frame() -> pd.DataFrame:
    """Return the German side of the tiny world in the input contract."""
    rows = [
        {"code": code, "name": name, "level": level, "land_code": land, "land_name": LAND_NAMES[land],
         "kreis_code": kreis, "kreis_name": KREIS_NAMES.get(kreis or ""), "population": float(population),
         "lat": NAN, "lon": NAN}
        for code, name, level, land, kreis, population in GERMANS
    ]  # fmt: skip
    return pd.DataFrame(rows)


def partnership(
    pid: int,
    de_code: str | None,
    ua_code: str,
    year: float = NAN,
    *,
    status: str = "active",
    land: str | None = None,
) -> dict[str, object]:
    """Build one partnership row, deriving the levels and the hierarchy from the world's codes."""
    german = {row[0]: row for row in GERMANS}.get(de_code or "")
    hromada = {row[0]: row for row in HROMADAS}.get(ua_code)
    ua_level = "oblast" if ua_code in OBLAST_NAMES else "raion" if ua_code in RAION_NAMES else "hromada"
    if ua_code == K:
        ua_level = "city_special_status"
    raion_oblast = {R1: O1, R2: O2, R3: O2}
    oblast = hromada[2] if hromada else ua_code if ua_level == "oblast" else raion_oblast.get(ua_code)
    return {
        "id": pid, "de_code": de_code, "de_level": german[2] if german else "stadtbezirk",
        "de_land_code": german[3] if german else land, "de_kreis_code": german[4] if german else None,
        "ua_code": ua_code, "ua_level": ua_level,
        "ua_oblast_code": oblast,
        "ua_raion_code": hromada[3] if hromada else ua_code if ua_level == "raion" else None,
        "start_year": year, "status": status, "kind": "partnership",
    }  # fmt: skip


def world(
    partnerships: Iterable[dict[str, object]] = (),
    *,
    needs: Iterable[tuple[str, str, int]] = (),
    offers: Iterable[tuple[str, str]] = (),
    third: Iterable[tuple[str, str]] = (),
) -> MatchingInput:
    """Build the tiny world with the given partnerships, declared needs/offers and third partners."""
    return MatchingInput(
        hromadas=hromadas_frame(),
        germans=germans_frame(),
        partnerships=pd.DataFrame(list(partnerships), columns=list(partnership(0, GSTADT, A))),
        needs=pd.DataFrame(list(needs), columns=["ua_code", "category", "priority"]),
        offers=pd.DataFrame(list(offers), columns=["de_code", "category"]),
        third_partners=pd.DataFrame(list(third), columns=["municipality_code", "partner_key"]),
        vocabulary=pd.DataFrame(
            [("water", "Wasserversorgung", "Water supply"), ("energy", "Energie", "Energy")],
            columns=["code", "label_de", "label_en"],
        ),
    )


def test_world_is_valid_and_complete() -> None:
    data = world(
        [partnership(1, GDORF, B, 2023), partnership(2, LAND_SH, O2), partnership(3, None, C, land="01")]
    )
    f = data.features
    assert len(f.ua_codes) == len(HROMADAS)
    assert len(f.de_codes) == len(GERMANS)
    assert f.oblasts.names[f.ua_oblast[f.ua_index[K]]] == "Kyiv"  # a special city is its own region
    assert f.oblasts.names_de[f.ua_oblast[f.ua_index[K]]] == "Kyjiw"
    assert f.ua_names_de == ["Alfa", "Brawo", "Tscharli", "Delta", "Etscho", "Kyjiw"]  # Delta: no German name
    assert f.raions.names_de == ["Eins", "Raion-Two", "Drei"]
    assert f.p_oblast.tolist() == [f.oblasts.get(O1), f.oblasts.get(O2), f.oblasts.get(O2)]
