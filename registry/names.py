"""Find municipalities by any spelling: German, English, Ukrainian, old and transliterated forms.

Every stored name is reduced to a comparison key (``fold``) and, for Cyrillic names, expanded into
the spellings of the common transliteration systems (``spellings``), so that "Charkiw",
"Kharkiv", "Kharkov" and "Харків" meet on the same or nearby keys. Exact key hits score highest,
then fuzzy hits (rapidfuzz); ties are broken by population, so the city people mean comes first.
"""

from __future__ import annotations

import copy
import enum
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import numpy as np
import translitua
from rapidfuzz import fuzz, process
from scipy import sparse
from unidecode import unidecode


class NameKind(enum.StrEnum):
    OFFICIAL = "official"  # the name as the official register writes it, suffixes included
    DISPLAY = "display"  # the official name without register suffixes (", Stadt")
    TRANSLATION = "translation"  # the German / English / Ukrainian name
    TRANSLIT = "translit"  # a transliteration of a Cyrillic name
    CENTRE = "centre"  # the administrative centre a hromada is named after
    SHORT = "short"  # without a qualifier: "Frankfurt" for "Frankfurt am Main"
    EXONYM = "exonym"  # a foreign name (GeoNames alternate names, hand list)
    HISTORIC = "historic"  # a former name: Dnipropetrovsk, Chervonohrad
    SOURCE = "source"  # a spelling used by a partnership source
    SETTLEMENT = "settlement"  # a town or village inside a hromada


# Relative trust in a hit on each kind of name (others: 1.0). A settlement hit names the hromada
# only indirectly (a village called "Rokytne" is not the Rokytne hromada); a short name is
# ambiguous; GeoNames alternate names are noisy ("Mülheim" is listed for Müllheim too), so an
# official name of a smaller place should not lose to them by a hair.
KIND_WEIGHT: Final[dict[str, float]] = {
    NameKind.SHORT: 0.99,
    NameKind.EXONYM: 0.98,
    NameKind.HISTORIC: 0.98,
    NameKind.SOURCE: 0.99,
    NameKind.SETTLEMENT: 0.85,
}
# Kinds that take part in fuzzy matching; settlements (27,000 villages) only match exactly, or a
# typo would pull in a village instead of the city.
FUZZY_KINDS: Final = frozenset(NameKind) - {NameKind.SETTLEMENT}

FUZZY_CUTOFF: Final = 80.0  # rapidfuzz WRatio; below this the variants table showed only noise
# Fuzzy scoring runs on the keys that share the most trigrams with the query: WRatio over all
# ~70,000 keys takes ~200 ms, over this shortlist well under 5 ms, with the same top results.
SHORTLIST: Final = 400
FUZZY_PENALTY: Final = 0.97  # an exact hit on any spelling beats a fuzzy hit on another
SIZE_BONUS: Final = 8.0  # points for a city of 10 million; log scale, so 10k inhabitants get 3.4
LEVEL_HINT_BONUS: Final = 6.0  # "Kharkiv Oblast" prefers the oblast over the city
# Breaks ties in favour of the municipality: "Berlin" is the city before the Land of the same name.
MUNICIPAL_LEVELS: Final = frozenset({"stadt", "gemeinde", "hromada", "city_special_status"})
MUNICIPAL_TIE_BREAK: Final = 0.5
# A bare city name means the city, not its namesake Kreis ("Gütersloh" is the Stadt of 102,000, not Kreis
# Gütersloh of 370,000): without a level word a Kreis ranks this far behind. More than the size bonus
# of the largest Kreis over its Stadt (Region Hannover 1.2 M / Hannover 0.55 M: 0.4 points) plus the
# tie-break; "Kreis Gütersloh" still prefers the Kreis by LEVEL_HINT_BONUS.
KREIS_WITHOUT_WORD: Final = 1.5

UKRAINIAN_SYSTEMS: Final = (
    translitua.UkrainianKMU,  # national system of 2010, used by OCHA and the codifier
    translitua.UkrainianGerman,  # Duden-like: Charkiw, Tschernihiw, Kyjiw
    translitua.UkrainianBGN,
    translitua.UkrainianBritish,
    translitua.UkrainianFrench,
    translitua.UkrainianISO9,
    translitua.UkrainianSimple,
    translitua.UkrainianALALC,
)
RUSSIAN_SYSTEMS: Final = (
    translitua.RussianInternationalPassport,  # Kharkov, Zaporozhye: the pre-2010 English forms
    translitua.RussianICAO,
    translitua.RussianGOST2006,
    translitua.RussianSimple,
)

_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_APOSTROPHES = re.compile(r"['’ʼ`´ʹ]")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})
_QUALIFIER = re.compile(
    r"\s*(\(.*\)|/.*|\s(am|an der|an|im|in der|in|ob der|bei|auf der|auf|vor der|unter"
    r"|[aiv]\.\s?d\.|[aib]\.)\s.*)$",
    re.IGNORECASE,
)

# Words that name a level, not a place; a query containing one prefers that level.
LEVEL_WORDS: Final[dict[str, str]] = {
    "oblast": "oblast",
    "oblasti": "oblast",
    "gebiet": "oblast",
    "raion": "raion",
    "rayon": "raion",
    "rajon": "raion",
    "hromada": "hromada",
    "gromada": "hromada",
    "hromade": "hromada",
    "community": "hromada",
    "landkreis": "kreis",
    "kreis": "kreis",
    "lk": "kreis",
    "bundesland": "land",
    "land": "land",
    "freistaat": "land",
    "stadt": "stadt",
    "city": "stadt",
    "gemeinde": "gemeinde",
    "municipality": "gemeinde",
    "miska": "hromada",
    "silska": "hromada",
    "selyshchna": "hromada",
}


# Cached: a load folds about 470,000 names, most of them many times (villages share names; every
# record's names are folded for its keys and again for the index).
@lru_cache(maxsize=1 << 18)
def fold(text: str) -> str:
    """Fold a name to its comparison key, e.g. "Iwano-Frankiwsk" -> "iwano frankiwsk", "Київ" -> "kyiv"."""
    text = unicodedata.normalize("NFC", text)
    if _CYRILLIC.search(text):
        text = translitua.translit(text)  # KMU 2010; Russian-only letters fall through to unidecode
    text = unidecode(_APOSTROPHES.sub("", text)).lower()
    return _NON_ALNUM.sub(" ", text).strip()


def spellings(name: str, lang: str) -> list[str]:
    """Return ``name`` and the other ways it is commonly written, most standard first."""
    found = [name]
    if _CYRILLIC.search(name):
        systems = RUSSIAN_SYSTEMS if lang == "ru" else UKRAINIAN_SYSTEMS
        found += [translitua.translit(name, system) for system in systems]
    elif name != name.translate(_UMLAUTS):
        found.append(name.translate(_UMLAUTS))  # Nürnberg is also typed Nuernberg
    return list(dict.fromkeys(found))


def short_name(name: str) -> str | None:
    """Strip a qualifier: "Frankfurt am Main" -> "Frankfurt", "Halle (Saale)" -> "Halle"."""
    stripped = _QUALIFIER.sub("", name).strip(" ,-")
    return stripped if stripped and stripped != name else None


def level_hint(query: str) -> tuple[str, str | None]:
    """Split level words off a query: "Oblast Charkiw" -> ("charkiw", "oblast")."""
    words = fold(query).split()
    levels = {LEVEL_WORDS[w] for w in words if w in LEVEL_WORDS}
    rest = [w for w in words if w not in LEVEL_WORDS]
    if not rest:  # the query is only level words, e.g. "Land": keep it as a name
        return " ".join(words), None
    return " ".join(rest), (levels.pop() if len(levels) == 1 else None)


@dataclass(frozen=True)
class IndexedName:
    """A stored name of one municipality, as the index needs it."""

    municipality_id: int
    key: str
    kind: str


@dataclass(frozen=True)
class Candidate:
    """What the index knows of a municipality to rank it."""

    municipality_id: int
    country: str
    level: str
    population: int | None


@dataclass(frozen=True)
class NameMatch:
    """One search result: the municipality, the score (0..100) and the spelling that matched."""

    municipality_id: int
    score: float
    matched_key: str
    exact: bool


class NameIndex:
    """An in-memory index over every stored spelling; build once, search many times."""

    def __init__(self, names: Iterable[IndexedName], candidates: Iterable[Candidate]) -> None:
        self._candidates = {c.municipality_id: c for c in candidates}
        by_key: dict[str, dict[int, float]] = defaultdict(dict)
        fuzzy_keys: set[str] = set()
        for entry in names:
            if entry.municipality_id not in self._candidates or not entry.key:
                continue
            weight = KIND_WEIGHT.get(entry.kind, 1.0)
            holders = by_key[entry.key]
            holders[entry.municipality_id] = max(weight, holders.get(entry.municipality_id, 0.0))
            if entry.kind in FUZZY_KINDS:
                fuzzy_keys.add(entry.key)
        self._by_key = dict(by_key)
        self._fuzzy_keys: list[str] = sorted(fuzzy_keys)
        self._trigrams = TrigramShortlist(self._fuzzy_keys)

    def __len__(self) -> int:
        return len(self._by_key)

    def reranked(self, candidates: Iterable[Candidate]) -> NameIndex | None:
        """Return this index over new ranking facts (population) of the same municipalities, in
        milliseconds instead of a rebuild; None if the municipalities differ (then build a new index)."""
        ranking = {c.municipality_id: c for c in candidates}
        if ranking.keys() != self._candidates.keys():
            return None
        index = copy.copy(self)  # shares the name tables, which no one changes after the build
        index._candidates = ranking
        return index

    def search(self, query: str, *, country: str | None = None, limit: int = 10) -> list[NameMatch]:
        """Rank municipalities for ``query``: exact spellings first, then fuzzy ones, larger first."""
        key, wanted_level = level_hint(query)
        if not key:
            return []
        best: dict[int, NameMatch] = {}
        for exact_key in {key, fold(query)}:  # "Region Hannover" is a name, not a level word
            self._collect(exact_key, 100.0, True, best)
        shortlist = [self._fuzzy_keys[i] for i in self._trigrams.shortlist(key, SHORTLIST)]
        fuzzy = process.extract(key, shortlist, scorer=fuzz.WRatio, score_cutoff=FUZZY_CUTOFF, limit=100)
        for matched_key, similarity, _ in fuzzy:
            self._collect(matched_key, similarity * FUZZY_PENALTY, False, best)
        ranked = sorted(
            (
                m
                for m in best.values()
                if country is None or self._candidates[m.municipality_id].country == country
            ),
            # An exact spelling, even of a village, is surer than a fuzzy resemblance to a city.
            key=lambda m: (not m.exact, -self._rank_score(m, wanted_level), m.municipality_id),
        )
        return [
            NameMatch(m.municipality_id, round(self._rank_score(m, wanted_level), 2), m.matched_key, m.exact)
            for m in ranked[:limit]
        ]

    def _collect(self, key: str, similarity: float, exact: bool, best: dict[int, NameMatch]) -> None:
        for municipality_id, weight in self._by_key.get(key, {}).items():
            score = similarity * weight
            current = best.get(municipality_id)
            if current is None:
                best[municipality_id] = NameMatch(municipality_id, score, key, exact)
            elif score > current.score or (exact and not current.exact):
                best[municipality_id] = NameMatch(
                    municipality_id,
                    max(score, current.score),
                    key if score > current.score else current.matched_key,
                    exact or current.exact,
                )

    def _rank_score(self, match: NameMatch, wanted_level: str | None) -> float:
        candidate = self._candidates[match.municipality_id]
        population = candidate.population or 0
        size = SIZE_BONUS * min(math.log10(population + 1) / 7.0, 1.0)
        hint = LEVEL_HINT_BONUS if wanted_level and _level_matches(candidate.level, wanted_level) else 0.0
        municipal = MUNICIPAL_TIE_BREAK if candidate.level in MUNICIPAL_LEVELS else 0.0
        namesake = KREIS_WITHOUT_WORD if wanted_level is None and candidate.level == "kreis" else 0.0
        return min(100.0, match.score * 0.9 + size + hint + municipal - namesake)


def _trigrams(key: str) -> set[str]:
    padded = f"  {key} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


class TrigramShortlist:
    """Pick the keys that share the most character trigrams with a query (Dice coefficient)."""

    def __init__(self, keys: Sequence[str]) -> None:
        vocabulary: dict[str, int] = {}
        rows, columns = [], []
        for row, key in enumerate(keys):
            for gram in _trigrams(key):
                rows.append(row)
                columns.append(vocabulary.setdefault(gram, len(vocabulary)))
        self._vocabulary = vocabulary
        self._matrix = sparse.csc_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, columns)), shape=(len(keys), len(vocabulary))
        )
        self._sizes = np.asarray(self._matrix.sum(axis=1)).ravel()

    def shortlist(self, query: str, size: int) -> list[int]:
        """Return the row numbers of the ``size`` keys most similar to ``query``, best first."""
        grams = _trigrams(query)
        columns = [self._vocabulary[g] for g in grams if g in self._vocabulary]
        if not columns:
            return []
        shared = np.asarray(self._matrix[:, columns].sum(axis=1)).ravel()
        dice = 2 * shared / (self._sizes + len(grams))
        top = np.argpartition(-dice, size)[:size] if len(dice) > size else np.arange(len(dice))
        top = top[dice[top] > 0]
        return [int(i) for i in top[np.argsort(-dice[top], kind="stable")]]


def _level_matches(level: str, wanted: str) -> bool:
    if wanted == "stadt":
        return level in {"stadt", "city_special_status"}
    if wanted == "gemeinde":
        return level in {"gemeinde", "stadt", "hromada"}
    return level == wanted


def names_for(values: Sequence[tuple[str | None, str, str]]) -> list[tuple[str, str, str, str]]:
    """Expand (name, lang, kind) triples, most important first, into (name, lang, kind, key) rows.

    Each comparison key is kept once: under the most trusted kind, and the first spelling of that kind.
    """
    rows: dict[str, tuple[str, str, str, str]] = {}
    for name, lang, kind in values:
        if not name or not name.strip():
            continue
        original = " ".join(name.split())
        for spelling in spellings(original, lang):
            key = fold(spelling)
            # A variant keeps a down-weighted kind (short, settlement), so it cannot outrank the original.
            variant_kind = kind if spelling == original or kind in KIND_WEIGHT else NameKind.TRANSLIT
            current = rows.get(key)
            if key and (
                current is None or KIND_WEIGHT.get(variant_kind, 1.0) > KIND_WEIGHT.get(current[2], 1.0)
            ):
                rows[key] = (spelling, lang, variant_kind, key)
    return list(rows.values())
