"""Benchmark the matching on the bundled data: all pairs, one municipality's suggestions, plan, backtest.

Builds the input frames from the CSVs in data/ (every inhabited Gemeinde x the 1,469 hromadas,
Kyiv and Sevastopol; see _frames_from_csv.py) and prints time and peak memory next to a bare numpy
computation of the same formula measured in the same run. Targets (issue 4): all pairs < 2 s,
< 1.5 GB and within 1.5x of bare numpy; one municipality's suggestions < 20 ms; plan < 30 s.

Run: .venv/bin/python benchmarks/bench_matching.py [--repeat 5] [--suggest-runs 200] [--no-backtest]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
import tracemalloc
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _frames_from_csv import frames_from_csv

from registry.matching import (
    MatchingInput,
    Weights,
    coverage_plan,
    evaluate,
    score_matrix,
    suggest_for_german,
    suggest_for_hromada,
)
from registry.matching.criteria import SIZE_SIGMA, SIZE_UNKNOWN
from registry.matching.request import de_candidates, make_request, ua_candidates

if TYPE_CHECKING:
    from collections.abc import Callable

    from numpy.typing import NDArray

T = TypeVar("T")
EXAMPLE_GERMAN = "05315000"  # Köln
EXAMPLE_HROMADA = "UA12020010000033698"  # Dnipro


def timed(fn: Callable[[], T], repeat: int) -> tuple[float, T]:
    """Return the median wall time in seconds over `repeat` runs and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    assert result is not None
    return statistics.median(times), result


def peak_mb(fn: Callable[[], object]) -> float:
    """Return the peak of memory traced (numpy included) while `fn` runs, in MB."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


@dataclass(frozen=True)
class BareInputs:
    """The arrays the bare numpy formula needs, extracted outside any timing."""

    de_log: NDArray[np.float32]
    ua_log: NDArray[np.float32]
    column: NDArray[np.float32]
    ties: NDArray[np.float32]
    de_region: NDArray[np.intp]
    ua_region: NDArray[np.intp]
    excluded: NDArray[np.bool_]
    size_scale: np.float32


def bare_inputs(data: MatchingInput) -> BareInputs:
    """Extract the inputs of the formula for all pairs with default weights (occupied included)."""
    req = make_request(data, None, None, include_occupied=True)
    f, w = req.f, req.weights
    rows, cols = de_candidates(req, None), ua_candidates(req, None)
    excluded = np.zeros((len(f.de_codes), len(f.ua_codes)), dtype=bool)
    excluded[req.ties.excluded_de, req.ties.excluded_ua] = True
    return BareInputs(
        de_log=f.de_log_population[rows].astype(np.float32),
        ua_log=f.ua_log_population[cols].astype(np.float32),
        column=req.column_term[cols],
        ties=req.weighted_ties,
        de_region=f.de_region[rows],
        ua_region=f.ua_region[cols],
        excluded=excluded[np.ix_(rows, cols)],
        size_scale=np.float32(w.size / w.total()),
    )


def bare_numpy(x: BareInputs) -> NDArray[np.float32]:
    """Compute the same total score as plain numpy expressions (the data has no needs or third partners)."""
    diff = x.de_log[:, None] - x.ua_log[None, :]
    size = np.exp(diff * diff * np.float32(-0.5 / SIZE_SIGMA**2))
    size[np.isnan(size)] = SIZE_UNKNOWN
    total = x.size_scale * size + x.column[None, :] + x.ties[x.de_region][:, x.ua_region]
    total[x.excluded] = np.nan
    return np.asarray(total, dtype=np.float32)


def bare_numpy_in_place(x: BareInputs) -> NDArray[np.float32]:
    """Compute the same formula with in-place operations on one matrix."""
    total = np.subtract(x.de_log[:, None], x.ua_log[None, :], dtype=np.float32)
    np.square(total, out=total)
    total *= np.float32(-0.5 / SIZE_SIGMA**2)
    np.exp(total, out=total)
    np.nan_to_num(total, copy=False, nan=SIZE_UNKNOWN)
    total *= x.size_scale
    total += x.column[None, :]
    total += x.ties[x.de_region][:, x.ua_region]
    total[x.excluded] = np.nan
    return total


def compare_bare(
    name: str, bare: Callable[[], NDArray[np.float32]], ours: NDArray[np.float32], ours_s: float, repeat: int
) -> None:
    """Time a bare numpy variant, check it gives the same scores and print the ratio."""
    bare_s, result = timed(bare, repeat)
    same = np.allclose(ours, result, rtol=1e-5, atol=1e-6, equal_nan=True)
    print(
        f"  {name:<20} {bare_s:6.3f} s  peak {peak_mb(bare):7.1f} MB  same scores: {same}; "
        f"score_matrix / this = {ours_s / bare_s:.2f}x (target <= 1.5x)"
    )


def main() -> None:
    """Run every benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per full-matrix timing (median)")
    parser.add_argument("--suggest-runs", type=int, default=200, help="runs per suggestion timing (median)")
    parser.add_argument("--no-backtest", action="store_true", help="skip the backtest table")
    args = parser.parse_args()

    load_s, data = timed(frames_from_csv, 1)
    features_s, f = timed(lambda: data.features, 1)
    print(f"frames from CSV: {load_s:.2f} s; features (once per input): {features_s:.2f} s")

    def all_pairs() -> NDArray[np.float32]:
        return score_matrix(data, include_occupied=True).total

    matrix_s, ours = timed(all_pairs, args.repeat)
    inputs = bare_inputs(data)
    print(f"\nall pairs: {ours.shape[0]:,} German x {ours.shape[1]:,} Ukrainian = {ours.size:,} pairs")
    ours_mb = peak_mb(all_pairs)
    print(f"  score_matrix         {matrix_s:6.3f} s  peak {ours_mb:7.1f} MB  (target < 2 s, < 1536 MB)")
    for name, bare in (("bare numpy", bare_numpy), ("bare numpy, in place", bare_numpy_in_place)):
        compare_bare(name, partial(bare, inputs), ours, matrix_s, args.repeat)

    de_code = EXAMPLE_GERMAN if EXAMPLE_GERMAN in f.de_index else f.de_codes[0]
    ua_code = EXAMPLE_HROMADA if EXAMPLE_HROMADA in f.ua_index else f.ua_codes[0]
    german_s, top = timed(lambda: suggest_for_german(data, de_code), args.suggest_runs)
    hromada_s, _ = timed(lambda: suggest_for_hromada(data, ua_code), args.suggest_runs)
    all_s, _ = timed(lambda: suggest_for_german(data, de_code, limit=0), max(args.suggest_runs // 10, 3))
    print(f"\nsuggestions (median of {args.suggest_runs} runs; target < 20 ms)")
    print(f"  for {f.de_names[f.de_index[de_code]]}, top 10:       {1000 * german_s:6.1f} ms")
    print(f"  for {f.ua_names[f.ua_index[ua_code]]}, top 10 German:     {1000 * hromada_s:6.1f} ms")
    print(f"  for {f.de_names[f.de_index[de_code]]}, all, explained: {1000 * all_s:6.1f} ms")
    print(f"  best: {top[0].explanation_en}")

    plan_s, plan = timed(lambda: coverage_plan(data), 1)
    print(f"\ncoverage plan: {len(plan.assignments):,} hromadas assigned in {plan_s:.1f} s (target < 30 s);")
    print(f"  total score {plan.total_score:.1f}, {len(plan.unassigned)} unassigned; top oblasts:")
    for row in plan.by_oblast[:3]:
        print(f"    {row.name:<20} {row.assigned:4d} hromadas, mean score {row.mean_score:.3f}")

    if not args.no_backtest:
        backtest_s, report = timed(lambda: evaluate(data), 1)
        print(f"\nbacktest ({len(report.cases)} partnerships since 2022, {backtest_s:.1f} s):")
        print(report.table())
        print(f"  default weights: {Weights().as_dict()}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nprocess peak RSS: {rss:.0f} MB (includes pandas, the frames and the benchmark's own copies)")


if __name__ == "__main__":
    main()
