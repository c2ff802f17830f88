"""German and English labels of the web pages, the language choice, and number and name formatting.

The vocabularies of partnership kinds, statuses and war statuses are the map's
(``registry.map.labels``), so a page and the map never name the same thing differently.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from registry.map.labels import KINDS, LANGS, PERIODS, STATUSES, WAR_STATUSES, Lang, labels

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Mapping

COOKIE: Final = "lang"
DEFAULT_LANG: Final[Lang] = "de"
COOKIE_MAX_AGE: Final = 365 * 24 * 3600

# Strings of the pages, (German, English).
_TEXT: Final[dict[str, tuple[str, str]]] = {
    "site": ("Partnerschaftsregister Deutschland–Ukraine", "Germany–Ukraine partnership registry"),
    "tagline": (
        "Offenes Verzeichnis der kommunalen Partnerschaften zwischen Deutschland und der Ukraine, "
        "mit Quellen und Partnervorschlägen.",
        "An open register of municipal partnerships between Germany and Ukraine, with sources and partner "
        "suggestions.",
    ),
    "skip": ("Zum Inhalt springen", "Skip to content"),
    "nav": ("Hauptnavigation", "Main navigation"),
    "nav_home": ("Start", "Home"),
    "nav_map": ("Karte", "Map"),
    "nav_statistics": ("Statistik", "Statistics"),
    "nav_api": ("API", "API"),
    "switch_lang": ("English", "Deutsch"),
    "switch_lang_label": ("Sprache wechseln: English", "Switch language: Deutsch"),
    "search": ("Suche", "Search"),
    "search_label": ("Kommune suchen (jede Schreibweise)", "Find a municipality (any spelling)"),
    "search_hint": (
        "Deutsch, Englisch, Ukrainisch, alte oder neue Namen: z. B. Charkiw, Kharkiv, Харків, Lemberg.",
        "German, English, Ukrainian, old or new names: e.g. Charkiw, Kharkiv, Харків, Lemberg.",
    ),
    "search_button": ("Suchen", "Search"),
    "country": ("Land/Staat", "Country"),
    "country_all": ("beide", "both"),
    "country_DE": ("Deutschland", "Germany"),
    "country_UA": ("Ukraine", "Ukraine"),
    "results_for": ("Treffer für „{q}“", "Results for “{q}”"),
    "no_results": (
        "Keine Kommune gefunden. Prüfen Sie die Schreibweise.",
        "No municipality found. Check the spelling.",
    ),
    "headline": ("Das Register in Zahlen", "The registry in figures"),
    "count_partnerships": ("Partnerschaften", "partnerships"),
    "count_german": ("deutsche Partner", "German partners"),
    "count_ukrainian": ("ukrainische Partner", "Ukrainian partners"),
    "count_lands": ("Länder beteiligt", "Länder involved"),
    "count_oblasts": ("Oblaste beteiligt", "oblasts involved"),
    "count_since_2022": ("seit 2022 begonnen", "started since 2022"),
    "count_unpartnered": ("Hromadas ohne deutschen Partner", "hromadas without a German partner"),
    "newest": ("Zuletzt begonnene Partnerschaften", "Most recently started partnerships"),
    "explore": ("Erkunden", "Explore"),
    "explore_map": ("Das ganze Netzwerk auf der Karte", "The whole network on the map"),
    "explore_statistics": (
        "Partnerschaften nach Jahr, Land und Oblast",
        "Partnerships by year, Land and oblast",
    ),
    "facts": ("Daten", "Facts"),
    "fact": ("Angabe", "Fact"),
    "value": ("Wert", "Value"),
    "source": ("Quelle", "Source"),
    "sources": ("Quellen", "Sources"),
    "no_source": ("keine Quelle hinterlegt", "no source recorded"),
    "names": ("Namen und Schreibweisen", "Names and spellings"),
    "official_name": ("Amtlicher Name", "Official name"),
    "code": ("Schlüssel", "Code"),
    "level": ("Ebene", "Level"),
    "region": ("Land/Oblast", "Land/oblast"),
    "district": ("Kreis/Rajon", "Kreis/raion"),
    "part_of": ("gehört zu", "part of"),
    "population": ("Einwohner", "Population"),
    "area": ("Fläche", "Area"),
    "coordinates": ("Koordinaten (Mittelpunkt)", "Coordinates (centre)"),
    "war_status": ("Kriegsstatus", "War status"),
    "occupied_since": ("besetzt seit", "occupied since"),
    "occupation_ended": ("Besetzung beendet", "occupation ended"),
    "idp": ("Registrierte Binnenvertriebene (netto)", "Registered IDPs (net)"),
    "distance_to_russia": ("Entfernung zur russischen Grenze", "Distance to the Russian border"),
    "damage": ("Schäden", "Damage"),
    "as_of": ("Stand", "as of"),
    "partnerships": ("Partnerschaften", "Partnerships"),
    "partnership": ("Partnerschaft", "Partnership"),
    "no_partnerships": ("Keine Partnerschaft erfasst.", "No partnership recorded."),
    "partner": ("Partner", "Partner"),
    "kind": ("Art", "Kind"),
    "status": ("Status", "Status"),
    "since": ("seit", "since"),
    "start_year": ("Beginn", "Start"),
    "unknown": ("unbekannt", "unknown"),
    "open": ("öffnen", "open"),
    "suggestions": ("Vorgeschlagene Partner", "Suggested partners"),
    "suggestions_intro": (
        "Vom Matching-Modul berechnet: die Punktzahl (0 bis 1) ist ein gewichtetes Mittel aus Größe, "
        "Bedarf, bestehenden Verbindungen und erklärten Bedarfen und Angeboten. Bestehende Partner sind "
        "ausgeschlossen.",
        "Computed by the matching module: the score (0 to 1) is a weighted mean of size, need, existing "
        "ties and declared needs and offers. Existing partners are left out.",
    ),
    "suggestions_none_level": (
        "Vorschläge gibt es für Gemeinden, Städte, Kreise, Hromadas und Kyjiw, nicht für Länder, Oblaste "
        "und Rajone.",
        "Suggestions are made for German municipalities and Kreise, hromadas and Kyiv, not for Länder, "
        "oblasts and raions.",
    ),
    "suggestions_none_occupied": (
        "Besetzte Hromadas können keine Unterstützung empfangen; es gibt keine Vorschläge.",
        "Occupied hromadas cannot receive support; there are no suggestions.",
    ),
    "suggestions_empty": ("Kein Vorschlag gefunden.", "No suggestion found."),
    "score": ("Punktzahl", "Score"),
    "why": ("Begründung", "Why"),
    "cautions": ("Hinweise", "Cautions"),
    "exports": ("Daten herunterladen", "Download the data"),
    "export_json": ("Eintrag als JSON", "Record as JSON"),
    "export_csv": ("Partnerschaften als CSV", "Partnerships as CSV"),
    "export_geojson": ("Partnerschaften als GeoJSON", "Partnerships as GeoJSON"),
    "on_map": ("Auf der Karte zeigen", "Show on the map"),
    "de_side": ("Deutsche Seite", "German side"),
    "ua_side": ("Ukrainische Seite", "Ukrainian side"),
    "status_reason": ("Grund", "Reason"),
    "start_date": ("Beginn (Datum)", "Start date"),
    "end_date": ("Ende", "End"),
    "confidence": ("Belastbarkeit der Quellen", "Confidence of the sources"),
    "last_confirmed": ("zuletzt bestätigt", "last confirmed"),
    "topics": ("Themen", "Topics"),
    "notes": ("Anmerkungen", "Notes"),
    "resolution": ("Wie die Partner bestimmt wurden", "How the partners were identified"),
    "role_primary": ("Hauptquelle", "primary source"),
    "role_also": ("weitere Quelle", "further source"),
    "statistics": ("Statistik", "Statistics"),
    "statistics_intro": (
        "{total} Partnerschaften im Register; {unknown} davon ohne belegtes Anfangsjahr (nie geschätzt).",
        "{total} partnerships in the registry; {unknown} of them without a sourced start year "
        "(never guessed).",
    ),
    "by_year": ("Partnerschaften nach Anfangsjahr", "Partnerships by start year"),
    "by_year_desc": (
        "Balken: begonnene Partnerschaften je Jahr; Linie: Summe bis zu diesem Jahr.",
        "Bars: partnerships started per year; line: total up to that year.",
    ),
    "by_period": ("Nach Zeitraum des Beginns", "By start period"),
    "by_land": ("Nach Land (deutsche Seite)", "By Land (German side)"),
    "by_oblast": ("Nach Oblast (ukrainische Seite)", "By oblast (Ukrainian side)"),
    "by_kind": ("Nach Art", "By kind"),
    "by_status": ("Nach Status", "By status"),
    "year": ("Jahr", "Year"),
    "count": ("Anzahl", "Count"),
    "cumulative": ("Summe", "Total"),
    "data_table": ("Daten als Tabelle", "Data as a table"),
    "show_on_map": ("auf der Karte", "on the map"),
    "not_found": ("Nicht gefunden", "Not found"),
    "not_found_municipality": (
        "Keine Kommune mit dem Schlüssel {code}.",
        "No municipality with the code {code}.",
    ),
    "not_found_partnership": (
        "Keine Partnerschaft mit der Nummer {id}.",
        "No partnership with the number {id}.",
    ),
    "km": ("km", "km"),
    "km2": ("km²", "km²"),
    "footer": (
        "Daten: © Statistisches Bundesamt (Destatis); KSE Loc Data Hub (MIT); OCHA COD-AB (CC BY-IGO 3.0); "
        "Partnerschaften aus öffentlichen Quellen, je Eintrag belegt.",
        "Data: © Statistisches Bundesamt (Destatis); KSE Loc Data Hub (MIT); OCHA COD-AB (CC BY-IGO 3.0); "
        "partnerships from public sources, each cited.",
    ),
    "back_to_site": ("Zur Startseite", "To the start page"),
}

LEVELS: Final[dict[str, tuple[str, str]]] = {
    "land": ("Land", "Land (state)"),
    "bezirk": ("Bezirk (Bayern)", "Bezirk (Bavaria)"),
    "kreis": ("Kreis", "Kreis (district)"),
    "gemeindeverband": ("Gemeindeverband", "association of municipalities"),
    "stadt": ("Stadt", "town"),
    "gemeinde": ("Gemeinde", "municipality"),
    "stadtbezirk": ("Stadtbezirk", "borough"),
    "oblast": ("Oblast", "oblast"),
    "city_special_status": ("Stadt mit Sonderstatus", "city with special status"),
    "raion": ("Rajon", "raion"),
    "hromada": ("Hromada", "hromada"),
}
# Ukrainian hromada types (Municipality.subtype); German subtypes are German words already.
SUBTYPES: Final[dict[str, tuple[str, str]]] = {
    "urban": ("städtisch", "urban"),
    "settlement": ("Siedlungsgemeinde", "settlement"),
    "rural": ("ländlich", "rural"),
}
# The matching module's pair flags (registry.matching.score.Suggestion.flags).
FLAGS: Final[dict[str, tuple[str, str]]] = {
    "occupied": ("besetzt", "occupied"),
    "partly_occupied": ("teilweise besetzt", "partly occupied"),
    "active_hostilities": ("aktive Kampfhandlungen", "active hostilities"),
    "population_unknown": ("Einwohnerzahl unbekannt", "population unknown"),
    "undated_ties": ("Verbindungen ohne Datum als bestehend gezählt", "undated ties counted as existing"),
}
_MONTHS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
CONFIDENCES: Final[dict[str, tuple[str, str]]] = {
    "high": ("hoch", "high"),
    "medium": ("mittel", "medium"),
    "low": ("niedrig", "low"),
}


def _pick(pair: tuple[str, str], lang: Lang) -> str:
    return pair[0] if lang == "de" else pair[1]


def texts(lang: Lang) -> dict[str, str]:
    """Return the page strings in ``lang``."""
    return {key: _pick(pair, lang) for key, pair in _TEXT.items()}


def vocabularies(lang: Lang) -> dict[str, dict[str, str]]:
    """Return ``{vocabulary: {code: label}}`` for the templates."""
    return {
        "kinds": labels(KINDS, lang),
        "statuses": labels(STATUSES, lang),
        "periods": labels(PERIODS, lang),
        "war": labels(WAR_STATUSES, lang),
        "levels": {code: _pick(pair, lang) for code, pair in LEVELS.items()},
        "subtypes": {code: _pick(pair, lang) for code, pair in SUBTYPES.items()},
        "flags": {code: _pick(pair, lang) for code, pair in FLAGS.items()},
        "confidences": {code: _pick(pair, lang) for code, pair in CONFIDENCES.items()},
    }


def _as_lang(value: str | None) -> Lang | None:
    for lang in LANGS:
        if value == lang:
            return lang
    return None


def _accepted(header: str | None) -> Lang | None:
    """Return the first of our languages named in an ``Accept-Language`` header, by its q-values."""
    ranked: list[tuple[float, int, Lang]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        lang = _as_lang(tag.strip().lower().split("-")[0])
        if lang is None:
            continue
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if quality > 0:
            ranked.append((-quality, position, lang))
    return min(ranked)[2] if ranked else None


def choose_lang(query: str | None, cookie: str | None, accept_language: str | None) -> tuple[Lang, bool]:
    """Choose the page language: ``?lang=`` first, then the cookie, then the browser's preference.

    Returns the language and whether it came from the query (then the page sets the cookie, so the
    choice sticks on the next pages).
    """
    if (lang := _as_lang(query)) is not None:
        return lang, True
    if (lang := _as_lang(cookie)) is not None:
        return lang, False
    return _accepted(accept_language) or DEFAULT_LANG, False


def number(value: float | int | None, lang: Lang, *, decimals: int = 0) -> str:
    """Format a number with the language's separators: 1.421.125 (de), 1,421,125 (en)."""
    if value is None:
        return ""
    text = f"{value:,.{decimals}f}"
    if lang == "de":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def date(value: dt.date | None, lang: Lang) -> str:
    """Format a date: 30.04.2025 (de), 30 Apr 2025 (en)."""
    if value is None:
        return ""
    if lang == "de":
        return f"{value.day:02d}.{value.month:02d}.{value.year}"
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"  # not strftime: that follows the locale


def display_name(row: Mapping[str, Any], lang: Lang, prefix: str = "") -> str:
    """Return a unit's name in ``lang`` from a row with ``{prefix}name``, ``{prefix}name_de`` ..."""
    own = row.get(f"{prefix}name_{lang}")
    return str(own or row.get(f"{prefix}name") or row.get(f"{prefix}code") or "?")
