"""The frames' columns read, code vocabularies, and the Ukrainian units: hierarchy, aggregates, war."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

IntArray = NDArray[np.intp]
F64 = NDArray[np.float64]

# The official list's sections, most severe first; "occupied" is the fourth.
LISTING_OCCUPIED: Final = "4_temporarily_occupied"


def text(value: object) -> str | None:
    return None if value is None or pd.isna(value) else str(value)  # type: ignore[call-overload]


def texts(series: pd.Series) -> list[str | None]:
    return [text(v) for v in series.tolist()]


def optional_texts(frame: pd.DataFrame, column: str) -> list[str | None]:
    """Read an optional column of the contract; None throughout when the frame lacks it."""
    return texts(frame[column]) if column in frame.columns else [None] * len(frame)


def numbers(series: pd.Series) -> F64:
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def flags(frame: pd.DataFrame, column: str) -> NDArray[np.bool_]:
    if column not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    return np.array([v is True or v == 1 for v in frame[column].tolist()], dtype=bool)  # None: no


class Vocabulary:
    """Codes to dense indexes, with a display, a German and a Ukrainian name per code."""

    def __init__(self) -> None:
        """Start empty."""
        self.codes: list[str] = []
        self.names: list[str] = []
        self.names_de: list[str] = []  # the display name where no German one is known
        self.names_uk: list[str] = []  # the display name where no Ukrainian one is known
        self._index: dict[str, int] = {}

    def add(
        self,
        code: str | None,
        name: str | None = None,
        name_de: str | None = None,
        name_uk: str | None = None,
    ) -> int:
        """Return the index of `code`, adding it; None gives -1; a code added nameless gets names later."""
        if code is None:
            return -1
        if (found := self._index.get(code)) is not None:
            if name and self.names[found] == code:
                self.names[found] = name
            if (name_de or name) and self.names_de[found] == code:
                self.names_de[found] = name_de or name or code
            if (name_uk or name) and self.names_uk[found] == code:
                self.names_uk[found] = name_uk or name or code
            return found
        self._index[code] = len(self.codes)
        self.codes.append(code)
        self.names.append(name or code)
        self.names_de.append(name_de or name or code)
        self.names_uk.append(name_uk or name or code)
        return self._index[code]

    def get(self, code: str | None) -> int:
        """Return the index of `code`, or -1."""
        return -1 if code is None else self._index.get(code, -1)

    def __len__(self) -> int:
        """Return the number of codes."""
        return len(self.codes)


def _aggregate(values: F64, weights: F64, groups: IntArray, n: int) -> F64:
    """Average `values` per group weighted by `weights` (population); NaN where a group has none."""
    ok = ~np.isnan(values) & ~np.isnan(weights) & (groups >= 0)
    total = np.bincount(groups[ok], weights=weights[ok] * values[ok], minlength=n)
    mass = np.bincount(groups[ok], weights=weights[ok], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(mass > 0, total / np.where(mass > 0, mass, 1.0), np.nan)


@dataclass(frozen=True)
class UkrainianUnits:
    levels: NDArray[np.object_]
    oblast: IntArray
    raion: IntArray
    occupied: NDArray[np.bool_]
    centre_occupied: NDArray[np.bool_]
    ever: NDArray[np.bool_]
    distance: F64
    idp: F64
    population: F64
    status: list[str | None]
    listing: list[str | None]
    listing_since: list[str | None]


# The list's sections by severity; an occupied part of a hromada that leaves its centre free is what the
# roll-up calls "partly occupied", not a caution of its own.
SECTION_ORDER: Final = (
    LISTING_OCCUPIED,
    "3_active_hostilities_with_state_e_resources",
    "2_active_hostilities",
    "1_possible_hostilities",
)


def current_listings(listings: pd.DataFrame) -> dict[str, tuple[bool, str | None, str | None]]:
    """Per hromada: (centre occupied now, the current section, since when) from the list's ongoing periods.

    The section is the most severe ongoing one covering the centre, else the most severe ongoing one
    of any part except occupation (an occupied village with a free centre is "partly occupied").
    """
    found: dict[str, tuple[bool, str | None, str | None]] = {}
    rows: dict[str, list[tuple[str, str | None, bool]]] = {}
    for code, section, start, end, covers in zip(
        texts(listings["ua_code"]),
        texts(listings["section"]),
        texts(listings["start_date"]),
        texts(listings["end_date"]),
        listings["covers_centre"].tolist(),
        strict=True,
    ):
        if code and section and end is None:
            rows.setdefault(code, []).append((section, start, bool(covers)))
    for code, ongoing in rows.items():
        centre = [(s, d) for s, d, c in ongoing if c]
        parts = [(s, d) for s, d, c in ongoing if not c and s != LISTING_OCCUPIED]
        pick = centre or parts
        best = (
            min(
                pick,
                key=lambda sd: (SECTION_ORDER.index(sd[0]) if sd[0] in SECTION_ORDER else 9, sd[1] or ""),
            )
            if pick
            else None
        )
        found[code] = (
            any(s == LISTING_OCCUPIED for s, _ in centre),
            best[0] if best else None,
            best[1] if best else None,
        )
    return found


def ukrainian_units(
    h: pd.DataFrame, oblasts: Vocabulary, raions: Vocabulary, names: list[str], listings: pd.DataFrame
) -> UkrainianUnits:
    codes = [str(c) for c in h["code"].tolist()]
    levels = np.array(texts(h["level"]), dtype=object)
    special = levels == "city_special_status"  # a special city is its own region
    # A raion or an oblast carries its own code and bare names in the raion/oblast columns too; a special
    # city (Kyiv, Sevastopol) is its own region, named like itself.
    oblast_codes = [
        code if s else (code if lvl == "oblast" else oc)
        for code, lvl, s, oc in zip(codes, levels, special, texts(h["oblast_code"]), strict=True)
    ]
    de_names = optional_texts(h, "name_de")
    uk_names = optional_texts(h, "name_uk")
    oblast = np.array(
        [
            oblasts.add(c, n if s else on, de if s else od, uk if s else ou)
            for c, s, n, de, uk, on, od, ou in zip(
                oblast_codes,
                special,
                names,
                de_names,
                uk_names,
                texts(h["oblast_name"]),
                optional_texts(h, "oblast_name_de"),
                optional_texts(h, "oblast_name_uk"),
                strict=True,
            )
        ],
        np.intp,
    )
    raion_codes = [
        code if lvl == "raion" else rc
        for code, lvl, rc in zip(codes, levels, texts(h["raion_code"]), strict=True)
    ]
    raion = np.array(
        [
            raions.add(c, n, de, uk)
            for c, n, de, uk in zip(
                raion_codes,
                texts(h["raion_name"]),
                optional_texts(h, "raion_name_de"),
                optional_texts(h, "raion_name_uk"),
                strict=True,
            )
        ],
        np.intp,
    )
    status = texts(h["war_status"])
    listed = current_listings(listings)
    now = [listed.get(code, (False, None, None)) for code in codes]
    centre_occupied = np.array([c for c, _, _ in now], dtype=bool)
    occupied = np.array([s == "occupied" for s in status], dtype=bool) | centre_occupied
    population = numbers(h["population"])
    distance = numbers(h["distance_to_russia_km"]).copy()  # filled in below for raions and oblasts
    idp = numbers(h["idp_registered"]).copy()
    ever = flags(h, "ever_occupied")
    # A raion or an oblast: its hromadas' figures, population-weighted; occupied when all of them are.
    municipal = levels == "hromada"
    for level, groups, n in (("raion", raion, len(raions)), ("oblast", oblast, len(oblasts))):
        own = np.flatnonzero(levels == level)
        if not own.size:
            continue
        g = np.where(municipal, groups, -1)
        members = np.bincount(g[g >= 0], minlength=n)
        held = np.bincount(g[(g >= 0) & occupied], minlength=n)
        weights = np.where(np.isnan(population), 0.0, population)
        mean_distance = _aggregate(distance, weights, g, n)
        idp_sum = np.bincount(
            g[(g >= 0) & ~np.isnan(idp)], weights=idp[(g >= 0) & ~np.isnan(idp)], minlength=n
        )
        ever_any = np.bincount(g[(g >= 0) & ever], minlength=n) > 0
        k = groups[own]
        occupied[own] = (members[k] > 0) & (held[k] == members[k])
        distance[own] = np.where(np.isnan(distance[own]), mean_distance[k], distance[own])
        idp[own] = np.where(np.isnan(idp[own]), idp_sum[k], idp[own])
        ever[own] |= ever_any[k]
    return UkrainianUnits(
        levels,
        oblast,
        raion,
        occupied,
        centre_occupied,
        ever,
        distance,
        idp,
        population,
        status,
        [s for _, s, _ in now],
        [d for _, _, d in now],
    )
