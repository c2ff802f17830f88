"""Numeric arrays derived once from a `MatchingInput`: indexes, log populations, needs, regions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import sparse

from registry.matching import criteria
from registry.matching.frames import HROMADA_GERMAN_COLUMNS

if TYPE_CHECKING:
    from collections.abc import Iterable

    from registry.matching.frames import MatchingInput

IntArray = NDArray[np.intp]
F32 = NDArray[np.float32]
F64 = NDArray[np.float64]

# German levels whose partnerships count as those of "neighbouring municipalities".
MUNICIPAL_PARTNER_LEVELS: Final = frozenset({"gemeinde", "stadt", "gemeindeverband", "stadtbezirk"})


def _text(value: object) -> str | None:
    return None if value is None or pd.isna(value) else str(value)  # type: ignore[call-overload]


def _texts(series: pd.Series) -> list[str | None]:
    return [_text(v) for v in series.tolist()]


def _optional_texts(frame: pd.DataFrame, column: str) -> list[str | None]:
    """Read an optional column of the contract; None throughout when the frame lacks it."""
    return _texts(frame[column]) if column in frame.columns else [None] * len(frame)


def _numbers(series: pd.Series) -> F64:
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


class Vocabulary:
    """Codes to dense indexes, with a display name and a German name per code."""

    def __init__(self) -> None:
        """Start empty."""
        self.codes: list[str] = []
        self.names: list[str] = []
        self.names_de: list[str] = []  # the display name where no German one is known
        self._index: dict[str, int] = {}

    def add(self, code: str | None, name: str | None = None, name_de: str | None = None) -> int:
        """Return the index of `code`, adding it; None gives -1; a code added nameless gets names later."""
        if code is None:
            return -1
        if (found := self._index.get(code)) is not None:
            if name and self.names[found] == code:
                self.names[found] = name
            if (name_de or name) and self.names_de[found] == code:
                self.names_de[found] = name_de or name or code
            return found
        self._index[code] = len(self.codes)
        self.codes.append(code)
        self.names.append(name or code)
        self.names_de.append(name_de or name or code)
        return self._index[code]

    def get(self, code: str | None) -> int:
        """Return the index of `code`, or -1."""
        return -1 if code is None else self._index.get(code, -1)

    def __len__(self) -> int:
        """Return the number of codes."""
        return len(self.codes)


def _regions(keys: Iterable[tuple[int, ...]]) -> tuple[IntArray, IntArray]:
    """Group rows by key: (row -> region index, region -> key columns)."""
    table = np.array(list(keys), dtype=np.intp)
    unique, inverse = np.unique(table, axis=0, return_inverse=True)
    return inverse.reshape(-1).astype(np.intp), unique.astype(np.intp)


@dataclass(frozen=True, eq=False)
class Features:
    """Arrays over hromadas (`ua_*`), German entities (`de_*`) and partnerships (`p_*`).

    Regions group entities that share every tie criterion: a Ukrainian region is an (oblast, raion)
    pair, a German region a (Land, Kreis) pair; a German entity with partnerships of its own gets a
    region of its own, because its own partnerships must not count as its neighbours'.
    """

    ua_codes: list[str]
    ua_index: dict[str, int]
    ua_names: list[str]
    ua_names_de: list[str]  # German names, else the display names
    ua_names_uk: list[str | None]
    ua_population: F64
    ua_log_population: F64
    ua_oblast: IntArray
    ua_raion: IntArray
    ua_region: IntArray
    ua_status: list[str | None]
    ua_occupied: NDArray[np.bool_]
    ua_ever_occupied: NDArray[np.bool_]
    ua_distance_km: F64
    ua_idp: F64
    ua_reconstruction: F32
    ua_idp_need: F32
    ua_war_status_date: str | None
    ua_idp_date: str | None
    oblasts: Vocabulary
    raions: Vocabulary
    ua_region_keys: IntArray  # region -> (oblast, raion)

    de_codes: list[str]
    de_index: dict[str, int]
    de_names: list[str]
    de_levels: NDArray[np.object_]
    de_population: F64
    de_log_population: F64
    de_land: IntArray
    de_kreis: IntArray
    de_region: IntArray
    lands: Vocabulary
    kreise: Vocabulary
    de_region_keys: IntArray  # region -> (land, kreis, own entity or -1)

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

    categories: list[str]
    category_labels: dict[str, tuple[str, str]]  # code -> (German, English)
    need_weights: sparse.csr_array | None  # hromadas x categories
    offers: sparse.csr_array | None  # German entities x categories
    third_keys: list[str]
    de_third: sparse.csr_array  # German entities x partner keys
    ua_third: sparse.csr_array  # hromadas x partner keys


def _indicator(
    rows: list[int], cols: list[int], values: list[float], shape: tuple[int, int]
) -> sparse.csr_array:
    matrix = sparse.coo_array(
        (np.asarray(values, np.float32), (np.asarray(rows), np.asarray(cols))), shape=shape
    )
    csr = sparse.csr_array(matrix)
    csr.sum_duplicates()
    return csr


def build_features(data: MatchingInput) -> Features:
    """Derive the arrays of `Features` from the frames of `data`."""
    h, g, p = data.hromadas, data.germans, data.partnerships
    oblasts, raions, lands, kreise = Vocabulary(), Vocabulary(), Vocabulary(), Vocabulary()

    ua_codes = [str(c) for c in h["code"].tolist()]
    ua_index = {code: i for i, code in enumerate(ua_codes)}
    ua_levels = _texts(h["level"])
    ua_names = [n or c for n, c in zip(_texts(h["name"]), ua_codes, strict=True)]
    german = {column: _optional_texts(h, column) for column in HROMADA_GERMAN_COLUMNS}  # else English
    ua_names_de = [de or n for de, n in zip(german["name_de"], ua_names, strict=True)]
    special = [level == "city_special_status" for level in ua_levels]  # a special city is its own region

    def own_region(region_names: list[str | None], names: list[str]) -> list[str | None]:
        return [r or (n if s else None) for r, n, s in zip(region_names, names, special, strict=True)]

    ua_oblast_codes = own_region(_texts(h["oblast_code"]), ua_codes)
    ua_oblast_names = own_region(_texts(h["oblast_name"]), ua_names)
    ua_oblast_names_de = [
        de or en
        for de, en in zip(own_region(german["oblast_name_de"], ua_names_de), ua_oblast_names, strict=True)
    ]
    ua_oblast = np.array(
        [
            oblasts.add(c, n, de)
            for c, n, de in zip(ua_oblast_codes, ua_oblast_names, ua_oblast_names_de, strict=True)
        ],
        np.intp,
    )
    raion_names = _texts(h["raion_name"])
    raion_names_de = [de or en for de, en in zip(german["raion_name_de"], raion_names, strict=True)]
    ua_raion = np.array(
        [
            raions.add(c, n, de)
            for c, n, de in zip(_texts(h["raion_code"]), raion_names, raion_names_de, strict=True)
        ],
        np.intp,
    )
    ua_status = _texts(h["war_status"])
    ua_population = _numbers(h["population"])
    ua_ever = np.array([v is True or v == 1 for v in h["ever_occupied"].tolist()], dtype=bool)  # None: no
    ua_distance = _numbers(h["distance_to_russia_km"])
    ua_idp = _numbers(h["idp_registered"])

    de_codes = [str(c) for c in g["code"].tolist()]
    de_index = {code: i for i, code in enumerate(de_codes)}
    de_levels = np.array(_texts(g["level"]), dtype=object)
    de_land = np.array(
        [lands.add(c, n) for c, n in zip(_texts(g["land_code"]), _texts(g["land_name"]), strict=True)],
        np.intp,
    )
    kreis_codes = [
        kc or (code if level == "kreis" else None)
        for kc, code, level in zip(_texts(g["kreis_code"]), de_codes, de_levels, strict=True)
    ]
    kreis_names = [
        kn or (name if level == "kreis" else None)
        for kn, name, level in zip(_texts(g["kreis_name"]), _texts(g["name"]), de_levels, strict=True)
    ]
    de_kreis = np.array([kreise.add(c, n) for c, n in zip(kreis_codes, kreis_names, strict=True)], np.intp)

    # Partnerships: prefer the candidates' own frames for the hierarchy so that ties and candidates agree.
    p_de = np.array([de_index.get(c, -1) if c else -1 for c in _texts(p["de_code"])], np.intp)
    p_ua = np.array([ua_index.get(c, -1) if c else -1 for c in _texts(p["ua_code"])], np.intp)
    p_de_level = _texts(p["de_level"])
    p_ua_level = _texts(p["ua_level"])
    p_land = np.array(
        [
            de_land[d] if d >= 0 else lands.add(c)
            for d, c in zip(p_de, _texts(p["de_land_code"]), strict=True)
        ],
        np.intp,
    )
    p_kreis = np.array(
        [
            de_kreis[d] if d >= 0 else kreise.add(c or (code if level == "kreis" else None))
            for d, c, code, level in zip(
                p_de, _texts(p["de_kreis_code"]), _texts(p["de_code"]), p_de_level, strict=True
            )
        ],
        np.intp,
    )
    p_oblast = np.array(
        [
            ua_oblast[u] if u >= 0 else oblasts.add(c or (code if level == "oblast" else None))
            for u, c, code, level in zip(
                p_ua, _texts(p["ua_oblast_code"]), _texts(p["ua_code"]), p_ua_level, strict=True
            )
        ],
        np.intp,
    )
    p_raion = np.array(
        [
            ua_raion[u] if u >= 0 else raions.add(c or (code if level == "raion" else None))
            for u, c, code, level in zip(
                p_ua, _texts(p["ua_raion_code"]), _texts(p["ua_code"]), p_ua_level, strict=True
            )
        ],
        np.intp,
    )
    p_entity = np.where(p_de >= 0, p_de, len(de_codes) + np.arange(len(p_de), dtype=np.intp))
    # Missing statuses are read as active: the register lists a tie unless told otherwise.
    p_status = [s or "active" for s in _texts(p["status"])]

    own = np.full(len(de_codes), -1, dtype=np.intp)
    own[p_de[p_de >= 0]] = p_de[p_de >= 0]
    de_region, de_region_keys = _regions(zip(de_land.tolist(), de_kreis.tolist(), own.tolist(), strict=True))
    ua_region, ua_region_keys = _regions(zip(ua_oblast.tolist(), ua_raion.tolist(), strict=True))

    categories = Vocabulary()
    need_rows, need_cols, need_values = [], [], []
    for code, category, priority in zip(
        _texts(data.needs["ua_code"]),
        _texts(data.needs["category"]),
        _numbers(data.needs["priority"]).tolist(),
        strict=True,
    ):
        if code in ua_index and category:
            need_rows.append(ua_index[code])
            need_cols.append(categories.add(category))
            need_values.append(criteria.PRIORITY_WEIGHT[int(priority)])
    offer_rows, offer_cols = [], []
    for code, category in zip(_texts(data.offers["de_code"]), _texts(data.offers["category"]), strict=True):
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
    de_t: tuple[list[int], list[int]] = ([], [])
    ua_t: tuple[list[int], list[int]] = ([], [])
    for code, key in zip(
        _texts(data.third_partners["municipality_code"]),
        _texts(data.third_partners["partner_key"]),
        strict=True,
    ):
        if not code or not key:
            continue
        target = de_t if code in de_index else ua_t if code in ua_index else None
        if target is not None:
            target[0].append(de_index[code] if target is de_t else ua_index[code])
            target[1].append(keys.add(key))
    de_third = _indicator(de_t[0], de_t[1], [1.0] * len(de_t[0]), (len(de_codes), len(keys)))
    ua_third = _indicator(ua_t[0], ua_t[1], [1.0] * len(ua_t[0]), (len(ua_codes), len(keys)))
    de_third.data[:] = 1.0
    ua_third.data[:] = 1.0

    vocabulary = data.vocabulary
    labels = {
        str(code): (str(de or code), str(en or code))
        for code, de, en in zip(
            vocabulary["code"], _texts(vocabulary["label_de"]), _texts(vocabulary["label_en"]), strict=True
        )
    }

    def latest_date(column: str) -> str | None:
        values = h[column].dropna()
        return None if values.empty else str(max(values.astype(str)))

    ua_log = criteria.log_population(ua_population)
    de_population = _numbers(g["population"])
    return Features(
        ua_codes=ua_codes,
        ua_index=ua_index,
        ua_names=ua_names,
        ua_names_de=ua_names_de,
        ua_names_uk=_texts(h["name_uk"]),
        ua_population=ua_population,
        ua_log_population=ua_log,
        ua_oblast=ua_oblast,
        ua_raion=ua_raion,
        ua_region=ua_region,
        ua_status=ua_status,
        ua_occupied=np.array([s == "occupied" for s in ua_status], dtype=bool),
        ua_ever_occupied=ua_ever,
        ua_distance_km=ua_distance,
        ua_idp=ua_idp,
        ua_reconstruction=criteria.reconstruction_need(
            np.array(ua_status, dtype=object), ua_ever, ua_distance
        ),
        ua_idp_need=criteria.idp_need(ua_idp, ua_population),
        ua_war_status_date=latest_date("war_status_date"),
        ua_idp_date=latest_date("idp_date"),
        oblasts=oblasts,
        raions=raions,
        ua_region_keys=ua_region_keys,
        de_codes=de_codes,
        de_index=de_index,
        de_names=[n or c for n, c in zip(_texts(g["name"]), de_codes, strict=True)],
        de_levels=de_levels,
        de_population=de_population,
        de_log_population=criteria.log_population(de_population),
        de_land=de_land,
        de_kreis=de_kreis,
        de_region=de_region,
        lands=lands,
        kreise=kreise,
        de_region_keys=de_region_keys,
        p_de=p_de,
        p_entity=p_entity,
        p_de_level=p_de_level,
        p_land=p_land,
        p_kreis=p_kreis,
        p_ua=p_ua,
        p_ua_level=p_ua_level,
        p_oblast=p_oblast,
        p_raion=p_raion,
        p_start_year=_numbers(p["start_year"]),
        p_status=p_status,
        categories=categories.codes,
        category_labels=labels,
        need_weights=need_weights,
        offers=offers,
        third_keys=keys.codes,
        de_third=de_third,
        ua_third=ua_third,
    )
