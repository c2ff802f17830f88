"""Each matching criterion, the options and the input contract on hand-made cases."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from registry.matching import MatchingInput, Weights, criteria
from registry.matching.frames import GERMAN_COLUMNS, HROMADA_COLUMNS, PARTNERSHIP_COLUMNS
from registry.matching.options import existed_before

NAN = float("nan")


def gaussian(ratio: float) -> float:
    return math.exp(-0.5 * (math.log(ratio) / criteria.SIZE_SIGMA) ** 2)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (50_000, 50_000, 1.0),
        (48_000, 53_000, gaussian(53 / 48)),
        (10_000, 20_000, gaussian(2.0)),
        (20_000, 10_000, gaussian(2.0)),  # symmetric
        (2_000, 4_000, gaussian(2.0)),  # log scale: the same ratio scores the same at any size
        (1_000, 1_000_000, gaussian(1000.0)),
        (NAN, 10_000, criteria.SIZE_UNKNOWN),
        (0, 10_000, criteria.SIZE_UNKNOWN),
    ],
)
def test_size_similarity(a: float, b: float, expected: float) -> None:
    assert float(criteria.size_similarity(a, b)) == pytest.approx(expected, rel=1e-5)


def test_size_similarity_decreases_with_ratio_and_broadcasts() -> None:
    scores = criteria.size_similarity(
        np.array([[10_000.0]]), np.array([[10_000.0, 15_000.0, 30_000.0, 300_000.0]])
    )
    assert scores.shape == (1, 4)
    assert scores.dtype == np.float32
    assert np.all(np.diff(scores[0]) < 0)


STATUS_CASES = [
    ("not_listed", False, NAN, 0.0),
    ("not_listed", True, NAN, criteria.STATUS_SHARE * criteria.EVER_OCCUPIED_NEED),
    ("deoccupied", True, 1000.0, criteria.STATUS_SHARE * 1.0),
    ("possible_hostilities", False, 0.0, criteria.STATUS_SHARE * criteria.STATUS_NEED["possible_hostilities"]
     + (1 - criteria.STATUS_SHARE)),
    ("not_listed", False, criteria.PROXIMITY_RANGE_KM / 2, (1 - criteria.STATUS_SHARE) * 0.5),
    (None, False, NAN, 0.0),
]  # fmt: skip


@pytest.mark.parametrize(("status", "ever", "distance", "expected"), STATUS_CASES)
def test_reconstruction_need(status: str | None, ever: bool, distance: float, expected: float) -> None:
    score = criteria.reconstruction_need(np.array([status], dtype=object), [ever], [distance])
    assert float(score[0]) == pytest.approx(expected, abs=1e-6)


def test_reconstruction_need_orders_the_war_statuses() -> None:
    statuses = [
        "deoccupied",
        "active_hostilities",
        "possible_hostilities",
        "former_possible_hostilities",
        "not_listed",
    ]
    scores = criteria.reconstruction_need(np.array(statuses, dtype=object), [False] * 5, [300.0] * 5)
    assert np.all(np.diff(scores) < 0)
    closer = criteria.reconstruction_need(
        np.array(["not_listed"] * 2, dtype=object), [False] * 2, [50.0, 350.0]
    )
    assert closer[0] > closer[1]


@pytest.mark.parametrize(
    ("idp", "population", "expected"),
    [
        (6_200, 45_000, 1 - math.exp(-(6_200 / 45_000) / criteria.IDP_SCALE)),
        (0, 45_000, 0.0),
        (-289_200, 1_400_000, 0.0),  # a net outflow is no burden on the host community
        (NAN, 45_000, 0.0),
        (1_000, NAN, 0.0),
    ],
)
def test_idp_need(idp: float, population: float, expected: float) -> None:
    assert float(criteria.idp_need([idp], [population])[0]) == pytest.approx(expected, abs=1e-6)


def test_declared_match_shares_priority_weighted_needs() -> None:
    # Hromada 0 needs water (priority 1 -> 1.0) and energy (priority 3 -> 0.25); hromada 1 declares nothing.
    needs = np.array([[1.0, 0.25, 0.0], [0.0, 0.0, 0.0]])
    offers = np.array([[1, 0, 0], [0, 1, 1], [1, 1, 0]])
    scores = criteria.declared_match(needs, offers)
    assert scores.shape == (3, 2)
    assert scores[:, 0] == pytest.approx([1.0 / 1.25, 0.25 / 1.25, 1.0])
    assert np.all(scores[:, 1] == 0)
    paired = criteria.declared_match(needs[[0, 0, 1]], offers, paired=True)
    assert paired == pytest.approx([1.0 / 1.25, 0.25 / 1.25, 0.0])


@pytest.mark.parametrize(
    ("in_raion", "in_oblast", "expected"),
    [(1.0, 1.0, 1.0), (0.0, 1.0, criteria.KREIS_OBLAST_SCORE), (0.0, 0.0, 0.0), (0.5, 0.5, 0.5)],
)
def test_kreis_raion_tie(in_raion: float, in_oblast: float, expected: float) -> None:
    assert float(criteria.kreis_raion_tie([in_raion], [in_oblast])[0]) == expected


@pytest.mark.parametrize(
    ("in_raion", "in_oblast", "expected"),
    [(0, 0, 0.0), (0, 1, 1 - 2**-0.5), (1, 1, 0.5), (0, 3, 1 - 2**-1.5)],
)
def test_neighbour_ties(in_raion: int, in_oblast: int, expected: float) -> None:
    assert float(criteria.neighbour_ties([in_raion], [in_oblast])[0]) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize(("shared", "expected"), [(0, 0.0), (1, 0.5), (2, 0.75)])
def test_third_partner_ties(shared: int, expected: float) -> None:
    assert float(criteria.third_partner_ties([shared])[0]) == pytest.approx(expected)


@pytest.mark.parametrize(("partners", "expected"), [(0, 1.0), (1, 0.5), (3, 0.25)])
def test_saturation(partners: int, expected: float) -> None:
    assert float(criteria.saturation([partners])[0]) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("hromada_type", "expected"),
    [("urban", 1.0), ("city with special status", 1.0), ("settlement", 0.5), ("rural", 0.0), (None, 0.5)],
)
def test_urban(hromada_type: str | None, expected: float) -> None:
    assert float(criteria.urban(np.array([hromada_type], dtype=object))[0]) == expected


@pytest.mark.parametrize(
    ("partners", "full", "expected"),
    [
        (0, 10, 0.0),
        (10, 10, 1.0),
        (50, 10, 1.0),
        (3, 10, math.log(4) / math.log(11)),
        (49, 50, math.log(50) / math.log(51)),
    ],
)
def test_popularity(partners: int, full: int, expected: float) -> None:
    assert float(criteria.popularity([partners], full)[0]) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize(("rank", "expected"), [(1, 1.0), (2, 0.5), (10, 0.1), (0, 0.0)])
def test_prominence(rank: int, expected: float) -> None:
    assert float(criteria.prominence([rank])[0]) == pytest.approx(expected)


@pytest.mark.parametrize(("km", "expected"), [(0, 0.0), (400, 0.5), (800, 1.0), (1200, 1.0), (NAN, 0.5)])
def test_distance_from_front(km: float, expected: float) -> None:
    assert float(criteria.distance_from_front([km])[0]) == pytest.approx(expected)


def test_size_similarity_follows_the_fitted_profile() -> None:
    log = criteria.log_population
    centred = criteria.size_similarity_of_logs(
        log([10_000.0]), log([20_000.0]), centre=math.log(2.0), sigma=0.9
    )
    assert float(centred[0]) == pytest.approx(1.0)  # the profile's centre: hromadas twice as large
    wide = criteria.size_similarity_of_logs(log([10_000.0]), log([40_000.0]), sigma=1.5)
    assert float(wide[0]) == pytest.approx(math.exp(-0.5 * (math.log(4) / 1.5) ** 2), rel=1e-5)


def test_every_criterion_stays_in_unit_interval() -> None:
    rng = np.random.default_rng(7)
    population = rng.lognormal(9, 2, 200)
    statuses = np.array(rng.choice(sorted(criteria.STATUS_NEED), 200), dtype=object)
    outputs = [
        criteria.size_similarity(population[:, None], population[None, :]),
        criteria.reconstruction_need(statuses, rng.random(200) < 0.3, rng.uniform(0, 1500, 200)),
        criteria.idp_need(rng.normal(0, 20_000, 200), population),
        criteria.declared_match(rng.random((200, 5)), rng.random((30, 5)) < 0.5),
        criteria.neighbour_ties(rng.integers(0, 9, 200), rng.integers(0, 30, 200)),
        criteria.popularity(rng.integers(0, 90, 200)),
        criteria.distance_from_front(rng.uniform(-10, 2000, 200)),
        criteria.kreis_raion_tie(rng.random(200), rng.random(200)),
        criteria.third_partner_ties(rng.integers(0, 5, 200)),
        criteria.saturation(rng.integers(0, 12, 200)),
    ]
    for values in outputs:
        assert np.all((values >= 0) & (values <= 1))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Weights()),
        ("size=2", Weights(size=2.0)),
        ("third_partners=0,urban=1.5", Weights(third_partners=0.0, urban=1.5)),
        (" idp = 0.5 , saturation=0 ", Weights(idp=0.5, saturation=0.0)),
    ],
)
def test_weights_parse(text: str, expected: Weights) -> None:
    assert Weights.parse(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [("sise=2", "'sise'"), ("size=big", "'size'"), ("size", "'size'"), ("idp=-1", "'idp'")],
)
def test_weights_parse_names_the_bad_key(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Weights.parse(text)


def test_weights_reject_all_zero() -> None:
    with pytest.raises(ValueError, match="positive"):
        Weights.only()


YEARS = np.array([2021.0, 2022.0, 2023.0, NAN])


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (None, [True, True, True, True]),
        (dt.date(2023, 1, 1), [True, True, False, True]),
        (dt.date(2023, 6, 30), [True, True, False, True]),
        (dt.date(2023, 12, 31), [True, True, True, True]),  # a year counts from its 31 December
        (dt.date(2022, 1, 1), [True, False, False, True]),  # undated ties count as existing
    ],
)
def test_existed_before(as_of: dt.date | None, expected: list[bool]) -> None:
    assert existed_before(YEARS, as_of).tolist() == expected


def minimal_frames() -> dict[str, pd.DataFrame]:
    hromadas = pd.DataFrame([dict.fromkeys(HROMADA_COLUMNS)]).assign(
        code="UA1", level="hromada", war_status="occupied"
    )
    germans = pd.DataFrame([dict.fromkeys(GERMAN_COLUMNS)]).assign(code="01001000", level="stadt")
    partnerships = pd.DataFrame(columns=list(PARTNERSHIP_COLUMNS))
    return {"hromadas": hromadas, "germans": germans, "partnerships": partnerships}


def test_minimal_frames_are_valid() -> None:
    assert MatchingInput(**minimal_frames()).features.ua_codes == ["UA1"]


@pytest.mark.parametrize(
    ("frame", "column"),
    [
        ("hromadas", "war_status"),
        ("hromadas", "idp_registered"),
        ("germans", "kreis_code"),
        ("partnerships", "status"),
    ],
)
def test_missing_column_is_named(frame: str, column: str) -> None:
    frames = minimal_frames()
    frames[frame] = frames[frame].drop(columns=[column])
    with pytest.raises(ValueError, match=f"{frame}: missing column.*'{column}'"):
        MatchingInput(**frames)


@pytest.mark.parametrize(
    ("frame", "change", "message"),
    [
        ("hromadas", {"war_status": "bombed"}, "war_status.*bombed"),
        ("hromadas", {"level": "district"}, "level.*district"),
        ("germans", {"code": "01001000"}, "duplicate"),
    ],
)
def test_invalid_values_are_named(frame: str, change: dict[str, str], message: str) -> None:
    frames = minimal_frames()
    frames[frame] = pd.concat([frames[frame], frames[frame].assign(**change)], ignore_index=True)
    if frame == "hromadas":
        frames[frame].loc[1, "code"] = "UA2"
    with pytest.raises(ValueError, match=message):
        MatchingInput(**frames)
