"""The map's input frames read from a real database (the subset), fed to the pure builder.

Checks the repository (``registry.repository.mapdata``) against the builder's contract and against
independent SQL counts, the need score against the matching module, and the cache of
``registry.services.mapview.MapView`` against writes.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import and_, func, select, union
from sqlalchemy.orm import Session, aliased, sessionmaker

from registry import db
from registry.map import MapFilters, render_map_html
from registry.map.builder import extract_data
from registry.map.payload import MUNICIPALITY_COLUMNS, PARTNERSHIP_COLUMNS, UNPARTNERED_COLUMNS, build_payload
from registry.matching.plan import need_level
from registry.models import Level, Municipality, Partnership, PartnershipStatus, WarStatus
from registry.repository import mapdata
from registry.services import cache
from registry.services.loading import load_bundled
from registry.services.mapview import MapFrames, MapView, need_scores
from registry.services.suggestions import MatchingData

if TYPE_CHECKING:
    from pathlib import Path


MUNICH = "09162000"
KYIV = "UA80000000000093317"
BAVARIA = "09"
MEMMINGEN_CHERNIHIV = ("09764000", "UA74100390000073425")


@pytest.fixture(scope="module")
def frames(subset_sessions: sessionmaker[Session]) -> MapFrames:
    with subset_sessions() as session:
        return MapFrames.load(session)


def _ends(session: Session) -> set[str]:
    ids = union(select(Partnership.de_municipality_id), select(Partnership.ua_municipality_id)).subquery()
    return set(session.scalars(select(Municipality.code).where(Municipality.id.in_(select(ids.c[0])))))


# ---------- the frames keep the builder's contract ----------


def test_frames_have_the_builder_columns_and_build_a_page(frames: MapFrames) -> None:
    municipalities, partnerships, unpartnered = frames.for_lang("de")
    assert set(MUNICIPALITY_COLUMNS) <= set(municipalities.columns)
    assert set(PARTNERSHIP_COLUMNS) <= set(partnerships.columns)
    assert set(UNPARTNERED_COLUMNS) <= set(unpartnered.columns)
    payload = build_payload(municipalities, partnerships, unpartnered)  # raises on any contract breach
    assert len(payload["partnerships"]["rows"]) == len(partnerships) > 10
    page = render_map_html(municipalities, partnerships, unpartnered, tiles=None, lang="en")
    data = extract_data(page)
    assert len(data["unpartnered"]["rows"]) == len(unpartnered) > 100


def test_every_partnership_end_and_every_hromada_with_a_war_status_is_a_row(
    frames: MapFrames, subset_sessions: sessionmaker[Session]
) -> None:
    with subset_sessions() as session:
        ends = _ends(session)
        hromadas = set(
            session.scalars(
                select(Municipality.code).where(
                    Municipality.level.in_([Level.HROMADA, Level.CITY_SPECIAL_STATUS]),
                    Municipality.war_status.is_not(None),
                )
            )
        )
    codes = frames.municipalities["code"].tolist()
    assert len(codes) == len(set(codes))
    assert set(codes) == ends | hromadas


def test_partnerships_match_the_database_with_their_sources(
    frames: MapFrames, subset_sessions: sessionmaker[Session]
) -> None:
    with subset_sessions() as session:
        total = session.scalar(select(func.count()).select_from(Partnership))
    p = frames.partnerships
    assert len(p) == total
    assert p["id"].is_unique
    assert (p["url"] == [f"/partnerships/{i}" for i in p["id"]]).all()
    assert all(isinstance(s, list) and s for s in p["sources"]), "every loaded partnership cites a source"
    assert all(set(item) == {"url", "citation"} for s in p["sources"] for item in s)


@pytest.mark.parametrize(
    ("code", "region"),
    [
        (MUNICH, BAVARIA),  # a Gemeinde: its Land
        (BAVARIA, BAVARIA),  # a Land: itself
        (KYIV, KYIV),  # a city with special status: itself
        ("UA74100390000073425", "UA74000000000025378"),  # Chernihiv hromada: Chernihiv oblast
    ],
)
def test_region_codes(frames: MapFrames, code: str, region: str) -> None:
    rows = frames.municipalities.set_index("code")
    if code in rows.index:
        assert rows.loc[code, "region_code"] == region
    else:  # a Land is a row only when it is a partner itself
        assert code == BAVARIA


def test_region_names_follow_the_language(frames: MapFrames) -> None:
    de, _, _ = frames.for_lang("de")
    en, _, _ = frames.for_lang("en")
    chernihiv = "UA74100390000073425"
    assert de.set_index("code").loc[chernihiv, "region_name"] == "Oblast Tschernihiw"
    assert en.set_index("code").loc[chernihiv, "region_name"] == "Chernihiv Oblast"
    assert de.set_index("code").loc[MUNICH, "region_name"] == "Bayern"
    assert en.set_index("code").loc[MUNICH, "region_name"] == "Bavaria"


# ---------- hromadas without a German partner ----------


def test_unpartnered_hromadas_have_no_live_partnership_and_are_not_occupied(
    frames: MapFrames, subset_sessions: sessionmaker[Session]
) -> None:
    with subset_sessions() as session:
        ua = aliased(Municipality)
        partnered = set(
            session.scalars(
                select(ua.code)
                .join(Partnership, Partnership.ua_municipality_id == ua.id)
                .where(Partnership.status != PartnershipStatus.ENDED)
            )
        )
        occupied = set(
            session.scalars(select(Municipality.code).where(Municipality.war_status == WarStatus.OCCUPIED))
        )
        hromadas = set(
            session.scalars(
                select(Municipality.code).where(
                    Municipality.level.in_([Level.HROMADA, Level.CITY_SPECIAL_STATUS])
                )
            )
        )
        assert mapdata.count_unpartnered(session) == len(frames.unpartnered)
    codes = set(frames.unpartnered["code"])
    assert codes == hromadas - partnered - occupied
    assert "UA74100390000073425" not in codes  # Chernihiv has Memmingen
    need = frames.unpartnered["need"]
    assert need.between(0.0, 1.0).all()
    assert need.notna().all()


def test_need_is_the_matching_modules_need_level(
    frames: MapFrames, subset_sessions: sessionmaker[Session]
) -> None:
    """The map sizes circles by the same need the suggestions and the coverage plan use."""
    with subset_sessions() as session:
        features = MatchingData().get(session).features
    expected = need_level(features.ua_reconstruction, features.ua_idp_need)
    by_code = dict(zip(features.ua_codes, expected.tolist(), strict=True))
    got = frames.unpartnered.set_index("code")["need"]
    assert len(got) > 100
    for code, need in got.items():
        assert need == pytest.approx(by_code[str(code)], abs=1e-3), code
    assert got.std() > 0.05, "need should separate hromadas, not be one constant"


@pytest.mark.parametrize(
    ("facts", "need"),
    [
        # not listed, far from Russia, no IDPs: no need
        ({"war_status": "not_listed", "ever_occupied": False, "distance_to_russia_km": 900.0,
          "idp_registered": 0.0, "population": 10_000.0}, 0.0),
        # deoccupied at the border: the highest reconstruction need
        ({"war_status": "deoccupied", "ever_occupied": True, "distance_to_russia_km": 0.0,
          "idp_registered": 0.0, "population": 10_000.0}, 1.0),
        # safe but hosting IDPs of 20 % of its population: IDP-care need 1 - exp(-2)
        ({"war_status": "not_listed", "ever_occupied": False, "distance_to_russia_km": 900.0,
          "idp_registered": 2_000.0, "population": 10_000.0}, 1 - math.exp(-2)),
        # unknown facts score no need rather than failing
        ({"war_status": None, "ever_occupied": False, "distance_to_russia_km": math.nan,
          "idp_registered": math.nan, "population": math.nan}, 0.0),
    ],
)  # fmt: skip
def test_need_scores(facts: dict[str, Any], need: float) -> None:
    scores = need_scores(pd.DataFrame([facts])).iloc[0]
    assert scores["need"] == pytest.approx(need, abs=1e-3)
    # the need is the larger of its two parts, which the popups show beside it
    assert scores["need"] == pytest.approx(max(scores["reconstruction"], scores["idp_need"]), abs=1e-3)


def test_need_scores_of_no_rows() -> None:
    empty = pd.DataFrame(columns=list(mapdata.UNPARTNERED_FRAME_COLUMNS))
    assert need_scores(empty).empty


# ---------- the page: counts, filters, cache ----------


def test_page_draws_as_many_markers_and_lines_as_the_database_has(
    subset_sessions: sessionmaker[Session],
) -> None:
    with subset_sessions() as session:
        page = MapView(tiles=None).html(session, lang="de", filters=MapFilters())
        de, ua = aliased(Municipality), aliased(Municipality)
        lines = session.scalar(
            select(func.count(Partnership.id))
            .join(de, de.id == Partnership.de_municipality_id)
            .join(ua, ua.id == Partnership.ua_municipality_id)
            .where(and_(de.lat.is_not(None), ua.lat.is_not(None)))
        )
        placed = _ends(session) & set(
            session.scalars(select(Municipality.code).where(Municipality.lat.is_not(None)))
        )
    data = extract_data(page)
    rows = [
        dict(zip(data["municipalities"]["fields"], r, strict=True)) for r in data["municipalities"]["rows"]
    ]
    by_code = {r["code"]: r for r in rows}
    ps = [dict(zip(data["partnerships"]["fields"], r, strict=True)) for r in data["partnerships"]["rows"]]

    def placed_end(code: str | None) -> bool:
        return by_code.get(code or "", {}).get("lat") is not None

    drawn_lines = [p for p in ps if placed_end(p["de_code"]) and placed_end(p["ua_code"])]
    drawn_markers = {
        c for p in ps for c in (p["de_code"], p["ua_code"]) if by_code.get(c, {}).get("lat") is not None
    }
    assert len(drawn_lines) == lines > 10
    assert drawn_markers == placed


def test_filters_of_the_query_reach_the_page(subset_sessions: sessionmaker[Session]) -> None:
    filters = MapFilters.from_query({"land": "09", "kind": ["solidarity", "nonsense"], "year_from": "2022"})
    with subset_sessions() as session:
        page = MapView(tiles=None).html(session, lang="en", filters=filters)
    data = extract_data(page)
    assert data["filters"] == {
        "land": "09", "oblast": None, "kind": ["solidarity"], "status": [],
        "year_from": 2022, "year_to": None, "focus": None, "color": "kind", "hromadas": None,
    }  # fmt: skip
    assert data["lang"] == "en"
    assert '<option value="09" selected>Bavaria</option>' in page


def test_region_centres_and_focus_come_from_the_database(subset_sessions: sessionmaker[Session]) -> None:
    with subset_sessions() as session:
        centres = mapdata.region_centres(session)
        lands = session.scalar(select(func.count()).where(Municipality.level == Level.LAND)) or 0
        page = MapView(tiles=None).html(session, lang="de", filters=MapFilters(focus=MUNICH))
        unknown = MapView(tiles=None).html(session, lang="de", filters=MapFilters(focus="00000000"))
    assert {"DE", "UA"} == set(centres["country"])
    assert (centres["country"] == "DE").sum() == lands > 0
    assert BAVARIA in extract_data(page)["centres"]
    focus = extract_data(page)["focus"]
    assert (focus["code"], focus["name_de"], focus["url"]) == (MUNICH, "München", f"/municipalities/{MUNICH}")
    assert focus["lat"] == pytest.approx(48.14, abs=0.1)
    assert extract_data(unknown)["focus"] is None  # the page says so ("no municipality with the code")
    assert extract_data(unknown)["filters"]["focus"] == "00000000"


def test_tiles_setting_reaches_the_page(subset_sessions: sessionmaker[Session]) -> None:
    with subset_sessions() as session:
        with_tiles = MapView(tiles="osm").html(session, lang="de", filters=MapFilters())
        without = MapView(tiles=None).html(session, lang="de", filters=MapFilters())
    assert "tile.openstreetmap.org" in with_tiles
    assert "openstreetmap.org" not in without


@pytest.fixture
def writable(sessions: sessionmaker[Session], subset_dir: Path) -> sessionmaker[Session]:
    """A fresh database with the subset, for tests that write."""
    load_bundled(sessions, subset_dir, lambda _message: None)
    return sessions


def test_the_cached_page_follows_writes(
    writable: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ending Memmingen-Chernihiv makes Chernihiv unpartnered, on the next page without a restart."""
    monkeypatch.setattr(cache, "STAMP_INTERVAL_SECONDS", 0.0)  # ask the database on every request
    view = MapView(tiles=None)
    de_code, ua_code = MEMMINGEN_CHERNIHIV

    def unpartnered_codes() -> set[str]:
        with writable() as session:
            data = extract_data(view.html(session, lang="de", filters=MapFilters()))
        return {row[0] for row in data["unpartnered"]["rows"]}

    assert ua_code not in unpartnered_codes()
    with db.transaction(writable) as session:
        de, ua = aliased(Municipality), aliased(Municipality)
        record = session.scalars(
            select(Partnership)
            .join(de, de.id == Partnership.de_municipality_id)
            .join(ua, ua.id == Partnership.ua_municipality_id)
            .where(de.code == de_code, ua.code == ua_code)
        ).one()
        record.status = PartnershipStatus.ENDED  # the ORM bumps the version, which the stamp sums
    assert ua_code in unpartnered_codes()


def test_frames_for_lang_fall_back_to_the_display_name(frames: MapFrames) -> None:
    _, _, de = frames.for_lang("de")
    assert de["name"].notna().all()
    assert not np.any(de["name"].astype(str).str.strip() == "")
