"""Coverage plan (a valid, optimal one-to-one assignment) and the backtest on the tiny world."""

from __future__ import annotations

import csv
import io
import itertools

import numpy as np
import pytest

from registry.matching import Weights, coverage_plan, evaluate, score_matrix, write_plan_csv
from registry.matching.evaluate import MODEL, POPULATION_MODEL, RANDOM_MODEL, backtest_cases
from tests.unit.test_matching_fixtures import (
    GDORF,
    GSTADT,
    GWEILER,
    HSTADT,
    NAMES_DE,
    NORDKREIS,
    R3,
    A,
    B,
    C,
    D,
    E,
    K,
    partnership,
    world,
)


def best_total_by_brute_force(total: np.ndarray) -> float:
    """Try every injective assignment of the rows (the test matrices are tiny; rows <= columns)."""
    rows, cols = total.shape
    assert rows <= cols
    scores = np.nan_to_num(total, nan=-np.inf).tolist()
    return float(
        max(sum(scores[r][c] for r, c in enumerate(p)) for p in itertools.permutations(range(cols), rows))
    )


@pytest.mark.parametrize(
    ("partnerships", "include_partnered", "hromadas", "germans"),
    [
        ([], False, {A, B, C, E, K}, {GSTADT, GDORF, GWEILER, HSTADT}),
        ([partnership(1, HSTADT, A, 2020)], False, {B, C, E, K}, {GSTADT, GDORF, GWEILER}),
        ([partnership(1, HSTADT, A, 2020)], True, {B, C, E, K}, {GSTADT, GDORF, GWEILER, HSTADT}),
    ],
)
def test_plan_is_a_valid_optimal_one_to_one_assignment(
    partnerships: list[dict[str, object]], include_partnered: bool, hromadas: set[str], germans: set[str]
) -> None:
    data = world(partnerships)
    plan = coverage_plan(data, include_partnered_germans=include_partnered)
    used_ua = [a.ua_code for a in plan.assignments]
    used_de = [a.de_code for a in plan.assignments]
    assert len(set(used_ua)) == len(used_ua)
    assert len(set(used_de)) == len(used_de)
    assert set(used_ua) | set(plan.unassigned) == hromadas
    assert not set(used_ua) & set(plan.unassigned)
    assert set(used_de) <= germans
    assert len(plan.assignments) == min(len(hromadas), len(germans))
    matrix = score_matrix(data)
    rows = [matrix.de_codes.index(code) for code in sorted(germans)]
    cols = [matrix.ua_codes.index(code) for code in sorted(hromadas)]
    assert plan.total_score == pytest.approx(
        best_total_by_brute_force(matrix.total[np.ix_(rows, cols)]), abs=1e-5
    )
    for a in plan.assignments:
        assert a.score == pytest.approx(
            float(matrix.total[matrix.de_codes.index(a.de_code), matrix.ua_codes.index(a.ua_code)]), abs=1e-6
        )


def test_plan_never_uses_occupied_or_partnered_hromadas() -> None:
    plan = coverage_plan(world([partnership(1, NORDKREIS, B, 2020)]))
    assigned = {a.ua_code for a in plan.assignments} | set(plan.unassigned)
    assert D not in assigned
    assert B not in assigned  # a Kreis partner is a German partner too


@pytest.mark.parametrize(
    ("threshold", "expected"), [(None, {A, B, C, E, K}), (0.5, {B, E, K}), (0.9, {B}), (1.0, set())]
)
def test_plan_need_threshold(threshold: float | None, expected: set[str]) -> None:
    plan = coverage_plan(world(), need_threshold=threshold)
    assert {a.ua_code for a in plan.assignments} | set(plan.unassigned) == expected


def test_plan_rejects_a_threshold_outside_unit_interval() -> None:
    with pytest.raises(ValueError, match="need_threshold"):
        coverage_plan(world(), need_threshold=1.5)


def test_plan_summaries_and_csv() -> None:
    plan = coverage_plan(world())
    assert sum(r.assigned for r in plan.by_oblast) == len(plan.assignments)
    assert sum(r.assigned for r in plan.by_land) == len(plan.assignments)
    assert {r.name for r in plan.by_land} <= {"Schleswig-Holstein", "Hamburg"}
    stream = io.StringIO()
    write_plan_csv(plan, stream)
    rows = list(csv.DictReader(io.StringIO(stream.getvalue())))
    assert [(r["ua_code"], r["de_code"]) for r in rows] == [(a.ua_code, a.de_code) for a in plan.assignments]
    assert all(r["explanation_en"].startswith(f"{r['de_name']} \u2013 {r['ua_name']} / ") for r in rows)
    for a in plan.assignments:  # the German text names the hromada in German
        assert a.explanation_de.startswith(f"{a.de_name} \u2013 {NAMES_DE.get(a.ua_code, a.ua_name)} / ")
    assert float(rows[0]["score"]) == pytest.approx(plan.assignments[0].score, abs=1e-4)


def backtest_world() -> list[dict[str, object]]:
    return [
        partnership(1, GSTADT, B, 2023),  # a case
        partnership(2, HSTADT, E, 2022),  # a case
        partnership(3, NORDKREIS, R3, 2023),  # Kreis level: no case
        partnership(4, GDORF, A, 2021),  # before 2022: no case, but a tie from then on
        partnership(5, GWEILER, C),  # undated: no case, counted as existing
    ]


def test_backtest_cases() -> None:
    assert backtest_cases(world(backtest_world())) == [("2", HSTADT, E, 2022), ("1", GSTADT, B, 2023)]


def test_evaluate_on_a_tiny_world() -> None:
    # Gstadt, as of 2023: B (48,000, deoccupied, neighbour Gdorf's partner A in the same raion) ranks 1st.
    # Hstadt, as of 2022: B outranks the real partner E on needs, so E is 2nd. By size alone A (50,000)
    # comes first for both; then B for Gstadt (2nd) and B before E for Hstadt (E 3rd).
    report = evaluate(world(backtest_world()))
    by_model = {r.model: r for r in report.results}
    assert list(by_model) == [MODEL, POPULATION_MODEL, RANDOM_MODEL]
    assert [c.ranks[MODEL] for c in report.cases] == [2, 1]
    assert [c.ranks[POPULATION_MODEL] for c in report.cases] == [3, 2]
    assert all(c.candidates == 5 for c in report.cases)
    model = by_model[MODEL]
    assert (model.cases, model.hit_at_1, model.hit_at_10) == (2, 0.5, 1.0)
    assert model.mrr == pytest.approx(0.75)
    assert model.median_percentile == pytest.approx(10.0)  # ranks 1 and 2 of 5: 0% and 20%
    assert by_model[POPULATION_MODEL].mrr == pytest.approx((1 / 3 + 1 / 2) / 2)
    assert all(1 <= (c.ranks[RANDOM_MODEL] or 0) <= c.candidates for c in report.cases)
    assert evaluate(world(backtest_world())).cases == report.cases  # the random baseline is seeded
    table = report.table()
    for name in (MODEL, POPULATION_MODEL, RANDOM_MODEL, "hit@10", "MRR"):
        assert name in table


def test_evaluate_counts_a_partner_that_is_no_candidate_as_a_miss() -> None:
    report = evaluate(world([partnership(1, GSTADT, D, 2023)]), models={"size": Weights.only(size=1.0)})
    (case,) = report.cases
    assert case.ranks[MODEL] is None
    assert case.ranks[RANDOM_MODEL] is None
    result = {r.model: r for r in report.results}["size"]
    assert (result.hit_at_50, result.mrr, result.median_percentile) == (0.0, 0.0, 100.0)
