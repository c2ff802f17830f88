"""Plausibility rules on a ranked list: who may be offered to whom, diversity, and spread among neighbours.

The rules that remove candidates (linked at any level, occupied, size bounds, pairs turned down)
act in `request` and `ties`; the rules here reorder what remains, so that a list stays honest about
ranks: no candidate is dropped for diversity or spread, only moved.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Final

import numpy as np
from scipy.optimize import linear_sum_assignment

from registry.matching.frames import UnknownCodeError
from registry.matching.options import SIZE_FACTOR as SIZE_FACTOR_DEFAULT
from registry.matching.options import Filters, size_bounds

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from registry.matching.features import IntArray
    from registry.matching.request import Request

_MUNICIPAL_UA: Final = frozenset({"hromada", "city_special_status"})
# Who is offered to whom, by the subject's level: a Gemeinde gets hromadas (and Kyiv), a Kreis raions
# and hromadas, a Land or a Bavarian Bezirk oblasts (and Kyiv, a city with the status of a region);
# the other way round a hromada gets Gemeinden, Städte and Kreise, a raion Kreise, an oblast Länder
# and Bezirke, Kyiv the Gemeinden and Städte.
CANDIDATE_LEVELS: Final[dict[str, frozenset[str]]] = {
    "gemeinde": _MUNICIPAL_UA,
    "stadt": _MUNICIPAL_UA,
    "stadtbezirk": _MUNICIPAL_UA,
    "gemeindeverband": _MUNICIPAL_UA,
    "kreis": frozenset({"raion", "hromada"}),
    "bezirk": frozenset({"oblast"}),
    "land": frozenset({"oblast", "city_special_status"}),
    "hromada": frozenset({"gemeinde", "stadt", "kreis"}),
    "city_special_status": frozenset({"gemeinde", "stadt"}),
    "raion": frozenset({"kreis"}),
    "oblast": frozenset({"land", "bezirk"}),
}
# Diversity: at most this many of the first ten from one oblast (one Land for a hromada's list), unless
# the user filtered to a single oblast or Land. Three leaves room for a strong regional tie (a Land
# partnership channels many) while a reader sees alternatives in other regions.
DIVERSITY_TOP: Final = 10
DIVERSITY_MAX: Final = 3
# Spread: neighbouring Gemeinden (same Kreis) should not all be offered the same first hromada. Among
# them the first places are assigned one-to-one (an optimal assignment over each one's ten best), and a
# Gemeinde's assigned hromada moves to first place if it scores within this margin (logit units of the
# fit: a factor of 1.65 in modelled odds) of its best; otherwise the best stays first.
SPREAD_TOP: Final = 10
SPREAD_MARGIN: Final = 0.5
SPREAD_LEVELS: Final = frozenset({"gemeinde", "stadt"})


def candidate_levels(level: str) -> frozenset[str]:
    """Return the candidate levels for a subject of `level`.

    Raises:
        UnknownCodeError: a level the matching does not serve.
    """
    if (levels := CANDIDATE_LEVELS.get(level)) is None:
        raise UnknownCodeError(f"units of level {level!r} are not matched")
    return levels


def diversify(
    order: IntArray, regions: IntArray, *, top: int = DIVERSITY_TOP, most: int = DIVERSITY_MAX
) -> IntArray:
    """Reorder the first `top` so that no region holds more than `most` of them; the rest keep their order.

    Args:
        order: candidate positions, best first.
        regions: region of each candidate position (indexable by the values of `order`).
    """
    if len(order) <= 1:
        return order
    chosen: list[int] = []
    deferred: list[int] = []
    counts: dict[int, int] = {}
    for position in order.tolist():
        if len(chosen) >= top:
            deferred.append(position)
            continue
        region = int(regions[position])
        if counts.get(region, 0) < most:
            counts[region] = counts.get(region, 0) + 1
            chosen.append(position)
        else:
            deferred.append(position)
    # Too few regions to fill the top: the deferred ones follow in score order, as before.
    return np.array(chosen + deferred, dtype=np.intp)


def _spread_assignment(req: Request, kreis: int, filters: Filters | None) -> dict[int, int]:
    """Assign first places one-to-one among the Gemeinden of a Kreis: Gemeinde -> Ukrainian unit."""
    from registry.matching.request import total_block, ua_candidates  # request imports this module

    f = req.f
    neighbours = np.flatnonzero((f.de_kreis == kreis) & f.level_mask("de", SPREAD_LEVELS))
    if len(neighbours) < 2:
        return {}
    cols = ua_candidates(req, _without_bounds(filters), _MUNICIPAL_UA)
    if not cols.size:
        return {}
    block = total_block(req, neighbours, cols, filters)
    bound = SIZE_FACTOR_DEFAULT if filters is None else filters.size_factor
    if bound is not None:
        logs = f.ua_log_population[cols]
        for row, subject_log in enumerate(f.de_log_population[neighbours].tolist()):
            if not np.isnan(subject_log):
                lower, upper = size_bounds(subject_log, bound)
                with np.errstate(invalid="ignore"):
                    block[row, (logs < lower) | (logs > upper)] = np.nan
    block = np.where(np.isnan(block), -np.inf, block)
    k = min(SPREAD_TOP, block.shape[1])
    best = np.argpartition(-block, k - 1, axis=1)[:, :k]
    union = np.unique(best)
    sub = block[:, union]
    keep = np.zeros(sub.shape, dtype=bool)
    keep[np.arange(len(neighbours))[:, None], np.searchsorted(union, best)] = True
    cost = np.where(keep & np.isfinite(sub), sub, -1e6)
    rows, assigned = linear_sum_assignment(cost, maximize=True)
    return {
        int(neighbours[r]): int(cols[union[a]])
        for r, a in zip(rows.tolist(), assigned.tolist(), strict=True)
        if cost[r, a] > -1e6
    }


def _without_bounds(filters: Filters | None) -> Filters:
    return replace(filters, size_factor=None) if filters is not None else Filters(size_factor=None)


def spread_choice(
    req: Request, subject: int, cols: IntArray, scores: NDArray[np.float32], filters: Filters | None
) -> int | None:
    """Return the position in `cols` to put first for a Gemeinde so that its neighbours' first places differ.

    None when the subject has no neighbours, or its assigned candidate is not among its own candidates or
    not within SPREAD_MARGIN of its best. The assignment is computed once per Kreis and request.
    """
    f = req.f
    kreis = int(f.de_kreis[subject])
    if f.de_levels[subject] not in SPREAD_LEVELS or kreis < 0 or not np.isfinite(scores).any():
        return None
    key = ("spread", kreis, filters)
    assignment = req.memo.get(key)
    if assignment is None:
        assignment = req.memo[key] = _spread_assignment(req, kreis, filters)
    target = assignment.get(subject)
    if target is None:
        return None
    where = np.flatnonzero(cols == target)
    if not where.size:
        return None
    position = int(where[0])
    if scores[position] >= np.nanmax(scores) - SPREAD_MARGIN:
        return position
    return None
