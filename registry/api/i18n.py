"""The pages' language: which one a request gets, its messages and vocabularies, and names in its script.

Every word a page shows comes from the catalogues in ``registry/locale`` (domains ``pages``,
``vocabulary`` and ``guide``); templates call ``t("key", **params)``, ``t.plural("key", n)`` and
``term("vocabulary", code)``. Nothing here holds a translation.

Which language a request gets, first match wins:

1. ``?lang=de|en|uk`` (and the page sets the ``lang`` cookie, so the choice is remembered);
2. the ``lang`` cookie;
3. the browser's ``Accept-Language``, by its q-values: a tag whose language is ours (``uk``, ``uk-UA``,
   ``en-GB``, ``de-AT``) picks it; a tag of another language spoken in Ukraine (region ``UA``:
   ``ru-UA``, ``crh-UA``, ``hu-UA``) picks Ukrainian, since whoever sets it reads Ukrainian far more
   likely than German; ``ru`` without a region does not (Germany has as many Russian speakers as
   Ukraine's offices do), and the next preference decides;
4. German.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Final

from markupsafe import Markup, escape

from registry import locale
from registry.locale import DEFAULT_LANG, LANGS, Lang, as_lang

COOKIE: Final = "lang"
COOKIE_MAX_AGE: Final = 365 * 24 * 3600
UKRAINE_REGION: Final = "ua"
# The vocabularies of the catalogue domain `vocabulary`; a term's key is "<vocabulary>_<code>".
VOCABULARIES: Final = ("kind", "status", "period", "war", "level", "subtype", "flag", "confidence", "country")
# Flags of a suggested pair (registry.matching.explain.pair_flags), shown as cautions.
FLAGS: Final = (
    "occupied",
    "partly_occupied",
    "active_hostilities",
    "population_unknown",
    "undated_ties",
    "already_partnered",
)
# Types of Ukrainian units (Municipality.subtype); German subtypes are German terms, shown as they are.
SUBTYPES: Final = ("urban", "settlement", "rural", "autonomous_republic", "city with special status")


def _accepted_tag(tag: str) -> Lang | None:
    """Return our language for one language tag of ``Accept-Language`` (see the module's rules)."""
    parts = tag.strip().lower().replace("_", "-").split("-")
    if (lang := as_lang(parts[0])) is not None:
        return lang
    if len(parts) > 1 and parts[1] == UKRAINE_REGION:
        return "uk"
    return None


def _accepted(header: str | None) -> Lang | None:
    """Return the browser's most preferred of our languages in an ``Accept-Language`` header."""
    ranked: list[tuple[float, int, Lang]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        lang = _accepted_tag(tag)
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
    if (lang := as_lang(query)) is not None:
        return lang, True
    if (lang := as_lang(cookie)) is not None:
        return lang, False
    return _accepted(accept_language) or DEFAULT_LANG, False


class Messages:
    """The templates' ``t``: ``t("key", **params)`` and ``t.plural("key", n, **params)`` in one language.

    Messages come back as markup with the message and every parameter escaped, except parameters that
    are markup already (a place name marked with its language, see ``registry.api.guide``).
    """

    __slots__ = ("lang",)

    def __init__(self, lang: Lang) -> None:
        """Translate into ``lang``."""
        self.lang: Lang = lang

    def __call__(self, key: str, /, **params: object) -> Markup:
        """Return the message ``key`` with its placeholders filled."""
        message = escape(locale.text(self.lang, key))
        return message.format(**params) if params else message

    def plural(self, key: str, n: int, /, **params: object) -> Markup:
        """Return the form of the plural message ``key`` that ``n`` takes."""
        message = escape(locale.plural(self.lang, key, n, **{name: "{" + name + "}" for name in params}))
        return message.format(**params) if params else message


def term(lang: Lang, vocabulary: str, code: str | None) -> str:
    """Return the label of a vocabulary's code; a code the vocabulary lacks is shown as it is.

    Raises:
        ValueError: ``vocabulary`` is not one of ``VOCABULARIES`` (a programming error).
    """
    if vocabulary not in VOCABULARIES:
        raise ValueError(f"unknown vocabulary {vocabulary!r}; one of {VOCABULARIES}")
    if not code:
        return ""
    key = f"{vocabulary}_{code}".replace(" ", "_")  # a few codes are phrases ("city with special status")
    return locale.text(lang, key) if locale.has(key) else code


def number(value: float | None, lang: Lang, *, decimals: int = 0) -> str:
    """Format a number as the language writes it: 1.421.125 (de), 1,421,125 (en), 1 421 125 (uk)."""
    return locale.number(value, lang, decimals=decimals)


def date(value: dt.date | str | None, lang: Lang) -> str:
    """Format a date: 30.04.2025 (de, uk), 30 Apr 2025 (en); an ISO date in text too ("2025-04-30").

    Text that is not an ISO date (a source's edition such as "2024 Q3") is returned as it is.
    """
    if isinstance(value, str):
        try:
            return locale.date(dt.date.fromisoformat(value), lang)
        except ValueError:
            return value
    return locale.date(value, lang)


def field_of(row: Mapping[str, Any] | object, name: str) -> Any:
    """Read a field of a dict row or of a typed row (a ``PartnershipRow``'s partner); None if it has none."""
    return row.get(name) if isinstance(row, Mapping) else getattr(row, name, None)


def _is_ukrainian(row: Mapping[str, Any] | object, prefix: str) -> bool:
    country = field_of(row, f"{prefix}country")
    if country is not None:
        return str(country) == "UA"
    # KATOTTH codes start with UA; German codes are digits
    return str(field_of(row, f"{prefix}code") or "").startswith("UA")


def name_and_lang(row: Mapping[str, Any] | object, lang: Lang, prefix: str = "") -> tuple[str, Lang]:
    """Return a unit's name for a reader of ``lang`` and the language that name is written in.

    Ukrainian units are named in the reader's language (Cyrillic for Ukrainian readers); German units
    keep their German name in Latin script for Ukrainian readers, and have their German or English
    name for German and English readers. A missing name falls back to the unit's own name, German for
    German units and the English transliteration for Ukrainian ones.
    """
    ukrainian = _is_ukrainian(row, prefix)
    shown: Lang = "de" if lang == "uk" and not ukrainian else lang
    own = field_of(row, f"{prefix}name_{shown}")
    if own:
        return str(own), shown
    fallback = field_of(row, f"{prefix}name") or field_of(row, f"{prefix}code") or "?"
    return str(fallback), "en" if ukrainian else "de"


def display_name(row: Mapping[str, Any] | object, lang: Lang, prefix: str = "") -> str:
    """Return a unit's name for a reader of ``lang`` (see ``name_and_lang``)."""
    return name_and_lang(row, lang, prefix)[0]


def other_langs(lang: Lang) -> tuple[Lang, ...]:
    """Return the languages a page in ``lang`` offers to switch to, in the switch's order."""
    return tuple(other for other in LANGS if other != lang)
