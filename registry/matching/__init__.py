"""Explainable partner suggestions, fit model, coverage plan and backtest: frames in, typed results out."""

from __future__ import annotations

from registry.matching.evaluate import (
    BacktestCase,
    EvaluationReport,
    ModelResult,
    Plausibility,
    evaluate,
    fit_model,
)
from registry.matching.frames import MatchingInput, UnknownCodeError
from registry.matching.model import FitModel
from registry.matching.options import DEFAULT_BLEND, Filters, Weights
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
    "DEFAULT_BLEND",
    "Assignment",
    "BacktestCase",
    "CoveragePlan",
    "EvaluationReport",
    "Filters",
    "FitModel",
    "MatchingInput",
    "ModelResult",
    "PairExplanation",
    "Plausibility",
    "RegionSummary",
    "ScoreMatrix",
    "Suggestion",
    "UnknownCodeError",
    "Weights",
    "coverage_plan",
    "evaluate",
    "explain_pair",
    "fit_model",
    "score_matrix",
    "suggest_for_german",
    "suggest_for_hromada",
    "write_plan_csv",
]
