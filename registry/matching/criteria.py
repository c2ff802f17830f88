"""The matching criteria: one vectorised function each, with its default weight and the reason for its form.

Every criterion maps numpy arrays (broadcasting like numpy) to scores in [0, 1], 1 being the
best match. The total score is the weighted mean of the criteria (see `registry.matching.score`).
Default weights were chosen with the backtest in `registry.matching.evaluate` (72 real partnerships
since 2022; figures from `benchmarks/bench_matching.py` and weight variants passed to `evaluate(...,
models=...)`): round numbers, "evidence of fit" criteria at 1, goals of the programme at 1/4. The
comment at each weight says why; differences below about 0.01 MRR are noise with 72 cases.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

if TYPE_CHECKING:
    from collections.abc import Mapping

F32 = NDArray[np.float32]

CRITERIA: Final = (
    "size",
    "reconstruction",
    "idp",
    "declared",
    "land_oblast",
    "kreis_raion",
    "neighbours",
    "third_partners",
    "saturation",
)

# --- size similarity -------------------------------------------------------------------------------------
# Evidence of fit, weight 1 like every other fit criterion. Similar size means counterpart offices of
# similar scope; alone it is the best single predictor in the backtest (MRR 0.11 vs 0.003 random).
SIZE_WEIGHT: Final = 1.0
# A factor of 2 between populations scores 0.61, a factor of 4 scores 0.14. The real partnerships
# since 2022 spread with a standard deviation of 0.77 in ln(population ratio), close to ln 2 = 0.69;
# the backtest hardly moves between ln 1.5 and ln 4. A log scale because 2,000 vs 4,000 is as large a
# mismatch as 50,000 vs 100,000.
SIZE_SIGMA: Final = math.log(2.0)
# An unknown population is neither similar nor dissimilar.
SIZE_UNKNOWN: Final = 0.5


def size_similarity_of_logs(log_a: ArrayLike, log_b: ArrayLike, out: F32 | None = None) -> F32:
    """Score similarity of natural-log populations (broadcasting), writing into `out` if given."""
    diff: F32 = np.asarray(np.subtract(log_a, log_b, out=out, dtype=np.float32), dtype=np.float32)
    np.square(diff, out=diff)
    diff *= np.float32(-0.5 / SIZE_SIGMA**2)
    np.exp(diff, out=diff)
    np.nan_to_num(diff, copy=False, nan=SIZE_UNKNOWN)
    return diff


def log_population(population: ArrayLike) -> NDArray[np.float64]:
    """Take the natural log of populations; unknown or non-positive ones become NaN."""
    values = np.asarray(population, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(values > 0, np.log(np.where(values > 0, values, 1.0)), np.nan)


def size_similarity(population_a: ArrayLike, population_b: ArrayLike) -> F32:
    """Score how similar two populations are on a log scale: exp(-ln(a/b)^2 / 2 sigma^2)."""
    return size_similarity_of_logs(log_population(population_a), log_population(population_b))


# --- reconstruction need ---------------------------------------------------------------------------------
# A goal of the programme, not a predictor: most real partners since 2022 are safe western hromadas
# (reconstruction need alone ranks them like random). The backtest tolerates a quarter (MRR 0.131, vs
# 0.124 with both needs at 0.5 and 0.058 with needs and saturation at 1): enough to decide between
# otherwise similar candidates without overriding size and ties.
RECONSTRUCTION_WEIGHT: Final = 0.25
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


# --- IDP-care need ---------------------------------------------------------------------------------------
# A goal like reconstruction need, with the same weight and the same backtest evidence; hosting
# displaced people is the need German municipalities know best from their own reception work.
IDP_WEIGHT: Final = 0.25
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


# --- declared needs vs offers ----------------------------------------------------------------------------
# Evidence of fit: a declared need met by a declared offer is the most direct there is. No declarations
# are recorded yet, so the backtest cannot test this weight.
DECLARED_WEIGHT: Final = 1.0
# High-priority needs count most: priority 1 = 1, 2 = 1/2, 3 = 1/4.
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


# --- existing ties ---------------------------------------------------------------------------------------
# Evidence of fit, weight 1 each. Land programmes (Baden-Württemberg - Odesa, NRW - Dnipropetrovsk)
# channelled many partnerships since 2022: size plus ties beat size alone in the backtest (MRR 0.122 vs
# 0.108); 0.5 or 2 for the Land tie gave 0.136 and 0.129 against 0.131, noise, so no reason to leave 1.
LAND_OBLAST_WEIGHT: Final = 1.0
# A Kreis tie is closer than a Land tie but rare (few Kreise partner a raion); same weight.
KREIS_RAION_WEIGHT: Final = 1.0
# Neighbours' partners in the same oblast show a working channel (visits, translators, aid transports).
NEIGHBOURS_WEIGHT: Final = 1.0
# A common third partner (often a Polish town) is how several ties started (Soest, Witten, Mülheim);
# no third partners are recorded yet, so the backtest cannot test this weight.
THIRD_PARTNERS_WEIGHT: Final = 1.0


def land_oblast_tie(land_has_partner_in_oblast: ArrayLike) -> F32:
    """Score 1 where the German Land has a partnership in the hromada's oblast."""
    return np.asarray(land_has_partner_in_oblast, dtype=bool).astype(np.float32)


# A Kreis partner in the same raion shares the raion administration: 1; in the same oblast only: 0.5.
KREIS_OBLAST_SCORE: Final = 0.5


def kreis_raion_tie(kreis_in_raion: ArrayLike, kreis_in_oblast: ArrayLike) -> F32:
    """Score the German Kreis's own ties: 1 in the hromada's raion, 0.5 elsewhere in its oblast."""
    in_raion = np.asarray(kreis_in_raion, dtype=bool)
    in_oblast = np.asarray(kreis_in_oblast, dtype=bool)
    return np.where(in_raion, 1.0, np.where(in_oblast, KREIS_OBLAST_SCORE, 0.0)).astype(np.float32)


def neighbour_ties(neighbours_in_raion: ArrayLike, neighbours_in_oblast: ArrayLike) -> F32:
    """Score partners of other municipalities of the same Kreis: 1 - 2^-(n_oblast/2 + n_raion/2).

    One neighbour in the oblast scores 0.29, one in the raion (counted in both) 0.5, three in the
    oblast 0.65: the first contact route matters most, further ones add less.
    """
    in_raion = np.asarray(neighbours_in_raion, dtype=np.float32)
    in_oblast = np.asarray(neighbours_in_oblast, dtype=np.float32)
    return np.asarray(1.0 - np.exp2(-0.5 * (in_oblast + in_raion)), dtype=np.float32)


def third_partner_ties(shared_partners: ArrayLike) -> F32:
    """Score shared third-country partners: 1 - 2^-n (one 0.5, two 0.75)."""
    return (1.0 - np.exp2(-np.asarray(shared_partners, dtype=np.float32))).astype(np.float32)


# --- saturation ------------------------------------------------------------------------------------------
# About two thirds of hromadas have no international partner; spreading partnerships is a goal, not
# something the past shows (well-known cities attracted several: Lviv, Odesa, Kherson; saturation alone
# ranks the real partners worse than random), so the same quarter weight as the needs (1 gives MRR 0.117).
SATURATION_WEIGHT: Final = 0.25


def saturation(german_partners: ArrayLike) -> F32:
    """Score 1 / (1 + n) for a hromada with n German partners: none 1, one 0.5, three 0.25."""
    count = np.clip(np.asarray(german_partners, dtype=np.float32), 0.0, None)
    return (1.0 / (1.0 + count)).astype(np.float32)


# --- feasibility -----------------------------------------------------------------------------------------
def feasibility(
    war_status: ArrayLike, already_partnered: ArrayLike, *, include_occupied: bool = False
) -> F32:
    """Score 1 for a pair that may be suggested, 0 for one already partnered or (by default) occupied.

    Feasibility is a gate, not a weighted criterion: occupied hromadas cannot receive support.
    """
    statuses = np.asarray(war_status, dtype=object)
    occupied = np.array([s == "occupied" for s in statuses.ravel()], dtype=bool).reshape(statuses.shape)
    blocked = np.asarray(already_partnered, dtype=bool)
    if not include_occupied:
        blocked = blocked | occupied
    return np.where(blocked, 0.0, 1.0).astype(np.float32)
