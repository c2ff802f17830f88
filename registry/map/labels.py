"""Hold the map's vocabularies with their colours; their labels are the catalogue's (domain `vocabulary`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from registry import locale
from registry.locale import LANGS, Lang

__all__ = ["LANGS", "Lang", "Term"]


@dataclass(frozen=True)
class Term:
    """A code of a vocabulary and the colour that stands for it on the map; its label is in the catalogue."""

    vocabulary: str
    code: str
    color: str = ""

    @property
    def key(self) -> str:
        """Return the catalogue key of the label, e.g. ``kind_solidarity``."""
        return f"{self.vocabulary}_{self.code}"

    def label(self, lang: Lang) -> str:
        """Return the label in ``lang``."""
        return locale.text(lang, self.key)


# Line colours keep at least 3:1 contrast against white and the light outline fill (WCAG 1.4.11), and
# differ in hue and lightness so they stay apart for the common colour-vision deficiencies; each is
# also named in the legend and the popups, so colour is never the only cue.
KINDS: Final = (
    Term("kind", "partnership", "#0b5394"),
    Term("kind", "friendship", "#0f7b5a"),
    Term("kind", "solidarity", "#b8330d"),
    Term("kind", "project", "#8e3f98"),
    Term("kind", "letter_of_intent", "#a86500"),
    Term("kind", "other", "#5f6368"),
)
STATUSES: Final = (
    Term("status", "active"),
    Term("status", "in_preparation"),
    Term("status", "requested"),
    Term("status", "paused"),
    Term("status", "ended"),
)
# Start periods: before the annexation of Crimea, 2014 to the full-scale invasion, since 2022.
PERIODS: Final = (
    Term("period", "before_2014", "#4b3f91"),
    Term("period", "2014_2021", "#00797c"),
    Term("period", "since_2022", "#c2410c"),
    Term("period", "unknown", "#6b7280"),
)
# The categories of Order No. 376 as rolled up per hromada in data/ua/war_status_by_hromada_*.csv.
# A value outside this list (a new category in a later edition) is drawn grey with its raw code.
WAR_STATUSES: Final = (
    Term("war", "occupied", "#67000d"),
    Term("war", "partly_occupied", "#a50f15"),
    Term("war", "active_hostilities", "#e03020"),
    Term("war", "possible_hostilities", "#f08c3c"),
    Term("war", "deoccupied", "#6a3d9a"),
    Term("war", "former_active_hostilities", "#8f7fc0"),
    Term("war", "former_possible_hostilities", "#b8aed8"),
    Term("war", "not_listed", "#b0b0b0"),
)
UNKNOWN_WAR_STATUS_COLOR: Final = "#d0d0d0"
UNPARTNERED_COLOR: Final = "#c2185b"

KIND_CODES: Final = frozenset(t.code for t in KINDS)
STATUS_CODES: Final = frozenset(t.code for t in STATUSES)

# Strings of the page and the popups, (German, English).
_UI: Final[dict[str, tuple[str, str]]] = {
    "title": ("Karte der deutsch-ukrainischen Partnerschaften", "Map of German–Ukrainian partnerships"),
    "layer_tiles": ("OpenStreetMap", "OpenStreetMap"),
    "layer_outlines": ("Umrisse (Staaten, Länder, Oblaste)", "Outlines (countries, Länder, oblasts)"),
    "layer_markers": ("Kommunen mit Partnerschaft", "Municipalities with partnerships"),
    "layer_lines": ("Partnerschaften", "Partnerships"),
    "layer_war": ("Hromadas nach Kriegsstatus", "Hromadas by war status"),
    "layer_unpartnered": (
        "Hromadas ohne deutschen Partner (Größe: Bedarf)",
        "Hromadas without a German partner (size: need)",
    ),
    "filters": ("Filter", "Filters"),
    "land": ("Land", "Land (German state)"),
    "oblast": ("Oblast", "Oblast"),
    "all": ("alle", "all"),
    "kind": ("Art", "Kind"),
    "status": ("Status", "Status"),
    "start_year": ("Beginn (Jahr)", "Start year"),
    "year_from": ("von", "from"),
    "year_to": ("bis", "to"),
    "year_hint": (
        "Mit Jahresfilter fallen Partnerschaften ohne bekanntes Startjahr weg.",
        "With a year filter, partnerships without a known start year are hidden.",
    ),
    "color_by": ("Linienfarbe", "Line colour"),
    "color_kind": ("nach Art", "by kind"),
    "color_period": ("nach Beginn", "by start period"),
    "apply": ("Anwenden", "Apply"),
    "reset": ("Zurücksetzen", "Reset"),
    "legend": ("Legende", "Legend"),
    "legend_markers": ("Kommunen", "Municipalities"),
    "marker_de": ("deutsche Kommune", "German municipality"),
    "marker_ua": ("ukrainische Kommune", "Ukrainian municipality"),
    "legend_lines_kind": ("Linien: Art der Partnerschaft", "Lines: kind of partnership"),
    "legend_lines_period": ("Linien: Beginn", "Lines: start period"),
    "legend_dashed": ("gestrichelt: nicht aktiv", "dashed: not active"),
    "legend_war": ("Kriegsstatus (Ebene)", "War status (layer)"),
    "legend_unpartnered": ("Ohne deutschen Partner (Ebene)", "Without a German partner (layer)"),
    "legend_need": ("größerer Kreis: größerer Bedarf", "larger circle: greater need"),
    "count": (
        "{lines} Partnerschaften, {markers} Kommunen sichtbar",
        "{lines} partnerships, {markers} places shown",
    ),
    "population": ("Einwohner", "Population"),
    "start": ("Beginn", "Start"),
    "sources": ("Quellen", "Sources"),
    "record": ("Eintrag öffnen", "Open record"),
    "partnership_record": ("Partnerschaft öffnen", "Open partnership"),
    "partnerships": ("Partnerschaften", "Partnerships"),
    "war_status": ("Kriegsstatus", "War status"),
    "need": ("Bedarf", "Need"),
    "no_partner": ("ohne deutschen Partner", "no German partner"),
    "unknown": ("unbekannt", "unknown"),
}


def ui(lang: Lang) -> dict[str, str]:
    """Return the page strings in ``lang``."""
    index = 0 if lang == "de" else 1
    return {key: pair[index] for key, pair in _UI.items()}


def labels(terms: tuple[Term, ...], lang: Lang) -> dict[str, str]:
    """Return ``{code: label}`` of a vocabulary in ``lang``."""
    return {t.code: t.label(lang) for t in terms}


def colors(terms: tuple[Term, ...]) -> dict[str, str]:
    """Return ``{code: colour}`` of a vocabulary."""
    return {t.code: t.color for t in terms}
