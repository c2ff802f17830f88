"""The catalogues: every language has every message, with the same placeholders and its plural forms."""

from __future__ import annotations

import datetime as dt
import re
from typing import Final

import pytest
from babel.messages.catalog import Catalog
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from registry import locale
from registry.locale import LANGS, LOCALES, Lang

CYRILLIC: Final = re.compile(r"[\u0400-\u04FF]")
# Messages that read the same in Ukrainian as in German or English on purpose (no Cyrillic needed):
# names of the languages and of the product's own technical terms.
SAME_IN_UKRAINIAN: Final = frozenset({
    "lang_de", "lang_en",
    "nav_api",  # API: the product's technical term
    # proper names of programmes, which name themselves in Latin script
    "guide_prog_cities4cities_title", "guide_prog_connective_title", "guide_prog_nakopa_title",
})  # fmt: skip


def _catalogs(lang: Lang) -> dict[str, Catalog]:
    catalogs = {}
    for path in locale.catalog_files(lang):
        with path.open("rb") as stream:
            catalogs[path.stem] = read_po(stream, locale=LOCALES[lang])
    return catalogs


def _messages(lang: Lang) -> dict[str, tuple[str, ...]]:
    """Key -> translations (one, or one per plural form) of every domain of a language."""
    messages: dict[str, tuple[str, ...]] = {}
    for domain, catalog in _catalogs(lang).items():
        for message in catalog:
            if not message.id:
                continue
            key = message.id if isinstance(message.id, str) else message.id[0]
            assert key not in messages, f"{lang}: {key!r} is in two domains (one is {domain})"
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            messages[key] = tuple(strings)
    return messages


ALL: Final = {lang: _messages(lang) for lang in LANGS}


def test_every_language_has_the_same_domains() -> None:
    domains = {lang: sorted(p.stem for p in locale.catalog_files(lang)) for lang in LANGS}
    assert domains["de"] == domains["en"] == domains["uk"]


@pytest.mark.parametrize("lang", LANGS)
def test_every_language_has_every_message_and_none_is_empty(lang: Lang) -> None:
    keys = set(ALL["en"]) | set(ALL["de"]) | set(ALL["uk"])
    assert sorted(keys - set(ALL[lang])) == []
    assert [key for key, strings in ALL[lang].items() if not all(s.strip() for s in strings)] == []


@pytest.mark.parametrize("lang", ["de", "uk"])
def test_placeholders_agree_with_english(lang: Lang) -> None:
    different = {
        key: (strings, ALL["en"][key])
        for key, strings in ALL[lang].items()
        if {locale.placeholders(s) for s in strings} != {locale.placeholders(s) for s in ALL["en"][key]}
    }
    assert different == {}


@pytest.mark.parametrize("lang", LANGS)
def test_plural_messages_have_every_form_of_their_language(lang: Lang) -> None:
    needed = get_plural(LOCALES[lang]).num_plurals  # gettext's count: 2 for de/en, 3 for uk
    plurals = {key: len(s) for key, s in ALL[lang].items() if len(s) > 1 or len(ALL["en"][key]) > 1}
    assert {key: n for key, n in plurals.items() if n != needed} == {}


def test_ukrainian_messages_are_translated() -> None:
    untranslated = {
        key: strings[0]
        for key, strings in ALL["uk"].items()
        if key not in SAME_IN_UKRAINIAN and not all(CYRILLIC.search(s) for s in strings)
    }
    assert untranslated == {}


@pytest.mark.parametrize(
    ("lang", "n", "expected"),
    [
        ("de", 1, "1 Partner"),
        ("en", 2, "2 partners"),
        ("uk", 1, "1 партнер"),
        ("uk", 3, "3 партнери"),
        ("uk", 5, "5 партнерів"),
        ("uk", 11, "11 партнерів"),
        ("uk", 21, "21 партнер"),
    ],
)
def test_plural_forms_follow_the_language(lang: Lang, n: int, expected: str) -> None:
    assert locale.plural(lang, "partner_count", n) == expected


@pytest.mark.parametrize(
    ("lang", "number", "date"),
    [
        ("de", "1.421.125,5", "31.12.2023"),
        ("en", "1,421,125.5", "31 Dec 2023"),
        ("uk", "1\u00a0421\u00a0125,5", "31.12.2023"),
    ],
)
def test_numbers_and_dates_in_each_language(lang: Lang, number: str, date: str) -> None:
    assert locale.number(1421125.5, lang, decimals=1) == number
    assert locale.date(dt.date(2023, 12, 31), lang) == date


def test_an_unknown_key_is_an_error_not_a_silent_key() -> None:
    with pytest.raises(KeyError, match="no_such_message"):
        locale.text("uk", "no_such_message")
