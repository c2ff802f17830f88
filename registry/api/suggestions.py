"""Partner suggestions, the explanation of one pair, and the coverage plan (the matching module)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from collections.abc import Iterator
from typing import Annotated, Any, Final

from litestar import get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Stream
from msgspec import Struct

from registry.api.deps import DbSession, Search
from registry.api.errors import problems
from registry.api.params import code_param
from registry.api.schemas import NO_NUL
from registry.errors import NotFoundError, UnprocessableError
from registry.matching import (
    Filters,
    MatchingInput,
    UnknownCodeError,
    Weights,
    coverage_plan,
    explain_pair,
    suggest_for_german,
    suggest_for_hromada,
    write_plan_csv,
)
from registry.models import WarStatus
from registry.repository import gazetteer as queries
from registry.suggestions import MatchingData

MAX_SUGGESTIONS: Final = 2000
TAGS: Final = ["suggestions"]
ANSWERS: Final = problems(404, 422)  # unknown municipality; weights all zero or a unit that is not matched
WEIGHTS_HELP: Final = "criterion weights as k=v,k=v (others keep their defaults): " + ", ".join(
    f"{name} (default {value:g})" for name, value in Weights().as_dict().items()
)
_WEIGHT: Final = rf"({'|'.join(Weights().as_dict())})=[0-9]{{1,6}}(\.[0-9]{{1,6}})?"
WeightsParam = Annotated[
    str | None,
    QueryParameter(max_length=400, pattern=rf"^{_WEIGHT}(,{_WEIGHT})*$", description=WEIGHTS_HELP),
]
AsOfParam = Annotated[
    dt.date | None,
    QueryParameter(
        description="count only partnerships that existed before this date (backtests); "
        "population, war status and IDPs are always the latest figures"
    ),
]
IncludeOccupiedParam = Annotated[bool, QueryParameter(description="rank occupied hromadas too (flagged)")]
Matching = NamedDependency[MatchingData]
# Bounds as in the municipality list: a minimum of 0 would vanish from the schema of an optional int.
Population = Annotated[int | None, QueryParameter(ge=-(2**31), le=2**31 - 1)]


class SuggestionOut(Struct):
    """One suggested partner, best first."""

    code: str
    name: str
    name_uk: str | None
    score: float
    criteria: dict[str, float]
    weighted: dict[str, float]
    explanation_de: str
    explanation_en: str
    flags: list[str]


class SubjectOut(Struct):
    """The municipality the suggestions are for."""

    code: str
    name: str
    country: str
    level: str


class SuggestionsOut(Struct):
    """Suggestions for one municipality, with the settings that produced them."""

    subject: SubjectOut
    as_of: dt.date | None
    weights: dict[str, float]
    items: list[SuggestionOut]


class PairOut(Struct):
    """The score of one German–Ukrainian pair and why; also for a pair that would not be suggested."""

    de_code: str
    de_name: str
    ua_code: str
    ua_name: str
    score: float
    criteria: dict[str, float]
    weighted: dict[str, float]
    explanation_de: str
    explanation_en: str
    flags: list[str]
    suggestible: bool


class RegionSummaryOut(Struct):
    code: str
    name: str
    assigned: int
    mean_score: float


class AssignmentOut(Struct):
    ua_code: str
    ua_name: str
    oblast_code: str
    oblast_name: str
    de_code: str
    de_name: str
    land_code: str
    land_name: str
    score: float
    criteria: dict[str, float]
    explanation_de: str
    explanation_en: str
    flags: list[str]


class PlanOut(Struct):
    """The optimal one-to-one coverage plan and its summaries by oblast and Land."""

    as_of: dt.date | None
    need_threshold: float | None
    total_score: float
    assignments: list[AssignmentOut]
    unassigned: list[str]
    by_oblast: list[RegionSummaryOut]
    by_land: list[RegionSummaryOut]


def _weights(text: str | None) -> Weights | None:
    try:
        return Weights.parse(text) if text else None
    except ValueError as error:
        raise UnprocessableError(f"weights: {error}", field="weights") from error


def _plain(value: Any) -> Any:
    return dataclasses.asdict(value)


def _subject(session: DbSession, search: Search, wanted: str) -> SubjectOut:
    """Resolve a code, or else the best match of a name in any spelling."""
    found = queries.municipality_by_code(session, wanted)
    if found is not None:
        return SubjectOut(found.code, found.name, str(found.country), str(found.level))
    results = search.find(session, wanted, limit=1)
    if not results:
        raise NotFoundError(f"no municipality found for {wanted!r}")
    best = results[0]
    return SubjectOut(best.code, best.name, best.country, best.level)


@get("/api/suggestions", sync_to_thread=True, responses=ANSWERS, tags=TAGS)
def suggestions(
    session: DbSession,
    search: Search,
    matching: Matching,
    subject: Annotated[
        str,
        QueryParameter(
            name="for",
            min_length=1,
            max_length=200,
            pattern=NO_NUL,
            description="code or name (any spelling) of the municipality",
        ),
    ],
    limit: Annotated[int, QueryParameter(ge=0, le=MAX_SUGGESTIONS, description="0 = all candidates")] = 10,
    as_of: AsOfParam = None,
    weights: WeightsParam = None,
    include_occupied: IncludeOccupiedParam = False,
    oblast: Annotated[
        list[str] | None, QueryParameter(description="only hromadas of these oblasts (codes; repeat)")
    ] = None,
    land: Annotated[
        list[str] | None, QueryParameter(description="only German units of these Länder (codes; repeat)")
    ] = None,
    war_status: Annotated[
        list[WarStatus] | None, QueryParameter(description="only hromadas with these")
    ] = None,
    population_min: Population = None,
    population_max: Population = None,
) -> SuggestionsOut:
    """Suggest partners: hromadas (and Kyiv) for a German municipality or Kreis, German municipalities
    for a hromada; best first, each with per-criterion scores and a German and English explanation.

    The population range applies to the candidates."""
    who = _subject(session, search, subject)
    parsed = _weights(weights)
    population = (population_min, population_max)
    german_side = who.country == "DE"
    filters = Filters(
        oblast_codes=frozenset(oblast) if oblast else None,
        land_codes=frozenset(land) if land else None,
        war_statuses=frozenset(str(s) for s in war_status) if war_status else None,
        ua_population=population if german_side else (None, None),
        de_population=(None, None) if german_side else population,
    )
    data = matching.get(session)
    rank = suggest_for_german if german_side else suggest_for_hromada
    try:
        found = rank(
            data,
            who.code,
            weights=parsed,
            filters=filters,
            as_of=as_of,
            limit=limit,
            include_occupied=include_occupied,
        )
    except UnknownCodeError as error:
        raise UnprocessableError(
            f"{who.name} ({who.level}) cannot be matched: {error}", field="for"
        ) from error
    return SuggestionsOut(
        subject=who,
        as_of=as_of,
        weights=(parsed or Weights()).as_dict(),
        items=[SuggestionOut(**{**_plain(s), "flags": list(s.flags)}) for s in found],
    )


@get("/api/suggestions/explain", sync_to_thread=True, responses=ANSWERS, tags=TAGS)
def explain(
    session: DbSession,
    matching: Matching,
    de: Annotated[str, code_param("code of the German municipality or Kreis")],
    ua: Annotated[str, code_param("code of the hromada (or Kyiv)")],
    as_of: AsOfParam = None,
    weights: WeightsParam = None,
    include_occupied: IncludeOccupiedParam = False,
) -> PairOut:
    """Score and explain one pair, whether or not it would be suggested (e.g. already partnered)."""
    data: MatchingInput = matching.get(session)
    try:
        pair = explain_pair(
            data, de, ua, weights=_weights(weights), as_of=as_of, include_occupied=include_occupied
        )
    except UnknownCodeError as error:
        raise NotFoundError(str(error)) from error
    return PairOut(**{**_plain(pair), "flags": list(pair.flags)})


NeedThreshold = Annotated[
    float | None, QueryParameter(ge=0, le=1, description="only hromadas with at least this need")
]


@get("/api/plan", sync_to_thread=True, responses=problems(422), tags=TAGS)
def plan(
    session: DbSession,
    matching: Matching,
    need_threshold: NeedThreshold = None,
    as_of: AsOfParam = None,
    weights: WeightsParam = None,
) -> PlanOut:
    """Coverage plan: one German municipality for each hromada without a German partner, each used
    at most once, maximising the total score (an optimal assignment), with summaries by oblast and Land."""
    result = coverage_plan(
        matching.get(session), need_threshold=need_threshold, weights=_weights(weights), as_of=as_of
    )
    plain = _plain(result)
    plain["assignments"] = [{**a, "flags": list(a["flags"])} for a in plain["assignments"]]
    plain["unassigned"] = list(plain["unassigned"])
    return PlanOut(**plain)


@get(
    "/api/plan.csv",
    sync_to_thread=True,
    responses=problems(422),
    tags=TAGS,
    media_type="text/csv; charset=utf-8",
)
def plan_csv(
    session: DbSession,
    matching: Matching,
    need_threshold: NeedThreshold = None,
    as_of: AsOfParam = None,
    weights: WeightsParam = None,
) -> Stream:
    """The coverage plan's assignments as CSV (UTF-8)."""
    result = coverage_plan(
        matching.get(session), need_threshold=need_threshold, weights=_weights(weights), as_of=as_of
    )
    buffer = io.StringIO()
    write_plan_csv(result, buffer)

    def chunks() -> Iterator[bytes]:
        yield buffer.getvalue().encode("utf-8")

    return Stream(
        chunks(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="coverage-plan.csv"'},
    )


ROUTES = [suggestions, explain, plan, plan_csv]
