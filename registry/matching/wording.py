"""Words of the explanations: names of units in each language, Ukrainian case endings, partnerships as facts.

Everything users read comes from the keyed templates of `matching.po` (`locale.text`); this module
composes them: "in der Oblast Sumy", "у Сумській області", "Kreis Celle – Sumy (Partnerschaft, seit 2023)".
"""

from __future__ import annotations

import datetime as dt
import math
from functools import cache
from typing import TYPE_CHECKING, Final

import numpy as np
from babel import Locale

from registry import locale
from registry.locale import Lang

if TYPE_CHECKING:
    from registry.matching.request import Request

MAX_LISTED: Final = 5  # partners named in a list before "and N more"


def t(lang: Lang, key: str, /, **params: object) -> str:
    return locale.text(lang, key, **params)


def iso(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


@cache
def date_text(value: str | None, lang: Lang) -> str:
    parsed = iso(value)
    return locale.date(parsed, lang) if parsed else "?"


def join(items: list[str], lang: Lang) -> str:
    if len(items) > MAX_LISTED:
        rest = len(items) - MAX_LISTED
        items = [*items[:MAX_LISTED], locale.plural(lang, "m_more", rest)]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {t(lang, 'm_and')} {items[-1]}"


# --- Ukrainian grammar: the case endings of an oblast's or raion's adjective ------------------------------
def uk_case(adjective: str, case: str) -> str:
    """Decline an oblast's (-а) or raion's (-ий) adjective: locative ("у Харківській") or instrumental."""
    endings = {
        ("а", "loc"): "ій",
        ("а", "ins"): "ою",
        ("ий", "loc"): "ому",
        ("ий", "ins"): "им",
        ("ій", "loc"): "ьому",
        ("ій", "ins"): "ім",
    }
    for (ending, wanted), replacement in endings.items():
        if wanted == case and adjective.endswith(ending):
            return adjective[: -len(ending)] + replacement
    return adjective


@cache
def country_names(lang: Lang) -> dict[str, str]:
    """English country name (as the twin-town list writes it) -> the name in `lang` (Babel's CLDR data)."""
    english = Locale.parse("en").territories
    target = locale.locale(lang).territories
    return {name: target.get(code, name) for code, name in english.items()}


# --- names of units in each language --------------------------------------------------------------------
def ua_name(req: Request, j: int, lang: Lang) -> str:
    """Name a Ukrainian unit for readers of `lang`: German, English or Ukrainian (Cyrillic)."""
    f = req.f
    if lang == "de":
        return f.ua_names_de[j]
    if lang == "uk":
        return f.ua_names_uk[j] or f.ua_names[j]
    return f.ua_names[j]


def region_name(req: Request, vocabulary: str, k: int, lang: Lang) -> str:
    v = req.f.oblasts if vocabulary == "oblast" else req.f.raions
    return {"de": v.names_de, "uk": v.names_uk}.get(lang, v.names)[k]


def oblast_phrase(req: Request, j: int, lang: Lang, form: str = "") -> str:
    """The unit's oblast: form "" nominative, "in" (in der Oblast ...), "with" (mit der Oblast ...)."""
    f = req.f
    k = int(f.ua_oblast[j])
    if k < 0:
        return ""
    name = region_name(req, "oblast", k, lang)
    if (
        f.oblasts.codes[k] in f.ua_index
        and f.ua_levels[f.ua_index[f.oblasts.codes[k]]] == "city_special_status"
    ):
        return t(lang, f"m_city{'_' + form if form else ''}", name=name)
    if " " in f.oblasts.names[k]:  # the Autonomous Republic of Crimea: not an oblast
        return t(lang, f"m_crimea{'_' + form if form else ''}")
    if lang == "uk" and form:
        name = uk_case(name, "loc" if form == "in" else "ins")
    return t(lang, f"m_oblast{'_' + form if form else ''}", name=name)


def raion_phrase(req: Request, j: int, lang: Lang, form: str = "") -> str:
    """The unit's raion, in the forms of `oblast_phrase`; "" where it has none."""
    k = int(req.f.ua_raion[j])
    if k < 0:
        return ""
    name = region_name(req, "raion", k, lang)
    if lang == "uk" and form:
        name = uk_case(name, "loc" if form == "in" else "ins")
    return t(lang, f"m_raion{'_' + form if form else ''}", name=name)


def ua_partner(req: Request, u: int, lang: Lang) -> str:
    """A Ukrainian partner after "with": a raion or oblast in its case, a hromada or city by name."""
    level = req.f.ua_levels[u]
    if level == "oblast":
        return oblast_phrase(req, u, lang, "with")
    if level == "raion":
        return raion_phrase(req, u, lang, "with")
    return t(lang, "m_hromada_with", name=ua_name(req, u, lang))


def de_unit(req: Request, d: int, lang: Lang) -> str:
    """A German unit with its level word where its name has none ("Land Sachsen")."""
    name = req.f.de_names[d]
    return t(lang, "m_land", name=name) if req.f.de_levels[d] == "land" else name


def kreis_in(req: Request, i: int, lang: Lang) -> str:
    name = req.f.kreise.names[int(req.f.de_kreis[i])]
    feminine = name.startswith(("Region ", "StädteRegion "))  # "in der Region Hannover"
    return t(lang, "m_kreis_in_f" if feminine else "m_kreis_in", kreis=name)


# --- partnerships as named facts ------------------------------------------------------------------------
def kind_name(req: Request, k: int, lang: Lang) -> str:
    """Name a partnership by its level: Regionalpartnerschaft (Land, Bezirk), Partnerschaft (Kreis)."""
    f = req.f
    level = f.p_de_level[k]
    if level in ("land", "bezirk"):
        return t(lang, "m_kind_regional")
    if level == "kreis" or f.p_ua_level[k] in ("raion", "oblast"):
        return t(lang, "m_kind_kreis")
    return t(lang, f"m_kind_{f.p_kind[k] or 'other'}")


def details(req: Request, k: int, lang: Lang, *, kind: bool = True) -> str:
    """ "(Solidaritätspartnerschaft, seit 2023, in Vorbereitung)" for partnership `k`."""
    f = req.f
    parts = [kind_name(req, k, lang)] if kind else []
    year = f.p_start_year[k]
    parts.append(t(lang, "m_since", year=int(year)) if not math.isnan(year) else t(lang, "m_undated"))
    if f.p_status[k] not in ("active",):
        parts.append(t(lang, f"m_pstatus_{f.p_status[k]}"))
    return f" ({', '.join(parts)})"


def counted(req: Request) -> list[int]:
    return np.flatnonzero(req.ties.weight > 0).tolist()


def partner_list(req: Request, side: str, unit: int, lang: Lang) -> list[str]:
    """The partners of a unit as of the request; a city-state's Stadt and Land are one body."""
    f = req.f
    if side == "ua":
        mine = f.p_ua == unit
    else:
        mine = (f.p_de >= 0) & (f.de_body[np.maximum(f.p_de, 0)] == f.de_body[unit])
    rows = np.flatnonzero((req.ties.weight > 0) & mine).tolist()
    if side == "ua":
        return [
            f"{de_unit(req, int(f.p_de[k]), lang) if f.p_de[k] >= 0 else '?'}{details(req, k, lang)}"
            for k in rows
        ]
    return [
        f"{ua_name(req, int(f.p_ua[k]), lang) if f.p_ua[k] >= 0 else '?'}{details(req, k, lang)}"
        for k in rows
    ]
