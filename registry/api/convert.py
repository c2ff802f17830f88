"""Turn repository rows (plain dicts) into the API's response Structs."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import msgspec

from registry.api.schemas import (
    MunicipalityDetailOut,
    MunicipalityOut,
    NeedOut,
    OfferOut,
    PartnerOut,
    PartnershipOut,
)

T = TypeVar("T")
_PARTNER_FIELDS = (
    "code",
    "name",
    "name_de",
    "name_en",
    "name_uk",
    "level",
    "lat",
    "lon",
    "population",
    "war_status",
)
_REGION = {"de": ("land", "kreis"), "ua": ("oblast", "raion")}


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)  # SQLite returns naive datetimes; the database keeps UTC
    return value


def struct(kind: type[T], row: Mapping[str, Any]) -> T:
    """Build a Struct from a row, ignoring the row's extra columns; enums become their values."""
    return msgspec.convert({k: _plain(v) for k, v in row.items()}, kind, strict=False)


def partner(row: Mapping[str, Any], side: str) -> PartnerOut:
    region, district = _REGION[side]
    values = {name: row[f"{side}_{name}"] for name in _PARTNER_FIELDS}
    values |= {
        "region_code": row[f"{side}_{region}_code"],
        "region_name": row[f"{side}_{region}_name"],
        "district_code": row[f"{side}_{district}_code"],
        "district_name": row[f"{side}_{district}_name"],
    }
    return struct(PartnerOut, values)


def partnership(row: Mapping[str, Any]) -> PartnershipOut:
    own = {k: v for k, v in row.items() if not k.startswith(("de_", "ua_"))}
    return struct(PartnershipOut, own | {"de": partner(row, "de"), "ua": partner(row, "ua")})


def municipality(row: Mapping[str, Any]) -> MunicipalityOut:
    return struct(MunicipalityOut, row)


def need(row: Mapping[str, Any]) -> NeedOut:
    return struct(NeedOut, row)


def offer(row: Mapping[str, Any]) -> OfferOut:
    return struct(OfferOut, row)


def municipality_detail(
    facts: Mapping[str, Any],
    partnerships: Sequence[Mapping[str, Any]],
    needs: Sequence[Mapping[str, Any]],
    offers: Sequence[Mapping[str, Any]],
) -> MunicipalityDetailOut:
    return struct(
        MunicipalityDetailOut,
        {
            **facts,
            "partnerships": [partnership(p) for p in partnerships],
            "needs": [need(n) for n in needs],
            "offers": [offer(o) for o in offers],
        },
    )
