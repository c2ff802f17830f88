"""Explainable partner suggestions, coverage plan and backtest: pandas frames in, typed results out."""

from __future__ import annotations

from registry.matching.evaluate import BacktestCase, EvaluationReport, ModelResult, evaluate
from registry.matching.frames import MatchingInput, UnknownCodeError
from registry.matching.options import Filters, Weights
from registry.matching.plan import Assignment, CoveragePlan, RegionSummary, coverage_plan, write_plan_csv
from registry.matching.score import (
    PairExplanation,
    ScoreMatrix,
    Suggestion,
    explain_pair,
    score_matrix,
    suggest_for_german,
    suggest_for_hromada,
)

__all__ = [
    "Assignment",
    "BacktestCase",
    "CoveragePlan",
    "EvaluationReport",
    "Filters",
    "MatchingInput",
    "ModelResult",
    "PairExplanation",
    "RegionSummary",
    "ScoreMatrix",
    "Suggestion",
    "UnknownCodeError",
    "Weights",
    "coverage_plan",
    "evaluate",
    "explain_pair",
    "score_matrix",
    "suggest_for_german",
    "suggest_for_hromada",
    "write_plan_csv",
]
