"""Suggestions in both directions, the blend, explanations in three languages, and the score matrix."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pytest

from registry import locale
from registry.matching import (
    Filters,
    FitModel,
    Suggestion,
    UnknownCodeError,
    Weights,
    explain_pair,
    score_matrix,
    suggest_for_german,
    suggest_for_hromada,
)
from registry.matching.frames import WAR_STATUSES
from registry.matching.model import LEARNED
from tests.unit.test_matching_fixtures import (
    GDORF,
    GSTADT,
    GWEILER,
    HSTADT,
    LAND_SH,
    NORDKREIS,
    O2,
    R1,
    A,
    B,
    C,
    D,
    E,
    K,
    partnership,
    world,
)


def codes(suggestions: list[Suggestion]) -> list[str]:
    return [s.code for s in suggestions]


def test_every_suggestion_shows_each_criterion_and_its_contribution() -> None:
    found = suggest_for_german(world([partnership(1, LAND_SH, O2, 2023)]), GSTADT, limit=0)
    assert [s.rank for s in found] == list(range(1, len(found) + 1))
    for s in found:
        assert s.candidates == len(found)
        assert set(s.criteria) == set(s.weighted) == set(Weights().as_dict())
        assert s.score == pytest.approx(sum(s.weighted.values()))
        assert all(0.0 <= v <= 1.0 for v in s.criteria.values())


@pytest.mark.parametrize(
    ("blend", "first"),
    [
        (0.0, A),  # fit alone: the most similar urban hromada
        (1.0, B),  # need alone: deoccupied, 12.5% displaced people
    ],
)
def test_the_blend_chooses_between_fit_and_need(blend: float, first: str) -> None:
    assert suggest_for_german(world(), HSTADT, blend=blend)[0].code == first


def test_the_blend_is_checked() -> None:
    with pytest.raises(ValueError, match="blend"):
        suggest_for_german(world(), GSTADT, blend=1.5)


def test_a_fitted_model_weighs_the_fit_criteria() -> None:
    # A model that learned that only the size matters ranks by size, whatever the ties.
    only_size = FitModel({name: (3.0 if name == "size" else 0.0) for name in LEARNED}, 1.0)
    data = world([partnership(1, LAND_SH, O2, 2023)], model=only_size)
    found = suggest_for_german(data, HSTADT, blend=0.0, limit=0)
    sizes = [s.criteria["size"] for s in found]
    assert sizes == sorted(sizes, reverse=True)
    assert found[0].weighted["size"] == pytest.approx(3.0 * found[0].criteria["size"])
    assert found[0].weighted["land_oblast"] == 0.0


def test_ranking_for_a_hromada_prefers_similar_size_and_ties() -> None:
    found = suggest_for_hromada(world([partnership(1, GDORF, B, 2023)]), A, limit=0)
    assert found[0].code in (GSTADT, HSTADT)
    assert {s.level for s in found} <= {"gemeinde", "stadt", "kreis"}


@pytest.mark.parametrize("limit", [1, 3, 0])
def test_limit_zero_returns_every_candidate(limit: int) -> None:
    every = suggest_for_german(world(), GSTADT, limit=0)
    found = suggest_for_german(world(), GSTADT, limit=limit)
    assert found == (every[:limit] if limit else every)
    assert every[0].candidates == len(every)


@pytest.mark.parametrize(
    ("function", "code"), [(suggest_for_german, "99999999"), (suggest_for_hromada, "UA_X")]
)
def test_unknown_codes_raise(function: object, code: str) -> None:
    with pytest.raises(UnknownCodeError):
        function(world(), code)  # type: ignore[operator]


def test_negative_limits_are_rejected() -> None:
    with pytest.raises(ValueError, match="limit"):
        suggest_for_german(world(), GSTADT, limit=-1)


def test_occupied_hromadas_are_flagged_when_included() -> None:
    found = {s.code: s for s in suggest_for_german(world(), GSTADT, limit=0, include_occupied=True)}
    assert "occupied" in found[D].flags
    assert D not in codes(suggest_for_german(world(), GSTADT, limit=0))


@pytest.mark.parametrize(("as_of", "counted"), [(dt.date(2023, 1, 1), False), (dt.date(2024, 1, 1), True)])
def test_as_of_counts_only_earlier_ties(as_of: dt.date, counted: bool) -> None:
    data = world([partnership(1, LAND_SH, O2, 2023)])
    pair = explain_pair(data, GSTADT, E, as_of=as_of)
    assert (pair.criteria["land_oblast"] == 1.0) is counted
    assert f"Verbindungen zum Stand {as_of:%d.%m.%Y}" in pair.explanation_de


def test_explanations_cite_dates_and_sources_in_each_language() -> None:
    (found,) = [s for s in suggest_for_german(world(), GSTADT, limit=0) if s.code == A]
    de, en, uk = found.explanation_de, found.explanation_en, found.explanation_uk
    assert "Gstadt – Alfa / Alpha-uk (Rajon Eins, Oblast Poltawa):" in de
    assert "50.000 Einwohner am 31.12.2023" in de
    assert "am 01.01.2022" in de
    for phrase in ("Quellen und Stand", "Anordnung Nr. 376", "Stand 30.04.2025"):
        assert phrase in de
    assert "Gstadt – Alpha / Alpha-uk (Raion-One raion, Poltavska oblast):" in en
    assert "50,000 inhabitants on 31 Dec 2023" in en
    assert "Gstadt – Alpha-uk (Перший район, Полтавська область):" in uk
    assert "Джерела й дати" in uk
    for text in (de, en):  # the score is a rank among the reachable candidates, never "of 1"
        assert f"{found.rank} " in text
        assert "von 1." not in text
        assert "of 1." not in text


def test_named_ties_and_partners_of_both_sides() -> None:
    rows = [partnership(1, GDORF, B, 2023, kind="solidarity"), partnership(2, GWEILER, A, 2022)]
    pair = explain_pair(world(rows), GSTADT, A, blend=0.0)
    # the neighbours' ties in the oblast, named with their partners and years
    assert "Gdorf und Gweiler im Kreis Nordkreis haben Partner in der Oblast Poltawa" in pair.explanation_de
    assert "Brawo (seit 2023)" in pair.explanation_de
    assert "Gdorf and Gweiler in Kreis Nordkreis have partners in Poltavska oblast" in pair.explanation_en
    assert "у Полтавській області" in pair.explanation_uk
    # the candidate's existing German partners, and the subject's own Ukrainian partners
    assert "Deutscher Partner von Alfa: Gweiler (Städtepartnerschaft, seit 2022)." in pair.explanation_de
    assert "Gstadt hat noch keine ukrainische Partnerkommune." in pair.explanation_de
    own = explain_pair(world(rows), GDORF, A, blend=0.0)
    assert (
        "Ukrainischer Partner von Gdorf: Brawo (Solidaritätspartnerschaft, seit 2023)." in own.explanation_de
    )


@pytest.mark.parametrize(
    ("row", "de_code", "ua_code", "phrase"),
    [
        (
            partnership(1, LAND_SH, O2, 2023),
            GSTADT,
            E,
            "Land Schleswig-Holstein hat eine Regionalpartnerschaft",
        ),
        (
            partnership(1, NORDKREIS, R1, 2023),
            GSTADT,
            B,
            "Kreis Nordkreis hat bereits eine Partnerschaft mit dem Rajon Eins",
        ),
    ],
)
def test_partnerships_are_named_by_their_level(
    row: dict[str, object], de_code: str, ua_code: str, phrase: str
) -> None:
    pair = explain_pair(world([row]), de_code, ua_code, blend=0.0)
    assert phrase in pair.explanation_de
    assert "Städtepartnerschaft" not in pair.explanation_de


def test_explaining_a_linked_pair_says_why_it_is_not_suggested() -> None:
    pair = explain_pair(world([partnership(1, NORDKREIS, B, 2023)]), GDORF, B)
    assert not pair.suggestible
    assert pair.rank is None
    assert "already_partnered" in pair.flags
    assert "bereits verbunden: Kreis Nordkreis – Brawo (Partnerschaft, seit 2023)" in pair.explanation_de
    assert "already linked" in pair.explanation_en


def test_ukrainian_readers_get_ukrainian_names_in_cyrillic() -> None:
    pair = explain_pair(world([partnership(1, LAND_SH, O2, 2023)]), GSTADT, E, blend=0.0)
    assert "Echo-uk" in pair.explanation_uk
    assert "з Одеською областю" in pair.explanation_uk  # the instrumental after "з"
    assert "земля Schleswig-Holstein" in pair.explanation_uk  # German names stay German


def test_weights_switch_criteria_off() -> None:
    rows = [partnership(1, LAND_SH, O2, 2023)]
    with_tie = explain_pair(world(rows), GSTADT, E)
    without = explain_pair(world(rows), GSTADT, E, weights=Weights(land_oblast=0.0))
    assert with_tie.weighted["land_oblast"] > 0
    assert without.weighted["land_oblast"] == 0.0
    assert with_tie.score > without.score


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(oblast_codes=frozenset({O2})), {C, E}),
        (Filters(war_statuses=frozenset({"deoccupied"})), {B}),
        (Filters(ua_population=(40_000, 49_000)), {B, E}),
    ],
)
def test_filters_for_german(filters: Filters, expected: set[str]) -> None:
    assert set(codes(suggest_for_german(world(), GSTADT, filters=filters, limit=0))) == expected


def test_score_matrix_matches_suggestions_both_ways() -> None:
    data = world([partnership(1, GSTADT, A, 2023), partnership(2, LAND_SH, O2, 2022)])
    matrix = score_matrix(data)
    row = matrix.de_codes.index(GWEILER)
    for s in suggest_for_german(data, GWEILER, limit=0):
        assert matrix.total[row, matrix.ua_codes.index(s.code)] == pytest.approx(s.score, abs=1e-5)
    assert np.isnan(matrix.total[matrix.de_codes.index(GSTADT), matrix.ua_codes.index(A)])  # linked
    assert K in matrix.ua_codes
    assert D not in matrix.ua_codes  # occupied


def test_suggestions_serialise_to_the_cli_contract() -> None:
    (first,) = suggest_for_german(world(), GSTADT, limit=1)
    record = dataclasses.asdict(first)
    assert {"code", "name", "score", "criteria", "explanation_de", "explanation_en", "explanation_uk"} <= set(
        record
    )
    assert math.isfinite(record["score"])


# Keys the explanations build at run time (by level, kind, status, war status and list section).
DYNAMIC_KEYS = [
    *(f"m_{unit}{form}" for unit in ("oblast", "raion", "city", "crimea") for form in ("", "_in", "_with")),
    *(
        f"m_kind_{kind}"
        for kind in ("partnership", "friendship", "solidarity", "project", "letter_of_intent", "other")
    ),
    *(f"m_pstatus_{status}" for status in ("in_preparation", "requested", "paused", "ended")),
    *(f"m_war_{status}" for status in (*WAR_STATUSES, "unknown")),
    *(f"m_{word}_{section}" for word in ("official", "meaning") for section in "1234"),
    *(f"m_c_{status}" for status in ("occupied", "partly_occupied")),
    *(f"m_not_suggested_{why}" for why in ("level", "occupied", "turned_down", "size", "filtered")),
]


@pytest.mark.parametrize("key", DYNAMIC_KEYS)
def test_every_key_the_explanations_build_exists(key: str) -> None:
    assert locale.has(key)


def test_prominence_ranks_within_the_oblast_and_its_reason_names_the_rank() -> None:
    from registry.matching.explain import REASONS
    from registry.matching.request import make_request

    data = world()
    f = data.features
    rank = {code: int(f.ua_oblast_rank[f.ua_index[code]]) for code in (A, B, C, D, E, O2)}
    # Oblast 1: Alpha 50,000 before Bravo 48,000; oblast 2: Delta 52,000, Echo 45,000, Charlie 5,000.
    assert rank == {A: 1, B: 2, D: 1, E: 2, C: 3, O2: 1}
    assert float(f.ua_prominence[f.ua_index[C]]) == pytest.approx(1 / 3)
    req = make_request(data, None, None)
    i = f.de_index[GSTADT]
    first = {lang: REASONS["prominence"](req, i, f.ua_index[A], lang) for lang in ("de", "en", "uk")}
    assert "größte Hromada in der Oblast Poltawa" in first["de"]
    assert "largest hromada" in first["en"]
    assert "найбільша громада" in first["uk"]
    third = REASONS["prominence"](req, i, f.ua_index[C], "de")
    assert "Nr. 3" in third
    assert "Oblast Odessa" in third
