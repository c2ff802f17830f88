"""The data dictionary: every export's fields (name, type, unit, code list, description), the Frictionless
Data Package that describes them (``/api/datapackage.json``), and the rows prepared for each format.

One list of fields per export is the single truth for the CSV, XLSX and GeoJSON files (the same names in
the same order in all three), for the data package and for the dictionary page (``/data-dictionary``).
Descriptions are messages of the ``exports`` catalogue (``exp_<export>_<field>``), in German, English and
Ukrainian; the data package is in English unless asked for another language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from registry import codes, locale
from registry.export import Column
from registry.ingest import datasets
from registry.models import Confidence, Level, PartnershipKind, PartnershipStatus, WarStatus
from registry.records import Dataset
from registry.services.coverage import WAR_GROUPS

Kind = Literal["text", "code", "integer", "number", "date", "datetime", "list"]
Format = Literal["csv", "xlsx", "geojson"]
# The registry's own records (who partners whom, since when, citing which source) are dedicated to the
# public domain, as its other own data file (data/aliases_manual.csv, CC0); each cited source keeps its
# own terms, and the municipalities' facts keep their datasets' licences (``LICENCES``).
RECORD_LICENCE: Final = "CC0-1.0"
RECORD_LICENCE_URL: Final = "https://creativecommons.org/publicdomain/zero/1.0/"
# How the datasets' licence texts (registry.ingest.datasets) are named in a data package: an SPDX id or
# an Open Definition id ("other-at": attribution required, "other-pd": public domain, "other-open").
LICENCES: Final[Mapping[str, tuple[str, ...]]] = {
    datasets.GEMEINDEN.licence: ("other-at", "DL-DE-BY-2.0"),  # attribution; the Zensus column dl-de/by-2-0
    "reproduction permitted with source attribution": ("other-at",),
    "MIT (KSE); CC BY-IGO 3.0 (OCHA)": ("MIT", "CC-BY-3.0-IGO"),
    "public legal acts; CC BY 4.0 (GeoNames)": ("other-pd", "CC-BY-4.0"),
    "CC BY-IGO 3.0": ("CC-BY-3.0-IGO",),
    "official open data": ("other-open",),
    "public legal act": ("other-pd",),
    "CC BY 4.0": ("CC-BY-4.0",),
}  # fmt: skip
LIST_SEPARATOR: Final = " | "
_GERMAN_LEVELS: Final = ("land", "bezirk", "kreis", "gemeindeverband", "stadt", "gemeinde", "stadtbezirk")
_UKRAINIAN_LEVELS: Final = ("oblast", "city_special_status", "raion", "hromada")
# A code in a CSV file: a German key with its prefix, a KATOTTH code, or a registry id (registry.codes).
CSV_CODE_PATTERN: Final = r"DE_[0-9]{2,12}|UA[0-9]{17}|DE-X-[a-z0-9-]+"


@dataclass(frozen=True)
class Field:
    """One exported field: its name, the row key it reads, its kind, unit and code list."""

    name: str
    kind: Kind = "text"
    key: str | None = None  # the row's key, if not the name
    unit: str | None = None
    values: tuple[str, ...] = ()  # the code list a value is one of

    @property
    def source(self) -> str:
        """Return the key of the row this field reads."""
        return self.key or self.name


def _codes(enum: Any) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


PARTNERSHIP_FIELDS: Final = (
    Field("id", "integer"),
    Field("de_code", "code"),
    Field("de_name"),
    Field("de_level", values=_GERMAN_LEVELS),
    Field("de_land_code", "code"),
    Field("de_land", key="de_land_name"),
    Field("de_kreis_code", "code"),
    Field("de_kreis", key="de_kreis_name"),
    Field("ua_code", "code"),
    Field("ua_name"),
    Field("ua_name_uk"),
    Field("ua_level", values=_UKRAINIAN_LEVELS),
    Field("ua_oblast_code", "code"),
    Field("ua_oblast", key="ua_oblast_name"),
    Field("ua_raion_code", "code"),
    Field("ua_raion", key="ua_raion_name"),
    Field("kind", values=_codes(PartnershipKind)),
    Field("status", values=_codes(PartnershipStatus)),
    Field("status_reason"),
    Field("start_year", "integer", unit="year"),
    Field("start_date", "date"),
    Field("end_date", "date"),
    Field("confidence", values=_codes(Confidence)),
    Field("topics", "list"),
    Field("source_url"),
    Field("source_citation"),
    Field("source_publisher"),
    Field("sources", "list", key="source_list"),
    Field("licence", values=(RECORD_LICENCE,)),
    Field("notes"),
    Field("de_lat", "number", unit="degree"),
    Field("de_lon", "number", unit="degree"),
    Field("ua_lat", "number", unit="degree"),
    Field("ua_lon", "number", unit="degree"),
    Field("version", "integer"),
    Field("updated_at", "datetime"),
)
MUNICIPALITY_FIELDS: Final = (
    Field("code", "code"),
    Field("country", values=("DE", "UA")),
    Field("level", values=_codes(Level)),
    Field("name"),
    Field("name_official"),
    Field("name_de"),
    Field("name_en"),
    Field("name_uk"),
    Field("region_code", "code"),
    Field("region_name"),
    Field("district_code", "code"),
    Field("district_name"),
    Field("population", "integer", unit="inhabitants"),
    Field("population_year", "integer", unit="year"),
    Field("population_date", "date"),
    Field("area_km2", "number", unit="km²"),
    Field("lat", "number", unit="degree"),
    Field("lon", "number", unit="degree"),
    Field("war_status", values=_codes(WarStatus)),
    Field("war_status_date", "date"),
    Field("idp_registered", "integer", unit="persons"),
    Field("idp_date", "date"),
    Field("partnership_count", "integer"),
    Field("partner_count", "integer"),
)
COVERAGE_FIELDS: Final = (
    Field("level", values=("oblast", "city_special_status", "raion")),
    Field("code", "code"),
    Field("oblast_code", "code"),
    Field("name_de"),
    Field("name_en"),
    Field("name_uk"),
    Field("hromadas", "integer"),
    Field("partnered", "integer"),
    Field("share", "number", unit="fraction"),
    *(Field(f"{group}_{what}", "integer") for group in WAR_GROUPS for what in ("hromadas", "partnered")),
    Field("idp_net", "integer", unit="persons"),
    Field("idp_known", "integer"),
)
EXPORTS: Final[Mapping[str, tuple[Field, ...]]] = {
    "partnerships": PARTNERSHIP_FIELDS,
    "municipalities": MUNICIPALITY_FIELDS,
    "coverage": COVERAGE_FIELDS,
}
_KEYS: Final = {("partnerships", "id"), ("municipalities", "code"), ("coverage", "code")}
_COLUMN_KIND: Final[Mapping[Kind, str]] = {
    "text": "text", "code": "text", "integer": "integer", "number": "number", "date": "date",
    "datetime": "date", "list": "list",
}  # fmt: skip
_TABLE_TYPE: Final[Mapping[Kind, str]] = {
    "text": "string", "code": "string", "integer": "integer", "number": "number", "date": "date",
    "datetime": "datetime", "list": "string",
}  # fmt: skip


def columns(fields: Sequence[Field]) -> list[Column]:
    """Return the CSV encoder's columns (``registry.export``) for ``fields``."""
    return [Column(f.name, _COLUMN_KIND[f.kind], key=f.source) for f in fields]  # type: ignore[arg-type]


def prepare(export: str, batch: Sequence[dict[str, Any]], fmt: Format) -> Sequence[dict[str, Any]]:
    """Add the derived values of an export's rows (in place) and write codes as ``fmt`` needs them."""
    for row in batch:
        if export == "partnerships":
            primary = row["sources"][0] if row["sources"] else {}
            row["source_url"] = primary.get("url")
            row["source_citation"] = primary.get("citation")
            row["source_publisher"] = primary.get("publisher")
            row["source_list"] = [s["url"] or s["citation"] for s in row["sources"]]
            row["licence"] = RECORD_LICENCE
        elif export == "municipalities":
            date = row.get("population_date")
            row["population_year"] = date.year if isinstance(date, dt.date) else None
        if fmt != "geojson":  # tabular files: German keys as "DE_..." text (registry.codes)
            for field in EXPORTS[export]:
                if field.kind == "code":
                    row[field.source] = codes.csv_code(row[field.source])
    return batch


def description(lang: locale.Lang, export: str, field: str) -> str:
    """Return the description of one field of one export in ``lang``."""
    return locale.text(lang, f"exp_{export}_{field}")


def _table_field(export: str, field: Field, lang: locale.Lang) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": field.name,
        "type": _TABLE_TYPE[field.kind],
        "description": description(lang, export, field.name),
    }
    if field.unit:
        out["unit"] = field.unit
    constraints: dict[str, Any] = {}
    if field.values:
        constraints["enum"] = list(field.values)
    if field.kind == "code":
        constraints["pattern"] = CSV_CODE_PATTERN
    if (field.name in ("id", "code") and export != "coverage") or (
        export == "coverage" and field.name == "code"
    ):
        constraints["required"] = True
    if constraints:
        out["constraints"] = constraints
    if field.kind == "list":
        out["format"] = "default"
    return out


def _licences(text: str) -> list[dict[str, str]]:
    return [{"name": name, "title": text} for name in LICENCES.get(text, ("other-at",))]


def _source(dataset: Dataset) -> dict[str, str]:
    out = {"title": f"{dataset.citation} ({dataset.publisher}; {dataset.licence}; {dataset.edition})"}
    if dataset.url:
        out["path"] = dataset.url
    return out


MUNICIPALITY_DATASETS: Final = (
    datasets.GEMEINDEN, datasets.KREISE, datasets.LAENDER, datasets.HROMADAS, datasets.SPECIAL_CITIES,
    datasets.OCHA_HROMADAS, datasets.RAIONS, datasets.CODIFIER, datasets.WAR_STATUS, datasets.IDP,
    datasets.GEONAMES,
)  # fmt: skip


def datapackage(lang: locale.Lang = "en") -> dict[str, Any]:
    """Return the Frictionless Data Package of the exports (its CSV files, relative to ``/api/``)."""
    record_licence = {"name": RECORD_LICENCE, "path": RECORD_LICENCE_URL, "title": "CC0 1.0 Universal"}
    municipality_licences: dict[str, dict[str, str]] = {}
    for dataset in MUNICIPALITY_DATASETS:
        for licence in _licences(dataset.licence):
            municipality_licences.setdefault(licence["name"], licence)

    def resource(name: str, licences: list[dict[str, str]], sources: list[dict[str, str]]) -> dict[str, Any]:
        return {
            "name": name,
            "profile": "tabular-data-resource",
            "path": f"{name}.csv",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "title": locale.text(lang, f"exp_{name}_title"),
            "description": locale.text(lang, f"exp_{name}_description"),
            "dialect": {"delimiter": ",", "quoteChar": '"', "header": True},
            "schema": {
                "fields": [_table_field(name, f, lang) for f in EXPORTS[name]],
                "primaryKey": ["id"] if name == "partnerships" else ["code"],
                "missingValues": [""],
            },
            "licenses": licences,
            "sources": sources,
        }

    partnership_sources = [_source(datasets.PARTNERSHIPS)]
    municipality_sources = [_source(d) for d in MUNICIPALITY_DATASETS]
    return {
        "profile": "tabular-data-package",
        "name": "german-ukrainian-municipal-partnerships",
        "title": locale.text(lang, "exp_package_title"),
        "description": locale.text(lang, "exp_package_description"),
        "licenses": [record_licence],
        "sources": partnership_sources + municipality_sources,
        "resources": [
            resource("partnerships", [record_licence], partnership_sources),
            resource("municipalities", list(municipality_licences.values()), municipality_sources),
            resource("coverage", [record_licence, *municipality_licences.values()], municipality_sources),
        ],
    }
