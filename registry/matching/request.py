"""One scoring request: features, ties as of a date and weights, and the vectorised scoring of a block."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from registry.matching import criteria
from registry.matching.frames import MatchingInput, UnknownCodeError
from registry.matching.options import Filters, Weights, population_mask
from registry.matching.ties import Ties, build_ties

if TYPE_CHECKING:
    import datetime as dt

    from numpy.typing import NDArray

    from registry.matching.features import F32, Features, IntArray

# Rows per chunk of the full matrix: keeps temporaries at a few MB while numpy still streams.
CHUNK_ROWS = 512


@dataclass(frozen=True, eq=False)
class Request:
    """Everything fixed for one call: input features, ties as of a date, weights, feasibility options."""

    f: Features
    ties: Ties
    weights: Weights
    include_occupied: bool = False

    @cached_property
    def tie_tables(self) -> dict[str, F32]:
        """Region-level scores of the tie criteria."""
        return self.ties.criteria_tables()

    @cached_property
    def weighted_ties(self) -> F32:
        """Weighted sum of the tie criteria per (German region, Ukrainian region)."""
        w = self.weights.as_dict()
        tables = self.tie_tables
        total = np.zeros_like(tables["land_oblast"])
        for name, table in tables.items():
            if w[name]:
                total += np.float32(w[name]) * table
        total /= np.float32(self.weights.total())
        return total

    @cached_property
    def saturation(self) -> F32:
        """Saturation score per hromada."""
        return self.ties.saturation()

    @cached_property
    def column_term(self) -> F32:
        """Weighted sum of the criteria that depend on the hromada only."""
        w, total = self.weights, self.weights.total()
        term = (
            np.float32(w.reconstruction) * self.f.ua_reconstruction
            + np.float32(w.idp) * self.f.ua_idp_need
            + np.float32(w.saturation) * self.saturation
        )
        return np.asarray(term / np.float32(total), dtype=np.float32)

    @cached_property
    def de_log(self) -> F32:
        """German log populations as float32."""
        return self.f.de_log_population.astype(np.float32)

    @cached_property
    def ua_log(self) -> F32:
        """Ukrainian log populations as float32."""
        return self.f.ua_log_population.astype(np.float32)


def make_request(
    data: MatchingInput, weights: Weights | None, as_of: dt.date | None, *, include_occupied: bool = False
) -> Request:
    """Prepare a request: cached features, ties as of `as_of`, default weights if None."""
    f = data.features
    return Request(f, build_ties(f, as_of), weights or Weights(), include_occupied)


def de_position(f: Features, code: str) -> int:
    """Return the index of a German entity, raising UnknownCodeError."""
    if (i := f.de_index.get(code)) is None:
        raise UnknownCodeError(f"no German municipality with code {code!r}")
    return i


def ua_position(f: Features, code: str) -> int:
    """Return the index of a Ukrainian candidate, raising UnknownCodeError."""
    if (j := f.ua_index.get(code)) is None:
        raise UnknownCodeError(f"no hromada with code {code!r}")
    return j


def ua_candidates(req: Request, filters: Filters | None) -> IntArray:
    """Select the hromadas to rank: filters, and occupied ones only when asked for."""
    f, flt = req.f, filters or Filters()
    mask = population_mask(f.ua_population, flt.ua_population)
    if not req.include_occupied:
        mask &= ~f.ua_occupied
    if flt.oblast_codes is not None:
        wanted = np.array([code in flt.oblast_codes for code in f.oblasts.codes] + [False])
        mask &= wanted[f.ua_oblast]
    if flt.war_statuses is not None:
        mask &= np.array([s in flt.war_statuses for s in f.ua_status], dtype=bool)
    return np.flatnonzero(mask)


def de_candidates(req: Request, filters: Filters | None) -> IntArray:
    """Select the German entities to rank: Gemeinden and Städte by default, then the filters."""
    f, flt = req.f, filters or Filters()
    mask = np.isin(f.de_levels, list(flt.de_levels)) & population_mask(f.de_population, flt.de_population)
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


def _add_third(req: Request, de_idx: IntArray, ua_idx: IntArray, out: F32, scale: float) -> None:
    f = req.f
    if not f.third_keys or scale == 0:
        return
    shared = (f.de_third[de_idx] @ f.ua_third[ua_idx].T).tocoo()
    if shared.nnz:
        out[shared.row, shared.col] += np.float32(scale) * criteria.third_partner_ties(shared.data)


def mask_excluded(req: Request, de_idx: IntArray, ua_idx: IntArray, out: F32) -> None:
    """Set already-partnered pairs of the block to NaN."""
    ex_de, ex_ua = req.ties.excluded_de, req.ties.excluded_ua
    if not ex_de.size:
        return
    pos_de = np.full(len(req.f.de_codes), -1, dtype=np.intp)
    pos_de[de_idx] = np.arange(len(de_idx))
    pos_ua = np.full(len(req.f.ua_codes), -1, dtype=np.intp)
    pos_ua[ua_idx] = np.arange(len(ua_idx))
    rows, cols = pos_de[ex_de], pos_ua[ex_ua]
    inside = (rows >= 0) & (cols >= 0)
    out[rows[inside], cols[inside]] = np.nan


def total_block(req: Request, de_idx: IntArray, ua_idx: IntArray) -> F32:
    """Score all pairs of a block (German rows x Ukrainian columns); NaN marks already-partnered pairs."""
    f, w = req.f, req.weights
    total_weight = w.total()
    out = np.empty((len(de_idx), len(ua_idx)), dtype=np.float32)
    ua_log = req.ua_log[ua_idx][None, :]
    column = req.column_term[ua_idx][None, :]
    ua_region = f.ua_region[ua_idx]
    # Many rows: gather the columns of the small region table once; few rows: gather just those cells.
    by_region = req.weighted_ties[:, ua_region] if len(de_idx) > CHUNK_ROWS else None
    size_scale = np.float32(w.size / total_weight)
    for start in range(0, len(de_idx), CHUNK_ROWS):
        rows = de_idx[start : start + CHUNK_ROWS]
        chunk = out[start : start + len(rows)]
        criteria.size_similarity_of_logs(req.de_log[rows][:, None], ua_log, out=chunk)
        chunk *= size_scale
        chunk += column
        if by_region is None:
            chunk += req.weighted_ties[np.ix_(f.de_region[rows], ua_region)]
        else:
            chunk += by_region[f.de_region[rows]]
    _add_declared(req, de_idx, ua_idx, out, w.declared / total_weight)
    _add_third(req, de_idx, ua_idx, out, w.third_partners / total_weight)
    mask_excluded(req, de_idx, ua_idx, out)
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
    shared = np.zeros(len(de_idx), dtype=np.float32)
    if f.third_keys:
        shared = np.asarray(f.de_third[de_idx].multiply(f.ua_third[ua_idx]).sum(axis=1), dtype=np.float32)
    return {
        "size": criteria.size_similarity_of_logs(req.de_log[de_idx], req.ua_log[ua_idx]),
        "reconstruction": f.ua_reconstruction[ua_idx],
        "idp": f.ua_idp_need[ua_idx],
        "declared": declared,
        "land_oblast": req.tie_tables["land_oblast"][de_region, ua_region],
        "kreis_raion": req.tie_tables["kreis_raion"][de_region, ua_region],
        "neighbours": req.tie_tables["neighbours"][de_region, ua_region],
        "third_partners": criteria.third_partner_ties(shared),
        "saturation": req.saturation[ua_idx],
    }


def weighted_pairs(
    req: Request, de_idx: IntArray, ua_idx: IntArray
) -> list[tuple[dict[str, float], dict[str, float]]]:
    """Return (criterion scores, weighted contributions) for each pair (de_idx[k], ua_idx[k])."""
    scores = criteria_pairs(req, de_idx, ua_idx)
    w, total = req.weights.as_dict(), req.weights.total()
    columns = {name: values.tolist() for name, values in scores.items()}
    result = []
    for k in range(len(de_idx)):
        pair = {name: float(values[k]) for name, values in columns.items()}
        result.append((pair, {name: w[name] * value / total for name, value in pair.items()}))
    return result


def order_best_first(scores: NDArray[np.float32]) -> IntArray:
    """Order positions by descending score, NaN dropped, ties kept in input order."""
    valid = np.flatnonzero(~np.isnan(scores))
    return valid[np.argsort(-scores[valid], kind="stable")]
