"""Coverage plan: one German municipality for every hromada without a German partner, optimally assigned."""

from __future__ import annotations

import csv
import datetime as dt  # a runtime import: the API serialises these dataclasses and resolves their hints
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

import numpy as np
from scipy.optimize import linear_sum_assignment

from registry.matching.explain import describe, pair_flags
from registry.matching.frames import DE_MUNICIPAL_LEVELS, UA_MUNICIPAL_LEVELS
from registry.matching.request import de_candidates, make_request, total_block, ua_candidates, weighted_pairs

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from registry.matching.frames import MatchingInput
    from registry.matching.options import Filters, Weights

# Replaces NaN (a pair already linked) in the assignment: far below any real score (scores are logit
# units of the fit, a few units wide), so the solver never prefers it; such an assignment is dropped.
INFEASIBLE_SCORE = -1e6


@dataclass(frozen=True)
class Assignment:
    """One hromada and the German municipality proposed to it."""

    ua_code: str
    ua_name: str
    oblast_code: str
    oblast_name: str
    de_code: str
    de_name: str
    land_code: str
    land_name: str
    score: float
    criteria: dict[str, float]
    explanation_de: str
    explanation_en: str
    explanation_uk: str
    flags: tuple[str, ...]


@dataclass(frozen=True)
class RegionSummary:
    """Assignments of one oblast (hromadas served) or one Land (municipalities proposed)."""

    code: str
    name: str
    assigned: int
    mean_score: float


@dataclass(frozen=True)
class CoveragePlan:
    """The optimal assignment and its summaries; `unassigned` lists hromadas left without a candidate."""

    as_of: dt.date | None
    need_threshold: float | None
    assignments: tuple[Assignment, ...]
    unassigned: tuple[str, ...]
    by_oblast: tuple[RegionSummary, ...]
    by_land: tuple[RegionSummary, ...]
    total_score: float


def need_level(reconstruction: NDArray[np.float32], idp: NDArray[np.float32]) -> NDArray[np.float32]:
    """Combine the two need criteria of a hromada: the larger one (either need alone justifies help)."""
    return np.maximum(reconstruction, idp)


def _summaries(groups: dict[tuple[str, str], list[float]]) -> tuple[RegionSummary, ...]:
    rows = [RegionSummary(code, name, len(s), float(np.mean(s))) for (code, name), s in groups.items()]
    return tuple(sorted(rows, key=lambda r: (-r.assigned, r.code)))


def coverage_plan(
    data: MatchingInput,
    *,
    need_threshold: float | None = None,
    weights: Weights | None = None,
    filters: Filters | None = None,
    as_of: dt.date | None = None,
    include_partnered_germans: bool = False,
) -> CoveragePlan:
    """Propose one German municipality to each hromada without a German partner, maximising the total score.

    Hromadas: not occupied, within `filters`, no German partner as of `as_of`, and, when
    `need_threshold` is given, a need level (the larger of reconstruction and IDP-care need, 0..1)
    of at least that. German municipalities: Gemeinden and Städte within `filters`, each used at most
    once, and by default only those without a Ukrainian partner yet (they are the ones to win over).
    The assignment is optimal (scipy's linear_sum_assignment, a shortest augmenting path solver).
    """
    if need_threshold is not None and not 0.0 <= need_threshold <= 1.0:
        raise ValueError(f"need_threshold must lie in [0, 1], got {need_threshold}")
    req = make_request(data, weights, as_of)
    f = req.f
    cols = ua_candidates(req, filters, UA_MUNICIPAL_LEVELS)
    cols = cols[req.ties.german_partners[cols] == 0]
    if need_threshold is not None:
        cols = cols[need_level(f.ua_reconstruction[cols], f.ua_idp_need[cols]) >= need_threshold]
    rows = de_candidates(req, filters, DE_MUNICIPAL_LEVELS)
    if not include_partnered_germans:
        rows = rows[~req.ties.de_with_partner[rows]]
    scores = total_block(req, rows, cols).T  # hromadas x German municipalities
    feasible = ~np.isnan(scores)
    np.nan_to_num(scores, copy=False, nan=INFEASIBLE_SCORE)
    hromada_pos, german_pos = linear_sum_assignment(scores, maximize=True)
    keep = feasible[hromada_pos, german_pos]
    hromada_pos, german_pos = hromada_pos[keep], german_pos[keep]

    ua_idx, de_idx = cols[hromada_pos], rows[german_pos]
    assignments = []
    by_oblast: dict[tuple[str, str], list[float]] = defaultdict(list)
    by_land: dict[tuple[str, str], list[float]] = defaultdict(list)
    pairs = weighted_pairs(req, de_idx, ua_idx)
    for i, j, (scores_ij, weighted) in zip(de_idx.tolist(), ua_idx.tolist(), pairs, strict=True):
        score = sum(weighted.values())
        flags = pair_flags(req, i, j)
        texts = describe(req, i, j, None, 0, weighted, flags, show_rank=False)
        k_obl, k_land = int(f.ua_oblast[j]), int(f.de_land[i])
        oblast = (f.oblasts.codes[k_obl], f.oblasts.names[k_obl]) if k_obl >= 0 else ("", "")
        land = (f.lands.codes[k_land], f.lands.names[k_land]) if k_land >= 0 else ("", "")
        assignments.append(
            Assignment(
                f.ua_codes[j],
                f.ua_names[j],
                *oblast,
                f.de_codes[i],
                f.de_names[i],
                *land,
                score,
                scores_ij,
                texts["de"],
                texts["en"],
                texts["uk"],
                flags,
            )
        )
        by_oblast[oblast].append(score)
        by_land[land].append(score)
    assigned = set(ua_idx.tolist())
    return CoveragePlan(
        as_of=as_of,
        need_threshold=need_threshold,
        assignments=tuple(sorted(assignments, key=lambda a: (a.oblast_code, -a.score, a.ua_code))),
        unassigned=tuple(f.ua_codes[j] for j in cols.tolist() if j not in assigned),
        by_oblast=_summaries(by_oblast),
        by_land=_summaries(by_land),
        total_score=float(sum(a.score for a in assignments)),
    )


PLAN_CSV_COLUMNS = (
    "ua_code",
    "ua_name",
    "oblast_code",
    "oblast_name",
    "de_code",
    "de_name",
    "land_code",
    "land_name",
    "score",
    "flags",
    "explanation_de",
    "explanation_en",
    "explanation_uk",
)


def write_plan_csv(plan: CoveragePlan, stream: TextIO) -> None:
    """Write the plan's assignments as CSV with a header row (scores to 4 decimals, flags ';'-joined)."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(PLAN_CSV_COLUMNS)
    for a in plan.assignments:
        writer.writerow(
            [
                a.ua_code,
                a.ua_name,
                a.oblast_code,
                a.oblast_name,
                a.de_code,
                a.de_name,
                a.land_code,
                a.land_name,
                f"{a.score:.4f}",
                ";".join(a.flags),
                a.explanation_de,
                a.explanation_en,
                a.explanation_uk,
            ]
        )
