"""Render the map page's filter form, layer switches and legend (server-side, so the form works before
any script runs)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Final

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from registry.map.filters import YEAR_MAX, YEAR_MIN, MapFilters
from registry.map.labels import KINDS, PERIODS, STATUSES, WAR_STATUSES

if TYPE_CHECKING:
    from collections.abc import Mapping

    from registry.locale import Lang

# Classes of need (0..100) in which hromadas without a German partner are coloured, lowest first; the
# page's script puts a need of exactly 100 into the last one.
NEED_CLASSES: Final = ((0, 20), (20, 40), (40, 60), (60, 80), (80, 100))

# autoescape: region names come from the database, which anyone may add to.
_ENV: Final = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_panel(
    *,
    lang: Lang,
    text: Mapping[str, str],
    filters: MapFilters,
    regions: dict[str, dict[str, str]],
    year_range: tuple[int, int],
    has_unpartnered: bool,
    labels: Mapping[str, Mapping[str, str]],
    colors: Mapping[str, object],
    war_date: str,
) -> str:
    """Return the HTML of the filter form, the layer switches and the legend, set to ``filters``."""
    return _ENV.get_template("panel.html").render(
        ui=text,
        lang=lang,
        filters=filters,
        lands=list(regions.get("DE", {}).items()),
        oblasts=list(regions.get("UA", {}).items()),
        kinds=[(t.code, labels["kinds"][t.code], t.color) for t in KINDS],
        statuses=[(t.code, labels["statuses"][t.code]) for t in STATUSES],
        periods=[(t.code, labels["periods"][t.code], t.color) for t in PERIODS],
        war_statuses=[(t.code, labels["war"][t.code], t.color) for t in WAR_STATUSES],
        need_classes=list(zip(NEED_CLASSES, colors["need"], strict=True)),  # type: ignore[call-overload]
        colors=colors,
        year_min=year_range[0],
        year_max=year_range[1],
        year_bounds=(YEAR_MIN, YEAR_MAX),
        has_unpartnered=has_unpartnered,
        war_date=war_date,
    )
