"""Filter values by name as well as by code: ``land=Bayern``, ``oblast=Sumy``, ``kreis=Landkreis Harz``.

A list's filter on a unit (the German partner's Land, Kreis or own unit; the Ukrainian partner's oblast,
raion or own unit; a municipality's region or district) takes any code of the unit, as before, or a
name in any spelling the name search knows (Bayern, Bavaria, Баварія; Sumy, Сумська область). The name
must name one unit of the level the filter is about: a name that fits none is a 400 problem naming the
nearest units, and so is one that fits several equally well (``municipality=Frankfurt``: Frankfurt am
Main or Frankfurt (Oder)), never an empty list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from registry.errors import UnresolvedValueError
from registry.models import Country, Level
from registry.repository.gazetteer import municipality_by_code

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from registry.services.search import MunicipalitySearch, SearchResult

# Name scores (0..100, registry.names): exact spellings score 96-100, a name's distinctive part alone
# ("Nordrhein", "Baden") about 86; below that the search is guessing.
ACCEPT_SCORE: Final = 85.0
# Two units this close to each other are a tie: the name does not say which is meant.
TIE_MARGIN: Final = 2.0
SEARCH_DEPTH: Final = 50
CANDIDATES: Final = 5
_GERMAN: Final = (
    Level.LAND, Level.BEZIRK, Level.KREIS, Level.GEMEINDEVERBAND, Level.STADT, Level.GEMEINDE,
    Level.STADTBEZIRK,
)  # fmt: skip
_UKRAINIAN: Final = (Level.OBLAST, Level.CITY_SPECIAL_STATUS, Level.RAION, Level.HROMADA)


@dataclass(frozen=True)
class Target:
    """What a filter's unit must be: its country (None: either) and levels, and how to name it."""

    country: str | None
    levels: tuple[str, ...]
    what: str


TARGETS: Final[dict[str, Target]] = {
    "land": Target(Country.DE, (Level.LAND,), "Land"),
    "kreis": Target(Country.DE, (Level.KREIS,), "Kreis"),
    "municipality": Target(Country.DE, _GERMAN, "German unit"),
    "oblast": Target(Country.UA, (Level.OBLAST, Level.CITY_SPECIAL_STATUS), "oblast"),
    "raion": Target(Country.UA, (Level.RAION,), "raion"),
    "hromada": Target(Country.UA, _UKRAINIAN, "Ukrainian unit"),
    "region": Target(None, (Level.LAND, Level.OBLAST, Level.CITY_SPECIAL_STATUS), "Land or oblast"),
    "district": Target(None, (Level.KREIS, Level.RAION), "Kreis or raion"),
    "unit": Target(None, (*_GERMAN, *_UKRAINIAN), "unit"),
}


def _named(result: SearchResult) -> str:
    return f"{result.code} {result.name} ({result.level})"


def resolve_value(session: Session, search: MunicipalitySearch, param: str, value: str) -> str:
    """Return the code a filter value names: the unit's own code if the value is any of its codes, else
    the code of the one unit of the filter's level its name names.

    Raises:
        UnresolvedValueError: the name names no unit of that level, or several equally well.
    """
    value = value.strip()
    if (unit := municipality_by_code(session, value)) is not None:
        return unit.code
    target = TARGETS[param]
    found = search.find(session, value, country=target.country, limit=SEARCH_DEPTH)
    fitting = [r for r in found if r.level in target.levels]
    good = [r for r in fitting if r.score >= ACCEPT_SCORE]
    if good and (len(good) == 1 or good[0].score - good[1].score > TIE_MARGIN):
        return good[0].code
    if good:
        tied = [r for r in good if good[0].score - r.score <= TIE_MARGIN][:CANDIDATES]
        raise UnresolvedValueError(
            f"{param}={value!r} names {len(tied)} {target.what}s; give one of their codes",
            field=param,
            candidates=tuple(_named(r) for r in tied),
        )
    raise UnresolvedValueError(
        f"no {target.what} is called {value!r} or has it as its code",
        field=param,
        candidates=tuple(_named(r) for r in (fitting or found)[:CANDIDATES]),
    )


def resolve_values(
    session: Session, search: MunicipalitySearch, values: dict[str, str | None]
) -> dict[str, str | None]:
    """Resolve every given filter value (``{param: value or None}``) to a code."""
    return {
        param: None if value is None or not value.strip() else resolve_value(session, search, param, value)
        for param, value in values.items()
    }
