"""Render the map page's filter form and legend (server-side, so the form works before any script)."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from registry.map.filters import YEAR_MAX, YEAR_MIN, MapFilters
from registry.map.labels import KINDS, PERIODS, STATUSES, WAR_STATUSES, Lang, ui

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
    filters: MapFilters,
    regions: dict[str, dict[str, str]],
    year_range: tuple[int, int],
    has_unpartnered: bool,
) -> str:
    """Return the HTML of the filter form and the legend, with the form set to ``filters``."""
    return _ENV.get_template("panel.html").render(
        ui=ui(lang),
        lang=lang,
        filters=filters,
        lands=list(regions.get("DE", {}).items()),
        oblasts=list(regions.get("UA", {}).items()),
        kinds=KINDS,
        statuses=STATUSES,
        periods=PERIODS,
        war_statuses=WAR_STATUSES,
        year_min=year_range[0],
        year_max=year_range[1],
        year_bounds=(YEAR_MIN, YEAR_MAX),
        has_unpartnered=has_unpartnered,
    )
