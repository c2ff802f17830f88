"""Geometry of the statistics page's charts, drawn server-side as SVG and CSS bars (no script, no CDN).

Pure functions: counts in, coordinates and percentages out; the templates only place them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Sequence

# The SVG's coordinate system; it scales to the page width (viewBox), so these are proportions.
WIDTH: Final = 760.0
HEIGHT: Final = 300.0
MARGIN_LEFT: Final = 44.0
MARGIN_RIGHT: Final = 44.0
MARGIN_TOP: Final = 14.0
MARGIN_BOTTOM: Final = 30.0


@dataclass(frozen=True)
class Bar:
    """One bar of a horizontal bar list: its label, count, share of the largest (0..100) and link.

    ``lang`` is set when the label is a place name: the language the name is written in.
    """

    key: str
    label: str
    count: int
    percent: float
    href: str | None = None
    lang: str | None = None


def bar_list(items: Sequence[tuple[str, str, int, str | None]]) -> list[Bar]:
    """Scale ``(key, label, count, href)`` items to the largest count (which fills the row)."""
    largest = max((count for _, _, count, _ in items), default=0)
    return [
        Bar(key, label, count, round(100.0 * count / largest, 1) if largest else 0.0, href)
        for key, label, count, href in items
    ]


@dataclass(frozen=True)
class YearBar:
    """One year's column: position and size in SVG units, and its figures."""

    year: int
    count: int
    cumulative: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Tick:
    """An axis label at a position in SVG units."""

    value: int
    position: float


@dataclass(frozen=True)
class YearChart:
    """Columns per start year (left axis) and the running total as a line (right axis)."""

    bars: list[YearBar]
    count_ticks: list[Tick]  # left axis, y positions
    total_ticks: list[Tick]  # right axis, y positions
    year_ticks: list[Tick]  # bottom axis, x positions (column centres)
    line: str  # the running total as SVG polyline points
    width: float = WIDTH
    height: float = HEIGHT
    left: float = MARGIN_LEFT
    right: float = WIDTH - MARGIN_RIGHT
    top: float = MARGIN_TOP
    bottom: float = HEIGHT - MARGIN_BOTTOM


def nice_step(largest: int, ticks: int = 4) -> int:
    """Return a round step (1, 2, 5, 10, 20 ...) dividing ``0..largest`` into at most ``ticks`` parts."""
    if largest <= ticks:
        return 1
    raw = largest / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    return int(next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw))


def _ticks(largest: int, top: float, bottom: float) -> tuple[list[Tick], float]:
    step = nice_step(largest)
    ceiling = max(step, math.ceil(largest / step) * step)
    scale = (bottom - top) / ceiling
    return [Tick(v, bottom - v * scale) for v in range(0, ceiling + 1, step)], scale


def year_chart(timeline: Sequence[tuple[int, int]]) -> YearChart:
    """Lay out ``(year, count)`` pairs: every year from the first to the last gets a column, gaps as zero."""
    counts = dict(timeline)
    if not counts:
        return YearChart([], [], [], [], "")
    years = list(range(min(counts), max(counts) + 1))
    top, bottom = MARGIN_TOP, HEIGHT - MARGIN_BOTTOM
    left, right = MARGIN_LEFT, WIDTH - MARGIN_RIGHT
    slot = (right - left) / len(years)
    gap = min(2.0, slot * 0.2)
    count_ticks, count_scale = _ticks(max(counts.values()), top, bottom)
    running, totals = 0, []
    for year in years:
        running += counts.get(year, 0)
        totals.append(running)
    total_ticks, total_scale = _ticks(running, top, bottom)
    bars = []
    points = []
    for i, (year, total) in enumerate(zip(years, totals, strict=True)):
        count = counts.get(year, 0)
        x = left + i * slot
        height = count * count_scale
        bars.append(
            YearBar(
                year,
                count,
                total,
                round(x + gap / 2, 2),
                round(bottom - height, 2),
                round(slot - gap, 2),
                round(height, 2),
            )
        )
        points.append(f"{x + slot / 2:.2f},{bottom - total * total_scale:.2f}")
    # label about eight years along the axis, on round years
    every = next(n for n in (1, 2, 5, 10, 20, 25, 50) if len(years) / n <= 9)
    year_ticks = [Tick(y, round(left + (i + 0.5) * slot, 2)) for i, y in enumerate(years) if y % every == 0]
    return YearChart(bars, count_ticks, total_ticks, year_ticks, " ".join(points))


PERIOD_KEYS: Final = ("before_2014", "2014_2021", "since_2022", "unknown")


def period_of(year: int | None) -> str:
    """Return the start period of a year, as the map colours lines (``registry.map.labels.PERIODS``)."""
    if year is None:
        return "unknown"
    if year < 2014:
        return "before_2014"
    return "2014_2021" if year <= 2021 else "since_2022"


def period_counts(timeline: Sequence[tuple[int, int]], unknown: int) -> dict[str, int]:
    """Sum ``(year, count)`` pairs into the map's start periods, plus the undated ones."""
    counts = dict.fromkeys(PERIOD_KEYS, 0)
    for year, count in timeline:
        counts[period_of(year)] += count
    counts["unknown"] += unknown
    return counts
