"""One scoring request: features, ties as of a date, model, weights and blend; the vectorised scoring.

The score of a pair is fit + need, both in logit units of the fit model:

    score = (1 - blend) * sum_k m_k b_k x_k  +  blend * need_scale * sum_n w_n y_n / sum_n w_n

with x_k the fit criteria, b_k their learned coefficients and m_k the user's multipliers (weights,
default 1), y_n the need criteria with their explicit weights w_n. Each term is one criterion's
contribution, which the explanations show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse

from registry.matching import criteria
from registry.matching.frames import MatchingInput, UnknownCodeError
from registry.matching.model import LEARNED, UNIT_MODEL, FitModel
from registry.matching.options import (
    DEFAULT_BLEND,
    Filters,
    Weights,
    check_blend,
    population_mask,
    size_bounds,
)
from registry.matching.ties import Ties, build_ties

if TYPE_CHECKING:
    import datetime as dt

    from numpy.typing import ArrayLike, NDArray

    from registry.matching.features import F32, Features, IntArray

# Rows per chunk of the full matrix: keeps temporaries at a few MB while numpy still streams.
CHUNK_ROWS = 512
TIE_CRITERIA = ("land_oblast", "kreis_raion", "neighbours", "land_neighbours")


@dataclass(frozen=True, eq=False)
class Request:
    """Everything fixed for one call: features, ties as of a date, model, weights, blend, options."""

    f: Features
    ties: Ties
    weights: Weights
    model: FitModel
    blend: float = DEFAULT_BLEND
    include_occupied: bool = False
    memo: dict[object, Any] = field(default_factory=dict, repr=False)  # per-request results (rules.spread)

    @cached_property
    def coefficients(self) -> dict[str, float]:
        """Each criterion's factor in the score: fit ones (1-blend)*m*b, need ones blend*scale*w/total."""
        w = self.weights.as_dict()
        need_total = self.weights.need_total()
        result = {
            name: (1.0 - self.blend) * w[name] * self.model.coefficient(name)
            for name in criteria.FIT_CRITERIA
        }
        for name in criteria.NEED_CRITERIA:
            share = w[name] / need_total if need_total else 0.0
            result[name] = self.blend * self.model.need_scale * share
        return result

    @cached_property
    def tie_tables(self) -> dict[str, F32]:
        """Region-level scores of the tie criteria."""
        return self.ties.criteria_tables()

    @cached_property
    def weighted_ties(self) -> F32:
        """Weighted sum of the tie criteria per (German region, Ukrainian region)."""
        c, tables = self.coefficients, self.tie_tables
        total = np.zeros_like(tables["land_oblast"])
        for name in TIE_CRITERIA:
            if c[name]:
                total += np.float32(c[name]) * tables[name]
        return total

    @cached_property
    def unit_scores(self) -> dict[str, F32]:
        """The criteria that depend on the Ukrainian unit only, per unit."""
        f, ties = self.f, self.ties
        oblast_count = np.append(ties.oblast_partnerships, 0)[f.ua_oblast]  # index -1: none
        return {
            "popularity": criteria.popularity(ties.german_partners),
            "oblast_popularity": criteria.popularity(oblast_count, criteria.OBLAST_POPULARITY_FULL),
            "distance": f.ua_distance_score,
            "urban": f.ua_urban,
            "prominence": f.ua_prominence,
            "reconstruction": f.ua_reconstruction,
            "idp": f.ua_idp_need,
            "saturation": ties.saturation(),
        }

    @cached_property
    def column_term(self) -> F32:
        """Weighted sum of the criteria that depend on the Ukrainian unit only."""
        c = self.coefficients
        term = np.zeros(len(self.f.ua_codes), dtype=np.float32)
        for name, values in self.unit_scores.items():
            if c[name]:
                term += np.float32(c[name]) * values
        return term

    def size(self, log_de: ArrayLike, log_ua: ArrayLike, out: F32 | None = None, *, fill: bool = True) -> F32:
        """Score the size criterion with the model's size profile (see `criteria.size_similarity_of_logs`)."""
        return criteria.size_similarity_of_logs(
            log_de, log_ua, out, centre=self.model.size_centre, sigma=self.model.size_sigma, fill_unknown=fill
        )

    @cached_property
    def de_log(self) -> F32:
        """German log populations as float32."""
        return self.f.de_log_population.astype(np.float32)

    @cached_property
    def ua_log(self) -> F32:
        """Ukrainian log populations as float32."""
        return self.f.ua_log_population.astype(np.float32)


def make_request(
    data: MatchingInput,
    weights: Weights | None,
    as_of: dt.date | None,
    *,
    include_occupied: bool = False,
    blend: float = DEFAULT_BLEND,
    model: FitModel | None = None,
) -> Request:
    """Prepare a request: cached features and ties as of `as_of`, default weights if None."""
    f = data.features
    key = ("ties", as_of)
    ties = data.cache.get(key)
    if not isinstance(ties, Ties):
        ties = data.cache[key] = build_ties(f, as_of)
    return Request(
        f, ties, weights or Weights(), model or data.model or UNIT_MODEL, check_blend(blend), include_occupied
    )


def de_position(f: Features, code: str) -> int:
    """Return the index of a German unit, raising UnknownCodeError."""
    if (i := f.de_index.get(code)) is None:
        raise UnknownCodeError(f"no German municipality with code {code!r}")
    return i


def ua_position(f: Features, code: str) -> int:
    """Return the index of a Ukrainian unit, raising UnknownCodeError."""
    if (j := f.ua_index.get(code)) is None:
        raise UnknownCodeError(f"no hromada with code {code!r}")
    return j


def _size_mask(
    log_population: NDArray[np.float64], subject_log: float, factor: float | None
) -> NDArray[np.bool_]:
    """Keep candidates within the subject's size bounds (`options.size_bounds`); unknown populations pass."""
    if factor is None or np.isnan(subject_log):
        return np.ones(log_population.shape, dtype=bool)
    lower, upper = size_bounds(subject_log, factor)
    with np.errstate(invalid="ignore"):
        outside: NDArray[np.bool_] = (log_population < lower) | (log_population > upper)
    return ~outside


def ua_candidates(
    req: Request, filters: Filters | None, levels: frozenset[str], subject_log: float = float("nan")
) -> IntArray:
    """Select the Ukrainian units to rank: levels, filters, size bounds, occupied ones only when asked."""
    f, flt = req.f, filters or Filters()
    mask = f.level_mask("ua", flt.levels or levels) & population_mask(f.ua_population, flt.ua_population)
    mask &= _size_mask(f.ua_log_population, subject_log, flt.size_factor)
    if not req.include_occupied:
        mask &= ~f.ua_occupied
    if flt.oblast_codes is not None:
        wanted = np.array([code in flt.oblast_codes for code in f.oblasts.codes] + [False])
        mask &= wanted[f.ua_oblast]
    if flt.war_statuses is not None:
        mask &= np.array([s in flt.war_statuses for s in f.ua_status], dtype=bool)
    return np.flatnonzero(mask)


def de_candidates(
    req: Request, filters: Filters | None, levels: frozenset[str], subject_log: float = float("nan")
) -> IntArray:
    """Select the German units to rank: levels, filters and size bounds."""
    f, flt = req.f, filters or Filters()
    mask = f.level_mask("de", flt.levels or levels) & population_mask(f.de_population, flt.de_population)
    mask &= _size_mask(f.de_log_population, subject_log, flt.size_factor)
    if flt.land_codes is not None:
        wanted = np.array([code in flt.land_codes for code in f.lands.codes] + [False])
        mask &= wanted[f.de_land]
    return np.flatnonzero(mask)


def _add_declared(req: Request, de_idx: IntArray, ua_idx: IntArray, out: F32, scale: float) -> None:
    f = req.f
    if f.need_weights is None or f.offers is None or scale == 0:
        return
    offers = f.offers[de_idx]
    needs = f.need_weights[ua_idx]
    rows = np.flatnonzero(np.diff(offers.indptr))
    cols = np.flatnonzero(np.diff(needs.indptr))
    if rows.size and cols.size:
        block = criteria.declared_match(needs[cols].toarray(), offers[rows].toarray())
        out[np.ix_(rows, cols)] += np.float32(scale) * block


def _row_keys(matrix: sparse.csr_array, row: int) -> IntArray:
    return np.asarray(matrix.indices[matrix.indptr[row] : matrix.indptr[row + 1]], dtype=np.intp)


def _shared_counts(by_key: sparse.csr_array, keys: IntArray, n: int) -> NDArray[np.float64]:
    """How many of `keys` each unit of the other side shares (from the key -> units table)."""
    if not keys.size:
        return np.zeros(n)
    units = np.concatenate([_row_keys(by_key, int(k)) for k in keys.tolist()])
    return np.bincount(units, minlength=n).astype(np.float64)


def _add_third(req: Request, de_idx: IntArray, ua_idx: IntArray, out: F32, scale: float) -> None:
    f = req.f
    if not f.third_keys or scale == 0:
        return
    if len(de_idx) == 1:  # one subject: count through its few keys, not a sparse product
        shared = _shared_counts(f.ua_third_by_key, _row_keys(f.de_third, int(de_idx[0])), len(f.ua_codes))[
            ua_idx
        ]
        out[0] += np.float32(scale) * criteria.third_partner_ties(shared)
        return
    if len(ua_idx) == 1:
        shared = _shared_counts(f.de_third_by_key, _row_keys(f.ua_third, int(ua_idx[0])), len(f.de_codes))[
            de_idx
        ]
        out[:, 0] += np.float32(scale) * criteria.third_partner_ties(shared)
        return
    product = (f.de_third[de_idx] @ f.ua_third[ua_idx].T).tocoo()
    if product.nnz:
        out[product.row, product.col] += np.float32(scale) * criteria.third_partner_ties(product.data)


def excluded_pairs(req: Request, filters: Filters | None) -> tuple[IntArray, IntArray]:
    """Pairs never ranked: linked at some level, or listed in `filters.exclude_pairs`."""
    f = req.f
    de, ua = [req.ties.linked_de], [req.ties.linked_ua]
    if filters is not None and filters.exclude_pairs:
        known = [
            (f.de_index[d], f.ua_index[u])
            for d, u in filters.exclude_pairs
            if d in f.de_index and u in f.ua_index
        ]
        if known:
            de.append(np.array([d for d, _ in known], dtype=np.intp))
            ua.append(np.array([u for _, u in known], dtype=np.intp))
    return np.concatenate(de), np.concatenate(ua)


def mask_excluded(
    req: Request, de_idx: IntArray, ua_idx: IntArray, out: F32, filters: Filters | None = None
) -> None:
    """Set the excluded pairs of the block to NaN."""
    ex_de, ex_ua = excluded_pairs(req, filters)
    if not ex_de.size:
        return
    pos_de = np.full(len(req.f.de_codes), -1, dtype=np.intp)
    pos_de[de_idx] = np.arange(len(de_idx))
    pos_ua = np.full(len(req.f.ua_codes), -1, dtype=np.intp)
    pos_ua[ua_idx] = np.arange(len(ua_idx))
    rows, cols = pos_de[ex_de], pos_ua[ex_ua]
    inside = (rows >= 0) & (cols >= 0)
    out[rows[inside], cols[inside]] = np.nan


def total_block(req: Request, de_idx: IntArray, ua_idx: IntArray, filters: Filters | None = None) -> F32:
    """Score all pairs of a block (German rows x Ukrainian columns); NaN marks excluded pairs."""
    f, c = req.f, req.coefficients
    out = np.empty((len(de_idx), len(ua_idx)), dtype=np.float32)
    ua_log = req.ua_log[ua_idx][None, :]
    column = req.column_term[ua_idx][None, :]
    ua_region = f.ua_region[ua_idx]
    # Many rows: gather the columns of the small region table once; few rows: gather just those cells.
    by_region = req.weighted_ties[:, ua_region] if len(de_idx) > CHUNK_ROWS else None
    size_scale = np.float32(c["size"])
    unknown_cols = np.flatnonzero(np.isnan(ua_log[0]))
    for start in range(0, len(de_idx), CHUNK_ROWS):
        rows = de_idx[start : start + CHUNK_ROWS]
        chunk = out[start : start + len(rows)]
        req.size(req.de_log[rows][:, None], ua_log, out=chunk, fill=False)
        # An unknown population is a whole row or column: fill those, not every cell.
        chunk[np.isnan(req.de_log[rows])] = criteria.SIZE_UNKNOWN
        chunk[:, unknown_cols] = criteria.SIZE_UNKNOWN
        chunk *= size_scale
        chunk += column
        if by_region is None:
            chunk += req.weighted_ties[np.ix_(f.de_region[rows], ua_region)]
        else:
            chunk += by_region[f.de_region[rows]]
    _add_declared(req, de_idx, ua_idx, out, c["declared"])
    _add_third(req, de_idx, ua_idx, out, c["third_partners"])
    mask_excluded(req, de_idx, ua_idx, out, filters)
    return out


def criteria_pairs(req: Request, de_idx: IntArray, ua_idx: IntArray) -> dict[str, F32]:
    """Score every criterion separately for the pairs (de_idx[k], ua_idx[k]); one value per pair."""
    f = req.f
    de_region, ua_region = f.de_region[de_idx], f.ua_region[ua_idx]
    declared = np.zeros(len(de_idx), dtype=np.float32)
    if f.need_weights is not None and f.offers is not None:
        offers, needs = f.offers[de_idx], f.need_weights[ua_idx]
        both = np.flatnonzero((np.diff(offers.indptr) > 0) & (np.diff(needs.indptr) > 0))
        if both.size:
            declared[both] = criteria.declared_match(
                needs[both].toarray(), offers[both].toarray(), paired=True
            )
    shared = np.array(
        [
            np.intersect1d(_row_keys(f.de_third, d), _row_keys(f.ua_third, u)).size
            for d, u in zip(de_idx.tolist(), ua_idx.tolist(), strict=True)
        ],
        dtype=np.float32,
    )
    unit = {name: values[ua_idx] for name, values in req.unit_scores.items()}
    scores = {
        "size": req.size(req.de_log[de_idx], req.ua_log[ua_idx]),
        "land_oblast": req.tie_tables["land_oblast"][de_region, ua_region],
        "kreis_raion": req.tie_tables["kreis_raion"][de_region, ua_region],
        "neighbours": req.tie_tables["neighbours"][de_region, ua_region],
        "land_neighbours": req.tie_tables["land_neighbours"][de_region, ua_region],
        "third_partners": criteria.third_partner_ties(shared).reshape(-1),
        "declared": declared,
        **unit,
    }
    return {name: np.asarray(scores[name], dtype=np.float32) for name in criteria.CRITERIA}


def weighted_pairs(
    req: Request, de_idx: IntArray, ua_idx: IntArray
) -> list[tuple[dict[str, float], dict[str, float]]]:
    """Return (criterion scores, contributions to the score) for each pair (de_idx[k], ua_idx[k])."""
    scores = criteria_pairs(req, de_idx, ua_idx)
    c = req.coefficients
    columns = {name: values.tolist() for name, values in scores.items()}
    result = []
    for k in range(len(de_idx)):
        pair = {name: float(values[k]) for name, values in columns.items()}
        result.append((pair, {name: c[name] * value for name, value in pair.items()}))
    return result


def fit_matrix(req: Request, de: int, ua_idx: IntArray) -> NDArray[np.float64]:
    """The learned fit criteria of one German unit against many Ukrainian ones (rows, model.LEARNED order)."""
    scores = criteria_pairs(req, np.full(len(ua_idx), de, dtype=np.intp), ua_idx)
    return np.stack([scores[name] for name in LEARNED], axis=1).astype(np.float64)


def order_best_first(scores: NDArray[np.float32]) -> IntArray:
    """Order positions by descending score, NaN dropped, ties kept in input order."""
    valid = np.flatnonzero(~np.isnan(scores))
    return valid[np.argsort(-scores[valid], kind="stable")]
