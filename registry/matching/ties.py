"""Existing partnerships as of a date: tie tables by region, partner counts, and the pairs already linked.

"Already linked" covers every level (rules with tests in tests/unit/test_matching_rules.py): a pair
is linked when a partnership joins the German unit itself (a city-state's Land and Stadt are one
body) with the Ukrainian unit, its raion or oblast, or a hromada or raion inside it ("a hromada and
its raion/oblast where the partnership is regional"); or when a partnership joins the Ukrainian unit
with a unit above the German one (its Kreis, Bavarian Bezirk, Land) or below it (a Gemeinde of the
Kreis): "a Kreis and its Gemeinden".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np
from numpy.typing import NDArray

from registry.matching import criteria
from registry.matching.features import MUNICIPAL_PARTNER_LEVELS, Features
from registry.matching.options import existed_before

if TYPE_CHECKING:
    import datetime as dt

    from registry.matching.features import IntArray

F32 = NDArray[np.float32]

# Pairs never suggested again: every pair in contact, including open requests; an ended one is free.
EXCLUDING_STATUSES: Final = frozenset({"active", "in_preparation", "paused", "requested"})
UA_PARTNER_LEVELS: Final = frozenset({"hromada", "city_special_status"})
REGIONAL_DE_LEVELS: Final = frozenset({"land", "bezirk"})


@dataclass(frozen=True, eq=False)
class Ties:
    """Tie figures per (German region, Ukrainian region), per unit and per pair, as of a date."""

    as_of: dt.date | None
    weight: F32  # per partnership: its status weight if it existed then, else 0
    land_oblast: F32  # Land or Bavarian Bezirk tie with the oblast (status-weighted)
    kreis_in_raion: F32
    kreis_in_oblast: F32
    neighbours_in_raion: F32
    neighbours_in_oblast: F32
    land_neighbours: F32  # other towns of the same Land with partners in the oblast (status-weighted)
    german_partners: NDArray[np.int32]  # per Ukrainian unit: German units partnered (a raion's: inside it)
    oblast_partnerships: NDArray[np.int32]  # per oblast (vocabulary index): partnerships of any level
    linked_de: IntArray  # pairs (German unit, Ukrainian unit) already linked at some level
    linked_ua: IntArray
    linked_by: IntArray  # the partnership that links each pair
    de_with_partner: NDArray[np.bool_]  # per German unit: has a tie with a Ukrainian hromada or city

    def criteria_tables(self) -> dict[str, F32]:
        """Score the region-level tie criteria (German regions x Ukrainian regions)."""
        return {
            "land_oblast": self.land_oblast,
            "kreis_raion": criteria.kreis_raion_tie(self.kreis_in_raion, self.kreis_in_oblast),
            "neighbours": criteria.neighbour_ties(self.neighbours_in_raion, self.neighbours_in_oblast),
            "land_neighbours": criteria.popularity(self.land_neighbours, criteria.LAND_NEIGHBOURS_FULL),
        }

    def saturation(self) -> F32:
        """Score the saturation criterion per Ukrainian unit."""
        return criteria.saturation(self.german_partners)


def _max_table(shape: tuple[int, int], rows: IntArray, cols: IntArray, values: F32) -> F32:
    """A table (padded by one row and column, which index -1 reads) of the largest value per cell."""
    table = np.zeros((shape[0] + 1, shape[1] + 1), dtype=np.float32)
    np.maximum.at(table, (rows, cols), values)
    return table


def _distinct_max(
    keys: list[tuple[int, ...]], values: list[float]
) -> tuple[list[tuple[int, ...]], list[float]]:
    best: dict[tuple[int, ...], float] = {}
    for key, value in zip(keys, values, strict=True):
        best[key] = max(value, best.get(key, 0.0))
    return list(best), list(best.values())


def _up_de(f: Features) -> IntArray:
    """German units x 3: the unit's Kreis, Bezirk and Land (its own unit where it is one; -1 none)."""
    kreis = np.where(f.de_kreis >= 0, f.kreis_unit[np.maximum(f.de_kreis, 0)], -1)
    land = np.where(f.de_land >= 0, f.land_unit[np.maximum(f.de_land, 0)], -1)
    up = np.stack([kreis, f.de_bezirk, land], axis=1)
    up[up == np.arange(len(f.de_codes))[:, None]] = -1
    return up


def _up_ua(f: Features) -> IntArray:
    """Ukrainian units x 2: the unit's raion and oblast units (-1 none or itself)."""
    raion = np.where(f.ua_raion >= 0, f.raion_unit[np.maximum(f.ua_raion, 0)], -1)
    oblast = np.where(f.ua_oblast >= 0, f.oblast_unit[np.maximum(f.ua_oblast, 0)], -1)
    up = np.stack([raion, oblast], axis=1)
    up[up == np.arange(len(f.ua_codes))[:, None]] = -1
    return up


def linked_pairs(f: Features, partnerships: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Expand partnerships into every (German unit, Ukrainian unit) pair they link (module docstring)."""
    up_de, up_ua = _up_de(f), _up_ua(f)
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    by: list[IntArray] = []

    def add(de: IntArray, ua: IntArray, k: int) -> None:
        if de.size and ua.size:
            grid_de, grid_ua = np.meshgrid(de, ua, indexing="ij")
            rows.append(grid_de.ravel())
            cols.append(grid_ua.ravel())
            by.append(np.full(grid_de.size, k, dtype=np.intp))

    for k in partnerships.tolist():
        d, u = int(f.p_de[k]), int(f.p_ua[k])
        same_body = np.flatnonzero(f.de_body == f.de_body[d])
        around_u = np.concatenate(([u], up_ua[u][up_ua[u] >= 0], np.flatnonzero((up_ua == u).any(axis=1))))
        add(same_body, around_u, k)
        around_d = np.concatenate(
            (up_de[same_body].ravel(), np.flatnonzero(np.isin(up_de, same_body).any(axis=1)))
        )
        add(np.unique(around_d[around_d >= 0]), np.array([u]), k)
    if not rows:
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty, empty
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(by)


def build_ties(f: Features, as_of: dt.date | None) -> Ties:
    """Count the partnerships that existed before `as_of` (all if None), see `options.existed_before`."""
    existing = existed_before(f.p_start_year, as_of)
    weight = np.array([criteria.STATUS_TIE.get(s, 0.0) for s in f.p_status], dtype=np.float32) * existing
    de_level = np.array(f.p_de_level, dtype=object)
    n_land, n_kreis, n_obl, n_raion = len(f.lands), len(f.kreise), len(f.oblasts), len(f.raions)
    dk, uk = f.de_region_keys, f.ua_region_keys
    d_land, d_bezirk, d_kreis, d_own = dk[:, 0], dk[:, 1], dk[:, 2], dk[:, 3]
    u_obl, u_raion = uk[:, 0], uk[:, 1]
    counted = weight > 0

    land = counted & (de_level == "land") & (f.p_land >= 0) & (f.p_oblast >= 0)
    lo = _max_table((n_land, n_obl), f.p_land[land], f.p_oblast[land], weight[land])
    bezirk = counted & (de_level == "bezirk") & (f.p_de >= 0) & (f.p_oblast >= 0)
    bo = _max_table((len(f.de_codes), n_obl), f.p_de[bezirk], f.p_oblast[bezirk], weight[bezirk])
    land_oblast = np.maximum(lo[d_land][:, u_obl], bo[d_bezirk][:, u_obl])

    kreis = counted & (de_level == "kreis") & (f.p_kreis >= 0)
    in_raion = kreis & (f.p_raion >= 0)
    kr = _max_table((n_kreis, n_raion), f.p_kreis[in_raion], f.p_raion[in_raion], weight[in_raion])
    in_oblast = kreis & (f.p_oblast >= 0)
    ko = _max_table((n_kreis, n_obl), f.p_kreis[in_oblast], f.p_oblast[in_oblast], weight[in_oblast])

    # Neighbours: distinct municipal units per (Kreis, raion) and (Kreis, oblast), each by its best status.
    municipal = counted & np.isin(de_level, list(MUNICIPAL_PARTNER_LEVELS)) & (f.p_kreis >= 0)
    nr = np.zeros((n_kreis + 1, n_raion + 1), dtype=np.float32)
    no = np.zeros((n_kreis + 1, n_obl + 1), dtype=np.float32)
    # A region of one unit does not count that unit's own partnerships as its neighbours'.
    own_region: dict[int, int] = {int(e): r for r, e in enumerate(d_own.tolist()) if e >= 0}
    nr_own: dict[tuple[int, int], float] = defaultdict(float)
    no_own: dict[tuple[int, int], float] = defaultdict(float)
    for table, own, column in ((nr, nr_own, f.p_raion), (no, no_own, f.p_oblast)):
        sel = np.flatnonzero(municipal & (column >= 0))
        keys, values = _distinct_max(
            [(int(f.p_entity[k]), int(f.p_kreis[k]), int(column[k])) for k in sel],
            [float(weight[k]) for k in sel],
        )
        for (entity, kreis_idx, col), value in zip(keys, values, strict=True):
            table[kreis_idx, col] += value
            if entity in own_region:
                own[(own_region[entity], col)] += value
    # The same across the Land: towns of the whole Land with partners in the oblast.
    nl = np.zeros((n_land + 1, n_obl + 1), dtype=np.float32)
    nl_own: dict[tuple[int, int], float] = defaultdict(float)
    municipal_land = counted & np.isin(de_level, list(MUNICIPAL_PARTNER_LEVELS)) & (f.p_land >= 0)
    sel = np.flatnonzero(municipal_land & (f.p_oblast >= 0))
    keys, values = _distinct_max(
        [(int(f.p_entity[k]), int(f.p_land[k]), int(f.p_oblast[k])) for k in sel],
        [float(weight[k]) for k in sel],
    )
    for (entity, land_idx, col), value in zip(keys, values, strict=True):
        nl[land_idx, col] += value
        if entity in own_region:
            nl_own[(own_region[entity], col)] += value
    nr_region, no_region = nr[d_kreis][:, u_raion], no[d_kreis][:, u_obl]
    nl_region = nl[d_land][:, u_obl]
    for table, own, columns in (
        (nr_region, nr_own, u_raion),
        (no_region, no_own, u_obl),
        (nl_region, nl_own, u_obl),
    ):
        for (region, col), value in own.items():
            table[region, columns == col] -= value

    ua_level = np.array(f.p_ua_level, dtype=object)
    direct = counted & (f.p_ua >= 0) & np.isin(ua_level, list(UA_PARTNER_LEVELS))
    partners = np.zeros(len(f.ua_codes), dtype=np.int32)
    pairs = {(int(f.p_entity[k]), int(f.p_ua[k])) for k in np.flatnonzero(direct)}
    for _, u in pairs:
        partners[u] += 1
    # A raion's or an oblast's count: the partnerships of any level inside it.
    by_oblast = np.bincount(f.p_oblast[counted & (f.p_oblast >= 0)], minlength=n_obl).astype(np.int32)
    by_raion = np.bincount(f.p_raion[counted & (f.p_raion >= 0)], minlength=n_raion).astype(np.int32)
    levels = f.ua_levels
    oblast_units = np.flatnonzero(levels == "oblast")
    raion_units = np.flatnonzero(levels == "raion")
    partners[oblast_units] = by_oblast[f.ua_oblast[oblast_units]]
    partners[raion_units] = by_raion[f.ua_raion[raion_units]]

    excluding = np.array([s in EXCLUDING_STATUSES for s in f.p_status], dtype=bool)
    linking = np.flatnonzero(existing & excluding & (f.p_de >= 0) & (f.p_ua >= 0))
    linked_de, linked_ua, linked_by = linked_pairs(f, linking)
    # A city-state's Stadt and Land are one body: a partner of either is a partner of both.
    body_with_partner = np.zeros(len(f.de_codes), dtype=bool)
    body_with_partner[f.de_body[f.p_de[direct & (f.p_de >= 0)]]] = True
    de_with_partner = body_with_partner[f.de_body]
    return Ties(
        as_of=as_of,
        weight=weight,
        land_oblast=land_oblast,
        kreis_in_raion=kr[d_kreis][:, u_raion],
        kreis_in_oblast=ko[d_kreis][:, u_obl],
        neighbours_in_raion=np.maximum(nr_region, 0.0),
        neighbours_in_oblast=np.maximum(no_region, 0.0),
        land_neighbours=np.maximum(nl_region, 0.0),
        german_partners=partners,
        oblast_partnerships=by_oblast,
        linked_de=linked_de,
        linked_ua=linked_ua,
        linked_by=linked_by,
        de_with_partner=de_with_partner,
    )
