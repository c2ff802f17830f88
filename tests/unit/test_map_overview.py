"""The map's readable views, without a browser: overview lines, curves, focus, hromada colours, policy.

The page's pure functions run under Node (registry-map-core.js); the builder's HTML is read as text.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import pytest

from registry.map import MapFilters, render_map_html
from registry.map.builder import extract_data
from registry.map.csp import content_security_policy, inline_hashes
from tests.unit.test_map_builder import (  # the fixtures are shared with the builder's tests
    _node,
    municipalities,
    page,
    partnerships,
    unpartnered,
)

__all__ = ["municipalities", "page", "partnerships", "unpartnered"]

BW, BAVARIA, NRW = "08", "09", "05"
ODESA, KHARKIV_OBLAST, LVIV_OBLAST = "UA51000000000030770", "UA63000000000041885", "UA46000000000026241"
KHARKIV = "UA63120270000028556"
CENTRES = pd.DataFrame(
    [
        {"code": BW, "country": "DE", "lat": 48.5, "lon": 9.0},
        {"code": BAVARIA, "country": "DE", "lat": 48.9, "lon": 11.4},
        {"code": NRW, "country": "DE", "lat": 51.4, "lon": 7.6},
        {"code": ODESA, "country": "UA", "lat": 46.8, "lon": 30.0},
        {"code": KHARKIV_OBLAST, "country": "UA", "lat": 49.6, "lon": 36.5},
        {"code": LVIV_OBLAST, "country": "UA", "lat": 49.8, "lon": 23.9},
    ]
)


@pytest.fixture
def overview(municipalities: pd.DataFrame, partnerships: pd.DataFrame, unpartnered: pd.DataFrame) -> str:
    return render_map_html(municipalities, partnerships, unpartnered, regions=CENTRES, tiles=None)


def test_region_centres_are_emitted(overview: str) -> None:
    assert extract_data(overview)["centres"][BAVARIA] == [48.9, 11.4]


def test_overview_lines_count_the_partnerships_of_each_land_and_oblast(overview: str) -> None:
    flows = _node(
        "const m = RM.prepare(input.data);"
        "const v = RM.visible(m, RM.normaliseFilters(input.f));"
        "process.stdout.write(JSON.stringify(RM.flows(v.partnerships, m.centres)"
        ".map(f => [f.de, f.ua, f.count, f.kinds])));",
        {"data": extract_data(overview), "f": {}},
    )
    # no. 1 and 2: BW -> Odesa (solidarity); 3: Bavaria -> Kharkiv; 4: Bavaria -> Lviv; 5: NRW -> Lviv;
    # 7: BW -> Dnipro (no centre given: left out); 6 has no German end
    assert flows == [
        [BW, ODESA, 2, {"solidarity": 2}],
        [NRW, LVIV_OBLAST, 1, {"project": 1}],
        [BAVARIA, LVIV_OBLAST, 1, {"friendship": 1}],
        [BAVARIA, KHARKIV_OBLAST, 1, {"partnership": 1}],
    ]


@pytest.mark.parametrize(
    ("filters", "zoom", "detailed"),
    [
        ({}, 5, False),  # the whole network: overview lines
        ({}, 7, True),  # zoomed in: every partnership
        ({"land": BAVARIA}, 5, True),
        ({"oblast": ODESA}, 4, True),
        ({"focus": KHARKIV}, 4, True),
        ({"kind": ["solidarity"]}, 5, False),  # a kind still leaves lines across both countries
    ],
)
def test_overview_or_every_partnership(filters: dict[str, Any], zoom: int, detailed: bool) -> None:
    out = _node(
        "process.stdout.write(JSON.stringify(RM.detailed(RM.normaliseFilters(input.f), input.z)));",
        {"f": filters, "z": zoom},
    )
    assert out is detailed


def test_curves_start_and_end_at_the_places_and_bend_north() -> None:
    a, b = [48.14, 11.58], [49.99, 36.23]  # München -> Kharkiv
    out = _node(
        "const c = RM.curve(input.a, input.b, 0.12, 20);"
        "const h = RM.bundle(input.a, input.b, [50.6, 19.5], 0.75);"
        "process.stdout.write(JSON.stringify([c[0], c[20], c[10], c.length, h[0], h[h.length - 1]]));",
        {"a": a, "b": b},
    )
    start, end, middle, count, bundle_start, bundle_end = out
    assert start == pytest.approx(a)
    assert end == pytest.approx(b)
    assert bundle_start == pytest.approx(a)
    assert bundle_end == pytest.approx(b)
    assert count == 21
    assert middle[0] > (a[0] + b[0]) / 2 + 0.5  # bulges north of the straight line


def test_focus_shows_one_municipality_and_its_partners(overview: str) -> None:
    out = _node(
        "const m = RM.prepare(input.data); const v = RM.visible(m, RM.normaliseFilters({focus: input.code}));"
        "process.stdout.write(JSON.stringify([v.partnerships.map(p => p.id).sort(),"
        " v.markers.map(x => x.code).sort()]));",
        {"data": extract_data(overview), "code": KHARKIV},
    )
    # no. 3 (München) and no. 6 (no German end) are Kharkiv's; München and Kharkiv are drawn
    assert out == [[3, 6], ["09162000", KHARKIV]]


def test_focus_on_a_unit_without_partnerships_shows_it_alone(
    municipalities: pd.DataFrame, partnerships: pd.DataFrame
) -> None:
    flensburg = {"code": "01001000", "country": "DE", "level": "stadt", "name": "Flensburg", "lat": 54.78,
                 "lon": 9.44, "url": "/municipalities/01001000", "name_de": "Flensburg"}  # fmt: skip
    html = render_map_html(
        municipalities, partnerships, tiles=None, filters=MapFilters(focus="01001000"), focus=flensburg
    )
    data = extract_data(html)
    assert data["focus"]["code"] == "01001000"
    assert data["filters"]["focus"] == "01001000"
    assert '<input type="hidden" name="focus" value="01001000">' in html  # kept by the no-script form
    out = _node(
        "const m = RM.prepare(input.data); const v = RM.visible(m, RM.normaliseFilters({focus: '01001000'}));"
        "process.stdout.write(JSON.stringify([v.partnerships.length, v.markers.map(x => x.code)]));",
        {"data": data},
    )
    assert out == [0, ["01001000"]]
    # without a focus in the filters the unit is not sent at all
    unfocused = render_map_html(municipalities, partnerships, tiles=None, focus=flensburg)
    assert extract_data(unfocused)["focus"] is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"focus": KHARKIV, "hromadas": "need"}, (KHARKIV, "need")),
        ({"focus": "<script>", "hromadas": "rainbow"}, (None, None)),  # not a code, not a colouring
        ({"hromadas": "war"}, (None, "war")),
    ],
)
def test_focus_and_colouring_parameters(
    query: dict[str, str], expected: tuple[str | None, str | None]
) -> None:
    filters = MapFilters.from_query(query)
    assert (filters.focus, filters.hromadas) == expected
    js = _node(
        "const f = RM.parseQuery(input.q, null, null);"
        "process.stdout.write(JSON.stringify([f.focus, f.hromadas]));",
        {"q": "?" + "&".join(f"{k}={v}" for k, v in query.items())},
    )
    assert tuple(js) == expected


@pytest.mark.parametrize(
    ("code", "mode", "expected"),
    [
        ("UA05020010000053508", "need", "need-1"),  # no German partner, need 0.2: the second class
        ("UA59000000000000001", "need", "need-4"),  # need 0.9: the darkest class
        (KHARKIV, "need", "partnered"),
        ("UA51060010000033212", "war", "possible_hostilities"),
        (KHARKIV, "none", None),
    ],
)
def test_hromada_colours(overview: str, code: str, mode: str, expected: str | None) -> None:
    out = _node(
        "const d = input.data; const m = RM.prepare(d);"
        "const mode = input.mode === 'none' ? null : input.mode;"
        "const h = m.byCode[input.code], u = m.needOf[input.code];"
        "const f = RM.hromadaFill(h, u, mode, d.colors, d.need_classes);"
        "const cls = m.needOf[input.code] ? RM.needClass(m.needOf[input.code].need, d.need_classes) : null;"
        "process.stdout.write(JSON.stringify([f.key, f.fill, cls]));",
        {"data": extract_data(overview), "code": code, "mode": mode},
    )
    key, fill, need_class = out
    data = extract_data(overview)
    if expected is None:
        assert fill is None
    elif expected.startswith("need-"):
        assert key == "need"
        assert need_class == int(expected[-1])
        assert fill == data["colors"]["need"][need_class]
    else:
        assert key == expected
        colors = data["colors"]
        assert fill == (colors["partnered"] if expected == "partnered" else colors["war"][expected])


def test_the_page_runs_under_a_policy_without_unsafe_inline(overview: str) -> None:
    policy = content_security_policy(overview, tiles=False)
    assert "unsafe-inline" not in policy
    assert "tile.openstreetmap.org" not in policy
    assert "https://tile.openstreetmap.org" in content_security_policy(overview, tiles=True)
    hashes = inline_hashes(overview)
    assert len(hashes.scripts) == 2  # folium's two set-up scripts; the data block runs nowhere
    for source in (*hashes.scripts, *hashes.styles):
        assert source in policy
    # no inline event handlers or style attributes, which no hash can allow
    assert not re.search(r"\son[a-z]+\s*=", overview)
    assert 'style="' not in overview


def test_inline_parts_are_the_same_on_every_build(
    municipalities: pd.DataFrame, partnerships: pd.DataFrame, overview: str
) -> None:
    other = render_map_html(
        municipalities, partnerships, tiles=None, lang="uk", filters=MapFilters(land=BAVARIA, hromadas="war")
    )
    assert inline_hashes(other) == inline_hashes(overview)
