"""Arrays derived once from a `MatchingInput`: indexes, hierarchies, populations, needs, war status."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import sparse

from registry.matching import criteria
from registry.matching.units import Vocabulary, numbers, optional_texts, texts, ukrainian_units

if TYPE_CHECKING:
    from collections.abc import Iterable

    from registry.matching.frames import MatchingInput

IntArray = NDArray[np.intp]
F32 = NDArray[np.float32]
F64 = NDArray[np.float64]

# German levels whose partnerships count as those of "neighbouring municipalities".
MUNICIPAL_PARTNER_LEVELS: Final = frozenset({"gemeinde", "stadt", "gemeindeverband", "stadtbezirk"})
# A city-state is one body stored twice, as its Land and as its Stadt (Bremen: the Land and the Stadt
# Bremen; Bremerhaven is a Stadt of its own).
CITY_STATES: Final = {"11": "11000000", "02": "02000000", "04": "04011000"}
# Bavaria's Bezirke (self-government between Kreis and Land) by the Regierungsbezirk digit of the AGS.
BAVARIAN_BEZIRKE: Final = {
    "1": "Oberbayern",
    "2": "Niederbayern",
    "3": "Oberpfalz",
    "4": "Oberfranken",
    "5": "Mittelfranken",
    "6": "Unterfranken",
    "7": "Schwaben",
}


def _regions(keys: Iterable[tuple[int, ...]]) -> tuple[IntArray, IntArray]:
    """Group rows by key: (row -> region index, region -> key columns)."""
    table = np.array(list(keys), dtype=np.intp)
    unique, inverse = np.unique(table, axis=0, return_inverse=True)
    return inverse.reshape(-1).astype(np.intp), unique.astype(np.intp)


@dataclass(frozen=True, eq=False)
class Features:
    """Arrays over Ukrainian units (`ua_*`), German units (`de_*`) and partnerships (`p_*`).

    Regions group units that share every tie criterion: a Ukrainian region is an (oblast, raion)
    pair, a German region a (Land, Bezirk, Kreis) triple; a German unit with partnerships of its own
    gets a region of its own, because its own partnerships must not count as its neighbours'.
    """

    ua_codes: list[str]
    ua_index: dict[str, int]
    ua_levels: NDArray[np.object_]
    ua_names: list[str]
    ua_names_de: list[str]  # German names, else the display names
    ua_names_uk: list[str | None]
    ua_population: F64
    ua_log_population: F64
    ua_population_date: list[str | None]
    ua_population_source: list[str | None]
    ua_oblast: IntArray
    ua_raion: IntArray
    ua_region: IntArray
    ua_status: list[str | None]
    ua_occupied: NDArray[np.bool_]  # occupied, its centre occupied, or (raion, oblast) all its hromadas
    ua_centre_occupied: NDArray[np.bool_]  # the list names the centre occupied, whatever the roll-up says
    ua_listing: list[str | None]  # the list's current section for the centre or the whole hromada
    ua_listing_since: list[str | None]
    ua_ever_occupied: NDArray[np.bool_]
    ua_distance_km: F64
    ua_idp: F64
    ua_reconstruction: F32
    ua_idp_need: F32
    ua_distance_score: F32
    ua_urban: F32
    ua_types: list[str | None]  # urban, settlement, rural, city with special status
    ua_oblast_rank: IntArray  # population rank in the oblast among units of its level (1 largest, 0 unknown)
    ua_prominence: F32
    ua_war_status_date: str | None
    ua_idp_date: str | None
    listing_date: str | None
    oblasts: Vocabulary
    raions: Vocabulary
    ua_region_keys: IntArray  # region -> (oblast, raion)
    oblast_unit: IntArray  # oblast vocabulary index -> the oblast's own unit, or -1
    raion_unit: IntArray  # raion vocabulary index -> the raion's own unit, or -1

    de_codes: list[str]
    de_index: dict[str, int]
    de_names: list[str]
    de_levels: NDArray[np.object_]
    de_population: F64
    de_log_population: F64
    de_population_date: list[str | None]
    de_population_source: list[str | None]
    de_land: IntArray
    de_kreis: IntArray
    de_bezirk: IntArray  # the Bavarian Bezirk's unit, or -1
    de_body: IntArray  # one index per body: a city-state's Land points at its Stadt
    de_region: IntArray
    lands: Vocabulary
    kreise: Vocabulary
    de_region_keys: IntArray  # region -> (land, bezirk, kreis, own unit or -1)
    kreis_unit: IntArray  # Kreis vocabulary index -> the Kreis's own unit (a kreisfreie Stadt's Stadt), or -1
    land_unit: IntArray  # Land vocabulary index -> the Land's own unit, or -1

    p_ids: list[str]
    p_de: IntArray
    p_entity: IntArray  # de index, or a unique number >= len(de_codes) for an unresolved German side
    p_de_level: list[str | None]
    p_land: IntArray
    p_kreis: IntArray
    p_ua: IntArray
    p_ua_level: list[str | None]
    p_oblast: IntArray
    p_raion: IntArray
    p_start_year: F64
    p_status: list[str]
    p_kind: list[str | None]
    p_source: list[str | None]

    categories: list[str]
    category_labels: dict[str, tuple[str, str]]  # code -> (German, English)
    need_weights: sparse.csr_array | None  # Ukrainian units x categories
    offers: sparse.csr_array | None  # German units x categories
    third_keys: list[str]
    third_names: list[tuple[str, str]]  # (town, country) per key
    de_third: sparse.csr_array  # German units x partner keys
    ua_third: sparse.csr_array  # Ukrainian units x partner keys
    ua_third_by_key: sparse.csr_array  # partner keys x Ukrainian units (ua_third transposed, for one subject)
    de_third_by_key: sparse.csr_array  # partner keys x German units
    masks: dict[tuple[str, frozenset[str]], NDArray[np.bool_]] = field(default_factory=dict, repr=False)

    def level_mask(self, side: str, levels: frozenset[str]) -> NDArray[np.bool_]:
        """Tell which units of a side ("de" or "ua") have one of `levels`; computed once per set."""
        key = (side, levels)
        if (mask := self.masks.get(key)) is None:
            values = self.de_levels if side == "de" else self.ua_levels
            mask = self.masks[key] = np.array([v in levels for v in values.tolist()], dtype=bool)
        return mask


def _indicator(
    rows: list[int], cols: list[int], values: list[float], shape: tuple[int, int]
) -> sparse.csr_array:
    matrix = sparse.coo_array(
        (np.asarray(values, np.float32), (np.asarray(rows, dtype=np.intp), np.asarray(cols, dtype=np.intp))),
        shape=shape,
    )
    csr = sparse.csr_array(matrix)
    csr.sum_duplicates()
    return csr


def oblast_ranks(levels: NDArray[np.object_], oblast: IntArray, population: F64) -> IntArray:
    """Rank each unit by population within its oblast among the units of its kind (1 = largest; 0 unknown).

    Hromadas and cities rank among the municipal units of the oblast, raions among its raions; an
    oblast ranks 1 (it is compared with oblasts only); no population or no oblast ranks 0.
    """
    kinds = np.where(levels == "raion", 1, np.where(levels == "oblast", 2, 0))
    frame = pd.DataFrame({"kind": kinds, "oblast": oblast, "population": population})
    known = (frame["population"] > 0) & (frame["oblast"] >= 0) & (frame["kind"] < 2)
    ranks = np.zeros(len(frame), dtype=np.intp)
    grouped = frame[known].groupby(["kind", "oblast"])["population"]
    ranks[known.to_numpy()] = grouped.rank(ascending=False, method="min").to_numpy(dtype=np.intp)
    ranks[kinds == 2] = 1
    return ranks


def _units(vocabulary: Vocabulary, index: dict[str, int], suffix: str = "") -> IntArray:
    """Map each vocabulary code to its own unit; `suffix` finds a kreisfreie Stadt by its Kreis key."""
    return np.array(
        [index.get(code, index.get(code + suffix, -1) if suffix else -1) for code in vocabulary.codes],
        dtype=np.intp,
    )


def build_features(data: MatchingInput) -> Features:
    """Derive the arrays of `Features` from the frames of `data`."""
    h, g, p = data.hromadas, data.germans, data.partnerships
    oblasts, raions, lands, kreise = Vocabulary(), Vocabulary(), Vocabulary(), Vocabulary()

    ua_codes = [str(c) for c in h["code"].tolist()]
    ua_index = {code: i for i, code in enumerate(ua_codes)}
    ua_names = [n or c for n, c in zip(texts(h["name"]), ua_codes, strict=True)]
    ua_names_de = [de or n for de, n in zip(optional_texts(h, "name_de"), ua_names, strict=True)]
    ua = ukrainian_units(h, oblasts, raions, ua_names, data.listings)

    de_codes = [str(c) for c in g["code"].tolist()]
    de_index = {code: i for i, code in enumerate(de_codes)}
    de_levels = np.array(texts(g["level"]), dtype=object)
    de_names = [n or c for n, c in zip(texts(g["name"]), de_codes, strict=True)]
    land_codes = [
        code if level == "land" else lc
        for code, level, lc in zip(de_codes, de_levels, texts(g["land_code"]), strict=True)
    ]
    land_names = [
        name if level == "land" else ln
        for name, level, ln in zip(de_names, de_levels, texts(g["land_name"]), strict=True)
    ]
    de_land = np.array([lands.add(c, n) for c, n in zip(land_codes, land_names, strict=True)], np.intp)
    kreis_codes = [
        kc or (code if level == "kreis" else None)
        for kc, code, level in zip(texts(g["kreis_code"]), de_codes, de_levels, strict=True)
    ]
    kreis_names = [
        kn or (name if level == "kreis" else None)
        for kn, name, level in zip(texts(g["kreis_name"]), de_names, de_levels, strict=True)
    ]
    de_kreis = np.array([kreise.add(c, n) for c, n in zip(kreis_codes, kreis_names, strict=True)], np.intp)
    bezirk_by_name = {
        name.removeprefix("Bezirk ").strip(): i
        for i, (name, level) in enumerate(zip(de_names, de_levels, strict=True))
        if level == "bezirk"
    }
    de_bezirk = np.array(
        [
            i
            if level == "bezirk"
            else bezirk_by_name.get(BAVARIAN_BEZIRKE.get(code[2:3], ""), -1)
            if code[:2] == "09" and code[:5].isdigit() and level not in ("land", "bezirk")
            else -1
            for i, (code, level) in enumerate(zip(de_codes, de_levels, strict=True))
        ],
        np.intp,
    )
    de_body = np.arange(len(de_codes), dtype=np.intp)
    for land, city in CITY_STATES.items():
        if land in de_index and city in de_index:
            de_body[de_index[land]] = de_index[city]

    # Partnerships: prefer the candidates' own frames for the hierarchy so that ties and candidates agree.
    p_de = np.array([de_index.get(c, -1) if c else -1 for c in texts(p["de_code"])], np.intp)
    p_ua = np.array([ua_index.get(c, -1) if c else -1 for c in texts(p["ua_code"])], np.intp)
    p_de_level = texts(p["de_level"])
    p_ua_level = texts(p["ua_level"])
    p_land = np.array(
        [de_land[d] if d >= 0 else lands.add(c) for d, c in zip(p_de, texts(p["de_land_code"]), strict=True)],
        np.intp,
    )
    p_kreis = np.array(
        [
            de_kreis[d] if d >= 0 else kreise.add(c or (code if level == "kreis" else None))
            for d, c, code, level in zip(
                p_de, texts(p["de_kreis_code"]), texts(p["de_code"]), p_de_level, strict=True
            )
        ],
        np.intp,
    )
    p_oblast = np.array(
        [
            ua.oblast[u] if u >= 0 else oblasts.add(c or (code if level == "oblast" else None))
            for u, c, code, level in zip(
                p_ua, texts(p["ua_oblast_code"]), texts(p["ua_code"]), p_ua_level, strict=True
            )
        ],
        np.intp,
    )
    p_raion = np.array(
        [
            ua.raion[u] if u >= 0 else raions.add(c or (code if level == "raion" else None))
            for u, c, code, level in zip(
                p_ua, texts(p["ua_raion_code"]), texts(p["ua_code"]), p_ua_level, strict=True
            )
        ],
        np.intp,
    )
    p_entity = np.where(p_de >= 0, p_de, len(de_codes) + np.arange(len(p_de), dtype=np.intp))
    # Missing statuses are read as active: the register lists a tie unless told otherwise.
    p_status = [s or "active" for s in texts(p["status"])]

    own = np.full(len(de_codes), -1, dtype=np.intp)
    own[p_de[p_de >= 0]] = p_de[p_de >= 0]
    de_region, de_region_keys = _regions(
        zip(de_land.tolist(), de_bezirk.tolist(), de_kreis.tolist(), own.tolist(), strict=True)
    )
    ua_region, ua_region_keys = _regions(zip(ua.oblast.tolist(), ua.raion.tolist(), strict=True))

    categories = Vocabulary()
    need_rows, need_cols, need_values = [], [], []
    for code, category, priority in zip(
        texts(data.needs["ua_code"]),
        texts(data.needs["category"]),
        numbers(data.needs["priority"]).tolist(),
        strict=True,
    ):
        if code in ua_index and category:
            need_rows.append(ua_index[code])
            need_cols.append(categories.add(category))
            need_values.append(criteria.PRIORITY_WEIGHT[int(priority)])
    offer_rows, offer_cols = [], []
    for code, category in zip(texts(data.offers["de_code"]), texts(data.offers["category"]), strict=True):
        if code in de_index and category:
            offer_rows.append(de_index[code])
            offer_cols.append(categories.add(category))
    n_cat = len(categories)
    need_weights = offers = None
    if need_rows and offer_rows:
        # A category declared twice keeps its highest priority (max, not sum, of the weights).
        frame = pd.DataFrame({"r": need_rows, "c": need_cols, "v": need_values}).groupby(["r", "c"]).max()
        idx = frame.index.to_frame()
        need_weights = _indicator(
            idx["r"].tolist(), idx["c"].tolist(), frame["v"].tolist(), (len(ua_codes), n_cat)
        )
        offers = _indicator(offer_rows, offer_cols, [1.0] * len(offer_rows), (len(de_codes), n_cat))
        offers.data[:] = 1.0

    keys = Vocabulary()
    third = data.third_partners
    de_t: tuple[list[int], list[int]] = ([], [])
    ua_t: tuple[list[int], list[int]] = ([], [])
    for code, key, town, country in zip(
        texts(third["municipality_code"]),
        texts(third["partner_key"]),
        optional_texts(third, "partner_name"),
        optional_texts(third, "partner_country"),
        strict=True,
    ):
        if not code or not key:
            continue
        target = de_t if code in de_index else ua_t if code in ua_index else None
        if target is not None:
            target[0].append(de_index[code] if target is de_t else ua_index[code])
            target[1].append(keys.add(key, town or key, country or ""))
    de_third = _indicator(de_t[0], de_t[1], [1.0] * len(de_t[0]), (len(de_codes), len(keys)))
    ua_third = _indicator(ua_t[0], ua_t[1], [1.0] * len(ua_t[0]), (len(ua_codes), len(keys)))
    de_third.data[:] = 1.0
    ua_third.data[:] = 1.0

    vocabulary = data.vocabulary
    labels = {
        str(code): (str(de or code), str(en or code))
        for code, de, en in zip(
            vocabulary["code"], texts(vocabulary["label_de"]), texts(vocabulary["label_en"]), strict=True
        )
    }

    def latest_date(frame: pd.DataFrame, column: str) -> str | None:
        if column not in frame.columns:
            return None
        values = frame[column].dropna()
        return None if values.empty else str(max(values.astype(str)))

    de_population = numbers(g["population"])
    ua_oblast_rank = oblast_ranks(ua.levels, ua.oblast, ua.population)
    return Features(
        ua_codes=ua_codes,
        ua_index=ua_index,
        ua_levels=ua.levels,
        ua_names=ua_names,
        ua_names_de=ua_names_de,
        ua_names_uk=texts(h["name_uk"]),
        ua_population=ua.population,
        ua_log_population=criteria.log_population(ua.population),
        ua_population_date=optional_texts(h, "population_date"),
        ua_population_source=optional_texts(h, "population_source"),
        ua_oblast=ua.oblast,
        ua_raion=ua.raion,
        ua_region=ua_region,
        ua_status=ua.status,
        ua_occupied=ua.occupied,
        ua_centre_occupied=ua.centre_occupied,
        ua_listing=ua.listing,
        ua_listing_since=ua.listing_since,
        ua_ever_occupied=ua.ever,
        ua_distance_km=ua.distance,
        ua_idp=ua.idp,
        ua_reconstruction=criteria.reconstruction_need(
            np.array(ua.status, dtype=object), ua.ever, ua.distance
        ),
        ua_idp_need=criteria.idp_need(ua.idp, ua.population),
        ua_distance_score=criteria.distance_from_front(ua.distance),
        ua_urban=np.where(
            np.isin(ua.levels, ["raion", "oblast"]),
            np.float32(criteria.REGIONAL_TYPE),
            criteria.urban(np.array(optional_texts(h, "subtype"), dtype=object)),
        ).astype(np.float32),
        ua_types=optional_texts(h, "subtype"),
        ua_oblast_rank=ua_oblast_rank,
        ua_prominence=criteria.prominence(ua_oblast_rank),
        ua_war_status_date=latest_date(h, "war_status_date"),
        ua_idp_date=latest_date(h, "idp_date"),
        listing_date=latest_date(h, "war_status_date"),
        oblasts=oblasts,
        raions=raions,
        ua_region_keys=ua_region_keys,
        oblast_unit=_units(oblasts, ua_index),
        raion_unit=_units(raions, ua_index),
        de_codes=de_codes,
        de_index=de_index,
        de_names=de_names,
        de_levels=de_levels,
        de_population=de_population,
        de_log_population=criteria.log_population(de_population),
        de_population_date=optional_texts(g, "population_date"),
        de_population_source=optional_texts(g, "population_source"),
        de_land=de_land,
        de_kreis=de_kreis,
        de_bezirk=de_bezirk,
        de_body=de_body,
        de_region=de_region,
        lands=lands,
        kreise=kreise,
        de_region_keys=de_region_keys,
        kreis_unit=_units(kreise, de_index, "000"),
        land_unit=_units(lands, de_index),
        p_ids=[str(v) for v in p["id"].tolist()],
        p_de=p_de,
        p_entity=p_entity,
        p_de_level=p_de_level,
        p_land=p_land,
        p_kreis=p_kreis,
        p_ua=p_ua,
        p_ua_level=p_ua_level,
        p_oblast=p_oblast,
        p_raion=p_raion,
        p_start_year=numbers(p["start_year"]),
        p_status=p_status,
        p_kind=texts(p["kind"]),
        p_source=optional_texts(p, "source"),
        categories=categories.codes,
        category_labels=labels,
        need_weights=need_weights,
        offers=offers,
        third_keys=keys.codes,
        third_names=list(zip(keys.names, keys.names_de, strict=True)),
        de_third=de_third,
        ua_third=ua_third,
        ua_third_by_key=sparse.csr_array(ua_third.T),
        de_third_by_key=sparse.csr_array(de_third.T),
    )
