"""Suggestions in both directions, explanations, as_of, feasibility and the score matrix on the tiny world."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from registry.matching import (
    Filters,
    Suggestion,
    UnknownCodeError,
    Weights,
    explain_pair,
    score_matrix,
    suggest_for_german,
    suggest_for_hromada,
)
from registry.matching.frames import HROMADA_GERMAN_COLUMNS
from tests.unit.test_matching_fixtures import (
    GDORF,
    GSTADT,
    GWEILER,
    HSTADT,
    LAND_HH,
    LAND_SH,
    NORDKREIS,
    O1,
    O2,
    R3,
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


# Gstadt (50,000) without any ties: B (48,000, deoccupied, 12.5% IDPs) needs most among the similar ones,
# E (45,000, 13.8% IDPs) next, A (50,000, no need) third; Kyiv and C (5,000) are far off in size.
@pytest.mark.parametrize(
    ("partnerships", "weights", "expected"),
    [
        ([], None, [B, E, A, K, C]),
        ([partnership(1, LAND_SH, O2)], None, [E, B]),  # the Land tie lifts E over B
        ([], Weights.only(size=1.0), [A, B, E]),
        ([], Weights.only(idp=1.0), [E, B, A]),
        ([], Weights.only(reconstruction=1.0), [B, K]),
    ],
)
def test_ranking_for_german(
    partnerships: list[dict[str, object]], weights: Weights | None, expected: list[str]
) -> None:
    ranked = codes(suggest_for_german(world(partnerships), GSTADT, weights=weights, limit=0))
    assert ranked[: len(expected)] == expected


def test_land_tie_lifts_the_oblast_and_is_explained() -> None:
    top = suggest_for_german(world([partnership(1, LAND_SH, O2)]), GSTADT, limit=1)[0]
    assert top.code == E
    assert top.criteria["land_oblast"] == 1.0
    assert "Land Schleswig-Holstein has a partnership with Odeska oblast" in top.explanation_en
    assert "das Land Schleswig-Holstein hat eine Partnerschaft mit der Oblast Odessa" in top.explanation_de


def test_ranking_for_hromada_prefers_similar_size_and_ties() -> None:
    assert codes(suggest_for_hromada(world(), B, limit=0)) == [HSTADT, GSTADT, GWEILER, GDORF]  # by size
    data = world([partnership(1, LAND_SH, O1)])  # Schleswig-Holstein's tie with Poltavska oblast
    assert codes(suggest_for_hromada(data, B, limit=0)) == [GSTADT, GWEILER, GDORF, HSTADT]
    assert NORDKREIS in codes(suggest_for_hromada(data, B, filters=Filters(de_levels=frozenset({"kreis"}))))


def test_scores_add_up_and_stay_in_unit_interval() -> None:
    weights = Weights(size=2.0, idp=1.0)
    for s in suggest_for_german(world([partnership(1, GDORF, B, 2020)]), GSTADT, weights=weights, limit=0):
        assert 0.0 <= s.score <= 1.0
        assert s.score == pytest.approx(sum(s.weighted.values()))
        for name, value in s.criteria.items():
            assert 0.0 <= value <= 1.0
            assert s.weighted[name] == pytest.approx(weights.as_dict()[name] * value / weights.total())


def test_limit() -> None:
    data = world()
    assert len(suggest_for_german(data, GSTADT, limit=2)) == 2
    assert len(suggest_for_german(data, GSTADT, limit=0)) == 5  # all but the occupied D
    with pytest.raises(ValueError, match="limit"):
        suggest_for_german(data, GSTADT, limit=-1)


def test_unknown_codes_raise() -> None:
    with pytest.raises(UnknownCodeError, match="99999999"):
        suggest_for_german(world(), "99999999")
    with pytest.raises(UnknownCodeError, match="UA_nope"):
        suggest_for_hromada(world(), "UA_nope")


def test_occupied_hromadas_are_never_suggested_by_default() -> None:
    data = world()
    for code in (GSTADT, GDORF, GWEILER, HSTADT, NORDKREIS):
        assert D not in codes(suggest_for_german(data, code, limit=0))
    assert suggest_for_hromada(data, D) == []
    assert D not in score_matrix(data).ua_codes


def test_occupied_hromadas_are_flagged_when_included() -> None:
    data = world()
    included = {s.code: s for s in suggest_for_german(data, GSTADT, limit=0, include_occupied=True)}
    assert "occupied" in included[D].flags
    assert "Caution: occupied" in included[D].explanation_en
    assert suggest_for_hromada(data, D, include_occupied=True)[0].flags[0] == "occupied"
    assert not explain_pair(data, GSTADT, D).suggestible


# Gdorf partnered B in 2023: before that it counts for nothing; afterwards the pair is excluded, B is
# saturated, and Gdorf is a neighbour of Gstadt in B's raion.
@pytest.mark.parametrize(
    ("as_of", "counted"),
    [(dt.date(2023, 1, 1), False), (dt.date(2023, 12, 30), False), (dt.date(2023, 12, 31), True),
     (dt.date(2024, 1, 1), True), (None, True)],
)  # fmt: skip
def test_as_of_excludes_later_partnerships(as_of: dt.date | None, counted: bool) -> None:
    data = world([partnership(1, GDORF, B, 2023)])
    assert (B in codes(suggest_for_german(data, GDORF, as_of=as_of, limit=0))) is not counted
    bravo = {s.code: s for s in suggest_for_german(data, GSTADT, as_of=as_of, limit=0)}[B]
    assert bravo.criteria["saturation"] == (0.5 if counted else 1.0)
    assert bravo.criteria["neighbours"] == (0.5 if counted else 0.0)


def test_undated_partnerships_count_and_are_flagged_with_as_of() -> None:
    data = world([partnership(1, GDORF, B)])
    bravo = {s.code: s for s in suggest_for_german(data, GSTADT, as_of=dt.date(2022, 1, 1), limit=0)}[B]
    assert bravo.criteria["saturation"] == 0.5
    assert "undated_ties" in bravo.flags
    assert "undated ties counted as existing" in bravo.explanation_en
    assert "latest data" in bravo.explanation_en
    assert "neuestem Stand" in bravo.explanation_de


@pytest.mark.parametrize(
    ("status", "excluded", "tie"),
    [("active", True, True), ("paused", True, True), ("requested", True, False), ("ended", False, False)],
)
def test_partnership_status(status: str, excluded: bool, tie: bool) -> None:
    data = world([partnership(1, GDORF, B, 2020, status=status)])
    assert (B not in codes(suggest_for_german(data, GDORF, limit=0))) is excluded
    bravo = {s.code: s for s in suggest_for_german(data, GSTADT, limit=0)}[B]
    assert (bravo.criteria["saturation"] < 1.0) is tie


def test_neighbours_exclude_the_municipality_itself() -> None:
    data = world([partnership(1, GDORF, B, 2020), partnership(2, GWEILER, E, 2020)])
    gdorf = {s.code: s for s in suggest_for_german(data, GDORF, limit=0)}
    gstadt = {s.code: s for s in suggest_for_german(data, GSTADT, limit=0)}
    assert gdorf[A].criteria["neighbours"] == 0.0  # Gdorf's own partner B does not make it its own neighbour
    assert gdorf[C].criteria["neighbours"] > 0.0  # Gweiler partners E in the same oblast
    assert gstadt[A].criteria["neighbours"] > gstadt[C].criteria["neighbours"]  # same raion beats same oblast
    assert (
        "1 other municipality of Nordkreis already partners in Poltavska oblast (1 of them in Raion-One"
        in (explain_pair(data, GSTADT, A, weights=Weights.only(neighbours=1.0)).explanation_en)
    )


@pytest.mark.parametrize(
    ("kreis_name", "english", "german"),
    [
        ("Nordkreis", "Nordkreis already has", "der Nordkreis hat bereits"),
        ("Gießen", "Kreis Gießen already has", "der Kreis Gießen hat bereits"),
        ("Region Hannover", "Region Hannover already has", "die Region Hannover hat bereits"),
    ],
)
def test_kreis_names_read_naturally(kreis_name: str, english: str, german: str) -> None:
    base = world([partnership(1, NORDKREIS, R3, 2020)])
    germans = base.germans.assign(kreis_name=base.germans["kreis_name"].replace("Nordkreis", kreis_name))
    data = dataclasses.replace(base, germans=germans)
    pair = explain_pair(data, GWEILER, E, weights=Weights.only(kreis_raion=1.0))
    assert english in pair.explanation_en
    assert german in pair.explanation_de


def test_kreis_raion_tie() -> None:
    data = world([partnership(1, NORDKREIS, R3, 2020)])
    scores = {s.code: s.criteria["kreis_raion"] for s in suggest_for_german(data, GWEILER, limit=0)}
    assert scores == {E: 1.0, C: 0.5, A: 0.0, B: 0.0, K: 0.0}
    assert "Nordkreis already has a partner in Raion-Three raion" in (
        explain_pair(data, GWEILER, E, weights=Weights.only(kreis_raion=1.0)).explanation_en
    )


def test_declared_needs_and_third_partners() -> None:
    needs = [(C, "water", 1), (C, "energy", 3)]
    data = world(needs=needs, offers=[(GSTADT, "water")], third=[(GSTADT, "Rzeszow"), (E, "Rzeszow")])
    ranked = {s.code: s for s in suggest_for_german(data, GSTADT, limit=0)}
    assert ranked[C].criteria["declared"] == pytest.approx(1.0 / 1.25)
    assert ranked[E].criteria["third_partners"] == pytest.approx(0.5)
    assert ranked[A].criteria["declared"] == ranked[A].criteria["third_partners"] == 0.0
    text = explain_pair(data, GSTADT, C, weights=Weights.only(declared=1.0))
    assert "declared needs matched by offers: Water supply" in text.explanation_en
    assert "Wasserversorgung" in text.explanation_de
    assert (
        "both partner with Rzeszow"
        in explain_pair(data, GSTADT, E, weights=Weights.only(third_partners=1)).explanation_en
    )
    matrix = score_matrix(data)
    row = matrix.total[matrix.de_codes.index(GSTADT)]
    for code, s in ranked.items():
        assert row[matrix.ua_codes.index(code)] == pytest.approx(s.score, abs=1e-6)


@pytest.mark.parametrize(
    ("weights", "named", "not_named"),
    [
        # size brings 69% of the score, saturation 18%, IDPs 13% (below the 15% to be named)
        (
            None,
            ["similar size: 50,000 vs 45,000 inhabitants", "no German partner yet"],
            ["IDPs", "reconstruction"],
        ),
        (Weights(idp=5.0), ["hosts 6,200 registered IDPs (14% of its population)"], ["reconstruction need"]),
        (Weights.only(size=1.0, saturation=1.0), ["similar size", "no German partner yet"], ["IDPs"]),
    ],
)
def test_explanation_names_the_dominating_criteria(
    weights: Weights | None, named: list[str], not_named: list[str]
) -> None:
    text = explain_pair(world(), GSTADT, E, weights=weights).explanation_en
    for phrase in named:
        assert phrase in text
    for phrase in not_named:
        assert phrase not in text


def test_explanation_in_german_uses_german_numbers() -> None:
    text = explain_pair(world(), GSTADT, E, weights=Weights(idp=5.0)).explanation_de
    assert "nimmt 6.200 registrierte Binnenvertriebene auf (14 % der Einwohner)" in text
    assert "Gstadt \u2013 Etscho / Echo-uk (Rajon Drei, Oblast Odessa): Punktzahl 0," in text


@pytest.mark.parametrize(
    ("code", "english", "german"),
    [
        (
            E,
            "Gstadt \u2013 Echo / Echo-uk (Raion-Three raion, Odeska oblast): score",
            "Gstadt \u2013 Etscho / Echo-uk (Rajon Drei, Oblast Odessa): Punktzahl",
        ),
        (  # Delta and Raion-Two have no German name: the German text keeps the English ones
            D,
            "Gstadt \u2013 Delta / Delta-uk (Raion-Two raion, Odeska oblast): score",
            "Gstadt \u2013 Delta / Delta-uk (Rajon Raion-Two, Oblast Odessa): Punktzahl",
        ),
        (K, "Gstadt \u2013 Kyiv / Kyiv-uk: score", "Gstadt \u2013 Kyjiw / Kyiv-uk: Punktzahl"),  # own region
    ],
)
def test_each_language_names_the_hromada_its_own_way_beside_the_ukrainian_name(
    code: str, english: str, german: str
) -> None:
    pair = explain_pair(world(), GSTADT, code)
    assert pair.explanation_en.startswith(english)
    assert pair.explanation_de.startswith(german)


def test_reasons_name_the_oblast_and_raion_in_the_language_of_the_text() -> None:
    data = world([partnership(1, GDORF, A, 2020), partnership(2, LAND_SH, O1)])
    pair = explain_pair(data, GSTADT, B, weights=Weights.only(neighbours=1.0, land_oblast=1.0))
    assert "Land Schleswig-Holstein has a partnership with Poltavska oblast" in pair.explanation_en
    assert "(1 of them in Raion-One raion)" in pair.explanation_en
    assert "das Land Schleswig-Holstein hat eine Partnerschaft mit der Oblast Poltawa" in pair.explanation_de
    assert "(davon 1 im Rajon Eins)" in pair.explanation_de
    assert not {"Poltawa", "Eins", "Brawo"} & set(pair.explanation_en.replace(")", " ").split())
    assert not {"Poltavska", "Raion-One", "Bravo"} & set(pair.explanation_de.replace(")", " ").split())


@pytest.mark.parametrize(
    ("drop", "german"),
    [
        (list(HROMADA_GERMAN_COLUMNS), "Echo / Echo-uk (Rajon Raion-Three, Oblast Odeska)"),
        (["oblast_name_de", "raion_name_de"], "Etscho / Echo-uk (Rajon Raion-Three, Oblast Odeska)"),
        (["name_uk"], "Etscho (Rajon Drei, Oblast Odessa)"),
    ],
)
def test_frames_without_german_or_ukrainian_names_fall_back(drop: list[str], german: str) -> None:
    base = world()
    hromadas = base.hromadas.drop(columns=[c for c in drop if c != "name_uk"])
    if "name_uk" in drop:  # a required column: the value is missing, not the column
        hromadas = hromadas.assign(name_uk=None)
    data = dataclasses.replace(base, hromadas=hromadas)
    assert explain_pair(data, GSTADT, E).explanation_de.startswith(f"Gstadt \u2013 {german}: Punktzahl")
    kyiv = "Kyiv" if "name_de" in drop else "Kyjiw"  # its German region name is its German name
    assert explain_pair(data, GSTADT, K).explanation_de.startswith(f"Gstadt \u2013 {kyiv}")


def test_a_region_that_is_no_oblast_keeps_its_own_name() -> None:
    base = world([partnership(1, LAND_SH, O2)])
    crimea = base.hromadas["oblast_code"] == O2
    hromadas = base.hromadas.assign(
        oblast_name=base.hromadas["oblast_name"].mask(crimea, "Autonomous Republic of Crimea"),
        oblast_name_de=base.hromadas["oblast_name_de"].mask(crimea, "Autonome Republik Krim"),
    )
    data = dataclasses.replace(base, hromadas=hromadas)
    pair = explain_pair(data, GSTADT, E, weights=Weights.only(land_oblast=1))
    assert "(Raion-Three raion, Autonomous Republic of Crimea)" in pair.explanation_en
    assert "has a partnership with Autonomous Republic of Crimea." in pair.explanation_en
    assert "(Rajon Drei, Autonome Republik Krim)" in pair.explanation_de
    assert "hat eine Partnerschaft mit der Autonomen Republik Krim." in pair.explanation_de


def test_explain_pair_of_partners_says_why_not_suggested() -> None:
    pair = explain_pair(world([partnership(1, GSTADT, A, 2020)]), GSTADT, A)
    assert not pair.suggestible
    assert "already_partnered" in pair.flags
    assert "Already partners: not suggested." in pair.explanation_en
    assert pair.score == pytest.approx(sum(pair.weighted.values()))


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(oblast_codes=frozenset({O1})), {A, B}),
        (Filters(war_statuses=frozenset({"deoccupied", "former_active_hostilities"})), {B, K}),
        (Filters(ua_population=(40_000, 49_000)), {B, E}),
        (Filters(ua_population=(None, 10_000)), {C}),
        (Filters(land_codes=frozenset({LAND_HH})), {A, B, C, E, K}),  # a German-side filter
    ],
)
def test_filters_for_german(filters: Filters, expected: set[str]) -> None:
    assert set(codes(suggest_for_german(world(), GSTADT, filters=filters, limit=0))) == expected


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(land_codes=frozenset({LAND_HH})), {HSTADT}),
        (Filters(de_population=(10_000, None)), {GSTADT, GWEILER, HSTADT}),
    ],
)
def test_filters_for_hromada(filters: Filters, expected: set[str]) -> None:
    assert set(codes(suggest_for_hromada(world(), B, filters=filters, limit=0))) == expected


def test_score_matrix_matches_suggestions_both_ways() -> None:
    data = world([partnership(1, LAND_SH, O2), partnership(2, GDORF, B, 2023), partnership(3, NORDKREIS, R3)])
    matrix = score_matrix(data, as_of=dt.date(2024, 1, 1))
    assert matrix.total.shape == (4, 5)
    assert matrix.total.dtype == np.float32
    assert np.isnan(matrix.total[matrix.de_codes.index(GDORF), matrix.ua_codes.index(B)])
    for de_code in matrix.de_codes:
        row = matrix.total[matrix.de_codes.index(de_code)]
        for s in suggest_for_german(data, de_code, as_of=dt.date(2024, 1, 1), limit=0):
            assert row[matrix.ua_codes.index(s.code)] == pytest.approx(s.score, abs=1e-6)
    for s in suggest_for_hromada(data, E, as_of=dt.date(2024, 1, 1), limit=0):
        assert matrix.total[matrix.de_codes.index(s.code), matrix.ua_codes.index(E)] == pytest.approx(
            s.score, abs=1e-6
        )
