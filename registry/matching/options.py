"""Per-request options of the matching: criterion weights, the fit/need blend, filters and the as_of rule."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Final

import numpy as np

from registry.matching import criteria

if TYPE_CHECKING:
    import datetime as dt

    from numpy.typing import NDArray

# The share of need in the default ranking: fit decides which pairings are plausible at all, need
# decides among plausible ones (at 0.25 a hromada's full need counts a third as much as the fit's spread
# between a median and a top-1 % candidate, model.FitModel.need_scale). Set by intent, not fitted: the
# past does not reward need, so a fitted share would be zero.
DEFAULT_BLEND: Final = 0.25


@dataclass(frozen=True)
class Weights:
    """Weights of the criteria.

    Fit criteria: a multiplier on the learned coefficient (1 = as learned, 0 = off, 2 = double).
    Need criteria: explicit weights of their weighted mean (reasons in `criteria`).
    """

    size: float = 1.0
    land_oblast: float = 1.0
    kreis_raion: float = 1.0
    neighbours: float = 1.0
    land_neighbours: float = 1.0
    third_partners: float = 1.0
    popularity: float = 1.0
    oblast_popularity: float = 1.0
    distance: float = 1.0
    urban: float = 1.0
    prominence: float = 1.0
    declared: float = 1.0
    reconstruction: float = criteria.RECONSTRUCTION_WEIGHT
    idp: float = criteria.IDP_WEIGHT
    saturation: float = criteria.SATURATION_WEIGHT

    def __post_init__(self) -> None:
        """Reject negative or non-finite weights and an all-zero set."""
        for item in fields(self):
            value = getattr(self, item.name)
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"weight {item.name!r} must be a finite number >= 0, got {value!r}")
        if sum(self.as_dict().values()) == 0:
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

    def need_total(self) -> float:
        """Return the sum of the need weights (the denominator of the need score)."""
        return float(sum(getattr(self, name) for name in criteria.NEED_CRITERIA))

    @classmethod
    def only(cls, **chosen: float) -> Weights:
        """Build weights that are zero except for the criteria given, e.g. `Weights.only(size=1)`."""
        return cls(**{name: chosen.get(name, 0.0) for name in criteria.CRITERIA})


def check_blend(blend: float) -> float:
    """Return `blend` (the share of need, 0 = fit only, 1 = need only) or raise ValueError."""
    if not (math.isfinite(blend) and 0.0 <= blend <= 1.0):
        raise ValueError(f"blend must lie in [0, 1] (0 = fit only, 1 = need only), got {blend!r}")
    return float(blend)


# The size bounds, scaling with the subject. A candidate may be up to SIZE_FACTOR times larger: none of
# the 105 dated town partnerships lies beyond 27 (Oberndorf - Ovruch); of all 211 placed partnerships
# with both populations two do (Kehl - Kharkiv 37, Oberviechtach - Rivne 50). A candidate may be up to
# SIZE_FACTOR times smaller for a village or small town (10,000 inhabitants or fewer), a factor that
# falls log-linearly to SIZE_FACTOR ** LARGE_EXPONENT (4) for a city of a million and more: the real partners
# of towns over 300,000 are at least 0.43 times their size, of towns of 100,000 - 300,000 at least
# 0.27 times. The lower limit never exceeds LOWER_CAP, so that the largest cities keep the largest
# hromadas (Berlin: those of 250,000 and more; Leipzig: of 96,000 and more).
SIZE_FACTOR: Final = 30.0
LARGE_EXPONENT: Final = math.log(4.0) / math.log(30.0)
SMALL_TOWN: Final = 10_000.0
LARGE_CITY: Final = 1_000_000.0
LOWER_CAP: Final = 250_000.0


def size_bounds(subject_log: float, factor: float) -> tuple[float, float]:
    """Return (lower, upper) natural-log population bounds of the candidates of a subject."""
    t = min(max((subject_log - math.log(SMALL_TOWN)) / math.log(LARGE_CITY / SMALL_TOWN), 0.0), 1.0)
    smaller = math.log(factor) * (1.0 - t * (1.0 - LARGE_EXPONENT))
    lower = min(subject_log - smaller, math.log(LOWER_CAP))
    return lower, subject_log + math.log(factor)


@dataclass(frozen=True)
class Filters:
    """Which candidates to rank; None means no restriction.

    Oblast and war-status filters restrict Ukrainian candidates, Land filters German ones; each
    population range restricts its own side, (min, max) inclusive with None for open ends. `levels`
    overrides the candidate levels the subject's level implies (`rules.CANDIDATE_LEVELS`).
    `exclude_pairs` lists (German code, Ukrainian code) pairs never to suggest, e.g. pairs a
    municipality has turned down. `size_factor` bounds the candidates' population around the
    subject's (None: no bounds).
    """

    oblast_codes: frozenset[str] | None = None
    land_codes: frozenset[str] | None = None
    war_statuses: frozenset[str] | None = None
    ua_population: tuple[float | None, float | None] = (None, None)
    de_population: tuple[float | None, float | None] = (None, None)
    levels: frozenset[str] | None = None
    exclude_pairs: frozenset[tuple[str, str]] = frozenset()
    size_factor: float | None = SIZE_FACTOR

    def __post_init__(self) -> None:
        """Reject a size factor below 1."""
        if self.size_factor is not None and not (math.isfinite(self.size_factor) and self.size_factor >= 1):
            raise ValueError(f"size_factor must be >= 1 (or None for no bounds), got {self.size_factor!r}")


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
