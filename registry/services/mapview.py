"""The partnership map from the database: frames from the repository, need from the matching criteria,
HTML from the pure builder (``registry.map``); cached until the data change.

The need of a hromada without a German partner is the matching module's *need level*
(``registry.matching.plan.need_level``): the larger of its reconstruction need (war status, occupation
history, distance to Russia) and its IDP-care need (registered IDPs per resident), each in 0..1 and
computed by the same criteria functions that score suggestions, so the map, the suggestions and the
coverage plan agree on which hromadas need help most.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd

from registry.locale import LANGS, Lang
from registry.map import MapFilters, render_map_html
from registry.map.csp import content_security_policy
from registry.matching.criteria import idp_need, reconstruction_need
from registry.matching.plan import need_level
from registry.repository import mapdata
from registry.repository.matching import matching_stamp
from registry.services.cache import Memo, Stamped

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from registry.map.builder import Tiles

# Rendered pages kept per data version: one per language and filter set opened recently.
HTML_CACHE_SIZE: Final = 16


def need_scores(unpartnered: pd.DataFrame) -> pd.DataFrame:
    """Score each hromada's need (0..1, larger is more urgent) as the matching module does.

    Returns the columns ``need`` (the larger of the two), ``reconstruction`` and ``idp_need``, so that a
    popup can say which of the two made the need.
    """
    columns = ["need", "reconstruction", "idp_need"]
    if unpartnered.empty:
        return pd.DataFrame({c: pd.Series([], dtype="float64") for c in columns}, index=unpartnered.index)
    reconstruction = reconstruction_need(
        unpartnered["war_status"].to_numpy(dtype=object),
        unpartnered["ever_occupied"].to_numpy(dtype=bool),
        unpartnered["distance_to_russia_km"].to_numpy(dtype=np.float64),
    )
    idp = idp_need(
        unpartnered["idp_registered"].to_numpy(dtype=np.float64),
        unpartnered["population"].to_numpy(dtype=np.float64),
    )
    level = need_level(reconstruction, idp)
    values = {
        name: np.round(np.clip(np.asarray(v, dtype=np.float64), 0.0, 1.0), 3)
        for name, v in zip(columns, (level, reconstruction, idp), strict=True)
    }
    return pd.DataFrame(values, index=unpartnered.index)


@dataclass(frozen=True, eq=False)
class MapFrames:
    """The input frames of the map builder, for every language."""

    municipalities: pd.DataFrame
    partnerships: pd.DataFrame
    unpartnered: pd.DataFrame  # with its "need", "reconstruction" and "idp_need" columns
    regions: pd.DataFrame  # centres of Länder and oblasts

    @classmethod
    def load(cls, session: Session) -> MapFrames:
        """Read the frames from the database and score the need of the unpartnered hromadas."""
        unpartnered = mapdata.unpartnered_hromadas(session)
        return cls(
            municipalities=mapdata.map_municipalities(session),
            partnerships=mapdata.map_partnerships(session),
            unpartnered=pd.concat([unpartnered, need_scores(unpartnered)], axis=1),
            regions=mapdata.region_centres(session),
        )

    def for_lang(self, lang: Lang) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """Return the frames with region and hromada names in ``lang``, as the builder takes them."""
        municipalities = self.municipalities.assign(region_name=self.municipalities[f"region_name_{lang}"])
        own_name = self.unpartnered["name_uk" if lang == "uk" else f"name_{lang}"]
        unpartnered = self.unpartnered.assign(name=own_name.fillna(self.unpartnered["name"]))
        return municipalities, self.partnerships, unpartnered


@dataclass(frozen=True)
class MapPage:
    """A rendered map page and the Content-Security-Policy it works under (``registry.map.csp``)."""

    html: str
    csp: str


class MapView:
    """Serve the map page from the database; safe to share between threads."""

    def __init__(self, *, tiles: Tiles, static_prefix: str = "/static") -> None:
        """Remember how pages are built: the tile source and where the static files are served."""
        self.tiles: Tiles = tiles
        self.static_prefix = static_prefix
        # matching_stamp: counts and version sums of municipalities and partnerships
        self._frames = Stamped(matching_stamp, MapFrames.load)
        self._pages: Memo[tuple[Lang, MapFilters], MapPage] = Memo(HTML_CACHE_SIZE)

    def invalidate(self) -> None:
        """Forget the cached frames and pages (call after a write in this process)."""
        self._frames.invalidate()

    def frames(self, session: Session) -> MapFrames:
        """Return the current frames, read again only when the data changed."""
        return self._frames.get(session)

    def html(self, session: Session, *, lang: Lang, filters: MapFilters) -> str:
        """Return the whole map page in ``lang``, opening with ``filters``."""
        return self.page(session, lang=lang, filters=filters).html

    def page(self, session: Session, *, lang: Lang, filters: MapFilters) -> MapPage:
        """Return the map page in ``lang``, opening with ``filters``, with the policy it works under."""
        if lang not in LANGS:
            raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
        frames, generation = self._frames.current(session)

        def render() -> MapPage:
            unit = mapdata.focus_unit(session, filters.focus) if filters.focus else None
            focus = asdict(unit) if unit else None  # the map takes plain values
            html = render_map_html(
                *frames.for_lang(lang),
                regions=frames.regions,
                focus=focus,
                static_prefix=self.static_prefix,
                tiles=self.tiles,
                lang=lang,
                filters=filters,
            )
            return MapPage(html, content_security_policy(html, tiles=self.tiles is not None))

        return self._pages.get(generation, (lang, filters), render)
