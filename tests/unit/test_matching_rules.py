"""The plausibility rules, one test (table) each, on the tiny world of test_matching_fixtures."""

from __future__ import annotations

import numpy as np
import pytest

from registry.matching import Filters, Weights, explain_pair, suggest_for_german, suggest_for_hromada
from registry.matching.request import make_request
from registry.matching.rules import DIVERSITY_MAX, SPREAD_MARGIN, diversify
from tests.unit.test_matching_fixtures import (
    BAMBERG,
    BDORF,
    BERLIN,
    GDORF,
    GSTADT,
    GWEILER,
    HSTADT,
    LAND_BE,
    LAND_BY,
    LAND_SH,
    NORDKREIS,
    O1,
    O2,
    OBERFRANKEN,
    R1,
    R2,
    R3,
    A,
    B,
    C,
    D,
    E,
    K,
    listing,
    partnership,
    world,
)

Row = dict[str, object]


def linked(rows: list[Row], de: str, ua: str) -> bool:
    data = world(rows)
    req = make_request(data, None, None)
    i, j = data.features.de_index[de], data.features.ua_index[ua]
    return bool(((req.ties.linked_de == i) & (req.ties.linked_ua == j)).any())


@pytest.mark.parametrize(
    ("rows", "de", "ua", "expected"),
    [
        # the pair itself; the hromada's raion and oblast; the Gemeinde's Kreis with the same hromada
        ([partnership(1, GSTADT, A)], GSTADT, A, True),
        ([partnership(1, GSTADT, A)], GSTADT, R1, True),
        ([partnership(1, GSTADT, A)], GSTADT, O1, True),
        ([partnership(1, GSTADT, A)], NORDKREIS, A, True),
        ([partnership(1, GSTADT, A)], GDORF, A, False),  # a neighbour may take the same hromada too
        ([partnership(1, GSTADT, A)], GSTADT, B, False),
        # a Kreis and its Gemeinden
        ([partnership(1, NORDKREIS, B)], GDORF, B, True),
        ([partnership(1, NORDKREIS, B)], NORDKREIS, R1, True),
        ([partnership(1, NORDKREIS, B)], GDORF, A, False),
        # a regional partnership links the Kreis with the raion's hromadas, not its Gemeinden with them
        ([partnership(1, NORDKREIS, R1)], NORDKREIS, A, True),
        ([partnership(1, NORDKREIS, R1)], NORDKREIS, B, True),
        ([partnership(1, NORDKREIS, R1)], NORDKREIS, E, False),
        ([partnership(1, NORDKREIS, R1)], GSTADT, A, False),
        # a city-state is one body: its Land and its Stadt
        ([partnership(1, LAND_BE, K)], BERLIN, K, True),
        ([partnership(1, BERLIN, K)], LAND_BE, K, True),
        # a Land and an oblast: the Land with the oblast's units
        ([partnership(1, LAND_SH, O2)], LAND_SH, O2, True),
        ([partnership(1, LAND_SH, O2)], LAND_SH, E, True),
        ([partnership(1, LAND_SH, O2)], GSTADT, E, False),
        # a Bavarian Bezirk and its Kreise and Gemeinden
        ([partnership(1, OBERFRANKEN, E)], BDORF, E, True),
        ([partnership(1, OBERFRANKEN, E)], BAMBERG, E, True),
        ([partnership(1, OBERFRANKEN, O2)], BDORF, E, False),
        # an ended partnership links no more
        ([partnership(1, GSTADT, A, status="ended")], GSTADT, A, False),
        ([partnership(1, GSTADT, A, status="requested")], GSTADT, A, True),
    ],
)
def test_a_pair_is_linked_at_any_level(rows: list[Row], de: str, ua: str, expected: bool) -> None:
    assert linked(rows, de, ua) is expected


@pytest.mark.parametrize(
    ("rows", "subject", "never"),
    [
        ([partnership(1, GSTADT, A)], GSTADT, {A, R1, O1}),
        ([partnership(1, NORDKREIS, B)], GDORF, {B}),
        ([partnership(1, NORDKREIS, R1)], NORDKREIS, {R1, A, B}),
        ([partnership(1, LAND_BE, K)], BERLIN, {K}),
        ([partnership(1, LAND_SH, O2)], LAND_SH, {O2}),
    ],
)
def test_linked_pairs_are_never_suggested(rows: list[Row], subject: str, never: set[str]) -> None:
    found = {
        s.code for s in suggest_for_german(world(rows), subject, limit=0, filters=Filters(size_factor=None))
    }
    assert found
    assert not found & never


def test_a_bezirk_tie_counts_for_its_gemeinden() -> None:
    data = world([partnership(1, OBERFRANKEN, O2, 1997)])
    pair = explain_pair(data, BDORF, E)
    assert pair.criteria["land_oblast"] == 1.0
    assert (
        "Bezirk Oberfranken hat eine Regionalpartnerschaft mit der Oblast Odessa (seit 1997)"
        in pair.explanation_de
    )


OCCUPIED_CENTRE = listing(A, "4_temporarily_occupied", "2022-02-27")


@pytest.mark.parametrize(
    ("rows", "occupied"),
    [
        ([OCCUPIED_CENTRE], True),  # the list names the centre: occupied, whatever the roll-up says
        ([listing(A, "4_temporarily_occupied", "2022-02-27", centre=False)], False),  # villages only
        ([listing(A, "4_temporarily_occupied", "2022-02-27", "2022-11-11")], False),  # liberated since
        ([], False),
    ],
)
def test_a_hromada_whose_centre_is_occupied_counts_as_occupied(rows: list[Row], occupied: bool) -> None:
    data = world(listings=rows)
    assert (A not in {s.code for s in suggest_for_german(data, GSTADT, limit=0)}) is occupied
    assert (suggest_for_hromada(data, A) == []) is occupied


def test_an_occupied_centre_is_flagged_and_explained_when_asked_for() -> None:
    data = world(listings=[OCCUPIED_CENTRE])
    found = {s.code: s for s in suggest_for_german(data, GSTADT, limit=0, include_occupied=True)}
    assert "occupied" in found[A].flags
    assert "Verwaltungszentrum ist seit 27.02.2022 besetzt" in found[A].explanation_de
    assert "administrative centre has been occupied since 27 Feb 2022" in found[A].explanation_en
    assert "адміністративний центр окупований з 27.02.2022" in found[A].explanation_uk


def test_active_hostilities_are_flagged_with_the_official_wording_and_date() -> None:
    data = world(listings=[listing(E, "2_active_hostilities", "2024-05-30")])
    found = {s.code: s for s in suggest_for_german(data, GSTADT, limit=0)}
    assert "active_hostilities" in found[E].flags
    for text, date in ((found[E].explanation_de, "30.05.2024"), (found[E].explanation_en, "30 May 2024")):
        assert "території активних бойових дій" in text
        assert date in text
        assert "Order No. 376" in text or "Anordnung Nr. 376" in text
    assert "active_hostilities" not in found[A].flags
    possible = world(listings=[listing(E, "1_possible_hostilities", "2022-02-24")])
    (cited,) = [s for s in suggest_for_german(possible, GSTADT, limit=0) if s.code == E]
    assert "території можливих бойових дій" in cited.explanation_de  # cited, not flagged
    assert "active_hostilities" not in cited.flags


@pytest.mark.parametrize(
    ("subject", "filters", "expected"),
    [
        (BERLIN, None, {K}),  # 3.8 million: no town of 50,000, let alone a village
        (BERLIN, Filters(size_factor=None), {A, B, C, E, K}),  # bounds off
        (GDORF, None, {A, B, C, E}),  # 5,000: Kyiv is 590 times larger
        (GSTADT, Filters(size_factor=2), {A, B, E}),  # adjustable
    ],
)
def test_size_bounds_scale_with_the_subject(
    subject: str, filters: Filters | None, expected: set[str]
) -> None:
    assert {s.code for s in suggest_for_german(world(), subject, limit=0, filters=filters)} == expected


@pytest.mark.parametrize(
    ("regions", "expected_head"),
    [
        ([0] * 12, list(range(10))),  # one region only: nothing to spread, the order stays
        ([0] * 8 + [1, 2, 3, 4], [0, 1, 2, 8, 9, 10, 11, 3, 4, 5]),
        ([0, 1] * 6, list(range(10))),  # already mixed
    ],
)
def test_the_first_ten_are_spread_over_oblasts(regions: list[int], expected_head: list[int]) -> None:
    order = np.arange(len(regions))
    result = diversify(order, np.array(regions)).tolist()
    assert result[:10] == expected_head
    assert sorted(result) == order.tolist()  # reordered, nothing dropped


def test_diversity_caps_an_oblast_where_there_are_alternatives() -> None:
    regions = np.array([0] * 20 + [1] * 5 + [2] * 5 + [3] * 5)
    head = diversify(np.arange(len(regions)), regions)[:10]
    assert max(np.bincount(regions[head])) == DIVERSITY_MAX


def test_neighbouring_gemeinden_get_different_first_hromadas_where_the_scores_allow() -> None:
    data = world()
    # Prominence off: in the tiny world the largest hromada of an oblast would lead by a whole unit
    # coefficient, more than the spread margin; the rule is about close scores.
    even = Weights(prominence=0.0)
    lists = {code: suggest_for_german(data, code, limit=0, weights=even) for code in (GSTADT, GWEILER, GDORF)}
    firsts = [found[0].code for found in lists.values()]
    assert len(set(firsts)) == len(firsts)
    for found in lists.values():  # never a first place far below the best score
        assert found[0].score >= max(s.score for s in found) - SPREAD_MARGIN
    # The only Gemeinde of its Kreis keeps its best first.
    alone = suggest_for_german(data, HSTADT, limit=0, weights=even)
    assert alone[0].score == max(s.score for s in alone)


@pytest.mark.parametrize(
    ("subject", "levels"),
    [
        (GSTADT, {"hromada", "city_special_status"}),
        (NORDKREIS, {"raion", "hromada"}),
        (LAND_SH, {"oblast", "city_special_status"}),
        (OBERFRANKEN, {"oblast"}),
    ],
)
def test_a_kreis_gets_raions_and_hromadas_a_land_oblasts(subject: str, levels: set[str]) -> None:
    found = suggest_for_german(world(), subject, limit=0, filters=Filters(size_factor=None))
    assert {s.level for s in found} == levels


@pytest.mark.parametrize(
    ("subject", "levels"),
    [(A, {"gemeinde", "stadt", "kreis"}), (R1, {"kreis"}), (O1, {"land", "bezirk"})],
)
def test_a_raion_gets_kreise_an_oblast_laender(subject: str, levels: set[str]) -> None:
    found = suggest_for_hromada(world(), subject, limit=0, filters=Filters(size_factor=None))
    assert {s.level for s in found} == levels


@pytest.mark.parametrize(
    ("status", "tie", "phrase"),
    [
        ("active", 1.0, "Land Schleswig-Holstein hat eine Regionalpartnerschaft mit der Oblast Odessa"),
        (
            "in_preparation",
            0.5,
            "eine Regionalpartnerschaft mit der Oblast Odessa vor (ohne Jahresangabe, in Vorbereitung)",
        ),
        ("requested", 0.25, "nur angefragt"),
        ("ended", 0.0, None),
    ],
)
def test_a_tie_counts_by_its_status_and_is_named_as_such(status: str, tie: float, phrase: str | None) -> None:
    pair = explain_pair(world([partnership(1, LAND_SH, O2, status=status)]), GSTADT, E, blend=0.0)
    assert pair.criteria["land_oblast"] == tie
    if phrase:
        assert phrase in pair.explanation_de


def test_pairs_turned_down_are_excluded_for_that_subject_only() -> None:
    data = world()
    filters = Filters(exclude_pairs=frozenset({(GSTADT, A), (GSTADT, "UA_unknown")}))
    assert A not in {s.code for s in suggest_for_german(data, GSTADT, limit=0, filters=filters)}
    assert A in {s.code for s in suggest_for_german(data, GWEILER, limit=0, filters=filters)}
    assert GSTADT not in {s.code for s in suggest_for_hromada(data, A, limit=0, filters=filters)}
    assert not explain_pair(data, GSTADT, A, filters=filters).suggestible


def test_a_shared_third_partner_counts_and_an_unlisted_hromada_is_not_punished() -> None:
    third = [(GSTADT, "Poland:nysa"), (E, "Poland:nysa"), (A, "France:lyon")]
    with_third = {s.code: s for s in suggest_for_german(world(third=third), GSTADT, limit=0, blend=0.0)}
    without = {s.code: s for s in suggest_for_german(world(), GSTADT, limit=0, blend=0.0)}
    assert with_third[E].criteria["third_partners"] == 0.5
    assert "Partnerstädte von Nysa (Polen)" in with_third[E].explanation_de
    assert "twinned with Nysa (Poland)" in with_third[E].explanation_en
    assert with_third[E].score > without[E].score
    # B lists no twin towns (unknown), A lists others: both score 0, and neither loses score for it
    assert with_third[A].criteria["third_partners"] == with_third[B].criteria["third_partners"] == 0.0
    assert with_third[B].score == pytest.approx(without[B].score)
    assert with_third[A].score == pytest.approx(without[A].score)


def test_region_levels_without_candidates_raise_nothing_but_return_empty() -> None:
    rows = [partnership(k, LAND_SH, o) for k, o in enumerate((O1, O2), 1)] + [partnership(3, LAND_SH, K)]
    assert suggest_for_german(world(rows), LAND_SH, limit=0) == []
    assert suggest_for_german(world(), LAND_BY, limit=0, filters=Filters(size_factor=None))  # Bayern: oblasts


def test_raions_are_candidates_of_a_kreis_with_their_ties() -> None:
    data = world([partnership(1, GSTADT, B, 2023)])
    found = {
        s.code: s for s in suggest_for_german(data, NORDKREIS, limit=0, filters=Filters(size_factor=None))
    }
    assert {R1, R2, R3} <= set(found)
    assert found[R1].criteria["neighbours"] > found[R3].criteria["neighbours"]
    assert C in found
    assert D not in found  # occupied


@pytest.mark.parametrize(
    ("de", "ua", "filters", "phrase"),
    [
        (GDORF, K, None, "die Größen liegen zu weit auseinander"),
        (GSTADT, D, None, "besetzt; besetzte Hromadas können keine Unterstützung empfangen"),
        (GSTADT, A, Filters(exclude_pairs=frozenset({(GSTADT, A)})), "abgelehnt"),
        (GSTADT, R1, None, "keine passende Ebene"),
        (GSTADT, A, Filters(oblast_codes=frozenset({O2})), "von den gewählten Filtern ausgeschlossen"),
    ],
)
def test_an_explained_pair_says_which_rule_keeps_it_out(
    de: str, ua: str, filters: Filters | None, phrase: str
) -> None:
    pair = explain_pair(world(), de, ua, filters=filters)
    assert not pair.suggestible
    assert f"Wird nicht vorgeschlagen: {phrase}" in pair.explanation_de


@pytest.mark.parametrize(("partner_of", "subject"), [(LAND_BE, BERLIN), (BERLIN, LAND_BE)])
def test_a_city_states_explanation_names_the_partners_of_its_land_and_its_stadt(
    partner_of: str, subject: str
) -> None:
    data = world([partnership(1, partner_of, K, 1990)])
    found = suggest_for_german(data, subject, limit=1, filters=Filters(size_factor=None))
    assert found
    assert "Kyjiw" in found[0].explanation_de.split("Ukrainischer Partner von Berlin:")[1]
    assert "Berlin has no Ukrainian partner" not in found[0].explanation_en
    assert "Ukrainian partner of Berlin: Kyiv" in found[0].explanation_en
    req = make_request(data, None, None)
    f = req.f
    assert req.ties.de_with_partner[f.de_index[BERLIN]]  # the coverage plan skips both, too
    assert req.ties.de_with_partner[f.de_index[LAND_BE]]
