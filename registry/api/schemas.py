"""The API's typed request and response bodies (msgspec Structs): ``XIn`` comes in, ``XOut`` goes out.

Every request body forbids unknown fields, so a typo is a 400 naming the field instead of a silent no-op.
Free text refuses NUL characters, which PostgreSQL cannot store.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

from registry.models import Confidence, PartnershipKind, PartnershipStatus, WarStatus

NO_NUL = r"^[^\x00]*$"
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$"
Code = Annotated[
    str, Meta(pattern=CODE_PATTERN, description="AGS, Kreis or Land key, KATOTTH, or a local id")
]
ShortText = Annotated[str, Meta(min_length=1, max_length=200, pattern=NO_NUL)]
LongText = Annotated[str, Meta(max_length=10_000, pattern=NO_NUL)]
Url = Annotated[str, Meta(max_length=2000, pattern=r"^https?://[^\x00-\x20\x7f]+$")]  # no spaces or controls
Citation = Annotated[str, Meta(min_length=1, max_length=2000, pattern=NO_NUL)]
Year = Annotated[int, Meta(ge=1900, le=2100)]
Topic = Annotated[
    str, Meta(pattern=r"^[a-z][a-z0-9_]{0,59}$", description="lower-case topic code, e.g. water")
]
CategoryCode = Annotated[
    str, Meta(pattern=r"^[a-z][a-z0-9_]{1,39}$", description="a code of GET /api/categories")
]
Priority = Annotated[int, Meta(ge=1, le=3, description="1 = high, 2 = medium, 3 = low")]
Population = Annotated[int, Meta(ge=0, le=2_000_000_000)]
Latitude = Annotated[float, Meta(ge=-90, le=90)]
Longitude = Annotated[float, Meta(ge=-180, le=180)]
Idp = Annotated[
    int, Meta(ge=-100_000_000, le=100_000_000, description="net registered IDPs (may be negative)")
]
Distance = Annotated[float, Meta(ge=0, le=10_000)]
Area = Annotated[float, Meta(ge=0, le=1_000_000, description="km²")]  # Ukraine: 603,500 km²
Role = Literal["primary", "also"]


class In(Struct, forbid_unknown_fields=True):
    """Base of request bodies."""


# --- errors -----------------------------------------------------------------------------------------


class ProblemItemOut(Struct):
    """One thing wrong with a request: the field (query parameter, body member or CSV column) at fault."""

    detail: str
    field: str | None = None
    location: Literal["query", "path", "header", "body", "csv"] | None = None
    line: int | None = None  # the CSV line, for an import
    candidates: list[str] = []  # best guesses for a name that could not be placed


class ProblemOut(Struct):
    """An error as RFC 9457 problem details (media type application/problem+json)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[ProblemItemOut] = []


# --- sources ----------------------------------------------------------------------------------------


class SourceIn(In):
    """A source: a URL, a citation, or both (at least one)."""

    url: Url | None = None
    citation: Citation | None = None
    publisher: ShortText | None = None


class CitedSourceIn(SourceIn):
    role: Role = "primary"


class SourceOut(Struct):
    id: int
    url: str | None
    citation: str
    publisher: str | None = None
    licence: str | None = None
    edition: str | None = None


class CitedSourceOut(Struct):
    id: int
    url: str | None
    citation: str
    publisher: str | None = None
    role: str = "primary"


# --- municipalities ---------------------------------------------------------------------------------


class MunicipalityOut(Struct):
    """A municipality in a list: its identity, where it lies, its headline facts."""

    code: str
    country: str
    level: str
    name: str
    name_official: str
    subtype: str | None
    name_de: str | None
    name_en: str | None
    name_uk: str | None
    region_code: str | None
    region_name: str | None
    district_code: str | None
    district_name: str | None
    population: int | None
    area_km2: float | None
    lat: float | None
    lon: float | None
    war_status: str | None
    partnership_count: int
    score: float | None = None  # how well it matches the name searched for (q), 0..100


class MunicipalityPageOut(Struct):
    items: list[MunicipalityOut]
    total: int
    limit: int
    offset: int


class FactsPatchIn(In):
    """Facts to change; every changed fact then cites ``source``. Omitted facts stay as they are."""

    source: SourceIn
    population: Population | UnsetType | None = UNSET
    population_date: dt.date | UnsetType | None = UNSET
    area_km2: Area | UnsetType | None = UNSET
    lat: Latitude | UnsetType | None = UNSET
    lon: Longitude | UnsetType | None = UNSET
    war_status: WarStatus | UnsetType | None = UNSET
    war_status_date: dt.date | UnsetType | None = UNSET
    occupied_since: dt.date | UnsetType | None = UNSET
    occupation_ended: dt.date | UnsetType | None = UNSET
    idp_registered: Idp | UnsetType | None = UNSET
    idp_date: dt.date | UnsetType | None = UNSET
    distance_to_russia_km: Distance | UnsetType | None = UNSET
    damage_note: LongText | UnsetType | None = UNSET


# --- partnerships -----------------------------------------------------------------------------------


class PartnerOut(Struct):
    """One side of a partnership."""

    code: str
    name: str
    name_de: str | None
    name_en: str | None
    name_uk: str | None
    level: str
    region_code: str | None  # Land or oblast
    region_name: str | None
    district_code: str | None  # Kreis or raion
    district_name: str | None
    lat: float | None
    lon: float | None
    population: int | None
    war_status: str | None


class PartnershipOut(Struct):
    id: int
    de: PartnerOut
    ua: PartnerOut
    kind: str
    kind_source: str | None
    status: str
    status_reason: str | None
    start_year: int | None
    start_date: dt.date | None
    end_date: dt.date | None
    notes: str | None
    confidence: str | None
    last_confirmed: dt.date | None
    topics: list[str]
    sources: list[CitedSourceOut]
    external_ref: str | None
    resolution_note: str | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class PartnershipPageOut(Struct):
    items: list[PartnershipOut]
    total: int
    limit: int
    offset: int


class PartnershipIn(In):
    """A new partnership between a German and a Ukrainian unit, with at least one source."""

    de_code: Code
    ua_code: Code
    kind: PartnershipKind
    sources: Annotated[list[CitedSourceIn], Meta(min_length=1, max_length=20)]
    status: PartnershipStatus = PartnershipStatus.ACTIVE
    status_reason: LongText | None = None
    start_year: Year | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    notes: LongText | None = None
    confidence: Confidence | None = None
    last_confirmed: dt.date | None = None
    topics: Annotated[list[Topic], Meta(max_length=30)] = []


class PartnershipPatchIn(In):
    """Fields to change; omitted fields stay as they are. End a partnership with status "ended"."""

    kind: PartnershipKind | UnsetType = UNSET
    status: PartnershipStatus | UnsetType = UNSET
    status_reason: LongText | UnsetType | None = UNSET
    start_year: Year | UnsetType | None = UNSET
    start_date: dt.date | UnsetType | None = UNSET
    end_date: dt.date | UnsetType | None = UNSET
    notes: LongText | UnsetType | None = UNSET
    confidence: Confidence | UnsetType | None = UNSET
    last_confirmed: dt.date | UnsetType | None = UNSET
    topics: Annotated[list[Topic], Meta(max_length=30)] | UnsetType = UNSET


# --- needs and offers -------------------------------------------------------------------------------


class CategoryOut(Struct):
    code: str
    group: str
    label_de: str
    label_en: str
    label_uk: str
    examples: str | None
    basis: str | None


class NeedIn(In):
    category: CategoryCode
    priority: Priority = 2
    note: LongText | None = None
    stated_on: dt.date | None = None
    source: SourceIn | None = None


class NeedPatchIn(In):
    category: CategoryCode | UnsetType = UNSET
    priority: Priority | UnsetType = UNSET
    note: LongText | UnsetType | None = UNSET
    stated_on: dt.date | UnsetType | None = UNSET
    source: SourceIn | UnsetType | None = UNSET


class OfferIn(In):
    category: CategoryCode
    note: LongText | None = None


class OfferPatchIn(In):
    category: CategoryCode | UnsetType = UNSET
    note: LongText | UnsetType | None = UNSET


class NeedOut(Struct):
    id: int
    municipality_code: str
    municipality_name: str
    region_code: str | None
    region_name: str | None
    category: str
    category_label_en: str
    priority: int
    note: str | None
    stated_on: dt.date | None
    source: CitedSourceOut | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class OfferOut(Struct):
    id: int
    municipality_code: str
    municipality_name: str
    region_code: str | None
    region_name: str | None
    category: str
    category_label_en: str
    note: str | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class NeedPageOut(Struct):
    items: list[NeedOut]
    total: int
    limit: int
    offset: int


class OfferPageOut(Struct):
    items: list[OfferOut]
    total: int
    limit: int
    offset: int


class MunicipalityDetailOut(Struct):
    """A municipality's page: its facts with their sources, names, partnerships, needs and offers."""

    code: str
    country: str
    level: str
    name: str
    name_official: str
    subtype: str | None
    name_de: str | None
    name_en: str | None
    name_uk: str | None
    names: list[str]
    parent_code: str | None
    parent_name: str | None
    region_code: str | None
    region_name: str | None
    district_code: str | None
    district_name: str | None
    population: int | None
    population_date: dt.date | None
    area_km2: float | None
    lat: float | None
    lon: float | None
    war_status: str | None
    war_status_date: dt.date | None
    occupied_since: dt.date | None
    occupation_ended: dt.date | None
    idp_registered: int | None
    idp_date: dt.date | None
    distance_to_russia_km: float | None
    damage_note: str | None
    fact_sources: dict[str, SourceOut]
    partnership_count: int
    partnerships: list[PartnershipOut]
    needs: list[NeedOut]
    offers: list[OfferOut]
    version: int
    updated_at: dt.datetime


# --- statistics, audit, import ----------------------------------------------------------------------


class RegionCountOut(Struct):
    code: str
    name: str
    count: int


class YearCountOut(Struct):
    year: int
    count: int
    cumulative: int


class StatsOut(Struct):
    """Partnership counts (of the filtered set) and declared needs and offers per category."""

    total: int
    by_land: list[RegionCountOut]
    by_oblast: list[RegionCountOut]
    by_kind: dict[str, int]
    by_status: dict[str, int]
    by_start_year: list[YearCountOut]
    start_year_unknown: int
    started_since_invasion: int  # start year 2022 or later
    needs_by_category: dict[str, int]
    offers_by_category: dict[str, int]


class AuditEventOut(Struct):
    id: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_key: str
    municipality_code: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class AuditPageOut(Struct):
    items: list[AuditEventOut]
    total: int
    limit: int
    offset: int


class ImportItemOut(Struct):
    line: int
    row_id: str | None
    partnership_id: int | None  # None in a dry run for a row that would be created
    action: Literal["create", "update", "unchanged"]


class ImportOut(Struct):
    dry_run: bool
    rows: int
    created: int
    updated: int
    unchanged: int
    items: list[ImportItemOut]


class GeometryOut(Struct):
    """A GeoJSON geometry: a Point [lon, lat], or a LineString of such positions (RFC 7946)."""

    type: Literal["Point", "LineString"]
    coordinates: list[Any]  # [lon, lat] for a Point, [[lon, lat], [lon, lat]] for a LineString


class FeatureOut(Struct):
    type: Literal["Feature"]
    id: int | str
    geometry: GeometryOut | None  # null for a unit without coordinates
    properties: dict[str, Any]


class FeatureCollectionOut(Struct):
    """What the GeoJSON exports stream (documented here; the body is written chunk by chunk)."""

    type: Literal["FeatureCollection"]
    features: list[FeatureOut]


class HealthOut(Struct):
    status: str
    revision: str | None


def changes(patch: Struct, *, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Return the fields a patch sets (omitted ones are UNSET), enums as their values."""
    return {
        name: value.value if hasattr(value, "value") else value
        for name in patch.__struct_fields__
        if name not in skip and (value := getattr(patch, name)) is not UNSET
    }


def forbidding_structs() -> list[type[Struct]]:
    """Return every request body type, for the OpenAPI schema to say they forbid unknown fields."""
    found: list[type[Struct]] = []
    pending: list[type[Struct]] = [In]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found
