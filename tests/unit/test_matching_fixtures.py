"""A tiny hand-made world for the matching tests (synthetic, built by code; imported by the other tests).

Ukrainian units (oblast / raion, population, type, war status, km to Russia, IDPs):
  A Alpha    O1 Poltavska / R1   50,000  urban       not listed   600 km     500 IDPs (1%)
  B Bravo    O1 Poltavska / R1   48,000  urban       deoccupied   100 km   6,000 IDPs (12.5%)
  C Charlie  O2 Odeska / R2       5,000  rural       not listed   700 km       0
  D Delta    O2 Odeska / R2      52,000  urban       occupied      20 km   unknown
  E Echo     O2 Odeska / R3      45,000  settlement  not listed   650 km   6,200 IDPs (13.8%)
  K Kyiv     city with special status, 2,950,000, former active hostilities
  and the oblasts O1, O2 and raions R1, R2, R3 as units of their own (candidates of Länder and Kreise).
German names (Alfa, Brawo, Tscharli, Etscho, Kyjiw; Oblast Poltawa, Odessa; Rajon Eins, Drei) stand
beside the English ones; Delta and Raion-Two have none, so the German texts fall back to English.
Ukrainian names are the English ones with "-uk".
German side: Gstadt (50,000), Gdorf (5,000), Gweiler (20,000) in Kreis Nordkreis (Schleswig-Holstein),
Hstadt (49,000) in Kreis Hansekreis (Hamburg); Berlin (3.8 million), one body stored as Stadt and Land;
Bdorf (8,000) in Landkreis Bamberg under the Bavarian Bezirk Oberfranken; the Kreise and Länder as units.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from registry.matching import FitModel, MatchingInput

if TYPE_CHECKING:
    from collections.abc import Iterable

NAN = float("nan")
A, B, C, D, E, K = "UA_A", "UA_B", "UA_C", "UA_D", "UA_E", "UA80000000000093317"
O1, O2, R1, R2, R3 = "UA_O1", "UA_O2", "UA_R1", "UA_R2", "UA_R3"
GSTADT, GDORF, GWEILER, HSTADT = "01001000", "01001001", "01001002", "02001000"
NORDKREIS, LAND_SH, LAND_HH = "01001", "01", "02"
BERLIN, LAND_BE = "11000000", "11"
BDORF, BAMBERG, OBERFRANKEN, LAND_BY = "09471111", "09471", "DE-X-09-bezirk-oberfranken", "09"

HROMADAS = [
    # code, name, oblast, raion, population, type, war status, ever occupied, km to Russia, IDPs
    (A, "Alpha", O1, R1, 50_000, "urban", "not_listed", False, 600, 500),
    (B, "Bravo", O1, R1, 48_000, "urban", "deoccupied", True, 100, 6_000),
    (C, "Charlie", O2, R2, 5_000, "rural", "not_listed", False, 700, 0),
    (D, "Delta", O2, R2, 52_000, "urban", "occupied", True, 20, NAN),
    (E, "Echo", O2, R3, 45_000, "settlement", "not_listed", False, 650, 6_200),
    (
        K,
        "Kyiv",
        None,
        None,
        2_950_000,
        "city with special status",
        "former_active_hostilities",
        False,
        NAN,
        7_100,
    ),
]
OBLAST_NAMES = {O1: "Poltavska", O2: "Odeska"}
RAION_NAMES = {R1: "Raion-One", R2: "Raion-Two", R3: "Raion-Three"}
RAION_OBLAST = {R1: O1, R2: O2, R3: O2}
NAMES_DE = {A: "Alfa", B: "Brawo", C: "Tscharli", E: "Etscho", K: "Kyjiw"}
OBLAST_NAMES_DE = {O1: "Poltawa", O2: "Odessa"}
RAION_NAMES_DE = {R1: "Eins", R3: "Drei"}
OBLAST_NAMES_UK = {O1: "Полтавська", O2: "Одеська"}
RAION_NAMES_UK = {R1: "Перший", R2: "Другий", R3: "Третій"}
GERMANS = [
    # code, name, level, Land, Kreis, population
    (GSTADT, "Gstadt", "stadt", LAND_SH, NORDKREIS, 50_000),
    (GDORF, "Gdorf", "gemeinde", LAND_SH, NORDKREIS, 5_000),
    (GWEILER, "Gweiler", "gemeinde", LAND_SH, NORDKREIS, 20_000),
    (HSTADT, "Hstadt", "stadt", LAND_HH, "02001", 49_000),
    (NORDKREIS, "Kreis Nordkreis", "kreis", LAND_SH, None, 75_000),
    (LAND_SH, "Schleswig-Holstein", "land", LAND_SH, None, 2_900_000),
    (LAND_HH, "Hamburg", "land", LAND_HH, None, 1_900_000),
    (BERLIN, "Berlin", "stadt", LAND_BE, "11000", 3_800_000),
    (LAND_BE, "Berlin", "land", LAND_BE, None, 3_800_000),
    (BDORF, "Bdorf", "gemeinde", LAND_BY, BAMBERG, 8_000),
    (BAMBERG, "Landkreis Bamberg", "kreis", LAND_BY, None, 148_000),
    (OBERFRANKEN, "Bezirk Oberfranken", "bezirk", LAND_BY, None, 1_060_000),
    (LAND_BY, "Bayern", "land", LAND_BY, None, 13_400_000),
]
LAND_NAMES = {LAND_SH: "Schleswig-Holstein", LAND_HH: "Hamburg", LAND_BE: "Berlin", LAND_BY: "Bayern"}
KREIS_NAMES = {
    NORDKREIS: "Kreis Nordkreis",
    "02001": "Hansekreis",
    "11000": "Berlin",
    BAMBERG: "Landkreis Bamberg",
}


def hromadas_frame() -> pd.DataFrame:
    """Return the Ukrainian units of the tiny world in the input contract (hromadas, raions, oblasts)."""
    rows = []
    for code, name, oblast, raion, population, kind, status, ever, km, idp in HROMADAS:
        rows.append({
            "code": code, "name": name, "name_de": NAMES_DE.get(code), "name_uk": f"{name}-uk",
            "level": "city_special_status" if oblast is None else "hromada", "subtype": kind,
            "oblast_code": oblast, "oblast_name": OBLAST_NAMES.get(oblast or ""),
            "oblast_name_de": OBLAST_NAMES_DE.get(oblast or ""),
            "oblast_name_uk": OBLAST_NAMES_UK.get(oblast or ""),
            "raion_code": raion, "raion_name": RAION_NAMES.get(raion or ""),
            "raion_name_de": RAION_NAMES_DE.get(raion or ""),
            "raion_name_uk": RAION_NAMES_UK.get(raion or ""),
            "population": float(population), "population_date": "2022-01-01", "population_source": "KSE",
            "lat": NAN, "lon": NAN,
            "war_status": status, "war_status_date": "2025-04-30", "ever_occupied": ever,
            "distance_to_russia_km": float(km), "idp_registered": float(idp), "idp_date": "2023-07-25",
        })  # fmt: skip
    members = {code: [h for h in HROMADAS if code in (h[2], h[3])] for code in [*OBLAST_NAMES, *RAION_NAMES]}
    for code, own in members.items():
        oblast = code if code in OBLAST_NAMES else RAION_OBLAST[code]
        raion = code if code in RAION_NAMES else None
        rows.append({
            "code": code, "name": f"{(OBLAST_NAMES | RAION_NAMES)[code]} unit",
            "name_de": None, "name_uk": f"{(OBLAST_NAMES_UK | RAION_NAMES_UK)[code]}-uk",
            "level": "oblast" if raion is None else "raion", "subtype": None,
            "oblast_code": oblast, "oblast_name": OBLAST_NAMES[oblast],
            "oblast_name_de": OBLAST_NAMES_DE[oblast],
            "oblast_name_uk": OBLAST_NAMES_UK[oblast], "raion_code": raion,
            "raion_name": RAION_NAMES.get(raion or ""), "raion_name_de": RAION_NAMES_DE.get(raion or ""),
            "raion_name_uk": RAION_NAMES_UK.get(raion or ""),
            "population": float(sum(h[4] for h in own)), "population_date": "2022-01-01",
            "population_source": "KSE", "lat": NAN, "lon": NAN,
            "war_status": None, "war_status_date": None, "ever_occupied": False,
            "distance_to_russia_km": NAN, "idp_registered": NAN, "idp_date": None,
        })  # fmt: skip
    return pd.DataFrame(rows)


def germans_frame() -> pd.DataFrame:
    """Return the German side of the tiny world in the input contract."""
    rows = [
        {"code": code, "name": name, "level": level, "land_code": land, "land_name": LAND_NAMES[land],
         "kreis_code": kreis, "kreis_name": KREIS_NAMES.get(kreis or ""), "population": float(population),
         "population_date": "2023-12-31", "population_source": "Destatis", "lat": NAN, "lon": NAN}
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
    kind: str = "partnership",
) -> dict[str, object]:
    """Build one partnership row, deriving the levels and the hierarchy from the world's codes."""
    german = {row[0]: row for row in GERMANS}.get(de_code or "")
    hromada = {row[0]: row for row in HROMADAS}.get(ua_code)
    ua_level = "oblast" if ua_code in OBLAST_NAMES else "raion" if ua_code in RAION_NAMES else "hromada"
    if ua_code == K:
        ua_level = "city_special_status"
    oblast = hromada[2] if hromada else ua_code if ua_level == "oblast" else RAION_OBLAST.get(ua_code)
    return {
        "id": pid, "de_code": de_code, "de_level": german[2] if german else "stadtbezirk",
        "de_land_code": german[3] if german else land, "de_kreis_code": german[4] if german else None,
        "ua_code": ua_code, "ua_level": ua_level,
        "ua_oblast_code": oblast,
        "ua_raion_code": hromada[3] if hromada else ua_code if ua_level == "raion" else None,
        "start_year": year, "status": status, "kind": kind, "source": f"https://example.org/{pid}",
    }  # fmt: skip


def listing(
    code: str, section: str, start: str, end: str | None = None, *, centre: bool = True
) -> dict[str, object]:
    """Build one row of the official hostilities list placed in a hromada."""
    return {
        "ua_code": code,
        "section": section,
        "start_date": start,
        "end_date": end,
        "covers_centre": centre,
    }


def world(
    partnerships: Iterable[dict[str, object]] = (),
    *,
    needs: Iterable[tuple[str, str, int]] = (),
    offers: Iterable[tuple[str, str]] = (),
    third: Iterable[tuple[str, str]] = (),
    listings: Iterable[dict[str, object]] = (),
    model: FitModel | None = None,
) -> MatchingInput:
    """Build the tiny world with the given partnerships, declarations, third partners and list rows."""
    return MatchingInput(
        hromadas=hromadas_frame(),
        germans=germans_frame(),
        partnerships=pd.DataFrame(list(partnerships), columns=list(partnership(0, GSTADT, A))),
        needs=pd.DataFrame(list(needs), columns=["ua_code", "category", "priority"]),
        offers=pd.DataFrame(list(offers), columns=["de_code", "category"]),
        third_partners=pd.DataFrame(
            [(code, key, key.split(":")[1].title(), key.split(":")[0]) for code, key in third],
            columns=["municipality_code", "partner_key", "partner_name", "partner_country"],
        ),
        listings=pd.DataFrame(
            list(listings), columns=["ua_code", "section", "start_date", "end_date", "covers_centre"]
        ),
        vocabulary=pd.DataFrame(
            [("water", "Wasserversorgung", "Water supply"), ("energy", "Energie", "Energy")],
            columns=["code", "label_de", "label_en"],
        ),
        model=model,
    )


def test_world_is_valid_and_complete() -> None:
    data = world(
        [partnership(1, GDORF, B, 2023), partnership(2, LAND_SH, O2), partnership(3, None, C, land="01")]
    )
    f = data.features
    assert len(f.ua_codes) == len(HROMADAS) + 5
    assert len(f.de_codes) == len(GERMANS)
    assert f.oblasts.names[f.ua_oblast[f.ua_index[K]]] == "Kyiv"  # a special city is its own region
    assert f.oblasts.names_de[f.ua_oblast[f.ua_index[K]]] == "Kyjiw"
    assert f.ua_names_de[:6] == [
        "Alfa",
        "Brawo",
        "Tscharli",
        "Delta",
        "Etscho",
        "Kyjiw",
    ]  # Delta: no German name
    assert f.raions.names_de == ["Eins", "Raion-Two", "Drei"]
    assert f.p_oblast.tolist() == [f.oblasts.get(O1), f.oblasts.get(O2), f.oblasts.get(O2)]
    # A raion or oblast unit sits in its own region; its population is its hromadas'.
    o2 = f.ua_index[O2]
    assert f.ua_oblast[o2] == f.oblasts.get(O2)
    assert f.ua_population[o2] == 5_000 + 52_000 + 45_000
    assert f.de_bezirk[f.de_index[BDORF]] == f.de_index[OBERFRANKEN]
    assert f.de_body[f.de_index[LAND_BE]] == f.de_index[BERLIN]  # a city-state is one body
