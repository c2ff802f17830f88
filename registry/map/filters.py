"""Parse the map's filters from query parameters, with the same names the page's script uses.

Query parameters (all optional; a parameter may repeat where noted)::

    land=09                  Land key (2 digits) of the German side
    oblast=UA46000000000026241   KATOTTH code of the Ukrainian side's oblast (or Kyiv, Sevastopol)
    kind=solidarity          repeatable; partnership, friendship, solidarity, project, letter_of_intent, other
    status=active            repeatable; active, in_preparation, requested, paused, ended
    year_from=2014           start year at least
    year_to=2021             start year at most
    focus=UA63120270000028556    one municipality (any of its codes) and its partnerships only
    color=period             line colours by "kind" (default) or start "period"
    hromadas=need            colour the hromada outlines by "war" status or by German partner and "need"

Meaning, identical in ``static/js/registry-map-core.js``: a partnership is shown when it matches every
given filter (values of a repeated parameter are alternatives). With a year bound, partnerships
without a known start year are hidden. With ``focus``, only the partnerships of that unit are shown.
A municipality marker is shown while at least one of its partnerships is (the focused unit always);
the hromada colouring follows only ``oblast``.

Unknown parameters are ignored, so a handler may pass the whole query string; so are values that
cannot be meant (an unknown kind, a year that is not a number), because a bookmarked URL should still
open a map rather than an error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

from registry.map.labels import KIND_CODES, STATUS_CODES

ColorBy = Literal["kind", "period"]
HromadaFill = Literal["war", "need"]
FILTER_PARAMS: Final = (
    "land", "oblast", "kind", "status", "year_from", "year_to", "focus", "color", "hromadas",
)  # fmt: skip
# A code as the API accepts one (registry.api.schemas.CODE_PATTERN); anything else is ignored.
_CODE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$")
QueryValue = str | int | Sequence[str | int] | None
YEAR_MIN: Final = 1900  # the bounds of the year inputs in the form, and of the script's toYear()
YEAR_MAX: Final = 2100


def _values(query: Mapping[str, QueryValue], key: str) -> list[str]:
    raw = query.get(key)
    if raw is None:
        return []
    items = [raw] if isinstance(raw, str | int) else list(raw)
    return [str(v).strip() for v in items if str(v).strip()]


def _year(query: Mapping[str, QueryValue], key: str) -> int | None:
    for value in _values(query, key):
        try:
            year = int(value)
        except ValueError:
            continue
        if YEAR_MIN <= year <= YEAR_MAX:
            return year
    return None


@dataclass(frozen=True)
class MapFilters:
    """The filters a map opens with; the page lets the user change them without a reload."""

    land: str | None = None
    oblast: str | None = None
    kinds: tuple[str, ...] = field(default=())
    statuses: tuple[str, ...] = field(default=())
    year_from: int | None = None
    year_to: int | None = None
    focus: str | None = None
    color_by: ColorBy = "kind"
    hromadas: HromadaFill | None = None

    @classmethod
    def from_query(cls, query: Mapping[str, QueryValue] | None) -> MapFilters:
        """Read filters from a query mapping (``{"kind": ["a", "b"]}`` or ``{"kind": "a"}``)."""
        if not query:
            return cls()
        lands, oblasts = _values(query, "land"), _values(query, "oblast")
        color, fill = _values(query, "color"), _values(query, "hromadas")
        focus = [v for v in _values(query, "focus") if _CODE.match(v)]
        return cls(
            land=lands[0] if lands else None,
            oblast=oblasts[0] if oblasts else None,
            kinds=tuple(dict.fromkeys(v for v in _values(query, "kind") if v in KIND_CODES)),
            statuses=tuple(dict.fromkeys(v for v in _values(query, "status") if v in STATUS_CODES)),
            year_from=_year(query, "year_from"),
            year_to=_year(query, "year_to"),
            focus=focus[0] if focus else None,
            color_by="period" if color and color[0] == "period" else "kind",
            hromadas="war" if fill[:1] == ["war"] else "need" if fill[:1] == ["need"] else None,
        )

    def to_json(self) -> dict[str, object]:
        """Return the filters in the shape the page's script reads."""
        return {
            "land": self.land,
            "oblast": self.oblast,
            "kind": list(self.kinds),
            "status": list(self.statuses),
            "year_from": self.year_from,
            "year_to": self.year_to,
            "focus": self.focus,
            "color": self.color_by,
            "hromadas": self.hromadas,
        }

    def to_query(self) -> list[tuple[str, str]]:
        """Return the filters as query parameters (defaults left out), e.g. for links."""
        pairs: list[tuple[str, str]] = []
        if self.land:
            pairs.append(("land", self.land))
        if self.oblast:
            pairs.append(("oblast", self.oblast))
        pairs += [("kind", k) for k in self.kinds]
        pairs += [("status", s) for s in self.statuses]
        if self.year_from is not None:
            pairs.append(("year_from", str(self.year_from)))
        if self.year_to is not None:
            pairs.append(("year_to", str(self.year_to)))
        if self.focus:
            pairs.append(("focus", self.focus))
        if self.color_by != "kind":
            pairs.append(("color", self.color_by))
        if self.hromadas:
            pairs.append(("hromadas", self.hromadas))
        return pairs
