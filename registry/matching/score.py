"""Ranked, explained suggestions in both directions, one pair's explanation, and the full score matrix.

The score of a pair is its fit plus need, in logit units of the fit model (see `request`). Pairs that
are not plausible are never ranked: already linked at some level, occupied (unless
`include_occupied`, then flagged), outside the size bounds, or turned down (`Filters.exclude_pairs`).
The first ten are spread over oblasts (over Länder for a hromada), and neighbouring Gemeinden get
different first hromadas where the scores allow (`rules`). Ties count as of `as_of`; facts without
dates (population, war status, IDPs) are the latest data, which the explanations say.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from registry.matching.explain import describe, pair_flags
from registry.matching.frames import DE_MUNICIPAL_LEVELS, UA_MUNICIPAL_LEVELS
from registry.matching.options import DEFAULT_BLEND, Filters, size_bounds
from registry.matching.request import (
    Request,
    de_candidates,
    de_position,
    make_request,
    order_best_first,
    total_block,
    ua_candidates,
    ua_position,
    weighted_pairs,
)
from registry.matching.rules import CANDIDATE_LEVELS, candidate_levels, diversify, spread_choice

if TYPE_CHECKING:
    import datetime as dt

    from numpy.typing import NDArray

    from registry.matching.features import IntArray
    from registry.matching.frames import MatchingInput
    from registry.matching.options import Weights


@dataclass(frozen=True)
class Suggestion:
    """One ranked candidate: names, score, rank among all candidates, per-criterion scores, explanations."""

    code: str
    name: str
    name_uk: str | None  # Ukrainian name of a Ukrainian unit; None for a German one
    level: str
    score: float  # fit + need in logit units of the fit model; compare within one list only
    rank: int  # 1 = best
    candidates: int  # how many were ranked
    criteria: dict[str, float]  # criterion -> score in [0, 1]
    weighted: dict[str, float]  # criterion -> contribution to `score`
    explanation_de: str
    explanation_en: str
    explanation_uk: str
    flags: tuple[str, ...]


@dataclass(frozen=True)
class PairExplanation:
    """The score of one pair with its explanation, also for a pair that would not be suggested."""

    de_code: str
    de_name: str
    ua_code: str
    ua_name: str
    score: float
    rank: int | None  # its rank among the German side's candidates, None when not suggestible
    candidates: int
    criteria: dict[str, float]
    weighted: dict[str, float]
    explanation_de: str
    explanation_en: str
    explanation_uk: str
    flags: tuple[str, ...]
    suggestible: bool  # False when already linked, occupied and not included, outside bounds, turned down


@dataclass(frozen=True, eq=False)
class ScoreMatrix:
    """Scores of all municipal pairs: German Gemeinden x hromadas (and Kyiv); NaN = linked at some level."""

    de_codes: list[str]
    ua_codes: list[str]
    total: NDArray[np.float32]


def _check_limit(limit: int) -> None:
    if limit < 0:
        raise ValueError(f"limit must be >= 0 (0 = all candidates), got {limit}")


def _single_region(codes: frozenset[str] | None) -> bool:
    return codes is not None and len(codes) == 1


def ranked_for_german(req: Request, i: int, filters: Filters | None) -> IntArray:
    """Rank every candidate Ukrainian unit for German unit `i`: spread, diversity; best first."""
    f = req.f
    cols = ua_candidates(req, filters, candidate_levels(str(f.de_levels[i])), float(f.de_log_population[i]))
    scores = total_block(req, np.array([i]), cols, filters)[0]
    order = order_best_first(scores)
    first = spread_choice(req, i, cols, scores, filters) if order.size else None
    if first is not None and first != order[0]:
        order = np.concatenate(([first], order[order != first]))
    if not _single_region(filters.oblast_codes if filters else None):
        order = diversify(order, f.ua_oblast[cols])
    return cols[order]


def ranked_for_ukrainian(req: Request, j: int, filters: Filters | None) -> IntArray:
    """Rank every candidate German unit for Ukrainian unit `j`, diversity over Länder; best first."""
    f = req.f
    rows = de_candidates(req, filters, candidate_levels(str(f.ua_levels[j])), float(f.ua_log_population[j]))
    scores = total_block(req, rows, np.array([j]), filters)[:, 0]
    order = order_best_first(scores)
    if not _single_region(filters.land_codes if filters else None):
        order = diversify(order, f.de_land[rows])
    return rows[order]


def _suggestions(
    req: Request, de_idx: IntArray, ua_idx: IntArray, total: int, *, german_side: bool
) -> list[Suggestion]:
    f = req.f
    result = []
    for rank, (i, j, (scores, weighted)) in enumerate(
        zip(de_idx.tolist(), ua_idx.tolist(), weighted_pairs(req, de_idx, ua_idx), strict=True), 1
    ):
        flags = pair_flags(req, i, j)
        texts = describe(req, i, j, rank, total, weighted, flags)
        code, name, name_uk, level = (
            (f.de_codes[i], f.de_names[i], None, str(f.de_levels[i]))
            if german_side
            else (f.ua_codes[j], f.ua_names[j], f.ua_names_uk[j], str(f.ua_levels[j]))
        )
        result.append(
            Suggestion(
                code,
                name,
                name_uk,
                level,
                sum(weighted.values()),
                rank,
                total,
                scores,
                weighted,
                texts["de"],
                texts["en"],
                texts["uk"],
                flags,
            )
        )
    return result


def suggest_for_german(
    data: MatchingInput,
    code: str,
    *,
    weights: Weights | None = None,
    filters: Filters | None = None,
    as_of: dt.date | None = None,
    limit: int = 10,
    include_occupied: bool = False,
    blend: float = DEFAULT_BLEND,
) -> list[Suggestion]:
    """Rank Ukrainian units for a German one (levels by `rules.CANDIDATE_LEVELS`), best first; 0 = all.

    Raises:
        UnknownCodeError: `code` is not in `data.germans`, or its level is not matched.
    """
    _check_limit(limit)
    req = make_request(data, weights, as_of, include_occupied=include_occupied, blend=blend)
    i = de_position(req.f, code)
    ranked = ranked_for_german(req, i, filters)
    top = ranked[:limit] if limit else ranked
    return _suggestions(req, np.full(len(top), i, dtype=np.intp), top, len(ranked), german_side=False)


def suggest_for_hromada(
    data: MatchingInput,
    code: str,
    *,
    weights: Weights | None = None,
    filters: Filters | None = None,
    as_of: dt.date | None = None,
    limit: int = 10,
    include_occupied: bool = False,
    blend: float = DEFAULT_BLEND,
) -> list[Suggestion]:
    """Rank German units for a Ukrainian one (hromada, Kyiv, raion, oblast), best first; 0 = all.

    An occupied unit gets no suggestions unless `include_occupied`.

    Raises:
        UnknownCodeError: `code` is not in `data.hromadas`, or its level is not matched.
    """
    _check_limit(limit)
    req = make_request(data, weights, as_of, include_occupied=include_occupied, blend=blend)
    j = ua_position(req.f, code)
    if req.f.ua_occupied[j] and not include_occupied:
        return []
    ranked = ranked_for_ukrainian(req, j, filters)
    top = ranked[:limit] if limit else ranked
    return _suggestions(req, top, np.full(len(top), j, dtype=np.intp), len(ranked), german_side=True)


def _why_not(req: Request, i: int, j: int, filters: Filters | None) -> str:
    """Say which rule keeps a pair out of the German side's list (the catalogue's m_not_suggested_*)."""
    f, flt = req.f, filters or Filters()
    if f.ua_levels[j] not in CANDIDATE_LEVELS.get(str(f.de_levels[i]), frozenset()):
        return "level"
    if f.ua_occupied[j] and not req.include_occupied:
        return "occupied"
    if (f.de_codes[i], f.ua_codes[j]) in flt.exclude_pairs:
        return "turned_down"
    if not np.isnan(f.de_log_population[i]) and flt.size_factor is not None:
        lower, upper = size_bounds(float(f.de_log_population[i]), flt.size_factor)
        if not lower <= f.ua_log_population[j] <= upper:
            return "size"
    return "filtered"


def explain_pair(
    data: MatchingInput,
    de_code: str,
    ua_code: str,
    *,
    weights: Weights | None = None,
    filters: Filters | None = None,
    as_of: dt.date | None = None,
    include_occupied: bool = False,
    blend: float = DEFAULT_BLEND,
) -> PairExplanation:
    """Score and explain one pair, saying so when (and why) it would not be suggested.

    Raises:
        UnknownCodeError: a code is unknown.
    """
    req = make_request(data, weights, as_of, include_occupied=include_occupied, blend=blend)
    f = req.f
    i, j = de_position(f, de_code), ua_position(f, ua_code)
    try:
        ranked = ranked_for_german(req, i, filters)
    except LookupError:
        ranked = np.zeros(0, dtype=np.intp)
    where = np.flatnonzero(ranked == j)
    rank = int(where[0]) + 1 if where.size else None
    ((scores, weighted),) = weighted_pairs(req, np.array([i]), np.array([j]))
    flags = pair_flags(req, i, j, filters=filters, ranked=rank is not None)
    texts = describe(req, i, j, rank, len(ranked), weighted, flags, why=_why_not(req, i, j, filters))
    return PairExplanation(
        f.de_codes[i],
        f.de_names[i],
        f.ua_codes[j],
        f.ua_names[j],
        sum(weighted.values()),
        rank,
        len(ranked),
        scores,
        weighted,
        texts["de"],
        texts["en"],
        texts["uk"],
        flags,
        rank is not None,
    )


def score_matrix(
    data: MatchingInput,
    *,
    weights: Weights | None = None,
    filters: Filters | None = None,
    as_of: dt.date | None = None,
    include_occupied: bool = False,
    blend: float = DEFAULT_BLEND,
) -> ScoreMatrix:
    """Score every German Gemeinde against every hromada (and Kyiv), vectorised (float32).

    Size bounds depend on the subject and are not applied here; linked pairs are NaN.
    """
    req = make_request(data, weights, as_of, include_occupied=include_occupied, blend=blend)
    rows = de_candidates(req, filters, DE_MUNICIPAL_LEVELS)
    cols = ua_candidates(req, filters, UA_MUNICIPAL_LEVELS)
    total = total_block(req, rows, cols, filters)
    return ScoreMatrix(
        [req.f.de_codes[i] for i in rows.tolist()], [req.f.ua_codes[j] for j in cols.tolist()], total
    )
