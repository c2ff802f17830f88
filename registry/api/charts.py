"""Geometry of the coverage dashboard's charts, drawn server-side as SVG (no script, no CDN).

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
    """Columns per start year (left axis) and the running total as a line (right axis); the undated
    partnerships as a column of their own after a gap (``unknown``), so they are never hidden."""

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
    unknown: YearBar | None = None  # year 0: no year; x, width: where the column and its label go
    earlier: int | None = None  # the first column sums the years before this one (``span``)


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


def year_chart(
    timeline: Sequence[tuple[int, int]], unknown: int = 0, *, span: int | None = None
) -> YearChart:
    """Lay out ``(year, count)`` pairs: every year from the first to the last gets a column, gaps as zero;
    ``unknown`` undated ones get a column of their own at the right, two slots further on.

    With ``span``, only the last ``span`` years get a column each; the years before are summed into the
    first column (``YearChart.earlier``: its ``year`` is the first year shown), so decades of single
    partnerships do not squeeze the years that matter.
    """
    counts = dict(timeline)
    earlier = None
    if span is not None and counts and max(counts) - min(counts) >= span:
        first = max(counts) - span + 1
        before = sum(n for year, n in counts.items() if year < first)
        counts = {year: n for year, n in counts.items() if year >= first}
        counts[first - 1] = before
        earlier = first
    if not counts and not unknown:
        return YearChart([], [], [], [], "")
    years = list(range(min(counts), max(counts) + 1)) if counts else []
    top, bottom = MARGIN_TOP, HEIGHT - MARGIN_BOTTOM
    left, right = MARGIN_LEFT, WIDTH - MARGIN_RIGHT
    extra = 3 if unknown else 0  # a gap of two slots, then the column (wider than a year's)
    slot = (right - left) / (len(years) + extra)
    gap = min(2.0, slot * 0.2)
    count_ticks, count_scale = _ticks(max([*counts.values(), unknown]), top, bottom)
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
    year_ticks = [
        Tick(y, round(left + (i + 0.5) * slot, 2))
        for i, y in enumerate(years)
        if y % every == 0 and (earlier is None or y >= earlier)
    ]
    undated = None
    if unknown:
        height = unknown * count_scale
        x = left + (len(years) + 1.5) * slot
        undated = YearBar(
            0, unknown, 0, round(x, 2), round(bottom - height, 2), round(1.5 * slot, 2), round(height, 2)
        )
    return YearChart(
        bars, count_ticks, total_ticks, year_ticks, " ".join(points), unknown=undated, earlier=earlier
    )


@dataclass(frozen=True)
class Segment:
    """A part of a stacked bar: what it counts, its count, its start and width in percent of the row."""

    key: str
    count: int
    start: float
    width: float


@dataclass(frozen=True)
class StackedBar:
    """A row of a stacked bar chart: its label, link, total and segments (scaled to the largest total)."""

    label: str
    href: str | None
    total: int
    segments: list[Segment]
    lang: str | None = None  # the label's language, where it differs from the page's


def stacked_bars(
    items: Sequence[tuple[str, str | None, Sequence[tuple[str, int]]]], *, lang: str | None = None
) -> list[StackedBar]:
    """Scale ``(label, href, [(key, count), ...])`` rows to the largest total, which fills its row;
    ``lang`` is the labels' language where it differs from the page's."""
    largest = max((sum(n for _, n in parts) for _, _, parts in items), default=0)
    rows = []
    for label, href, parts in items:
        start, segments = 0.0, []
        for key, count in parts:
            width = round(100.0 * count / largest, 2) if largest else 0.0
            segments.append(Segment(key, count, round(start, 2), width))
            start += width
        rows.append(StackedBar(label, href, sum(n for _, n in parts), segments, lang))
    return rows
