"""The map in a real browser (fixtures in ``conftest.py``), at 1440x900 and 390x844: the overview and
the partnerships, filters that zoom to their result, ``?focus=``, the hromada colourings and their
explanations, the layer switches folded on a phone, all under the page's Content-Security-Policy
(Chromium reports a blocked script or style as a console error, which ``assert_clean`` fails on)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased, sessionmaker

from registry.map.assets import HROMADA_OUTLINES, STATIC_DIR
from registry.models import Level, Municipality, Partnership, PartnershipStatus, WarStatus
from tests.browser.browsing import PHONE, Browsing, german_partners

pytestmark = pytest.mark.browser

KHARKIV = "UA63120270000028556"
BAVARIA = "09"
SUMY_OBLAST = "UA59000000000057109"
# Dnipropetrovsk oblast, no German partner, a net outflow of registered IDPs (-10,900)
MARHANETS = "UA12080010000029838"
UKRAINE = ((44.0, 22.0), (52.5, 40.5))  # south-west, north-east corners, with a margin


def _network(session: Session, land: str | None = None) -> dict[str, Any]:
    """What the map must draw, from the database: places with coordinates, lines, Land-oblast pairs."""
    de, ua = aliased(Municipality), aliased(Municipality)
    de_region, ua_region = func.coalesce(de.region_id, de.id), func.coalesce(ua.region_id, ua.id)
    statement = (
        select(Partnership.id, de.id, ua.id, de.lat, ua.lat, de_region, ua_region)
        .join(de, de.id == Partnership.de_municipality_id)
        .join(ua, ua.id == Partnership.ua_municipality_id)
    )
    if land is not None:
        region = select(Municipality.id).where(Municipality.code == land).scalar_subquery()
        statement = statement.where(de_region == region)
    rows = session.execute(statement).all()
    placed = {d for _, d, _, lat, _, _, _ in rows if lat is not None} | {
        u for _, _, u, _, lat, _, _ in rows if lat is not None
    }
    return {
        "partnerships": len(rows),
        "markers": len(placed),
        "lines": sum(1 for _, d, u, *_ in rows if d in placed and u in placed),
        "pairs": len({(r[5], r[6]) for r in rows}),
    }


# True once the view (after its animation) holds every place drawn
EVERY_PLACE_IN_VIEW = """() => { const [[s, w], [n, e]] = registryMap.viewBounds();
  return registryMap.markerData().every(m => s <= m.lat && m.lat <= n && w <= m.lon && m.lon <= e); }"""


def _inside(point: list[float], bounds: list[list[float]]) -> bool:
    (south, west), (north, east) = bounds
    return south <= point[0] <= north and west <= point[1] <= east


def test_the_map_opens_with_the_overview_offline_under_its_policy(
    browsing: Browsing, loaded_sessions: sessionmaker[Session]
) -> None:
    with loaded_sessions() as session:
        network = _network(session)
    policy = httpx.get(f"{browsing.base}/map").headers["content-security-policy"]
    assert "script-src 'self' 'sha256-" in policy
    assert "unsafe-inline" not in policy
    browsing.open_map()
    page = browsing.page
    shown = page.evaluate(
        "() => ({detailed: registryMap.detailed(), flows: registryMap.flowData(),"
        " lines: registryMap.visibleLines(), dots: registryMap.visibleDots(),"
        " markers: registryMap.visibleMarkers(), totals: registryMap.totals})"
    )
    # one line per Land and oblast, as many as the database has pairs, carrying every partnership
    assert shown["detailed"] is False
    assert len(shown["flows"]) == network["pairs"] > 50
    assert sum(f["count"] for f in shown["flows"]) == network["partnerships"]
    assert page.evaluate("document.querySelectorAll('path.rm-flow').length") == network["pairs"]
    assert (shown["lines"], shown["markers"]) == (0, 0)  # places are dots, lines come when zoomed in
    assert shown["dots"] == network["markers"] > 300
    assert shown["totals"]["partnerships"] == network["partnerships"]
    assert page.locator("#rm-count").inner_text() == (
        f"Partnerschaften: {network['partnerships']} · Kommunen: {network['markers']}"
    )
    assert page.locator(".leaflet-control-layers").count() == 0
    assert page.locator("#rm-layers-box").evaluate("d => d.open")  # open on a wide screen
    assert page.get_by_label("Partnerschaften (Linien)").is_checked()
    # zoomed in, every partnership is a curved line of its own
    # a function that returns nothing: the map object setZoom returns does not serialise
    page.evaluate("() => { registryMap.map.setZoom(7, {animate: false}); }")
    browsing.wait("registryMap.detailed()")
    assert page.evaluate("registryMap.visibleLines()") == network["lines"] > 200
    assert page.evaluate("document.querySelectorAll('path.rm-line').length") == network["lines"]
    assert page.evaluate("registryMap.visibleFlows()") == 0
    browsing.assert_clean()
    assert any("/static/vendor/leaflet-1.9.3/leaflet.js" in u for u in browsing.requests)
    assert not any(HROMADA_OUTLINES in u for u in browsing.requests)  # fetched only when switched on


def test_a_filter_zooms_to_its_result_and_the_query_opens_it_again(
    browsing: Browsing, loaded_sessions: sessionmaker[Session]
) -> None:
    with loaded_sessions() as session:
        everything, bavaria = _network(session), _network(session, land=BAVARIA)
    assert 0 < bavaria["lines"] < everything["lines"]
    browsing.open_map()
    page = browsing.page
    first_view = page.evaluate("registryMap.viewBounds()")
    page.select_option("#rm-land", BAVARIA)
    browsing.wait(f"registryMap.visibleLines() === {bavaria['lines']}")
    assert page.evaluate("registryMap.detailed()")  # one Land: every partnership, at any zoom
    assert page.evaluate("registryMap.visibleMarkers()") == bavaria["markers"]
    assert page.evaluate("registryMap.lineData().every(p => p.de_region === '09')")
    assert "land=09" in page.url
    browsing.wait(EVERY_PLACE_IN_VIEW)
    # the map zooms to the Land (an animation: wait for it to move, fail if it never does)
    browsing.wait(f"JSON.stringify(registryMap.viewBounds()) !== {json.dumps(json.dumps(first_view))}")
    # an oblast with its hromadas coloured: the map zooms to the oblast
    page.select_option("#rm-land", "")
    page.select_option("#rm-oblast", SUMY_OBLAST)
    page.get_by_label("deutschem Partner und Bedarf").check()
    browsing.wait("new URLSearchParams(location.search).get('hromadas') === 'need'")
    page.evaluate("registryMap.hromadasReady()")
    browsing.wait("(([[s], [n]]) => n - s < 6)(registryMap.viewBounds())")
    (south, west), (north, east) = page.evaluate("registryMap.viewBounds()")
    assert _inside([south, west], UKRAINE)
    assert _inside([north, east], UKRAINE)
    assert north - south < 6  # an oblast, not the two countries
    # a kind on top; the address bar holds the filters, and opening it anew shows the same
    page.select_option("#rm-oblast", "")
    page.select_option("#rm-land", BAVARIA)
    page.check("input[name=kind][value=solidarity]")
    browsing.wait(f"registryMap.visibleLines() < {bavaria['lines']}")
    assert page.evaluate("registryMap.lineData().every(p => p.kind === 'solidarity' && p.de_region === '09')")
    shown = page.evaluate("registryMap.visibleLines()")
    browsing.open_map(page.url.removeprefix(browsing.base))
    assert page.evaluate("registryMap.visibleLines()") == shown
    assert page.locator("#rm-land").input_value() == BAVARIA
    assert page.locator("input[name=kind][value=solidarity]").is_checked()
    browsing.assert_clean()


def test_focus_highlights_one_municipality_and_its_partners(
    browsing: Browsing, loaded_sessions: sessionmaker[Session]
) -> None:
    partners = german_partners(loaded_sessions, KHARKIV)
    assert partners
    browsing.open(f"/municipalities/{KHARKIV}")
    page = browsing.page
    link = page.get_by_role("link", name="Auf der Karte zeigen")
    assert link.get_attribute("href") == f"/map?focus={KHARKIV}"  # the unit, not its whole oblast
    link.click()
    browsing.wait("document.documentElement.dataset.registryMap === 'ready'")
    assert page.evaluate("registryMap.focusCode()") == KHARKIV
    assert page.evaluate("registryMap.detailed()")
    lines = page.evaluate("registryMap.lineData()")
    assert sorted(p["de_code"] for p in lines) == sorted(code for code, _ in partners)
    assert all(p["ua_code"] == KHARKIV for p in lines)
    marker = page.locator(f'.leaflet-marker-icon[data-code="{KHARKIV}"]')
    assert marker.get_attribute("data-focus") == "true"
    assert "rm-focus-marker" in (marker.get_attribute("class") or "")
    assert page.locator("#rm-focus-text").inner_text().startswith("Im Fokus: Charkiw")
    names = page.locator(".leaflet-tooltip.rm-name").all_inner_texts()
    assert sorted(names) == sorted(["Charkiw", *(name for _, name in partners)])
    browsing.wait(EVERY_PLACE_IN_VIEW)
    page.click("#rm-focus-clear")
    browsing.wait("registryMap.focusCode() !== null && registryMap.filters().focus === null")
    assert "focus=" not in page.url
    browsing.assert_clean()


def test_a_popup_opens_on_click_and_from_the_keyboard(browsing: Browsing) -> None:
    browsing.open_map()
    page = browsing.page
    marker = page.evaluate_handle(f"registryMap.showMarker({KHARKIV!r})").as_element()
    assert marker is not None
    marker.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible")
    text = popup.inner_text()
    assert "Charkiw" in text
    assert "Харків" in text
    assert "Einwohner (01.01.2022)" in text  # every figure with its date
    assert popup.locator(f'a[href="/municipalities/{KHARKIV}"]').count() == 1
    page.locator(".leaflet-popup-close-button").click()
    popup.wait_for(state="detached")
    marker.focus()  # markers are focusable (keyboard: true) and open their popup with Enter
    page.keyboard.press("Enter")
    popup.wait_for(state="visible")
    assert "Charkiw" in popup.inner_text()
    browsing.assert_clean()


def test_hromadas_coloured_by_need_and_war_status_explain_their_figures(
    browsing: Browsing, loaded_sessions: sessionmaker[Session]
) -> None:
    outlines = {f["id"] for f in json.loads((STATIC_DIR / HROMADA_OUTLINES).read_text())["features"]}
    with loaded_sessions() as session:
        m = Municipality
        ended = PartnershipStatus.ENDED
        partnered = select(Partnership.ua_municipality_id).where(Partnership.status != ended)
        unpartnered = set(
            session.scalars(
                select(m.code).where(
                    m.level.in_([Level.HROMADA, Level.CITY_SPECIAL_STATUS]),
                    m.id.not_in(partnered),
                    or_none(m.war_status, WarStatus.OCCUPIED),
                )
            )
        )
    browsing.open_map()
    page = browsing.page
    assert page.evaluate("registryMap.visibleUnpartnered()") == 0  # no colouring at first
    page.get_by_label("deutschem Partner und Bedarf").check()
    page.evaluate("registryMap.hromadasReady()")
    assert page.evaluate("registryMap.visibleUnpartnered()") == len(unpartnered & outlines) > 1000
    assert page.locator("#rm-legend-need").is_visible()
    assert page.get_by_text("© OpenStreetMap-Mitwirkende (ODbL)").count() == 1  # the outlines' credit
    text = page.evaluate(f"registryMap.openHromada({MARHANETS!r})")
    assert "Bedarf: " in text
    assert "von 100" in text
    assert "Wiederaufbau" in text  # what the need is made of
    assert "Binnenvertriebene, Saldo (25.07.2023): -10.900" in text
    assert "Negativ: mehr bisherige Einwohner" in text  # why the figure can be negative
    page.get_by_label("Kriegsstatus", exact=True).check()
    browsing.wait("document.getElementById('rm-legend-war').hidden === false")
    assert not page.locator("#rm-legend-need").is_visible()
    text = page.evaluate(f"registryMap.openHromada({KHARKIV!r})")
    assert "Kriegsstatus (Liste Nr. 376, Stand 30.04.2025)" in text
    assert "deutsche Partner: " in text
    browsing.assert_clean()


def or_none(column: Any, excluded: WarStatus) -> Any:
    """``column`` is NULL or not ``excluded``."""
    return column.is_(None) | (column != excluded)


def test_on_a_phone_the_map_comes_first_and_the_layer_switches_are_folded(phone: Browsing) -> None:
    phone.open_map()
    page = phone.page
    assert page.evaluate("document.documentElement.lang") == "en"
    box = page.locator(".folium-map").bounding_box()
    assert box is not None
    assert box["width"] == PHONE["width"]
    assert box["height"] > PHONE["height"] / 2
    assert page.evaluate("document.documentElement.scrollHeight") <= PHONE["height"]
    for folded in ("#rm-filter-box", "#rm-layers-box", "#rm-legend-box"):
        assert not page.locator(folded).evaluate("d => d.open"), folded
    assert not page.get_by_label("Municipalities with partnerships").is_visible()
    page.click("#rm-layers-box > summary")
    assert page.get_by_label("Municipalities with partnerships").is_visible()
    phone.assert_clean()
