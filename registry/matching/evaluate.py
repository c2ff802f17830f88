"""Fitting the fit model on real partnerships, and an honest backtest of the ranking, split by time.

Cases: every partnership with a start year between a German Gemeinde or Stadt and a hromada (or Kyiv).
A case is the German side choosing its partner among all candidates it had on 1 January of that year
(ties as of then; occupied and already linked units are no candidates). Kreis and Land partnerships
are too few (a dozen each, with two dozen candidates for a Land) to fit or to test on; the model
fitted on towns ranks them too, which the README says.

Backtest by time: for each test year Y from FIRST_TEST_YEAR on, the model is fitted on the cases
before Y only and ranks the cases of Y, so no test case was ever seen in fitting. Compared in the same
run on the same cases: fit alone, the default blend of fit and need, population similarity alone, and
random order (seeded). A real partner outside the size bounds or otherwise not ranked is a miss
(no hit, reciprocal rank 0, percentile 100).

What it cannot show: whether suggestions are good for the programme (need is a goal the past does
not reward); facts without dates (population, war status, IDPs, third-country twin towns) are
today's, not those of the year; partnerships without a start year are never cases and count as
existing at every date.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Final

import numpy as np

from registry.matching.frames import DE_MUNICIPAL_LEVELS, UA_MUNICIPAL_LEVELS, MatchingInput
from registry.matching.model import L2, LEARNED, UNIT_MODEL, ChoiceSet, FitModel, fit_coefficients
from registry.matching.options import DEFAULT_BLEND, Filters, Weights, size_bounds
from registry.matching.request import (
    Request,
    fit_matrix,
    make_request,
    total_block,
    ua_candidates,
)
from registry.matching.rules import CANDIDATE_LEVELS, DIVERSITY_TOP, candidate_levels
from registry.matching.score import ranked_for_german

if TYPE_CHECKING:
    from numpy.typing import NDArray

FIRST_TEST_YEAR: Final = 2023  # 2022 (the first year of the full-scale invasion's wave) is always training
FIT: Final = "fit alone"
BLEND: Final = "default blend"
POPULATION: Final = "population only"
RANDOM: Final = "random (seeded)"
MODELS: Final = (FIT, BLEND, POPULATION, RANDOM)
HITS: Final = (1, 10, 20, 50)


@dataclass(frozen=True)
class Case:
    """A real partnership replayed: who chose whom in which year."""

    partnership_id: str
    de: int
    ua: int
    year: int


@dataclass(frozen=True)
class BacktestCase:
    """One test case and the rank each model gave the real partner (None: not ranked, a miss)."""

    partnership_id: str
    de_code: str
    ua_code: str
    start_year: int
    candidates: int
    ranks: dict[str, int | None]


@dataclass(frozen=True)
class ModelResult:
    """One model's figures over a set of test cases."""

    model: str
    split: str  # the test year, or "overall"
    cases: int
    hit_at: dict[int, float]
    mrr: float
    median_percentile: float  # the real partner's percentile rank, 0 = top, 100 = bottom


@dataclass(frozen=True)
class Plausibility:
    """Rule counts over the first ten suggestions of every German unit the matching serves."""

    subjects: int
    suggestions: int
    already_linked: int
    occupied: int
    outside_size_bounds: int
    top10_one_oblast: int  # subjects whose first ten (at least two) all lie in one oblast
    mean_oblasts_top10: float
    kreise_same_first: int  # Kreise with two or more Gemeinden that all get the same first hromada
    kreise: int


@dataclass(frozen=True)
class EvaluationReport:
    """Results per model and test year, the cases, the models fitted, and the plausibility counts."""

    results: tuple[ModelResult, ...]
    cases: tuple[BacktestCase, ...]
    fitted: dict[int, FitModel]
    plausibility: Plausibility | None

    def table(self) -> str:
        """Format the results as a fixed-width text table."""
        head = f"{'test year':<10}{'model':<20}{'cases':>6}" + "".join(f"{f'hit@{k}':>8}" for k in HITS)
        head += f"{'MRR':>8}{'median pct':>12}"
        lines = [head, "-" * len(head)]
        for r in self.results:
            hits = "".join(f"{r.hit_at[k]:>8.3f}" for k in HITS)
            lines.append(
                f"{r.split:<10}{r.model:<20}{r.cases:>6}{hits}{r.mrr:>8.3f}{r.median_percentile:>11.1f}%"
            )
        return "\n".join(lines)


def dated_cases(data: MatchingInput) -> list[Case]:
    """Every partnership with a start year between a Gemeinde or Stadt and a hromada or Kyiv, oldest first."""
    f = data.features
    cases = []
    for k in range(len(f.p_ids)):
        d, u, year = int(f.p_de[k]), int(f.p_ua[k]), f.p_start_year[k]
        if d < 0 or u < 0 or np.isnan(year):
            continue
        if f.de_levels[d] in DE_MUNICIPAL_LEVELS and f.ua_levels[u] in UA_MUNICIPAL_LEVELS:
            cases.append(Case(f.p_ids[k], d, u, int(year)))
    return sorted(cases, key=lambda c: (c.year, c.de, c.ua))


def _as_of(year: int) -> dt.date:
    return dt.date(year, 1, 1)


def _feasible(req: Request, case: Case) -> tuple[NDArray[np.intp], NDArray[np.float32]]:
    """The candidates of a case without size bounds (not occupied, not linked) and their scores."""
    f = req.f
    cols = ua_candidates(req, Filters(size_factor=None), candidate_levels(str(f.de_levels[case.de])))
    scores = total_block(req, np.array([case.de]), cols)[0]
    valid = ~np.isnan(scores)
    return cols[valid], scores[valid]


def size_profile(data: MatchingInput, cases: list[Case]) -> tuple[float, float]:
    """Mean and standard deviation of ln(hromada / German population) over the cases (defaults if < 2)."""
    f = data.features
    ratios = np.array([f.ua_log_population[c.ua] - f.de_log_population[c.de] for c in cases], dtype=float)
    ratios = ratios[~np.isnan(ratios)]
    if len(ratios) < 2:
        return UNIT_MODEL.size_centre, UNIT_MODEL.size_sigma
    return float(ratios.mean()), float(ratios.std(ddof=1))


def choice_sets(data: MatchingInput, cases: list[Case], profile: FitModel = UNIT_MODEL) -> list[ChoiceSet]:
    """The fit criteria of every candidate of each case (size by `profile`), and which one was chosen."""
    result = []
    for case in cases:
        req = make_request(data, None, _as_of(case.year), blend=0.0, model=profile)
        cols, _ = _feasible(req, case)
        where = np.flatnonzero(cols == case.ua)
        if where.size:  # a partner linked already through another level was no free choice
            result.append(ChoiceSet(fit_matrix(req, case.de, cols), int(where[0])))
    return result


def fit_model(data: MatchingInput, *, before_year: int | None = None, l2: float = L2) -> FitModel:
    """Fit the model on the cases before `before_year` (all if None)."""
    cases = [c for c in dated_cases(data) if before_year is None or c.year < before_year]
    centre, sigma = size_profile(data, cases)
    sets = choice_sets(data, cases, replace(UNIT_MODEL, size_centre=centre, size_sigma=sigma))
    coefficients, need_scale = fit_coefficients(sets, l2=l2)
    years = [c.year for c in cases]
    provenance = {
        "model": "conditional logit over the fit criteria, L2-penalised (registry/matching/model.py)",
        "criteria": list(LEARNED),
        "l2": l2,
        "cases": len(sets),
        "cases_not_free": len(cases) - len(sets),
        "years": [min(years), max(years)] if years else [],
        "before_year": before_year,
        "partnerships_in_data": len(data.features.p_ids),
    }
    return FitModel(coefficients, need_scale, provenance, centre, sigma)


def _rank(ranked: NDArray[np.intp], target: int) -> int | None:
    where = np.flatnonzero(ranked == target)
    return int(where[0]) + 1 if where.size else None


def _summarise(model: str, split: str, cases: list[BacktestCase]) -> ModelResult:
    if not cases:
        return ModelResult(model, split, 0, dict.fromkeys(HITS, 0.0), 0.0, float("nan"))
    ranks = np.array([np.nan if c.ranks[model] is None else c.ranks[model] for c in cases], dtype=float)
    sizes = np.array([max(c.candidates, 1) for c in cases], dtype=float)
    missed = np.isnan(ranks)
    filled = np.where(missed, np.inf, ranks)
    return ModelResult(
        model=model,
        split=split,
        cases=len(cases),
        hit_at={k: float(np.mean(filled <= k)) for k in HITS},
        mrr=float(np.mean(np.where(missed, 0.0, 1.0 / np.where(missed, 1.0, ranks)))),
        median_percentile=float(np.median(np.where(missed, 100.0, 100.0 * (filled - 1) / sizes))),
    )


def backtest(
    data: MatchingInput,
    *,
    blend: float = DEFAULT_BLEND,
    seed: int = 0,
    first_test_year: int = FIRST_TEST_YEAR,
) -> tuple[list[BacktestCase], dict[int, FitModel]]:
    """Rank every test case with the models fitted before its year; return the cases and the models."""
    rng = np.random.default_rng(seed)
    by_year: dict[int, list[Case]] = defaultdict(list)
    for case in dated_cases(data):
        if case.year >= first_test_year:
            by_year[case.year].append(case)
    fitted: dict[int, FitModel] = {}
    results: list[BacktestCase] = []
    for year in sorted(by_year):
        model = fitted[year] = fit_model(data, before_year=year)
        requests = {
            FIT: make_request(data, None, _as_of(year), blend=0.0, model=model),
            BLEND: make_request(data, None, _as_of(year), blend=blend, model=model),
            POPULATION: make_request(data, Weights.only(size=1.0), _as_of(year), blend=0.0, model=UNIT_MODEL),
        }
        for case in by_year[year]:
            cols, _ = _feasible(requests[FIT], case)
            ranks: dict[str, int | None] = {
                name: _rank(ranked_for_german(req, case.de, None), case.ua) for name, req in requests.items()
            }
            # The random baseline ranks the real partner among the same feasible candidates.
            ranks[RANDOM] = int(rng.integers(1, len(cols) + 1)) if case.ua in cols else None
            f = requests[FIT].f
            results.append(
                BacktestCase(
                    case.partnership_id, f.de_codes[case.de], f.ua_codes[case.ua], year, len(cols), ranks
                )
            )
    return results, fitted


def plausibility(data: MatchingInput, *, blend: float = DEFAULT_BLEND) -> Plausibility:
    """Count rule breaches over the first ten suggestions of every German unit the matching serves."""
    req = make_request(data, None, None, blend=blend)
    f = req.f
    linked = set(zip(req.ties.linked_de.tolist(), req.ties.linked_ua.tolist(), strict=True))
    subjects = [i for i in range(len(f.de_codes)) if str(f.de_levels[i]) in CANDIDATE_LEVELS]
    counts: dict[str, int] = defaultdict(int)
    oblasts_per_subject = []
    firsts: dict[int, list[int]] = defaultdict(list)
    factor = Filters().size_factor or np.inf
    for i in subjects:
        top = ranked_for_german(req, i, None)[:DIVERSITY_TOP]
        counts["suggestions"] += len(top)
        counts["linked"] += sum((i, int(j)) in linked for j in top)
        counts["occupied"] += int(f.ua_occupied[top].sum())
        if not np.isnan(f.de_log_population[i]):
            lower, upper = size_bounds(float(f.de_log_population[i]), factor)
            with np.errstate(invalid="ignore"):
                logs = f.ua_log_population[top]
                counts["bounds"] += int(((logs < lower) | (logs > upper)).sum())
        if len(top) >= 2:
            distinct = len(set(f.ua_oblast[top].tolist()))
            oblasts_per_subject.append(distinct)
            counts["one_oblast"] += distinct == 1
        if top.size and f.de_levels[i] in ("gemeinde", "stadt") and f.de_kreis[i] >= 0:
            firsts[int(f.de_kreis[i])].append(int(top[0]))
    groups = [g for g in firsts.values() if len(g) >= 2]
    return Plausibility(
        subjects=len(subjects),
        suggestions=counts["suggestions"],
        already_linked=counts["linked"],
        occupied=counts["occupied"],
        outside_size_bounds=counts["bounds"],
        top10_one_oblast=counts["one_oblast"],
        mean_oblasts_top10=float(np.mean(oblasts_per_subject)) if oblasts_per_subject else 0.0,
        kreise_same_first=sum(len(set(g)) == 1 for g in groups),
        kreise=len(groups),
    )


def evaluate(
    data: MatchingInput,
    *,
    blend: float = DEFAULT_BLEND,
    seed: int = 0,
    first_test_year: int = FIRST_TEST_YEAR,
    with_plausibility: bool = True,
) -> EvaluationReport:
    """Backtest by time for every model, per test year and overall, and count the plausibility rules."""
    cases, fitted = backtest(data, blend=blend, seed=seed, first_test_year=first_test_year)
    results = []
    for year in sorted({c.start_year for c in cases}):
        chosen = [c for c in cases if c.start_year == year]
        results += [_summarise(model, str(year), chosen) for model in MODELS]
    results += [_summarise(model, "overall", cases) for model in MODELS]
    return EvaluationReport(
        tuple(results),
        tuple(cases),
        fitted,
        plausibility(data, blend=blend) if with_plausibility else None,
    )
