"""The coverage dashboard: the page ``/coverage`` (de, en, uk), its figures as JSON (``/api/coverage``) and
per oblast and raion as CSV (``/api/coverage.csv``), all from one use case (``registry.services.coverage``).

``/statistics``, the older page, redirects here: this one keeps the zeros (an oblast without partners is a
row, not a gap), shows the undated partnerships as a bar of their own and counts by war status.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final
from urllib.parse import quote

from babel.numbers import get_group_symbol
from litestar import Request, get
from litestar.response import Redirect, Stream, Template

from registry import export, locale
from registry.api import charts, dictionary
from registry.api.deps import DbSession
from registry.api.errors import COSTLY, READ
from registry.api.exports import CSV_TYPE, DialectParam, attachment
from registry.api.site import page_lang, render
from registry.map.labels import KINDS, labels
from registry.models import Level, WarStatus
from registry.services.coverage import WAR_GROUPS, Coverage, Names, RegionCoverage, coverage

TAGS: Final = ["statistics"]
# The war statuses of each group, for the links to the filtered lists.
GROUP_STATUSES: Final[Mapping[str, tuple[str, ...]]] = {
    "occupied": (WarStatus.OCCUPIED, WarStatus.PARTLY_OCCUPIED),
    "active": (WarStatus.ACTIVE_HOSTILITIES,),
    "possible": (WarStatus.POSSIBLE_HOSTILITIES,),
    "rear": (
        WarStatus.NOT_LISTED,
        WarStatus.DEOCCUPIED,
        WarStatus.FORMER_ACTIVE_HOSTILITIES,
        WarStatus.FORMER_POSSIBLE_HOSTILITIES,
    ),
}
FRONT_GROUPS: Final = ("active", "possible")
# The year chart gives each of the last 20 years a column and sums the decades before into one.
YEAR_SPAN: Final = 20
# Every message of the page (registry/locale/<lang>/coverage.po, keys "cov_<name>").
TEXT_KEYS: Final = (
    "title", "nav", "lead", "rule", "questions", "q_lands", "q_front", "q_growth", "downloads", "front",
    "front_intro", "front_none", "of", "oblasts", "oblasts_intro", "region", "raion", "hromadas",
    "partnered", "share", "group_occupied", "group_active", "group_possible", "group_rear",
    "group_rear_note", "idp", "total", "raions", "raions_intro", "raions_of", "lands", "lands_intro", "land",
    "partnerships", "level_municipality", "level_kreis", "level_region", "years", "years_intro",
    "years_summary", "year", "count", "cumulative", "year_unknown", "data_table", "chart_front",
    "chart_lands", "chart_years", "open_map",
)  # fmt: skip


def texts(lang: locale.Lang) -> dict[str, str]:
    """Return the page's messages in ``lang`` (placeholders left for the template)."""
    return {key: locale.text(lang, f"cov_{key}") for key in TEXT_KEYS}


def _name(names: Names, lang: locale.Lang) -> str:
    return {"de": names.de, "en": names.en, "uk": names.uk}[lang]


def _query(path: str, **params: Any) -> str:
    """Return ``path?key=value&...``; a tuple value repeats its key (a page has ~2,000 of these links)."""
    pairs = (
        f"{key}={quote(str(v), safe='')}"
        for key, value in params.items()
        for v in (value if isinstance(value, tuple) else (value,))
    )
    return f"{path}?{'&'.join(pairs)}"


def _integers(lang: locale.Lang) -> Callable[[int], str]:
    """Return a formatter of whole numbers in ``lang``, as ``locale.number`` writes them (48.000, 48,000,
    48 000), for the ~1,300 figures of the page: Babel's general formatter took half its time."""
    group = get_group_symbol(locale.LOCALES[lang])
    return lambda value: f"{value:,}".replace(",", group)


def region_links(region: RegionCoverage) -> dict[str, str]:
    """Where each figure of an oblast's or raion's row links to: the map or the filtered list."""
    if region.level == Level.CITY_SPECIAL_STATUS:  # Kyiv, Sevastopol: their own page
        page = f"/municipalities/{region.code}"
        return (
            {"hromadas": page, "partnered": page, "idp": page}
            | {g: page for g in WAR_GROUPS}
            | {f"{g}_partnered": page for g in WAR_GROUPS}
        )
    area = {"district": region.code} if region.level == Level.RAION else {"region": region.code}
    units = {**area, "level": Level.HROMADA.value}
    links = {
        "hromadas": _query("/api/municipalities", **units),
        "partnered": _query("/api/municipalities", **units, has_partner="true"),
        "idp": _query("/api/municipalities", **units, sort="-population"),
    }
    if region.level != Level.RAION:  # an oblast: the map shows it, its hromadas coloured by need
        links["hromadas"] = _query("/map", oblast=region.code, hromadas="need")
        links["partnered"] = _query("/map", oblast=region.code)
    for group in WAR_GROUPS:
        statuses = tuple(str(s) for s in GROUP_STATUSES[group])
        links[group] = _query("/api/municipalities", **units, war_status=statuses)
        links[f"{group}_partnered"] = _query(
            "/api/municipalities", **units, war_status=statuses, has_partner="true"
        )
    return links


def _front_chart(figures: Coverage, lang: locale.Lang) -> list[charts.StackedBar]:
    rows = []
    for oblast in figures.oblasts:
        total = sum(oblast.by_war_status[g].hromadas for g in FRONT_GROUPS)
        partnered = sum(oblast.by_war_status[g].partnered for g in FRONT_GROUPS)
        if total:
            href = _query("/map", oblast=oblast.code, hromadas="war")
            parts = [("partnered", partnered), ("none", total - partnered)]
            rows.append((_name(oblast.names, lang), href, parts))
    rows.sort(key=lambda r: (-sum(n for _, n in r[2]), r[0]))
    return charts.stacked_bars(rows)


def _land_chart(figures: Coverage, lang: locale.Lang) -> list[charts.StackedBar]:
    lands = sorted(figures.lands, key=lambda land: (-land.partnerships, land.code))
    # Länder keep their German name for Ukrainian readers (in Latin script, marked as German)
    return charts.stacked_bars(
        [
            (
                _name(land.names, lang),
                _query("/map", land=land.code),
                [(t.code, land.by_kind[t.code]) for t in KINDS],
            )
            for land in lands
        ],
        lang=None if lang == "en" else "de",
    )


@get("/coverage", sync_to_thread=True, include_in_schema=False)
def coverage_page(request: Request[Any, Any, Any], session: DbSession) -> Template:
    """Show how many hromadas have a German partner, per oblast, raion and war status; partnerships per
    Land by level and kind; and the growth by start year, each with a chart and every figure linked."""
    lang, set_cookie = page_lang(request)
    figures = coverage(session)
    kind_labels = labels(KINDS, lang)
    return render(
        request, lang, set_cookie, "coverage.html",
        {
            "c": texts(lang),
            "figures": figures,
            "name": lambda names: _name(names, lang),
            "links": region_links,
            "groups": WAR_GROUPS,
            "front": _front_chart(figures, lang),
            "lands": _land_chart(figures, lang),
            "lands_by_total": sorted(figures.lands, key=lambda land: (-land.partnerships, land.code)),
            "kinds": [(t.code, kind_labels[t.code], t.color) for t in KINDS],
            "years": charts.year_chart(
                [(y.year, y.count) for y in figures.years], figures.year_unknown, span=YEAR_SPAN
            ),
            "query": _query,
            "share": lambda value: locale.percent(value, lang),
            "num": _integers(lang),
            "as_of": locale.date(figures.war_status_as_of, lang),
            "idp_as_of": locale.date(figures.idp_as_of, lang),
        },
    )  # fmt: skip


@get("/statistics", include_in_schema=False)
async def statistics_page() -> Redirect:
    """The older statistics page: its figures are on the coverage dashboard now."""
    return Redirect("/coverage", status_code=301)


@get("/api/coverage", sync_to_thread=True, responses=READ, tags=TAGS)
def coverage_json(session: DbSession) -> Coverage:
    """Count the hromadas with a German partner per oblast and raion, by war status group (occupied,
    active and possible hostilities, rear), with registered IDPs (net); the partnerships per Land by the
    German partner's level and by kind; and the partnerships by start year, the undated ones counted apart.
    Every oblast, raion and Land is listed, zeros included."""
    return coverage(session)


def _csv_rows(figures: Coverage) -> Iterator[list[dict[str, Any]]]:
    rows = []
    for oblast in figures.oblasts:
        for region in (oblast, *oblast.raions):
            row: dict[str, Any] = {
                "level": region.level, "code": region.code, "oblast_code": region.oblast_code,
                "name_de": region.names.de, "name_en": region.names.en, "name_uk": region.names.uk,
                "hromadas": region.hromadas, "partnered": region.partnered, "share": round(region.share, 4),
                "idp_net": region.idp, "idp_known": region.idp_known,
            }  # fmt: skip
            for group in WAR_GROUPS:
                row[f"{group}_hromadas"] = region.by_war_status[group].hromadas
                row[f"{group}_partnered"] = region.by_war_status[group].partnered
            rows.append(row)
    yield rows


@get("/api/coverage.csv", sync_to_thread=True, media_type=CSV_TYPE, responses=COSTLY, tags=TAGS)
def coverage_csv(session: DbSession, dialect: DialectParam = "excel") -> Stream:
    """The coverage per oblast and raion as CSV: one row per oblast (or Kyiv, Sevastopol) followed by its
    raions, with the columns of `GET /api/coverage`'s regions (war status groups flattened)."""
    fields = dictionary.columns(dictionary.COVERAGE_FIELDS)
    chunks = list(export.csv_chunks(fields, _csv_rows(coverage(session)), dialect))
    return Stream(iter(chunks), media_type=CSV_TYPE, headers=attachment("coverage.csv"))


ROUTES = [coverage_json, coverage_csv]
PAGES = [coverage_page, statistics_page]
