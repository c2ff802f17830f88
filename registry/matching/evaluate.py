"""Backtest: would the model have suggested the partners that German municipalities really chose?

For every partnership between a German Gemeinde or Stadt and a hromada (or Kyiv) with a known start
year of 2022 or later, rank all candidates for the German side as of 1 January of that year and
record the rank of the real partner. The same cases are ranked by baselines in the same run: random
scores (fixed seed) and population similarity alone.

What it can show: whether the criteria order candidates the way real partners were chosen. What it
cannot: whether the suggestions are good (needs and saturation are goals, which the past does not
reward), and facts without dates (population, war status, IDPs) are today's, not those of the year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np

from registry.matching.frames import DE_MUNICIPAL_LEVELS, UA_CANDIDATE_LEVELS, MatchingInput
from registry.matching.options import Weights
from registry.matching.request import (
    Request,
    de_position,
    make_request,
    total_block,
    ua_candidates,
    ua_position,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from numpy.typing import NDArray

FIRST_YEAR: Final = 2022  # the full-scale invasion (24.02.2022) started the wave of solidarity partnerships
MODEL: Final = "model"
POPULATION_MODEL: Final = "population similarity only"
RANDOM_MODEL: Final = "random (seeded)"


@dataclass(frozen=True)
class BacktestCase:
    """One real partnership and the rank each model gave the real partner (None: not a candidate)."""

    partnership_id: str
    de_code: str
    ua_code: str
    start_year: int
    candidates: int
    ranks: dict[str, int | None]


@dataclass(frozen=True)
class ModelResult:
    """Summary of one model over all cases.

    A partner that is no candidate (e.g. occupied today) is a miss: no hit, reciprocal rank 0,
    percentile rank 100.
    """

    model: str
    cases: int
    hit_at_1: float
    hit_at_10: float
    hit_at_50: float
    mrr: float
    median_percentile: float  # percentile rank of the real partner, 0 = top, 100 = bottom


@dataclass(frozen=True)
class EvaluationReport:
    """Results per model and the cases behind them."""

    results: tuple[ModelResult, ...]
    cases: tuple[BacktestCase, ...]

    def table(self) -> str:
        """Format the results as a fixed-width text table."""
        head = f"{'model':<28}{'cases':>6}{'hit@1':>8}{'hit@10':>8}{'hit@50':>8}{'MRR':>8}{'median pct':>12}"
        lines = [head, "-" * len(head)]
        for r in self.results:
            lines.append(
                f"{r.model:<28}{r.cases:>6}{r.hit_at_1:>8.3f}{r.hit_at_10:>8.3f}{r.hit_at_50:>8.3f}"
                f"{r.mrr:>8.3f}{r.median_percentile:>11.1f}%"
            )
        return "\n".join(lines)


def backtest_cases(data: MatchingInput) -> list[tuple[str, str, str, int]]:
    """List (id, de_code, ua_code, start_year) of the partnerships the backtest replays."""
    p = data.partnerships
    year = p["start_year"].astype(float)
    chosen = (
        p["de_level"].isin(list(DE_MUNICIPAL_LEVELS))
        & p["ua_level"].isin(list(UA_CANDIDATE_LEVELS))
        & (year >= FIRST_YEAR)
        & p["de_code"].isin(data.germans["code"])
        & p["ua_code"].isin(data.hromadas["code"])
    )
    rows = p[chosen].assign(year=year[chosen]).sort_values(["year", "de_code", "ua_code"])
    return [
        (str(pid), str(de), str(ua), int(y))
        for pid, de, ua, y in zip(
            rows["id"], rows["de_code"], rows["ua_code"], rows["year"].tolist(), strict=True
        )
    ]


def _rank(scores: NDArray[np.float32], position: int) -> int:
    """Rank a candidate: 1 + number of better-scored candidates + half the number tied with it."""
    value = scores[position]
    better = int(np.count_nonzero(scores > value))
    tied = int(np.count_nonzero(scores == value)) - 1
    return 1 + better + tied // 2


def _summarise(model: str, cases: list[BacktestCase]) -> ModelResult:
    if not cases:
        return ModelResult(model, 0, 0.0, 0.0, 0.0, 0.0, float("nan"))
    ranks = np.array([np.nan if c.ranks[model] is None else c.ranks[model] for c in cases], dtype=float)
    sizes = np.array([max(c.candidates, 1) for c in cases], dtype=float)
    missed = np.isnan(ranks)
    with np.errstate(invalid="ignore"):
        return ModelResult(
            model=model,
            cases=len(cases),
            hit_at_1=float(np.mean(ranks <= 1)),
            hit_at_10=float(np.mean(ranks <= 10)),
            hit_at_50=float(np.mean(ranks <= 50)),
            mrr=float(np.mean(np.where(missed, 0.0, 1.0 / np.where(missed, 1.0, ranks)))),
            median_percentile=float(np.median(np.where(missed, 100.0, 100.0 * (ranks - 1) / sizes))),
        )


def _rank_case(req: Request, de_code: str, ua_code: str) -> tuple[int | None, int]:
    """Rank the real partner among all candidates: (rank or None if not a candidate, candidates)."""
    i, j = de_position(req.f, de_code), ua_position(req.f, ua_code)
    cols = ua_candidates(req, None)
    scores = total_block(req, np.array([i]), cols)[0]
    valid = ~np.isnan(scores)
    scores, cols = scores[valid], cols[valid]
    where = np.flatnonzero(cols == j)
    return (_rank(scores, int(where[0])) if where.size else None), len(cols)


def evaluate(
    data: MatchingInput,
    *,
    weights: Weights | None = None,
    models: Mapping[str, Weights] | None = None,
    seed: int = 0,
) -> EvaluationReport:
    """Replay the real partnerships since 2022 for the model, the baselines and any extra `models`.

    Ranks come from the same scoring as `suggest_for_german(..., as_of=1 January of the start year,
    limit=0)`: occupied hromadas and already-partnered pairs are not candidates. The random baseline
    ranks the real partner among the same candidates by uniform random scores (seeded).
    """
    all_models: dict[str, Weights | None] = {MODEL: weights}
    all_models[POPULATION_MODEL] = Weights.only(size=1.0)
    all_models.update(models or {})
    rng = np.random.default_rng(seed)
    requests: dict[tuple[str, int], Request] = {}
    cases: list[BacktestCase] = []
    for pid, de_code, ua_code, year in backtest_cases(data):
        ranks: dict[str, int | None] = {}
        candidates = 0
        for name, model_weights in all_models.items():
            if (req := requests.get((name, year))) is None:
                req = requests[(name, year)] = make_request(data, model_weights, dt.date(year, 1, 1))
            ranks[name], candidates = _rank_case(req, de_code, ua_code)
        # The real partner's random score is draw 0; the candidate set is the model's.
        draws = rng.random(max(candidates, 1))
        partner_is_candidate = ranks[MODEL] is not None
        ranks[RANDOM_MODEL] = (
            int(1 + np.count_nonzero(draws[1:] > draws[0])) if partner_is_candidate else None
        )
        cases.append(BacktestCase(pid, de_code, ua_code, year, candidates, ranks))
    return EvaluationReport(
        tuple(_summarise(name, cases) for name in [*all_models, RANDOM_MODEL]), tuple(cases)
    )
