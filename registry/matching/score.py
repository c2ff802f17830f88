"""Ranked, explained suggestions in both directions, one pair's explanation, and the full score matrix.

The total score of a pair is the weighted mean of the criteria in `registry.matching.criteria`
(weights from `Weights`), so it lies in [0, 1]. Pairs that are not feasible are never ranked:
occupied hromadas (unless `include_occupied`, then flagged) and pairs already partnered as of
`as_of`. Ties count as of `as_of` (see `options.existed_before`); facts without dates (population,
war status, IDPs) are always the latest data, which the explanations say.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from registry.matching.explain import describe, pair_flags
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

if TYPE_CHECKING:
    import datetime as dt

    from numpy.typing import NDArray

    from registry.matching.features import IntArray
    from registry.matching.frames import MatchingInput
    from registry.matching.options import Filters, Weights


@dataclass(frozen=True)
class Suggestion:
    """One ranked candidate: its code and names, total and per-criterion scores, explanation and flags."""

    code: str
    name: str
    name_uk: str | None  # Ukrainian name of a hromada; None for a German municipality
    score: float
    criteria: dict[str, float]  # criterion -> score in [0, 1]
    weighted: dict[str, float]  # criterion -> contribution to `score`
    explanation_de: str
    explanation_en: str
    flags: tuple[str, ...]  # occupied, partly_occupied, active_hostilities, population_unknown, undated_ties


@dataclass(frozen=True)
class PairExplanation:
    """The score of one pair with its explanation, also for a pair that would not be suggested."""

    de_code: str
    de_name: str
    ua_code: str
    ua_name: str
    score: float
    criteria: dict[str, float]
    weighted: dict[str, float]
    explanation_de: str
    explanation_en: str
    flags: tuple[str, ...]
    suggestible: bool  # False when already partnered, or occupied and not included


@dataclass(frozen=True, eq=False)
class ScoreMatrix:
    """Total scores of all candidate pairs: German candidates x hromadas; NaN = already partnered."""

    de_codes: list[str]
    ua_codes: list[str]
    total: NDArray[np.float32]


def _check_limit(limit: int) -> None:
    if limit < 0:
        raise ValueError(f"limit must be >= 0 (0 = all candidates), got {limit}")


def _suggestions(req: Request, de_idx: IntArray, ua_idx: IntArray, *, german_side: bool) -> list[Suggestion]:
    f = req.f
    result = []
    for i, j, (scores, weighted) in zip(
        de_idx.tolist(), ua_idx.tolist(), weighted_pairs(req, de_idx, ua_idx), strict=True
    ):
        score = sum(weighted.values())
        flags = pair_flags(req, i, j, excluded=False)
        text_de, text_en = describe(req, i, j, score, weighted, flags)
        code, name, name_uk = (
            (f.de_codes[i], f.de_names[i], None)
            if german_side
            else (f.ua_codes[j], f.ua_names[j], f.ua_names_uk[j])
        )
        result.append(Suggestion(code, name, name_uk, score, scores, weighted, text_de, text_en, flags))
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
) -> list[Suggestion]:
    """Rank hromadas (and Kyiv) for a German municipality or Kreis, best first; `limit=0` returns all.

    Raises:
        UnknownCodeError: `code` is not in `data.germans`.
    """
    _check_limit(limit)
    req = make_request(data, weights, as_of, include_occupied=include_occupied)
    i = de_position(req.f, code)
    cols = ua_candidates(req, filters)
    order = order_best_first(total_block(req, np.array([i]), cols)[0])
    top = cols[order[:limit] if limit else order]
    return _suggestions(req, np.full(len(top), i, dtype=np.intp), top, german_side=False)


def suggest_for_hromada(
    data: MatchingInput,
    code: str,
    *,
    weights: Weights | None = None,
    filters: Filters | None = None,
    as_of: dt.date | None = None,
    limit: int = 10,
    include_occupied: bool = False,
) -> list[Suggestion]:
    """Rank German municipalities for a hromada (or Kyiv), best first; `limit=0` returns all.

    An occupied hromada gets no suggestions unless `include_occupied`.

    Raises:
        UnknownCodeError: `code` is not in `data.hromadas`.
    """
    _check_limit(limit)
    req = make_request(data, weights, as_of, include_occupied=include_occupied)
    j = ua_position(req.f, code)
    if req.f.ua_occupied[j] and not include_occupied:
        return []
    rows = de_candidates(req, filters)
    order = order_best_first(total_block(req, rows, np.array([j]))[:, 0])
    top = rows[order[:limit] if limit else order]
    return _suggestions(req, top, np.full(len(top), j, dtype=np.intp), german_side=True)


def explain_pair(
    data: MatchingInput,
    de_code: str,
    ua_code: str,
    *,
    weights: Weights | None = None,
    as_of: dt.date | None = None,
    include_occupied: bool = False,
) -> PairExplanation:
    """Score and explain one pair, saying so when it would not be suggested.

    Raises:
        UnknownCodeError: a code is unknown.
    """
    req = make_request(data, weights, as_of, include_occupied=include_occupied)
    i, j = de_position(req.f, de_code), ua_position(req.f, ua_code)
    total = total_block(req, np.array([i]), np.array([j]))[0, 0]
    partnered = bool(np.isnan(total))
    blocked = partnered or (bool(req.f.ua_occupied[j]) and not include_occupied)
    ((scores, weighted),) = weighted_pairs(req, np.array([i]), np.array([j]))
    score = sum(weighted.values())
    flags = pair_flags(req, i, j, excluded=partnered)
    text_de, text_en = describe(req, i, j, score, weighted, flags)
    f = req.f
    return PairExplanation(
        f.de_codes[i],
        f.de_names[i],
        f.ua_codes[j],
        f.ua_names[j],
        score,
        scores,
        weighted,
        text_de,
        text_en,
        flags,
        not blocked,
    )


def score_matrix(
    data: MatchingInput,
    *,
    weights: Weights | None = None,
    filters: Filters | None = None,
    as_of: dt.date | None = None,
    include_occupied: bool = False,
) -> ScoreMatrix:
    """Score every German candidate against every hromada candidate, vectorised (float32)."""
    req = make_request(data, weights, as_of, include_occupied=include_occupied)
    rows, cols = de_candidates(req, filters), ua_candidates(req, filters)
    total = total_block(req, rows, cols)
    return ScoreMatrix(
        [req.f.de_codes[i] for i in rows.tolist()], [req.f.ua_codes[j] for j in cols.tolist()], total
    )
