"""What users read, in German, English and Ukrainian: gettext catalogues, numbers and dates.

Messages live in `registry/locale/<lang>/<domain>.po`, one file per language and domain (`pages`,
`matching`, `map`, ...), so that work on one part of the product never edits another's catalogue.
Message ids are keys (``msgid "nav_home"``), not English source text: the English catalogue is a
translation like the others, and a test (tests/unit/test_locale.py) holds every language to the same
keys, the same placeholders and the plural forms its language needs. Placeholders use
`str.format` syntax (``"{name} hat {n} Partner"``).

The catalogues are read from the .po files at first use (compiled in memory with Babel), so there
is no build step and no .mo file to forget.
"""

from __future__ import annotations

import datetime as dt
import gettext as _gettext
import io
import string
from functools import cache
from pathlib import Path
from typing import Final, Literal

from babel import Locale
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import NumberPattern, get_group_symbol, parse_pattern

Lang = Literal["de", "en", "uk"]
LANGS: Final[tuple[Lang, ...]] = ("de", "en", "uk")
DEFAULT_LANG: Final[Lang] = "de"
# The Babel locale behind each language: its digit grouping, decimal sign and plural rule.
LOCALES: Final[dict[Lang, str]] = {"de": "de_DE", "en": "en_GB", "uk": "uk_UA"}
# Dates as each readership writes them: 31.12.2023 in German and Ukrainian, 31 Dec 2023 in English.
DATE_PATTERNS: Final[dict[Lang, str]] = {"de": "dd.MM.yyyy", "en": "d MMM yyyy", "uk": "dd.MM.yyyy"}
CATALOG_DIR: Final = Path(__file__).parent


def as_lang(value: str | None) -> Lang | None:
    """Return `value` as one of our languages, or None."""
    for lang in LANGS:
        if value == lang:
            return lang
    return None


def catalog_files(lang: Lang) -> list[Path]:
    """List the .po files of one language, one per domain, in a stable order."""
    return sorted((CATALOG_DIR / lang).glob("*.po"))


@cache
def translations(lang: Lang) -> _gettext.GNUTranslations:
    """Return the merged catalogue of `lang` (all domains); English stands in for a missing message."""
    merged: _gettext.GNUTranslations | None = None
    for path in catalog_files(lang):
        with path.open("rb") as stream:
            catalog = read_po(stream, locale=LOCALES[lang], domain=path.stem)
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        buffer.seek(0)
        part = _gettext.GNUTranslations(buffer)
        if merged is None:
            merged = part
        else:
            merged._catalog.update(part._catalog)  # type: ignore[attr-defined]  # one flat key space
    if merged is None:
        raise FileNotFoundError(f"no catalogue for {lang!r} in {CATALOG_DIR / lang}")
    if lang != "en":
        merged.add_fallback(translations("en"))
    return merged


def has(key: str) -> bool:
    """Tell whether `key` is a message of the English catalogue (every language has the same keys)."""
    return key in translations("en")._catalog  # type: ignore[attr-defined]


def text(lang: Lang, key: str, /, **params: object) -> str:
    """Translate `key` into `lang` and fill its placeholders.

    Raises:
        KeyError: `key` is in no catalogue (a programming error; the locale test lists the keys in use).
    """
    message = _message(lang, key)
    return message.format(**params) if params else message


@cache
def _message(lang: Lang, key: str) -> str:
    # Looked up once per language and key: an explanation takes ~50 messages, a page of them thousands.
    if not has(key):
        raise KeyError(f"no message {key!r} in the catalogues under {CATALOG_DIR}")
    return str(translations(lang).gettext(key))


def plural(lang: Lang, key: str, n: int, /, **params: object) -> str:
    """Translate `key` in the plural form that `n` takes in `lang`; ``{n}`` is filled with `n` formatted.

    Raises:
        KeyError: `key` is in no catalogue.
    """
    if (key, 0) not in translations("en")._catalog:  # type: ignore[attr-defined]
        raise KeyError(f"no plural message {key!r} in the catalogues under {CATALOG_DIR}")
    message = translations(lang).ngettext(key, key, n)
    return message.format(n=number(n, lang), **params)


def placeholders(message: str) -> frozenset[str]:
    """Name the `str.format` placeholders of a message: "{n} von {total}" -> {"n", "total"}."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(message) if name)


@cache
def _decimal_pattern(decimals: int) -> NumberPattern:
    # Parsed once: Babel parses a pattern string on every call, which dominated long explanations.
    return parse_pattern("#,##0" + (f".{'0' * decimals}" if decimals else ""))


def number(value: float | None, lang: Lang, *, decimals: int = 0) -> str:
    """Format a number: 48.000 (de), 48,000 (en), 48 000 (uk); None gives ""."""
    if value is None:
        return ""
    if not decimals and value >= 0:  # the common case, without Babel's decimal arithmetic
        return f"{round(value):,}".replace(",", _group_symbol(lang))
    return str(_decimal_pattern(decimals).apply(value, locale(lang)))


@cache
def _group_symbol(lang: Lang) -> str:
    return str(get_group_symbol(locale(lang)))


def percent(share: float, lang: Lang) -> str:
    """Format a share as a whole percentage: 12 % (de, uk), 12% (en)."""
    value = number(round(100 * share), lang)
    return f"{value}%" if lang == "en" else f"{value}\u00a0%"


def date(value: dt.date | None, lang: Lang) -> str:
    """Format a date: 31.12.2023 (de, uk), 31 Dec 2023 (en); None gives ""."""
    if value is None:
        return ""
    return format_date(value, DATE_PATTERNS[lang], locale=LOCALES[lang])


@cache
def locale(lang: Lang) -> Locale:
    """Return the Babel locale of `lang`."""
    return Locale.parse(LOCALES[lang])
