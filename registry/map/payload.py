"""Turn the map's input frames into the compact JSON the page's script draws from.

The input contract (column names; extra columns are ignored, missing ones raise ``MapInputError``):

``municipalities``: one row per place that is an end of a partnership, plus every hromada for the
war-status layer. Rows that are neither are dropped, so a caller may pass more.

    code         str    AGS (8 digits, Kreis 5, Land 2) or KATOTTH code; unique
    country      str    "DE" or "UA"
    level        str    e.g. gemeinde, kreis, land, hromada, raion, oblast, city_special_status
    name         str    display name (official name without suffixes)
    name_de, name_en, name_uk   str | None   names in German, English, Ukrainian
    population   float  NaN when unknown
    lat, lon     float  centre (WGS84); NaN: no marker, and no line to it
    region_code  str    DE: Land key ("09"); UA: KATOTTH code of the oblast (or Kyiv, Sevastopol)
    region_name  str    name of the Land or oblast, shown in the filter and popups
    war_status   str | None   UA only: the hromada's status (labels.WAR_STATUSES); None elsewhere
    url          str    link to the record page (relative or http(s))

  optional, shown in the popups with their dates:

    population_date   str | None   ISO date the population figure refers to
    war_status_date   str | None   ISO date of the edition of the hostilities list
    idp               float        registered internally displaced people (net; may be negative)
    idp_date          str | None   ISO date of the IDP figure

``partnerships``:

    id           int | str   unique
    de_code, ua_code   str | None   codes of the two ends in ``municipalities`` (None: unresolved)
    kind         str    one of labels.KINDS
    status       str    one of labels.STATUSES
    start_year   float  NaN when no source gives it
    de_region_code, ua_region_code   str | None   region codes of the two ends (filters)
    sources      list[{"url": str | None, "citation": str}]
    url          str    link to the partnership's record page

``unpartnered`` (optional): hromadas without a German partner, for outreach planning:

    code, name, name_uk, lat, lon, population, need (0..1, larger is more urgent), url
    region_code (optional): the oblast, for the oblast filter; taken from ``municipalities`` if absent
    reconstruction, idp_need (optional, 0..1): the two scores ``need`` is the larger of

``regions`` (optional): the centres of Länder and oblasts, where the overview lines start and end:

    code, country, lat, lon

Tables are emitted once as a header and rows of arrays (``{"fields": [...], "rows": [[...], ...]}``),
not as one folium element per marker: a folium ``Marker`` with a popup costs about 1 KB of generated
JavaScript, a row here under 200 bytes, and the browser builds the layers from them in one pass
(``benchmarks/bench_map.py`` measures both).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any, Final
from urllib.parse import urlsplit

import pandas as pd

from registry.map.labels import KIND_CODES, STATUS_CODES

MUNICIPALITY_COLUMNS: Final = (
    "code", "country", "level", "name", "name_de", "name_en", "name_uk", "population",
    "lat", "lon", "region_code", "region_name", "war_status", "url",
)  # fmt: skip
PARTNERSHIP_COLUMNS: Final = (
    "id", "de_code", "ua_code", "kind", "status", "start_year",
    "de_region_code", "ua_region_code", "sources", "url",
)  # fmt: skip
UNPARTNERED_COLUMNS: Final = ("code", "name", "name_uk", "lat", "lon", "population", "need", "url")

# Emitted fields, in order. "region" is the municipality's region code; names are looked up in
# "regions". Coordinates keep 5 decimals (about 1 m).
MUNICIPALITY_FIELDS: Final = (
    "code", "country", "level", "name", "name_de", "name_en", "name_uk", "population",
    "lat", "lon", "region", "war_status", "url", "population_date", "war_status_date", "idp", "idp_date",
)  # fmt: skip
MUNICIPALITY_OPTIONAL: Final = ("population_date", "war_status_date", "idp", "idp_date")
PARTNERSHIP_FIELDS: Final = (
    "id", "de_code", "ua_code", "kind", "status", "start_year", "de_region", "ua_region", "sources", "url",
)  # fmt: skip
UNPARTNERED_FIELDS: Final = (
    "code", "name", "name_uk", "lat", "lon", "population", "need", "region", "url", "reconstruction",
    "idp_need",
)  # fmt: skip
UNPARTNERED_OPTIONAL: Final = ("region_code", "reconstruction", "idp_need")
REGION_COLUMNS: Final = ("code", "country", "lat", "lon")
COORD_DECIMALS: Final = 5


class MapInputError(ValueError):
    """The frames given to the map builder break its input contract."""


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _text(value: object) -> str | None:
    if _missing(value):
        return None
    text = str(value).strip()
    return text or None


def _number(value: object, decimals: int) -> float | None:
    if _missing(value):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else round(number, decimals)


def _int(value: object) -> int | None:
    number = _number(value, 0)
    return None if number is None else int(number)


def safe_url(value: object) -> str | None:
    """Return ``value`` if it is a relative or http(s) URL, else None (no ``javascript:`` links)."""
    text = _text(value)
    if text is None:
        return None
    try:
        scheme = urlsplit(text).scheme.lower()
    except ValueError:
        return None
    return text if scheme in ("", "http", "https") else None


def _id(value: object) -> int | str:
    if isinstance(value, bool) or _missing(value):
        raise MapInputError(f"partnership id {value!r} is missing")
    if isinstance(value, int | float) and float(value).is_integer():
        return int(value)
    return str(value)


def _sources(value: object) -> list[dict[str, str | None]]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if isinstance(value, (Mapping, str)) or not isinstance(value, Iterable):
        raise MapInputError(f"sources must be a list of {{'url', 'citation'}} dicts, got {value!r}")
    out: list[dict[str, str | None]] = []
    for item in value:
        if not isinstance(item, Mapping):
            raise MapInputError(f"a source must be a dict with 'url' and 'citation', got {item!r}")
        url = safe_url(item.get("url"))
        citation = _text(item.get("citation")) or url
        if citation:
            out.append({"url": url, "citation": citation})
    return out


def _share(value: object, what: str) -> float | None:
    share = _number(value, 3)
    if share is not None and not 0.0 <= share <= 1.0:
        raise MapInputError(f"{what} {share} is outside 0..1")
    return share


def _present(frame: pd.DataFrame, optional: Sequence[str]) -> list[str]:
    return [c for c in optional if c in frame.columns]


def _check_columns(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    if missing := set(columns) - set(frame.columns):
        raise MapInputError(f"{what}: missing columns {sorted(missing)}")


def _records(frame: pd.DataFrame, columns: Sequence[str]) -> list[dict[Hashable, Any]]:
    # object dtype first, so pandas' nullable NA and numpy scalars come out as plain Python values
    return frame.loc[:, list(columns)].astype(object).to_dict("records")


def _table(fields: Sequence[str], rows: list[list[Any]]) -> dict[str, Any]:
    return {"fields": list(fields), "rows": rows}


def build_payload(
    municipalities: pd.DataFrame,
    partnerships: pd.DataFrame,
    unpartnered: pd.DataFrame | None,
    regions: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Validate the frames and return the tables, region names and region centres for the page.

    Raises:
        MapInputError: a column is missing, a code repeats, or a kind or status is unknown.
    """
    _check_columns(municipalities, MUNICIPALITY_COLUMNS, "municipalities")
    _check_columns(partnerships, PARTNERSHIP_COLUMNS, "partnerships")

    partnership_rows: list[list[Any]] = []
    partnered: set[str] = set()
    seen_ids: set[int | str] = set()
    for r in _records(partnerships, PARTNERSHIP_COLUMNS):
        pid = _id(r["id"])
        if pid in seen_ids:
            raise MapInputError(f"partnership id {pid!r} appears twice")
        seen_ids.add(pid)
        kind, status = _text(r["kind"]), _text(r["status"])
        if kind not in KIND_CODES:
            raise MapInputError(
                f"partnership {pid!r}: unknown kind {kind!r}, expected one of {sorted(KIND_CODES)}"
            )
        if status not in STATUS_CODES:
            raise MapInputError(
                f"partnership {pid!r}: unknown status {status!r}, expected one of {sorted(STATUS_CODES)}"
            )
        de_code, ua_code = _text(r["de_code"]), _text(r["ua_code"])
        partnered.update(c for c in (de_code, ua_code) if c)
        partnership_rows.append([
            pid, de_code, ua_code, kind, status, _int(r["start_year"]),
            _text(r["de_region_code"]), _text(r["ua_region_code"]),
            _sources(r["sources"]), safe_url(r["url"]),
        ])  # fmt: skip

    municipality_rows: list[list[Any]] = []
    region_names: dict[str, dict[str, str]] = {"DE": {}, "UA": {}}
    seen_codes: set[str] = set()
    region_of: dict[str, str] = {}
    for r in _records(
        municipalities, (*MUNICIPALITY_COLUMNS, *_present(municipalities, MUNICIPALITY_OPTIONAL))
    ):
        code, country = _text(r["code"]), _text(r["country"])
        if code is None:
            raise MapInputError("municipalities: a row has no code")
        if code in seen_codes:
            raise MapInputError(f"municipalities: code {code!r} appears twice")
        seen_codes.add(code)
        if country not in region_names:
            raise MapInputError(f"municipality {code!r}: country must be 'DE' or 'UA', got {country!r}")
        region, region_name = _text(r["region_code"]), _text(r["region_name"])
        if region:
            region_of[code] = region
            if region_name:
                region_names[country].setdefault(region, region_name)
        war_status = _text(r["war_status"]) if country == "UA" else None
        if code not in partnered and war_status is None:
            continue  # neither a marker nor on the war-status layer
        municipality_rows.append([
            code, country, _text(r["level"]), _text(r["name"]) or code,
            _text(r["name_de"]), _text(r["name_en"]), _text(r["name_uk"]), _int(r["population"]),
            _number(r["lat"], COORD_DECIMALS), _number(r["lon"], COORD_DECIMALS),
            region, war_status, safe_url(r["url"]), _text(r.get("population_date")),
            _text(r.get("war_status_date")) if country == "UA" else None, _int(r.get("idp")),
            _text(r.get("idp_date")),
        ])  # fmt: skip

    unpartnered_rows: list[list[Any]] = []
    if unpartnered is not None:
        _check_columns(unpartnered, UNPARTNERED_COLUMNS, "unpartnered")
        for r in _records(unpartnered, (*UNPARTNERED_COLUMNS, *_present(unpartnered, UNPARTNERED_OPTIONAL))):
            need = _share(r["need"], f"unpartnered {r['code']!r}: need")
            code = _text(r["code"])
            if code is None:
                raise MapInputError("unpartnered: a row has no code")
            region = _text(r.get("region_code")) or region_of.get(code)
            unpartnered_rows.append([
                code, _text(r["name"]) or code, _text(r["name_uk"]),
                _number(r["lat"], COORD_DECIMALS), _number(r["lon"], COORD_DECIMALS),
                _int(r["population"]), need, region, safe_url(r["url"]),
                _share(r.get("reconstruction"), f"unpartnered {code!r}: reconstruction"),
                _share(r.get("idp_need"), f"unpartnered {code!r}: idp_need"),
            ])  # fmt: skip

    return {
        "municipalities": _table(MUNICIPALITY_FIELDS, municipality_rows),
        "partnerships": _table(PARTNERSHIP_FIELDS, partnership_rows),
        "unpartnered": _table(UNPARTNERED_FIELDS, unpartnered_rows),
        "regions": {
            country: dict(sorted(names.items(), key=lambda kv: kv[1]))
            for country, names in region_names.items()
        },
        "centres": _centres(regions),
    }


def _centres(regions: pd.DataFrame | None) -> dict[str, list[float]]:
    """Return ``{region code: [lat, lon]}``; regions without a centre are left out."""
    if regions is None:
        return {}
    _check_columns(regions, REGION_COLUMNS, "regions")
    centres: dict[str, list[float]] = {}
    for r in _records(regions, REGION_COLUMNS):
        code = _text(r["code"])
        lat, lon = _number(r["lat"], COORD_DECIMALS), _number(r["lon"], COORD_DECIMALS)
        if code and lat is not None and lon is not None:
            centres[code] = [lat, lon]
    return centres
