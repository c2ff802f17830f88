"""Build the matching input frames straight from the bundled CSVs in data/ (benchmarks and backtests only).

This mirrors what the database layer hands to `registry.matching`; it is not the loader. Choices
the loader may make differently: hromada display names are the centre's Latin name ("Kharkiv");
partnership status is "in_preparation" where the note says the tie is only planned or requested,
else "active"; kinds "project/solidarity" -> "solidarity", "unknown" -> "other". The optional German
names are left out, so the German explanations name hromadas, raions and oblasts in English.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from registry.matching.frames import MatchingInput

DATA = Path(__file__).resolve().parent.parent / "data"
WAR_STATUS_DATE = "2025-04-30"
IDP_DATE = "2023-07-25"
PLANNED = re.compile(r"plan only|planned|request only|plan/request|not a formal|contact only", re.IGNORECASE)


def hromadas_frame(data: Path = DATA) -> pd.DataFrame:
    """Return the 1,469 hromadas plus Kyiv and Sevastopol in the matching contract."""
    h = pd.read_csv(
        data / "ua" / "hromadas.csv", dtype={"hromada_code": str, "raion_code": str, "oblast_code": str}
    )
    frame = pd.DataFrame(
        {
            "code": h["hromada_code"],
            "name": h["center_name_en"],
            "name_uk": h["center_name_uk"],
            "level": "hromada",
            "oblast_code": h["oblast_code"],
            "oblast_name": h["oblast_name_en"],
            "raion_code": h["raion_code"],
            "raion_name": h["raion_name_en"],
            "population": h["population_2022"].astype(float),
            "lat": h["lat"],
            "lon": h["lon"],
            "war_status": h["war_status_2025_04_30"],
            "war_status_date": WAR_STATUS_DATE,
            "ever_occupied": h["ever_occupied"].astype(bool),
            "distance_to_russia_km": h["distance_to_russia_km"].astype(float),
            "idp_registered": h["idp_registered_net_2023_07_25"].astype(float),
            "idp_date": IDP_DATE,
        }
    )
    s = pd.read_csv(data / "ua" / "special_status_cities.csv", dtype={"code": str})
    special = pd.DataFrame(
        {
            "code": s["code"],
            "name": s["name_en"],
            "name_uk": s["name_uk"],
            "level": "city_special_status",
            "oblast_code": s["code"],
            "oblast_name": s["name_en"],
            "raion_code": None,
            "raion_name": None,
            "population": s["population_2022"].astype(float),
            "lat": s["lat"],
            "lon": s["lon"],
            "war_status": s["war_status_2025_04_30"],
            "war_status_date": WAR_STATUS_DATE,
            "ever_occupied": s["war_status_2025_04_30"].eq("occupied"),
            "distance_to_russia_km": float("nan"),
            "idp_registered": s["idp_registered_net_2023_07_25"].astype(float),
            "idp_date": IDP_DATE,
        }
    )
    return pd.concat([frame, special], ignore_index=True)


def germans_frame(data: Path = DATA) -> pd.DataFrame:
    """Return inhabited Gemeinden and the Kreise and Länder, in the matching contract."""
    g = pd.read_csv(data / "de" / "gemeinden_2024-12-31.csv", dtype=str)
    g = g[~g["gemeinde_type"].str.startswith("gemeindefreies Gebiet")]
    city = g["gemeinde_type"].isin(["Stadt", "Große Kreisstadt", "Kreisfreie Stadt", "Stadtkreis"])
    gemeinden = pd.DataFrame(
        {
            "code": g["ags"],
            "name": g["name"],
            "level": city.map({True: "stadt", False: "gemeinde"}),
            "land_code": g["land_code"],
            "land_name": g["land_name"],
            "kreis_code": g["kreis_code"],
            "kreis_name": g["kreis_name"],
            "population": g["population"].astype(float),
            "lat": g["lat"].astype(float),
            "lon": g["lon"].astype(float),
        }
    )
    land_names = g.groupby("land_code")["land_name"].first()
    k = pd.read_csv(data / "de" / "kreise_2024-12-31.csv", dtype=str)
    kreise = pd.DataFrame(
        {
            "code": k["kreis_code"],
            "name": k["kreis_name"],
            "level": "kreis",
            "land_code": k["land_code"],
            "land_name": k["land_name"],
            "kreis_code": k["kreis_code"],
            "kreis_name": k["kreis_name"],
            "population": k["population_sum"].astype(float),
            "lat": k["lat_popweighted"].astype(float),
            "lon": k["lon_popweighted"].astype(float),
        }
    )
    laender = pd.DataFrame(
        {
            "code": land_names.index,
            "name": land_names.to_numpy(),
            "level": "land",
            "land_code": land_names.index,
            "land_name": land_names.to_numpy(),
            "kreis_code": None,
            "kreis_name": None,
            "population": g.assign(p=g["population"].astype(float))
            .groupby("land_code")["p"]
            .sum()
            .to_numpy(),
            "lat": float("nan"),
            "lon": float("nan"),
        }
    )
    return pd.concat([gemeinden, kreise, laender], ignore_index=True)


def partnerships_frame(hromadas: pd.DataFrame, data: Path = DATA) -> pd.DataFrame:
    """Return data/partnerships.csv in the matching contract (rows without a Ukrainian code dropped)."""
    p = pd.read_csv(data / "partnerships.csv", dtype=str)
    p = p[p["ua_code"].notna()]
    laender = pd.read_csv(data / "de" / "laender.csv", dtype=str)
    by_name = dict(zip(laender["land_name"], laender["land_code"], strict=True))
    level = p["de_level"]
    de_code = p["de_code"]
    ua_of = hromadas.set_index("code")
    oblast = p["ua_code"].map(ua_of["oblast_code"]).where(p["ua_level"] != "oblast", p["ua_code"])
    raion = p["ua_code"].map(ua_of["raion_code"]).where(p["ua_level"] != "raion", p["ua_code"])
    # A raion partner's oblast: any hromada of that raion knows it.
    raion_oblast = hromadas.dropna(subset=["raion_code"]).groupby("raion_code")["oblast_code"].first()
    oblast = oblast.fillna(p["ua_code"].map(raion_oblast))
    status = p["note"].fillna("").map(lambda note: "in_preparation" if PLANNED.search(note) else "active")
    return pd.DataFrame(
        {
            "id": p["id"].astype(int),
            "de_code": de_code,
            "de_level": level,
            "de_land_code": de_code.str[:2].fillna(p["de_state"].map(by_name)),
            "de_kreis_code": de_code.str[:5].where(level.isin(["stadt", "gemeinde", "kreis"])),
            "ua_code": p["ua_code"],
            "ua_level": p["ua_level"],
            "ua_oblast_code": oblast,
            "ua_raion_code": raion,
            "start_year": pd.to_numeric(p["since"], errors="coerce"),
            "status": status,
            "kind": p["kind"].replace({"project/solidarity": "solidarity", "unknown": "other"}),
        }
    )


def frames_from_csv(data: Path = DATA) -> MatchingInput:
    """Build a `MatchingInput` from the bundled CSVs (no needs, offers or third partners are published)."""
    hromadas = hromadas_frame(data)
    vocabulary = pd.read_csv(data / "needs_vocabulary.csv", dtype=str)[["code", "label_de", "label_en"]]
    return MatchingInput(
        hromadas=hromadas,
        germans=germans_frame(data),
        partnerships=partnerships_frame(hromadas, data),
        vocabulary=vocabulary,
    )
