"""Existing partnerships as of a date: tie tables by region, partner counts and pairs to exclude."""

from __future__ import annotations

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

# Ties, saturation: partnerships that live or are being prepared; paused ones (mostly with occupied
# hromadas) still bind both sides. A mere request is no tie yet, an ended one no longer.
TIE_STATUSES: Final = frozenset({"active", "in_preparation", "paused"})
# Pairs never suggested again: every pair already in contact, including open requests.
EXCLUDING_STATUSES: Final = frozenset({"active", "in_preparation", "paused", "requested"})
UA_PARTNER_LEVELS: Final = frozenset({"hromada", "city_special_status"})


def _padded_flags(rows: int, cols: int) -> NDArray[np.bool_]:
    """Allocate a False table with one extra row and column, which index -1 reads."""
    return np.zeros((rows + 1, cols + 1), dtype=np.bool_)


def _padded_counts(rows: int, cols: int) -> NDArray[np.int32]:
    """Allocate a zero table with one extra row and column, which index -1 reads."""
    return np.zeros((rows + 1, cols + 1), dtype=np.int32)


def _distinct(*columns: IntArray) -> tuple[IntArray, ...]:
    if not len(columns[0]):
        return columns
    unique = np.unique(np.stack(columns, axis=1), axis=0)
    return tuple(unique[:, k] for k in range(unique.shape[1]))


@dataclass(frozen=True, eq=False)
class Ties:
    """Raw tie figures per (German region, Ukrainian region), per hromada and per pair, as of a date."""

    as_of: dt.date | None
    counted: NDArray[np.bool_]  # partnerships that count as ties
    land_oblast: NDArray[np.bool_]
    kreis_in_raion: NDArray[np.bool_]
    kreis_in_oblast: NDArray[np.bool_]
    neighbours_in_raion: NDArray[np.int32]
    neighbours_in_oblast: NDArray[np.int32]
    german_partners: NDArray[np.int32]  # per hromada
    excluded_de: IntArray  # pairs (German entity, hromada) that are never suggested
    excluded_ua: IntArray
    de_with_partner: NDArray[np.bool_]  # per German entity: has a tie with a Ukrainian candidate

    def criteria_tables(self) -> dict[str, F32]:
        """Score the region-level tie criteria (German regions x Ukrainian regions)."""
        return {
            "land_oblast": criteria.land_oblast_tie(self.land_oblast),
            "kreis_raion": criteria.kreis_raion_tie(self.kreis_in_raion, self.kreis_in_oblast),
            "neighbours": criteria.neighbour_ties(self.neighbours_in_raion, self.neighbours_in_oblast),
        }

    def saturation(self) -> F32:
        """Score the saturation criterion per hromada."""
        return criteria.saturation(self.german_partners)


def build_ties(f: Features, as_of: dt.date | None) -> Ties:
    """Count the partnerships that existed before `as_of` (all if None), see `options.existed_before`."""
    existing = existed_before(f.p_start_year, as_of)
    status_tie = np.array([s in TIE_STATUSES for s in f.p_status], dtype=bool)
    status_excl = np.array([s in EXCLUDING_STATUSES for s in f.p_status], dtype=bool)
    counted = existing & status_tie
    de_level = np.array(f.p_de_level, dtype=object)
    n_land, n_kreis, n_obl, n_raion = len(f.lands), len(f.kreise), len(f.oblasts), len(f.raions)

    land = counted & (de_level == "land") & (f.p_land >= 0) & (f.p_oblast >= 0)
    lo = _padded_flags(n_land, n_obl)
    lo[f.p_land[land], f.p_oblast[land]] = True

    kreis = counted & (de_level == "kreis") & (f.p_kreis >= 0)
    kr = _padded_flags(n_kreis, n_raion)
    ko = _padded_flags(n_kreis, n_obl)
    in_raion = kreis & (f.p_raion >= 0)
    kr[f.p_kreis[in_raion], f.p_raion[in_raion]] = True
    in_oblast = kreis & (f.p_oblast >= 0)
    ko[f.p_kreis[in_oblast], f.p_oblast[in_oblast]] = True

    # Neighbours: distinct municipal entities per (Kreis, raion) and (Kreis, oblast).
    municipal = counted & np.isin(de_level, list(MUNICIPAL_PARTNER_LEVELS)) & (f.p_kreis >= 0)
    nr = _padded_counts(n_kreis, n_raion)
    no = _padded_counts(n_kreis, n_obl)
    sel = municipal & (f.p_raion >= 0)
    ent_r, kreis_r, raion_r = _distinct(f.p_entity[sel], f.p_kreis[sel], f.p_raion[sel])
    np.add.at(nr, (kreis_r, raion_r), 1)
    sel = municipal & (f.p_oblast >= 0)
    ent_o, kreis_o, obl_o = _distinct(f.p_entity[sel], f.p_kreis[sel], f.p_oblast[sel])
    np.add.at(no, (kreis_o, obl_o), 1)

    # Region tables: German regions x Ukrainian regions.
    dk = f.de_region_keys
    uk = f.ua_region_keys
    d_land, d_kreis, d_own = dk[:, 0], dk[:, 1], dk[:, 2]
    u_obl, u_raion = uk[:, 0], uk[:, 1]
    nr_region = nr[d_kreis]
    no_region = no[d_kreis]
    # A region of one entity does not count that entity's own partnerships as its neighbours'.
    region_of_entity = np.full(len(f.de_codes), -1, dtype=np.intp)
    region_of_entity[d_own[d_own >= 0]] = np.flatnonzero(d_own >= 0)
    for ent, kr_idx, col, table in ((ent_r, kreis_r, raion_r, nr_region), (ent_o, kreis_o, obl_o, no_region)):
        known = ent < len(f.de_codes)
        regions = np.where(known, region_of_entity[np.where(known, ent, 0)], -1)
        own_kreis = (regions >= 0) & (d_kreis[np.maximum(regions, 0)] == kr_idx)
        np.subtract.at(table, (regions[own_kreis], col[own_kreis]), 1)

    ua_level = np.array(f.p_ua_level, dtype=object)
    direct = counted & (f.p_ua >= 0) & np.isin(ua_level, list(UA_PARTNER_LEVELS))
    partners = np.zeros(len(f.ua_codes), dtype=np.int32)
    _, ua_partnered = _distinct(f.p_entity[direct], f.p_ua[direct])
    np.add.at(partners, ua_partnered, 1)

    excl = existing & status_excl & (f.p_de >= 0) & (f.p_ua >= 0)
    de_with_partner = np.zeros(len(f.de_codes), dtype=bool)
    de_with_partner[f.p_de[direct & (f.p_de >= 0)]] = True
    return Ties(
        as_of=as_of,
        counted=counted,
        land_oblast=lo[d_land][:, u_obl],
        kreis_in_raion=kr[d_kreis][:, u_raion],
        kreis_in_oblast=ko[d_kreis][:, u_obl],
        neighbours_in_raion=nr_region[:, u_raion],
        neighbours_in_oblast=no_region[:, u_obl],
        german_partners=partners,
        excluded_de=f.p_de[excl],
        excluded_ua=f.p_ua[excl],
        de_with_partner=de_with_partner,
    )
