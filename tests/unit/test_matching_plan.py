"""Coverage plan (a valid, optimal one-to-one assignment) and the backtest on the tiny world."""

from __future__ import annotations

import csv
import io
import itertools

import numpy as np
import pytest

from registry.matching import coverage_plan, evaluate, score_matrix, write_plan_csv
from registry.matching.evaluate import FIT, MODELS, dated_cases, plausibility
from tests.unit.test_matching_fixtures import (
    BDORF,
    BERLIN,
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
    """Try every injective assignment of the shorter side (the test matrices are tiny)."""
    if total.shape[0] > total.shape[1]:
        total = total.T
    rows, cols = total.shape
    scores = np.nan_to_num(total, nan=-np.inf).tolist()
    return float(
        max(sum(scores[r][c] for r, c in enumerate(p)) for p in itertools.permutations(range(cols), rows))
    )


@pytest.mark.parametrize(
    ("partnerships", "include_partnered", "hromadas", "germans"),
    [
        ([], False, {A, B, C, E, K}, {GSTADT, GDORF, GWEILER, HSTADT, BERLIN, BDORF}),
        ([partnership(1, HSTADT, A, 2020)], False, {B, C, E, K}, {GSTADT, GDORF, GWEILER, BERLIN, BDORF}),
        (
            [partnership(1, HSTADT, A, 2020)],
            True,
            {B, C, E, K},
            {GSTADT, GDORF, GWEILER, HSTADT, BERLIN, BDORF},
        ),
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
    assert {r.name for r in plan.by_land} <= {"Schleswig-Holstein", "Hamburg", "Berlin", "Bayern"}
    stream = io.StringIO()
    write_plan_csv(plan, stream)
    rows = list(csv.DictReader(io.StringIO(stream.getvalue())))
    assert [(r["ua_code"], r["de_code"]) for r in rows] == [(a.ua_code, a.de_code) for a in plan.assignments]
    assert all(r["explanation_en"].startswith(f"{r['de_name']} \u2013 {r['ua_name']}") for r in rows)
    assert all("Rank" not in r["explanation_en"] for r in rows)  # an assignment is not a ranked list
    for a in plan.assignments:  # the German text names the hromada in German, the Ukrainian one in Cyrillic
        assert a.explanation_de.startswith(f"{a.de_name} \u2013 {NAMES_DE.get(a.ua_code, a.ua_name)}")
        assert f"{a.ua_name}-uk" in a.explanation_uk
    assert float(rows[0]["score"]) == pytest.approx(plan.assignments[0].score, abs=1e-4)


def backtest_world() -> list[dict[str, object]]:
    return [
        partnership(1, GSTADT, B, 2023),  # a test case of 2023
        partnership(2, HSTADT, E, 2022),  # a training case
        partnership(3, NORDKREIS, R3, 2023),  # Kreis level: no case
        partnership(4, GDORF, A, 2021),  # a training case, and a tie from then on
        partnership(5, GWEILER, C),  # undated: no case, counted as existing
        partnership(6, BDORF, D, 2024),  # a test case of 2024 whose partner is occupied: a miss
    ]


def test_dated_cases_are_town_partnerships_with_a_year() -> None:
    data = world(backtest_world())
    f = data.features
    cases = [(c.partnership_id, f.de_codes[c.de], f.ua_codes[c.ua], c.year) for c in dated_cases(data)]
    assert cases == [
        ("4", GDORF, A, 2021),
        ("2", HSTADT, E, 2022),
        ("1", GSTADT, B, 2023),
        ("6", BDORF, D, 2024),
    ]


def test_the_backtest_fits_only_on_years_before_the_test_year() -> None:
    report = evaluate(world(backtest_world()), with_plausibility=False)
    assert sorted(report.fitted) == [2023, 2024]
    for year, model in report.fitted.items():
        assert model.provenance["before_year"] == year
        assert max(model.provenance["years"]) < year
    assert report.fitted[2023].provenance["cases"] == 2
    assert [(c.partnership_id, c.start_year) for c in report.cases] == [("1", 2023), ("6", 2024)]
    splits = [(r.split, r.model) for r in report.results]
    assert splits[:4] == [("2023", name) for name in MODELS]
    assert splits[-4:] == [("overall", name) for name in MODELS]
    (miss,) = [c for c in report.cases if c.partnership_id == "6"]  # the partner is occupied now
    assert all(rank is None for rank in miss.ranks.values())
    overall = {r.model: r for r in report.results if r.split == "overall"}
    assert overall[FIT].cases == 2
    assert overall[FIT].median_percentile == pytest.approx(
        np.median([100.0, 100.0 * (report.cases[0].ranks[FIT] - 1) / report.cases[0].candidates])  # type: ignore[operator]
    )
    assert evaluate(world(backtest_world()), with_plausibility=False).cases == report.cases  # seeded
    table = report.table()
    for name in (*MODELS, "hit@20", "MRR", "overall"):
        assert name in table


def test_plausibility_counts_no_breach_of_the_rules() -> None:
    counts = plausibility(world(backtest_world()))
    assert counts.subjects > 0
    assert counts.suggestions > 0
    assert (counts.already_linked, counts.occupied, counts.outside_size_bounds) == (0, 0, 0)
