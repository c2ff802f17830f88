"""Plain records the readers produce and the repository writes: no database types, no parsing here.

They sit below both ``registry/ingest/`` (which fills them from the bundled files) and
``registry/repository/`` (which stores them), so that neither layer imports the other.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field, fields

from registry.errors import Problem


@dataclass(frozen=True)
class Row:
    """One data row: its values by column, and where it stands in the file."""

    file: str
    line: int
    values: dict[str, str]

    def get(self, column: str) -> str | None:
        """Return the stripped value, or None for an empty cell."""
        value = self.values.get(column, "").strip()
        return value or None

    def problem(self, column: str | None, message: str) -> Problem:
        """Describe a problem with this row (and column)."""
        return Problem(message, file=self.file, line=self.line, field=column)

    def digest(self) -> str:
        """Fingerprint the row's content, to tell on reload whether the source changed."""
        payload = "\x1f".join(f"{k}={v}" for k, v in sorted(self.values.items()))
        return hashlib.sha256(payload.encode()).hexdigest()


Name = tuple[str | None, str, str]  # (name, lang, kind)

Code = tuple[str, str, str | None]  # (code, scheme, label)


@dataclass
class MunicipalityRecord:
    """One municipality as read from the bundled files, with its names and codes."""

    code: str
    scheme: str
    country: str
    level: str
    name: str
    name_official: str
    subtype: str | None = None
    name_de: str | None = None
    name_en: str | None = None
    name_uk: str | None = None
    parent_code: str | None = None
    region_code: str | None = None
    district_code: str | None = None
    population: int | None = None
    population_date: dt.date | None = None
    population_source: str | None = None
    area_km2: float | None = None
    area_source: str | None = None
    lat: float | None = None
    lon: float | None = None
    coordinates_source: str | None = None
    war_status: str | None = None
    war_status_date: dt.date | None = None
    occupied_since: dt.date | None = None
    occupation_ended: dt.date | None = None
    war_status_source: str | None = None
    idp_registered: int | None = None
    idp_date: dt.date | None = None
    idp_source: str | None = None
    distance_to_russia_km: float | None = None
    distance_source: str | None = None
    # (name, lang, kind), most important first; expanded into spellings by registry.names.names_for
    names: list[Name] = field(default_factory=list)
    # (code, scheme, label): codes that resolve to this municipality, its own included
    codes: list[Code] = field(default_factory=list)
    settlement_names: list[tuple[str, str]] = field(default_factory=list)  # (name, lang), exact-only
    # what is stored: (spelling, lang, kind, key), derived from the two lists above by the loader
    name_rows: list[tuple[str, str, str, str]] = field(default_factory=list)

    def digest(self) -> str:
        """Fingerprint every field, derived names included, to skip unchanged records on reload."""
        # The same JSON as json.dumps(asdict(self)), without asdict's deep copy of every name tuple, which
        # took most of a load (13,000 records with 125,000 names and settlements).
        values = {item.name: getattr(self, item.name) for item in fields(self)}
        payload = json.dumps(values, sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class Dataset:
    """A bundled file as a citable source."""

    path: str  # relative to the data directory
    citation: str
    publisher: str
    licence: str
    edition: str
    url: str | None = None

    @property
    def key(self) -> str:
        """Return the stable key under which the source table stores this file."""
        return f"dataset:{self.path}"


@dataclass
class PartnershipRecord:
    """One partnership as read and placed, ready to be written."""

    external_ref: str
    line: int
    de_code: str
    ua_code: str
    kind: str
    kind_source: str
    status: str
    status_reason: str | None
    start_year: int | None
    notes: str | None
    confidence: str | None
    resolution_note: str | None
    sources: list[tuple[str | None, str, str]]  # (url, citation, role)
    digest: str
    de_names: list[tuple[str, str]] = field(default_factory=list)  # spellings the source used: (name, lang)
    ua_names: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class UnplacedRow:
    """A row that names a partner the loader cannot place with certainty."""

    row: Row
    reason: str
    candidates: list[str]


@dataclass(frozen=True)
class CategoryRecord:
    """One category of the needs/offers vocabulary, as read from its file and read back from the database."""

    code: str
    group: str
    label_de: str
    label_en: str
    label_uk: str
    examples: str | None
    basis: str | None  # the public programmes whose categories it follows
    position: int  # order in the vocabulary file

    def label(self, lang: str) -> str:
        """Return the category's label in ``lang`` (de, en or uk)."""
        return str(getattr(self, f"label_{lang}"))


@dataclass(frozen=True)
class WarListingRecord:
    """One period of one listed unit, placed in one hromada (or special city)."""

    hromada_code: str
    listed_code: str
    listed_level: str
    listed_name: str
    section: str
    start_date: dt.date | None
    end_date: dt.date | None
    covers_centre: bool


@dataclass(frozen=True)
class ThirdTownRecord:
    """A town of a third country as the list names it."""

    key: str  # "<country>:<folded name>": one town however often it is listed
    name: str
    country: str
    lat: float | None
    lon: float | None


@dataclass(frozen=True)
class ThirdTieRecord:
    """A German or Ukrainian municipality and its third-country twin town."""

    municipality_code: str
    town_key: str
    name_in_source: str
    line: int


@dataclass
class ThirdPartnerFile:
    """What the list holds: towns, placed ties, rows not placed, and pairs it has for other reasons."""

    towns: list[ThirdTownRecord] = field(default_factory=list)
    ties: list[ThirdTieRecord] = field(default_factory=list)
    unplaced: list[UnplacedRow] = field(default_factory=list)
    german_ukrainian_pairs: int = 0  # direct pairs: partnerships.csv's business
    same_country_pairs: int = 0  # pairs within Germany or within Ukraine: no third partner
