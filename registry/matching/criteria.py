"""The matching criteria: one vectorised function each, in [0, 1], and which question each answers.

The ranking answers two questions (see `registry.matching.model` and `score`):

- **fit**: how likely a pairing is to be formed and to last. Its criteria are weighted by
  coefficients learned from the real partnerships (a regularised conditional logit model,
  `registry fit`), so their weights are evidence, not intent.
- **need**: the programme's priorities (reconstruction, displaced people, hromadas without a
  partner). The past does not reward them, so their weights are explicit and documented here.

Every criterion maps numpy arrays (broadcasting like numpy) to scores in [0, 1].
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

if TYPE_CHECKING:
    from collections.abc import Mapping

F32 = NDArray[np.float32]

FIT_CRITERIA: Final = (
    "size",
    "land_oblast",
    "kreis_raion",
    "neighbours",
    "land_neighbours",
    "third_partners",
    "popularity",
    "oblast_popularity",
    "distance",
    "urban",
    "prominence",
    "declared",
)
NEED_CRITERIA: Final = ("reconstruction", "idp", "saturation")
CRITERIA: Final = FIT_CRITERIA + NEED_CRITERIA

# --- size similarity (fit) -------------------------------------------------------------------------------
# A Gaussian on a log scale, because 2,000 vs 4,000 is as large a mismatch as 50,000 vs 100,000. Its centre
# and width are those of the real partnerships the model is fitted on (ln(hromada / German population):
# hromadas are a little larger, since they include their villages), stored with the model; without a
# fitted model: centred at 0 with a factor of 2 scoring 0.61.
SIZE_CENTRE: Final = 0.0
SIZE_SIGMA: Final = math.log(2.0)
# An unknown population is neither similar nor dissimilar.
SIZE_UNKNOWN: Final = 0.5


def size_similarity_of_logs(
    log_de: ArrayLike,
    log_ua: ArrayLike,
    out: F32 | None = None,
    *,
    centre: float = SIZE_CENTRE,
    sigma: float = SIZE_SIGMA,
    fill_unknown: bool = True,
) -> F32:
    """Score ln(ua / de) against the size profile (broadcasting), writing into `out` if given.

    `fill_unknown=False` leaves NaN where a population is unknown, for a caller that fills whole rows
    and columns at once (the full matrix), which is cheaper than testing every cell.
    """
    diff: F32 = np.asarray(np.subtract(log_ua, log_de, out=out, dtype=np.float32), dtype=np.float32)
    if centre:
        diff -= np.float32(centre)
    np.square(diff, out=diff)
    diff *= np.float32(-0.5 / sigma**2)
    np.exp(diff, out=diff)
    if fill_unknown:
        diff[np.isnan(diff)] = SIZE_UNKNOWN
    return diff


def log_population(population: ArrayLike) -> NDArray[np.float64]:
    """Take the natural log of populations; unknown or non-positive ones become NaN."""
    values = np.asarray(population, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(values > 0, np.log(np.where(values > 0, values, 1.0)), np.nan)


def size_similarity(population_de: ArrayLike, population_ua: ArrayLike) -> F32:
    """Score how similar two populations are on a log scale: exp(-ln(ua/de)^2 / 2 sigma^2)."""
    return size_similarity_of_logs(log_population(population_de), log_population(population_ua))


# --- existing ties (fit) ---------------------------------------------------------------------------------
# A tie counts by its status: a partnership that lives (or is paused, mostly with occupied hromadas) is a
# tie; one in preparation or only requested is a declared intention (Hessen - Kyiv Oblast is so far a
# cabinet decision), worth less, and the explanation names it as such. An ended one is no tie.
STATUS_TIE: Final[Mapping[str, float]] = {
    "active": 1.0,
    "paused": 1.0,
    "in_preparation": 0.5,
    "requested": 0.25,
    "ended": 0.0,
}
# A Kreis partner in the same raion shares the raion administration: 1; in the same oblast only: 0.5.
KREIS_OBLAST_SCORE: Final = 0.5


def kreis_raion_tie(kreis_in_raion: ArrayLike, kreis_in_oblast: ArrayLike) -> F32:
    """Score the German Kreis's own ties (by status): full in the raion, half elsewhere in the oblast."""
    in_raion = np.asarray(kreis_in_raion, dtype=np.float32)
    in_oblast = np.asarray(kreis_in_oblast, dtype=np.float32)
    return np.asarray(np.maximum(in_raion, KREIS_OBLAST_SCORE * in_oblast), dtype=np.float32)


def neighbour_ties(neighbours_in_raion: ArrayLike, neighbours_in_oblast: ArrayLike) -> F32:
    """Score partners of other municipalities of the same Kreis: 1 - 2^-(n_oblast/2 + n_raion/2).

    One neighbour in the oblast scores 0.29, one in the raion (counted in both) 0.5, three in the
    oblast 0.65: the first contact route matters most, further ones add less.
    """
    in_raion = np.asarray(neighbours_in_raion, dtype=np.float32)
    in_oblast = np.asarray(neighbours_in_oblast, dtype=np.float32)
    return np.asarray(1.0 - np.exp2(-0.5 * (in_oblast + in_raion)), dtype=np.float32)


# Towns of the whole Land with partners in the oblast: Land networks and programmes (visits, aid convoys,
# translators) reach further than the Kreis. Log scale like popularity: 10 such towns score 1.
LAND_NEIGHBOURS_FULL: Final = 10


def third_partner_ties(shared_partners: ArrayLike) -> F32:
    """Score shared third-country partners: 1 - 2^-n (one 0.5, two 0.75).

    Zero shared partners scores 0 whether both sides list third partners or neither does: the list
    covers mostly larger towns, so a municipality without entries has unknown ties, and it scores
    exactly as one whose listed partners differ, never below it.
    """
    return (1.0 - np.exp2(-np.asarray(shared_partners, dtype=np.float32))).astype(np.float32)


# --- popularity (fit) ------------------------------------------------------------------------------------
# Well-known hromadas attract further partners (Lviv, Odesa, Kherson have several), and an oblast with
# many German partnerships has the contacts, translators and routes. Log scales: the first partners
# say most; 10 German partners of a hromada and 50 partnerships in an oblast score 1.
POPULARITY_FULL: Final = 10
OBLAST_POPULARITY_FULL: Final = 50


def popularity(partners: ArrayLike, full: int = POPULARITY_FULL) -> F32:
    """Score a count of German partners as log(1 + n) / log(1 + full), capped at 1."""
    count = np.clip(np.asarray(partners, dtype=np.float64), 0.0, None)
    return np.minimum(np.log1p(count) / math.log1p(full), 1.0).astype(np.float32)


# --- distance from the front (fit) -----------------------------------------------------------------------
# Partnerships form where delegations can travel and projects can run: most real partners since 2022 lie
# in the west. 800 km from the Russian border (roughly Lviv) scores 1; unknown scores 0.5.
DISTANCE_FULL_KM: Final = 800.0


def distance_from_front(distance_to_russia_km: ArrayLike) -> F32:
    """Score the distance to the Russian border linearly up to DISTANCE_FULL_KM."""
    distance = np.asarray(distance_to_russia_km, dtype=np.float64)
    return np.nan_to_num(np.clip(distance / DISTANCE_FULL_KM, 0.0, 1.0), nan=0.5).astype(np.float32)


# --- urban hromada (fit) ---------------------------------------------------------------------------------
# A town's office looks for a town: 146 of the 173 Ukrainian partners of German Gemeinden and Städte are
# urban hromadas (міська громада), which are 409 of the 1,469. Settlement hromadas (селищна, around a
# small town) count half; a raion or an oblast is the counterpart of a Kreis or a Land and counts 1.
HROMADA_TYPE_SCORE: Final[Mapping[str, float]] = {
    "urban": 1.0,
    "city with special status": 1.0,
    "settlement": 0.5,
    "rural": 0.0,
}
TYPE_UNKNOWN: Final = 0.5
REGIONAL_TYPE: Final = 1.0


def urban(hromada_type: ArrayLike) -> F32:
    """Score a hromada's type: urban 1, settlement 0.5, rural 0, unknown 0.5 (raions, oblasts: features)."""
    types = np.asarray(hromada_type, dtype=object).ravel()
    return np.array(
        [HROMADA_TYPE_SCORE.get(t, TYPE_UNKNOWN) if isinstance(t, str) else TYPE_UNKNOWN for t in types],
        dtype=np.float32,
    )


# --- prominence (fit) ------------------------------------------------------------------------------------
# German towns look for a place they and their citizens can find on a map: of the 105 dated town
# partnerships, 34 are with the largest hromada of an oblast (mostly its centre; 25 of 1,774 Ukrainian
# municipal units) and 62 with one of its five largest. The population rank of the hromada within its
# oblast says this with data every hromada has: the largest scores 1, the second 1/2, the tenth 1/10 (a
# raion among the raions of its oblast likewise); an oblast, compared with oblasts only, scores 1;
# unknown scores 0.


def prominence(rank_in_oblast: ArrayLike) -> F32:
    """Score a population rank within the oblast (1 = largest) as 1 / rank; rank 0 (unknown) scores 0."""
    rank = np.asarray(rank_in_oblast, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return np.where(rank >= 1, 1.0 / np.where(rank >= 1, rank, 1.0), 0.0).astype(np.float32)


# --- declared needs vs offers (fit, fixed coefficient) ---------------------------------------------------
# The most direct evidence of fit there is, but no declarations are recorded yet, so it cannot be
# learned: its coefficient is fixed (model.DECLARED_COEFFICIENT). High-priority needs count most.
PRIORITY_WEIGHT: Final[Mapping[int, float]] = {1: 1.0, 2: 0.5, 3: 0.25}


def declared_match(need_weights: ArrayLike, offers: ArrayLike, *, paired: bool = False) -> F32:
    """Score the share of a hromada's priority-weighted needs that the German side offers.

    Args:
        need_weights: hromadas x categories, priority weights of declared needs (0 = not declared).
        offers: German municipalities x categories, 1 where offered.
        paired: score row k of `offers` against row k of `need_weights` only.

    Returns:
        German municipalities x hromadas (one value per row pair if `paired`); 0 where nothing is declared.
    """
    needs = np.asarray(need_weights, dtype=np.float32)
    offered = np.asarray(offers, dtype=np.float32)
    totals = needs.sum(axis=1, keepdims=True)
    shares = np.divide(needs, totals, out=np.zeros_like(needs), where=totals > 0)
    matched = (offered * shares).sum(axis=1) if paired else offered @ shares.T
    return np.asarray(np.clip(matched, 0.0, 1.0), dtype=np.float32)


# --- reconstruction need (need) --------------------------------------------------------------------------
# Weight 1 like the other needs: the programme names reconstruction, displaced people and hromadas
# without a partner as equal priorities; a user can shift them (`weights=reconstruction=2`).
RECONSTRUCTION_WEIGHT: Final = 1.0
# Damage estimates exist per oblast only, so the war-status history of the official list (Order No. 376)
# is the proxy: deoccupied and former front-line hromadas carry the heaviest damage; active hostilities
# score slightly lower because rebuilding cannot start there yet.
STATUS_NEED: Final[Mapping[str, float]] = {
    "deoccupied": 1.0,
    "occupied": 1.0,
    "partly_occupied": 0.9,
    "former_active_hostilities": 0.9,
    "active_hostilities": 0.8,
    "possible_hostilities": 0.6,
    "former_possible_hostilities": 0.4,
    "not_listed": 0.0,
}
# A hromada once occupied was damaged then, even if it is no longer on the list.
EVER_OCCUPIED_NEED: Final = 0.9
# Shelling and drone damage fall off with distance from the border: full weight at the border,
# none beyond 400 km (roughly the line Kyiv - Kropyvnytskyi - Mykolaiv).
PROXIMITY_RANGE_KM: Final = 400.0
# The war status is the stronger evidence; proximity separates hromadas of the same status.
STATUS_SHARE: Final = 0.75


def reconstruction_need(
    war_status: ArrayLike, ever_occupied: ArrayLike, distance_to_russia_km: ArrayLike
) -> F32:
    """Score reconstruction need from war status, occupation history and distance to Russia."""
    statuses = np.asarray(war_status, dtype=object)
    status = np.array([STATUS_NEED.get(s, 0.0) if isinstance(s, str) else 0.0 for s in statuses.ravel()])
    status = status.reshape(statuses.shape)
    occupied_once = np.asarray(ever_occupied, dtype=bool)
    status = np.where(occupied_once, np.maximum(status, EVER_OCCUPIED_NEED), status)
    distance = np.asarray(distance_to_russia_km, dtype=np.float64)
    proximity = np.nan_to_num(np.clip(1.0 - distance / PROXIMITY_RANGE_KM, 0.0, 1.0), nan=0.0)
    return (STATUS_SHARE * status + (1.0 - STATUS_SHARE) * proximity).astype(np.float32)


# --- IDP-care need (need) --------------------------------------------------------------------------------
# Hosting displaced people is the need German municipalities know best from their own reception work.
IDP_WEIGHT: Final = 1.0
# Saturating in the share of IDPs: 5% scores 0.39, 10% scores 0.63, 20% scores 0.86; a share, not a
# count, because the burden is per resident service.
IDP_SCALE: Final = 0.10


def idp_need(idp_registered: ArrayLike, population: ArrayLike) -> F32:
    """Score IDP-care need as 1 - exp(-share / scale); net outflows and unknowns score 0."""
    idp = np.asarray(idp_registered, dtype=np.float64)
    pop = np.asarray(population, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(pop > 0, idp / np.where(pop > 0, pop, 1.0), np.nan)
    share = np.nan_to_num(np.clip(share, 0.0, None), nan=0.0)
    return np.asarray(1.0 - np.exp(-share / IDP_SCALE), dtype=np.float32)


# --- saturation (need) -----------------------------------------------------------------------------------
# About two thirds of hromadas have no international partner; spreading partnerships is a goal, the
# opposite of what the past shows (popularity, a fit criterion).
SATURATION_WEIGHT: Final = 1.0


def saturation(german_partners: ArrayLike) -> F32:
    """Score 1 / (1 + n) for a hromada with n German partners: none 1, one 0.5, three 0.25."""
    count = np.clip(np.asarray(german_partners, dtype=np.float32), 0.0, None)
    return (1.0 / (1.0 + count)).astype(np.float32)
