"""Per-request options of the matching: criterion weights, candidate filters and the as_of rule."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING

import numpy as np

from registry.matching import criteria
from registry.matching.frames import DE_MUNICIPAL_LEVELS

if TYPE_CHECKING:
    import datetime as dt

    from numpy.typing import NDArray


@dataclass(frozen=True)
class Weights:
    """Weights of the criteria; the total score is their weighted mean (reasons in `criteria`)."""

    size: float = criteria.SIZE_WEIGHT
    reconstruction: float = criteria.RECONSTRUCTION_WEIGHT
    idp: float = criteria.IDP_WEIGHT
    declared: float = criteria.DECLARED_WEIGHT
    land_oblast: float = criteria.LAND_OBLAST_WEIGHT
    kreis_raion: float = criteria.KREIS_RAION_WEIGHT
    neighbours: float = criteria.NEIGHBOURS_WEIGHT
    third_partners: float = criteria.THIRD_PARTNERS_WEIGHT
    saturation: float = criteria.SATURATION_WEIGHT

    def __post_init__(self) -> None:
        """Reject negative or non-finite weights and an all-zero set."""
        for item in fields(self):
            value = getattr(self, item.name)
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"weight {item.name!r} must be a finite number >= 0, got {value!r}")
        if self.total() == 0:
            raise ValueError("at least one weight must be positive")

    @classmethod
    def parse(cls, text: str, base: Weights | None = None) -> Weights:
        """Parse "size=2,idp=0.5" into weights, starting from `base` (default weights if None).

        Raises:
            ValueError: naming the unknown key or the value that is not a number.
        """
        known = {item.name for item in fields(cls)}
        changes: dict[str, float] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            key, sep, raw = (s.strip() for s in part.partition("="))
            if key not in known:
                raise ValueError(f"unknown weight {key!r}; known: {', '.join(sorted(known))}")
            if not sep:
                raise ValueError(f"weight {key!r} needs a value, e.g. {key}=1.0")
            try:
                changes[key] = float(raw)
            except ValueError:
                raise ValueError(f"weight {key!r}: {raw!r} is not a number") from None
        return replace(base or cls(), **changes)

    def as_dict(self) -> dict[str, float]:
        """Return the weights keyed by criterion name, in the order of `criteria.CRITERIA`."""
        return {name: float(getattr(self, name)) for name in criteria.CRITERIA}

    def total(self) -> float:
        """Return the sum of all weights (the denominator of the total score)."""
        return float(sum(getattr(self, item.name) for item in fields(self)))

    @classmethod
    def only(cls, **chosen: float) -> Weights:
        """Build weights that are zero except for the criteria given, e.g. `Weights.only(size=1)`."""
        return cls(**{name: chosen.get(name, 0.0) for name in criteria.CRITERIA})


@dataclass(frozen=True)
class Filters:
    """Which candidates to rank; None means no restriction.

    Oblast and war-status filters restrict hromadas, Land and level filters German municipalities;
    each population range restricts its own side, (min, max) inclusive with None for open ends.
    """

    oblast_codes: frozenset[str] | None = None
    land_codes: frozenset[str] | None = None
    war_statuses: frozenset[str] | None = None
    ua_population: tuple[float | None, float | None] = (None, None)
    de_population: tuple[float | None, float | None] = (None, None)
    de_levels: frozenset[str] = DE_MUNICIPAL_LEVELS


def population_mask(
    population: NDArray[np.float64], bounds: tuple[float | None, float | None]
) -> NDArray[np.bool_]:
    """Select populations within inclusive bounds; unknown populations pass only an open range."""
    low, high = bounds
    mask = np.ones(population.shape, dtype=bool)
    if low is not None:
        mask &= population >= low
    if high is not None:
        mask &= population <= high
    return mask


def existed_before(start_year: NDArray[np.float64], as_of: dt.date | None) -> NDArray[np.bool_]:
    """Tell which partnerships count as existing before `as_of`.

    The register knows only start years. A partnership started in year Y counts from 31 December Y
    on: before `as_of` if Y < as_of.year, or Y == as_of.year and as_of is 31 December. Undated
    partnerships count as existing (most are older ties whose year no source states; explanations
    say "undated ties counted as existing"). Without `as_of` every partnership counts.
    """
    if as_of is None:
        return np.ones(start_year.shape, dtype=bool)
    undated = np.isnan(start_year)
    year_end = as_of.month == 12 and as_of.day == 31
    limit = as_of.year + (1 if year_end else 0)
    with np.errstate(invalid="ignore"):
        return undated | (start_year < limit)
