"""Input contract of the matching module: the frames the database layer hands over."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Final

import pandas as pd

if TYPE_CHECKING:
    from registry.matching.features import Features
    from registry.matching.model import FitModel

# The Ukrainian units: hromadas, Kyiv and Sevastopol, and the raions and oblasts (candidates of a
# Kreis and of a Land). Population, war status and IDPs of a raion or oblast are optional: the
# matching sums or averages its hromadas'.
HROMADA_COLUMNS: Final = (
    "code",
    "name",
    "name_uk",
    "level",
    "oblast_code",
    "oblast_name",
    "raion_code",
    "raion_name",
    "population",
    "lat",
    "lon",
    "war_status",
    "war_status_date",
    "ever_occupied",
    "distance_to_russia_km",
    "idp_registered",
    "idp_date",
)
# Optional columns: German names, bare like `name`, `oblast_name` and `raion_name` ("Charkiw", not
# "Oblast Charkiw"), Ukrainian names of the oblast and raion ("Харківська"), the population's date and
# source.
HROMADA_GERMAN_COLUMNS: Final = ("name_de", "oblast_name_de", "raion_name_de")
HROMADA_OPTIONAL_COLUMNS: Final = (
    *HROMADA_GERMAN_COLUMNS,
    "subtype",  # the hromada's type: urban, settlement, rural (міська, селищна, сільська)
    "oblast_name_uk",
    "raion_name_uk",
    "population_date",
    "population_source",
)
GERMAN_COLUMNS: Final = (
    "code",
    "name",
    "level",
    "land_code",
    "land_name",
    "kreis_code",
    "kreis_name",
    "population",
    "lat",
    "lon",
)
GERMAN_OPTIONAL_COLUMNS: Final = ("population_date", "population_source")
PARTNERSHIP_COLUMNS: Final = (
    "id",
    "de_code",
    "de_level",
    "de_land_code",
    "de_kreis_code",
    "ua_code",
    "ua_level",
    "ua_oblast_code",
    "ua_raion_code",
    "start_year",
    "status",
    "kind",
)
# Optional: the primary source of each partnership, cited in the explanations.
PARTNERSHIP_OPTIONAL_COLUMNS: Final = ("source",)
# The official list of hostilities and occupation (Order No. 376), one period of one listed unit per row,
# placed in the hromada it lies in; `covers_centre` tells whether the listed unit includes the hromada's
# administrative centre; an empty `end_date` is ongoing at the list's date (the hromadas' war_status_date).
LISTING_COLUMNS: Final = ("ua_code", "section", "start_date", "end_date", "covers_centre")
NEED_COLUMNS: Final = ("ua_code", "category", "priority")
OFFER_COLUMNS: Final = ("de_code", "category")
THIRD_PARTNER_COLUMNS: Final = ("municipality_code", "partner_key")
THIRD_PARTNER_OPTIONAL_COLUMNS: Final = ("partner_name", "partner_country")
VOCABULARY_COLUMNS: Final = ("code", "label_de", "label_en")

WAR_STATUSES: Final = frozenset(
    {
        "not_listed",
        "possible_hostilities",
        "active_hostilities",
        "partly_occupied",
        "occupied",
        "deoccupied",
        "former_active_hostilities",
        "former_possible_hostilities",
    }
)
PARTNERSHIP_STATUSES: Final = frozenset({"active", "in_preparation", "requested", "paused", "ended"})
UA_CANDIDATE_LEVELS: Final = frozenset({"hromada", "city_special_status", "raion", "oblast"})
UA_MUNICIPAL_LEVELS: Final = frozenset({"hromada", "city_special_status"})
DE_MUNICIPAL_LEVELS: Final = frozenset({"gemeinde", "stadt"})


class UnknownCodeError(LookupError):
    """A municipality code that is not among the candidates of the input."""


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=object) for name in columns})


def _check_columns(frame_name: str, frame: pd.DataFrame, required: tuple[str, ...]) -> None:
    if missing := [column for column in required if column not in frame.columns]:
        raise ValueError(f"{frame_name}: missing column(s) {', '.join(repr(c) for c in missing)}")


def _check_unique(frame_name: str, codes: pd.Series) -> None:
    duplicated = codes[codes.duplicated()]
    if not duplicated.empty:
        raise ValueError(f"{frame_name}: duplicate code(s) {sorted(map(str, duplicated.unique()))[:5]}")


def _check_values(frame_name: str, column: str, values: pd.Series, allowed: frozenset[str]) -> None:
    unknown = set(values.dropna().astype(str)) - allowed
    if unknown:
        raise ValueError(
            f"{frame_name}.{column}: unknown value(s) {sorted(unknown)}; allowed: {sorted(allowed)}"
        )


@dataclass(frozen=True, eq=False)
class MatchingInput:
    """All facts the matching needs, as produced by the database layer, and the fitted model.

    The frames are treated as immutable once wrapped: derived arrays are computed once, on
    first use, and cached on the instance (`features`). Without a `model` the fit criteria count
    with coefficient 1 each (tests of single criteria); the service passes the shipped model.
    """

    hromadas: pd.DataFrame
    germans: pd.DataFrame
    partnerships: pd.DataFrame
    needs: pd.DataFrame = field(default_factory=lambda: _empty(NEED_COLUMNS))
    offers: pd.DataFrame = field(default_factory=lambda: _empty(OFFER_COLUMNS))
    third_partners: pd.DataFrame = field(default_factory=lambda: _empty(THIRD_PARTNER_COLUMNS))
    listings: pd.DataFrame = field(default_factory=lambda: _empty(LISTING_COLUMNS))
    # Optional labels of the need categories (data/needs_vocabulary.csv); codes are shown without it.
    vocabulary: pd.DataFrame = field(default_factory=lambda: _empty(VOCABULARY_COLUMNS))
    model: FitModel | None = None
    # Ties as of each date asked for, built once per input (see request.make_request).
    cache: dict[object, object] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Validate columns, codes and enumerations, naming the first problem found."""
        for frame_name, frame, required in (
            ("hromadas", self.hromadas, HROMADA_COLUMNS),
            ("germans", self.germans, GERMAN_COLUMNS),
            ("partnerships", self.partnerships, PARTNERSHIP_COLUMNS),
            ("needs", self.needs, NEED_COLUMNS),
            ("offers", self.offers, OFFER_COLUMNS),
            ("third_partners", self.third_partners, THIRD_PARTNER_COLUMNS),
            ("listings", self.listings, LISTING_COLUMNS),
            ("vocabulary", self.vocabulary, VOCABULARY_COLUMNS),
        ):
            if not isinstance(frame, pd.DataFrame):
                raise ValueError(f"{frame_name}: expected a pandas DataFrame, got {type(frame).__name__}")
            _check_columns(frame_name, frame, required)
        _check_unique("hromadas", self.hromadas["code"])
        _check_unique("germans", self.germans["code"])
        _check_values("hromadas", "war_status", self.hromadas["war_status"], WAR_STATUSES)
        _check_values("hromadas", "level", self.hromadas["level"], UA_CANDIDATE_LEVELS)
        _check_values("partnerships", "status", self.partnerships["status"], PARTNERSHIP_STATUSES)
        priorities = pd.to_numeric(self.needs["priority"], errors="coerce")
        if not priorities.isin([1, 2, 3]).all():
            raise ValueError("needs.priority: every value must be 1 (high), 2 or 3 (low)")

    @cached_property
    def features(self) -> Features:
        """Numeric arrays derived from the frames, computed on first use."""
        # Imported here because features imports this module for the contract's constants.
        from registry.matching.features import build_features

        return build_features(self)
