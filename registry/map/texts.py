"""The map page's words in German, English and Ukrainian, from the `map` catalogue.

Messages live in ``registry/locale/<lang>/map.po`` under keys ``map_<name>``; the builder hands the page
``ui(lang)``, a mapping ``{name: text}``, which the panel template and the page's script read. The
vocabularies (kinds, statuses, war statuses, periods) are ``registry.map.labels``'.
"""

from __future__ import annotations

from typing import Final

from registry import locale
from registry.locale import Lang

# Every message the page uses; the script fills the ``{...}`` placeholders itself.
UI_KEYS: Final = (
    "title", "filters", "land", "oblast", "all", "kind", "status", "start_year", "year_from", "year_to",
    "year_hint", "color_by", "color_kind", "color_period", "apply", "reset", "count", "mode_flows",
    "mode_lines", "focus", "focus_partners", "focus_clear", "focus_none", "focus_unknown", "layers",
    "layer_markers", "layer_lines", "hromadas_fill", "hromadas_none", "hromadas_war", "hromadas_need",
    "legend", "legend_markers", "marker_de", "marker_ua", "marker_focus", "legend_lines_kind",
    "legend_lines_period", "legend_dashed", "legend_flows", "legend_war", "legend_war_note",
    "legend_need", "legend_partnered", "legend_occupied", "legend_need_class", "legend_need_note",
    "population", "population_as_of", "start", "sources", "record", "partnership_record", "partnerships",
    "war_status", "war_status_as_of", "need", "need_value", "need_explained", "no_partner",
    "german_partners", "idp", "idp_note", "idp_negative", "unknown", "flow_count", "flow_show",
    "attribution_data", "attribution_outlines", "attribution_hromadas",
)  # fmt: skip


def text(lang: Lang, name: str, /, **params: object) -> str:
    """Return one message of the map page in ``lang`` (``name`` without the ``map_`` prefix)."""
    return locale.text(lang, f"map_{name}", **params)


def ui(lang: Lang) -> dict[str, str]:
    """Return every message of the map page in ``lang``, placeholders left for the page's script."""
    return {name: locale.text(lang, f"map_{name}") for name in UI_KEYS}
