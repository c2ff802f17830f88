"""The fit model: coefficients of the fit criteria learned from real partnerships (conditional logit).

Each real partnership is one choice: a German unit chose one Ukrainian partner among all the
candidates it had at the start of that year. A conditional logit model gives each candidate the
probability exp(b.x) / sum over candidates exp(b.x), with x the fit criteria of the pair; the
coefficients b maximise the likelihood of the real choices minus an L2 penalty (a Gaussian prior
that keeps coefficients small where the data say little). It is the standard model for "which of
these did they pick", it ranks exactly like its linear score b.x (so every criterion's contribution
b_k x_k can be shown), and it fits in well under a second with scipy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize
from scipy.special import logsumexp

from registry.matching import criteria

# Learned from the data; `declared` has no data yet and keeps a fixed coefficient.
LEARNED: Final = tuple(name for name in criteria.FIT_CRITERIA if name != "declared")
# A full match of declared needs and offers counts like a Land tie of a typical fitted size: strong
# evidence, but not enough alone to lift a village to a city of millions.
DECLARED_COEFFICIENT: Final = 2.0
# The L2 penalty per coefficient (a Gaussian prior with standard deviation 1/sqrt(L2) = 1 logit unit
# around zero, i.e. "no effect" unless the cases show one). Set before looking at the test years.
L2: Final = 1.0
# Need's full weight, in logit units of the fit, is the spread between a good and a median candidate:
# the 99th minus the 50th percentile of the fit scores over all candidates of the training cases.
SPREAD_PERCENTILES: Final = (50.0, 99.0)


@dataclass(frozen=True)
class FitModel:
    """Fitted coefficients of the fit criteria, need's scale and where they came from."""

    coefficients: Mapping[str, float]
    need_scale: float
    provenance: Mapping[str, Any] = field(default_factory=dict)
    size_centre: float = criteria.SIZE_CENTRE  # mean ln(hromada / German population) of the real pairs
    size_sigma: float = criteria.SIZE_SIGMA  # and its standard deviation

    def coefficient(self, name: str) -> float:
        """Return the coefficient of a fit criterion (the fixed one for `declared`)."""
        if name == "declared":
            return DECLARED_COEFFICIENT
        return float(self.coefficients.get(name, 0.0))

    def matches(self, other: FitModel, tolerance: float = 1e-4) -> bool:
        """Tell whether two fits agree to `tolerance` (SQLite and PostgreSQL fits differ in last digits)."""
        mine, theirs = self.as_json(), other.as_json()
        numbers = [(mine["coefficients"][k], theirs["coefficients"].get(k, np.nan)) for k in LEARNED]
        numbers += [(mine[k], theirs[k]) for k in ("need_scale", "size_centre", "size_sigma")]
        return all(abs(a - b) <= tolerance * max(1.0, abs(a)) for a, b in numbers)

    def as_json(self) -> dict[str, Any]:
        """Return the model as a JSON-ready dict (the shipped model file)."""
        return {
            "coefficients": {name: round(float(self.coefficients[name]), 6) for name in LEARNED},
            "declared_coefficient": DECLARED_COEFFICIENT,
            "need_scale": round(float(self.need_scale), 6),
            "size_centre": round(float(self.size_centre), 6),
            "size_sigma": round(float(self.size_sigma), 6),
            "provenance": dict(self.provenance),
        }

    @classmethod
    def from_json(cls, payload: Mapping[str, Any]) -> FitModel:
        """Read a model written by `as_json`; unknown criteria are an error, missing ones count 0."""
        coefficients = {str(k): float(v) for k, v in payload["coefficients"].items()}
        if unknown := set(coefficients) - set(LEARNED):
            raise ValueError(f"model file: unknown criteria {sorted(unknown)}")
        return cls(
            coefficients,
            float(payload["need_scale"]),
            dict(payload.get("provenance", {})),
            float(payload.get("size_centre", criteria.SIZE_CENTRE)),
            float(payload.get("size_sigma", criteria.SIZE_SIGMA)),
        )


# Without a fitted model (unit tests of single criteria) every fit criterion counts 1 logit unit.
UNIT_MODEL: Final = FitModel(dict.fromkeys(LEARNED, 1.0), 1.0, {"note": "unit coefficients, not fitted"})


@dataclass(frozen=True)
class ChoiceSet:
    """One real choice: the fit criteria of every candidate (rows, in LEARNED order) and the chosen row."""

    features: NDArray[np.float64]
    chosen: int


def _objective(
    beta: NDArray[np.float64],
    x: NDArray[np.float64],
    starts: NDArray[np.intp],
    chosen: NDArray[np.intp],
    l2: float,
) -> tuple[float, NDArray[np.float64]]:
    scores = x @ beta
    ends = np.append(starts[1:], len(scores))
    loss = l2 / 2 * float(beta @ beta)
    grad = l2 * beta
    for start, end, pick in zip(starts.tolist(), ends.tolist(), chosen.tolist(), strict=True):
        segment = scores[start:end]
        lse = float(logsumexp(segment))
        p = np.exp(segment - lse)
        loss += lse - float(segment[pick])
        grad += p @ x[start:end] - x[start + pick]
    return loss, grad


def fit_coefficients(cases: Sequence[ChoiceSet], *, l2: float = L2) -> tuple[dict[str, float], float]:
    """Fit the conditional logit model; return (coefficients by criterion, need scale).

    Raises:
        ValueError: no cases to fit on.
    """
    if not cases:
        raise ValueError("no cases to fit the model on")
    x = np.concatenate([c.features for c in cases]).astype(np.float64)
    starts = np.cumsum([0] + [len(c.features) for c in cases[:-1]]).astype(np.intp)
    chosen = np.array([c.chosen for c in cases], dtype=np.intp)
    result = minimize(
        _objective, np.zeros(x.shape[1]), args=(x, starts, chosen, l2), jac=True, method="L-BFGS-B"
    )
    beta = np.asarray(result.x, dtype=np.float64)
    scores = x @ beta
    low, high = np.percentile(scores, SPREAD_PERCENTILES)
    return {name: float(b) for name, b in zip(LEARNED, beta, strict=True)}, float(max(high - low, 1e-6))
