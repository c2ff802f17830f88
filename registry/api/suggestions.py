"""Partner suggestions, the explanation of one pair, and the coverage plan (the matching module)."""

from __future__ import annotations

import datetime as dt
import io
from functools import partial
from typing import Annotated, Final

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from msgspec import Struct
from sqlalchemy.orm import Session

from registry.api.deps import DbSession, Reads, Search
from registry.api.errors import problems
from registry.api.exports import CSV_TYPE, attachment
from registry.api.params import code_param
from registry.api.schemas import NO_NUL
from registry.errors import NotFoundError, UnprocessableError
from registry.matching import (
    DEFAULT_BLEND,
    CoveragePlan,
    Filters,
    MatchingInput,
    PairExplanation,
    Suggestion,
    UnknownCodeError,
    Weights,
    coverage_plan,
    explain_pair,
    suggest_for_german,
    suggest_for_hromada,
    write_plan_csv,
)
from registry.matching.options import SIZE_FACTOR
from registry.models import WarStatus
from registry.services.matching_subject import resolve_subject
from registry.services.suggestions import MatchingData

MAX_SUGGESTIONS: Final = 2000
TAGS: Final = ["suggestions"]
# unknown municipality; weights all zero or a unit that is not matched; too many from one client
ANSWERS: Final = problems(404, 422, 429)
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
BlendParam = Annotated[
    float,
    QueryParameter(
        ge=0,
        le=1,
        description="share of need in the ranking: 0 = fit alone (what real partnerships favour), "
        "1 = need alone (reconstruction, displaced people, no partner yet)",
    ),
]
Matching = NamedDependency[MatchingData]
Population = Annotated[int | None, QueryParameter(ge=0, le=2**31 - 1)]


class SubjectOut(Struct):
    """The municipality the suggestions are for; `note` names a namesake the query could also mean."""

    code: str
    name: str
    country: str
    level: str
    note: str | None = None


class SuggestionsOut(Struct):
    """Suggestions for one municipality, with the settings that produced them."""

    subject: SubjectOut
    as_of: dt.date | None
    weights: dict[str, float]
    blend: float
    items: list[Suggestion]


def _weights(text: str | None) -> Weights | None:
    try:
        return Weights.parse(text) if text else None
    except ValueError as error:
        raise UnprocessableError(f"weights: {error}", field="weights") from error


def _subject(session: Session, search: Search, wanted: str) -> SubjectOut:
    """Resolve a code, or else the best match of a name in any spelling."""
    found = resolve_subject(search, session, wanted)
    if found is None:
        raise NotFoundError(f"no municipality found for {wanted!r}")
    return SubjectOut(found.code, found.name, found.country, found.level, found.note)


@get("/api/suggestions", sync_to_thread=True, responses=ANSWERS, tags=TAGS)
def suggestions(
    reads: Reads,
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
    blend: BlendParam = DEFAULT_BLEND,
    size_factor: Annotated[
        float,
        QueryParameter(
            ge=0,
            le=10_000,
            description="candidates at most this factor smaller or larger; 0 = no size bounds",
        ),
    ] = SIZE_FACTOR,
    exclude: Annotated[
        list[str] | None,
        QueryParameter(description="codes of candidates never to suggest, e.g. ones turned down (repeat)"),
    ] = None,
) -> SuggestionsOut:
    """Suggest partners: Ukrainian units (hromadas and Kyiv; raions for a Kreis, oblasts for a Land) for a
    German unit, German units for a Ukrainian one; best first, each with its rank among all candidates,
    each criterion's score and contribution, and an explanation in German, English and Ukrainian.

    The population range applies to the candidates."""
    with reads() as session:  # closed before the ranking, which needs no database
        who = _subject(session, search, subject)
        data = matching.get(session)
    parsed = _weights(weights)
    population = (population_min, population_max)
    german_side = who.country == "DE"
    filters = Filters(
        oblast_codes=frozenset(oblast) if oblast else None,
        land_codes=frozenset(land) if land else None,
        war_statuses=frozenset(str(s) for s in war_status) if war_status else None,
        ua_population=population if german_side else (None, None),
        de_population=(None, None) if german_side else population,
        exclude_pairs=frozenset((who.code, c) if german_side else (c, who.code) for c in exclude or ()),
        size_factor=size_factor if size_factor >= 1 else None,
    )
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
            blend=blend,
        )
    except UnknownCodeError as error:
        raise UnprocessableError(
            f"{who.name} ({who.level}) cannot be matched: {error}", field="for"
        ) from error
    return SuggestionsOut(
        subject=who,
        as_of=as_of,
        weights=(parsed or Weights()).as_dict(),
        blend=blend,
        items=list(found),
    )


@get("/api/suggestions/explain", sync_to_thread=True, responses=ANSWERS, tags=TAGS)
def explain(
    reads: Reads,
    matching: Matching,
    de: Annotated[str, code_param("code of the German municipality or Kreis")],
    ua: Annotated[str, code_param("code of the hromada (or Kyiv)")],
    as_of: AsOfParam = None,
    weights: WeightsParam = None,
    include_occupied: IncludeOccupiedParam = False,
    blend: BlendParam = DEFAULT_BLEND,
) -> PairExplanation:
    """Score and explain one pair, whether or not it would be suggested (e.g. already linked), with its
    rank among the German side's candidates."""
    with reads() as session:
        data: MatchingInput = matching.get(session)
    try:
        pair = explain_pair(
            data,
            de,
            ua,
            weights=_weights(weights),
            as_of=as_of,
            include_occupied=include_occupied,
            blend=blend,
        )
    except UnknownCodeError as error:
        raise NotFoundError(str(error)) from error
    return pair


NeedThreshold = Annotated[
    float | None, QueryParameter(ge=0, le=1, description="only hromadas with at least this need")
]


def _coverage(
    session: Session, matching: MatchingData, need: float | None, as_of: dt.date | None, weights: str | None
) -> CoveragePlan:
    """Return the plan, computed once per generation of the data and set of parameters.

    A plan costs about a second of CPU and a few hundred MB while it is built (in the app, in a process
    of its own); concurrent requests wait for the one being built (``MatchingData.memo``) instead of
    building their own.
    """
    parsed = _weights(weights)  # refuses bad weights before anything is computed
    today = dt.date.today() if as_of is None else None  # "as of today" changes at midnight
    build = partial(coverage_plan, need_threshold=need, weights=parsed, as_of=as_of)
    return matching.memo(session, ("plan", need, weights, as_of, today), build)


@get("/api/plan", sync_to_thread=True, responses=problems(422, 429), tags=TAGS)
def plan(
    session: DbSession,
    matching: Matching,
    need_threshold: NeedThreshold = None,
    as_of: AsOfParam = None,
    weights: WeightsParam = None,
) -> CoveragePlan:
    """Coverage plan: one German municipality for each hromada without a German partner, each used
    at most once, maximising the total score (an optimal assignment), with summaries by oblast and Land."""
    return _coverage(session, matching, need_threshold, as_of, weights)


@get("/api/plan.csv", sync_to_thread=True, responses=problems(422, 429), tags=TAGS, media_type=CSV_TYPE)
def plan_csv(
    session: DbSession,
    matching: Matching,
    need_threshold: NeedThreshold = None,
    as_of: AsOfParam = None,
    weights: WeightsParam = None,
) -> Response[str]:
    """The coverage plan's assignments as CSV (UTF-8); takes the parameters of `GET /api/plan`."""
    buffer = io.StringIO()
    write_plan_csv(_coverage(session, matching, need_threshold, as_of, weights), buffer)
    return Response(
        buffer.getvalue(),
        media_type=CSV_TYPE,
        headers=attachment("coverage-plan.csv"),
    )


ROUTES = [suggestions, explain, plan, plan_csv]
