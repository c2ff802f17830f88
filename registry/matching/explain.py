"""Explanations of one pair in German, English and Ukrainian, from the keyed templates of `matching.po`.

Each paragraph says where the candidate ranks, the main reasons with their figures, named ties and
their years, both sides' existing partners, cautions from the official list of hostilities, and the
sources and dates of every fact. German readers get German names (Charkiw, Oblast Saporischschja,
Rajon Nikopol), Ukrainian readers Ukrainian ones in Cyrillic; German units keep their German names.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Final

import numpy as np

from registry import locale
from registry.locale import LANGS, Lang
from registry.matching.features import MUNICIPAL_PARTNER_LEVELS
from registry.matching.wording import (
    counted,
    country_names,
    date_text,
    de_unit,
    details,
    join,
    kind_name,
    kreis_in,
    oblast_phrase,
    partner_list,
    raion_phrase,
    t,
    ua_name,
    ua_partner,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from registry.matching.request import Request

# A criterion is named when it brings at least this share of the positive contributions; at most
# MAX_REASONS, the largest first, so the paragraph stays short enough for a council paper.
DOMINANT_SHARE: Final = 0.15
MAX_REASONS: Final = 4
# The flags a suggestion can carry (the pages show each with its term, `flag_<name>` in the vocabulary):
# the war situation first; a hromada whose centre is occupied is "occupied" (the explanation says why).
CAUTION_FLAGS: Final = ("occupied", "partly_occupied", "active_hostilities")
# The official list's sections (Order No. 376) that flag active hostilities while ongoing.
ACTIVE_SECTIONS: Final = frozenset({"2_active_hostilities", "3_active_hostilities_with_state_e_resources"})
# Sections the explanation cites with their wording and date (possible hostilities: cited, not flagged).
CITED_SECTIONS: Final = frozenset({*ACTIVE_SECTIONS, "1_possible_hostilities", "4_temporarily_occupied"})


# --- one sentence per criterion --------------------------------------------------------------------------
def _population(value: float, lang: Lang) -> str:
    return "?" if math.isnan(value) else locale.number(value, lang)


def _r_size(req: Request, i: int, j: int, lang: Lang) -> str:
    f = req.f
    if math.isnan(f.de_population[i]) or math.isnan(f.ua_population[j]):
        return t(lang, "m_r_size_unknown")
    return t(
        lang,
        "m_r_size",
        de=f.de_names[i],
        pop_de=_population(f.de_population[i], lang),
        date_de=date_text(f.de_population_date[i], lang),
        ua=ua_name(req, j, lang),
        pop_ua=_population(f.ua_population[j], lang),
        date_ua=date_text(f.ua_population_date[j], lang),
    )


def _r_land_oblast(req: Request, i: int, j: int, lang: Lang) -> str:
    f = req.f
    bezirk = int(f.de_bezirk[i])
    levels = np.array(f.p_de_level, dtype=object)
    rows = [
        k
        for k in counted(req)
        if f.p_oblast[k] == f.ua_oblast[j]
        and (
            (levels[k] == "land" and f.p_land[k] == f.de_land[i])
            or (levels[k] == "bezirk" and f.p_de[k] == bezirk)
        )
    ]
    sentences = []
    for k in rows:
        planned = f.p_status[k] in ("in_preparation", "requested")
        sentences.append(
            t(
                lang,
                "m_r_region_tie_planned" if planned else "m_r_region_tie",
                who=de_unit(req, int(f.p_de[k]), lang) if f.p_de[k] >= 0 else f.lands.names[int(f.p_land[k])],
                kind=kind_name(req, k, lang),
                partner=ua_partner(req, int(f.p_ua[k]), lang)
                if f.p_ua[k] >= 0
                else oblast_phrase(req, j, lang, "with"),
                detail=details(req, k, lang, kind=False),
            )
        )
    return "; ".join(sentences)


def _r_kreis_raion(req: Request, i: int, j: int, lang: Lang) -> str:
    f = req.f
    levels = np.array(f.p_de_level, dtype=object)
    rows = [
        k
        for k in counted(req)
        if levels[k] == "kreis" and f.p_kreis[k] == f.de_kreis[i] and f.p_oblast[k] == f.ua_oblast[j]
    ]
    return "; ".join(
        t(
            lang,
            "m_r_kreis_tie",
            kreis=f.kreise.names[int(f.p_kreis[k])],
            partner=ua_partner(req, int(f.p_ua[k]), lang),
            detail=details(req, k, lang),
        )
        for k in rows
    )


def _other_towns_ties(req: Request, i: int, j: int, group: str) -> list[int]:
    """Partnerships of other towns of the same Kreis (`group` "kreis") or Land in the unit's oblast."""
    f = req.f
    same = (f.p_kreis == f.de_kreis[i]) if group == "kreis" else (f.p_land == f.de_land[i])
    municipal = np.isin(np.array(f.p_de_level, dtype=object), list(MUNICIPAL_PARTNER_LEVELS))
    chosen = (req.ties.weight > 0) & municipal & same & (f.p_oblast == f.ua_oblast[j]) & (f.p_entity != i)
    return np.flatnonzero(chosen).tolist()


def _r_neighbours(req: Request, i: int, j: int, lang: Lang) -> str:
    f = req.f
    rows = _other_towns_ties(req, i, j, "kreis")
    if not rows:
        return ""
    names = list(dict.fromkeys(f.de_names[int(f.p_de[k])] if f.p_de[k] >= 0 else "?" for k in rows))
    partners = [f"{ua_name(req, int(f.p_ua[k]), lang)}{details(req, k, lang, kind=False)}" for k in rows]
    return locale.plural(
        lang,
        "m_r_neighbours",
        len(names),
        names=join(names, lang),
        kreis_in=kreis_in(req, i, lang),
        region_in=oblast_phrase(req, j, lang, "in"),
        partners=join(partners, lang),
    )


def _r_land_neighbours(req: Request, i: int, j: int, lang: Lang) -> str:
    f = req.f
    rows = _other_towns_ties(req, i, j, "land")
    pairs = [
        f"{f.de_names[int(f.p_de[k])] if f.p_de[k] >= 0 else '?'} \u2013 {ua_name(req, int(f.p_ua[k]), lang)}"
        for k in rows
    ]
    return locale.plural(
        lang,
        "m_r_land_neighbours",
        len(pairs),
        land=f.lands.names[int(f.de_land[i])],
        region_in=oblast_phrase(req, j, lang, "in"),
        pairs=join(pairs, lang),
    )


def _r_third(req: Request, i: int, j: int, lang: Lang) -> str:
    f = req.f
    keys = sorted(
        set(f.de_third.indices[f.de_third.indptr[i] : f.de_third.indptr[i + 1]].tolist())
        & set(f.ua_third.indices[f.ua_third.indptr[j] : f.ua_third.indptr[j + 1]].tolist())
    )
    countries = country_names(lang)
    towns = [
        f"{f.third_names[k][0]} ({countries.get(f.third_names[k][1], f.third_names[k][1])})" for k in keys
    ]
    return t(lang, "m_r_third", towns=join(towns, lang))


def _r_popularity(req: Request, i: int, j: int, lang: Lang) -> str:
    n = int(req.ties.german_partners[j])
    return locale.plural(lang, "m_r_popularity", n, ua=ua_name(req, j, lang))


def _r_oblast_popularity(req: Request, i: int, j: int, lang: Lang) -> str:
    k = int(req.f.ua_oblast[j])
    n = int(req.ties.oblast_partnerships[k]) if k >= 0 else 0
    return locale.plural(lang, "m_r_oblast_popularity", n, region_in=oblast_phrase(req, j, lang, "in"))


def _km(value: float, lang: Lang) -> str:
    return "?" if math.isnan(value) else locale.number(value, lang)


def _r_distance(req: Request, i: int, j: int, lang: Lang) -> str:
    return t(lang, "m_r_distance", km=_km(req.f.ua_distance_km[j], lang))


def _r_urban(req: Request, i: int, j: int, lang: Lang) -> str:
    key = "m_r_settlement" if req.f.ua_types[j] == "settlement" else "m_r_urban"
    return t(lang, key, ua=ua_name(req, j, lang))


def _r_prominence(req: Request, i: int, j: int, lang: Lang) -> str:
    f = req.f
    rank = int(f.ua_oblast_rank[j])
    if f.ua_levels[j] == "oblast" or rank < 1:
        return ""
    key = "m_r_prominence_raion" if f.ua_levels[j] == "raion" else "m_r_prominence"
    return t(
        lang,
        f"{key}_first" if rank == 1 else key,
        ua=ua_name(req, j, lang),
        rank=locale.number(rank, lang),
        region_in=oblast_phrase(req, j, lang, "in"),
        date=date_text(f.ua_population_date[j], lang),
    )


def _r_declared(req: Request, i: int, j: int, lang: Lang) -> str:
    f = req.f
    assert f.need_weights is not None  # a declared score > 0 implies that needs and offers exist
    assert f.offers is not None
    matched = set(f.need_weights[[j]].indices.tolist()) & set(f.offers[[i]].indices.tolist())
    labels = [f.category_labels.get(f.categories[c], (f.categories[c],) * 2) for c in sorted(matched)]
    return t(lang, "m_r_declared", labels=join([de if lang == "de" else en for de, en in labels], lang))


def _war_status(req: Request, j: int, lang: Lang) -> str:
    status = req.f.ua_status[j] or "unknown"
    text = t(lang, f"m_war_{status}")
    if req.f.ua_ever_occupied[j] and status not in ("occupied", "partly_occupied", "deoccupied"):
        text = t(lang, "m_war_once_occupied", status=text)
    return text


def _r_reconstruction(req: Request, i: int, j: int, lang: Lang) -> str:
    return t(
        lang,
        "m_r_reconstruction",
        status=_war_status(req, j, lang),
        km=_km(req.f.ua_distance_km[j], lang),
    )


def _r_idp(req: Request, i: int, j: int, lang: Lang) -> str:
    f = req.f
    idp, pop = f.ua_idp[j], f.ua_population[j]
    share = locale.percent(idp / pop, lang) if pop > 0 and not math.isnan(idp) else "?"
    return t(lang, "m_r_idp", n=_population(idp, lang), share=share, date=date_text(f.ua_idp_date, lang))


def _r_saturation(req: Request, i: int, j: int, lang: Lang) -> str:
    n = int(req.ties.german_partners[j])
    if n == 0:
        return t(lang, "m_r_saturation_none")
    return locale.plural(lang, "m_r_saturation", n)


REASONS: Final = {
    "size": _r_size,
    "land_oblast": _r_land_oblast,
    "kreis_raion": _r_kreis_raion,
    "neighbours": _r_neighbours,
    "land_neighbours": _r_land_neighbours,
    "third_partners": _r_third,
    "popularity": _r_popularity,
    "oblast_popularity": _r_oblast_popularity,
    "distance": _r_distance,
    "urban": _r_urban,
    "prominence": _r_prominence,
    "declared": _r_declared,
    "reconstruction": _r_reconstruction,
    "idp": _r_idp,
    "saturation": _r_saturation,
}


# Ties are facts a council paper names whenever they count, dominant or not.
NAMED_TIES: Final = frozenset({"land_oblast", "kreis_raion", "neighbours", "third_partners"})


def dominant(weighted: Mapping[str, float]) -> list[str]:
    """Name the criteria that dominate a score, and every tie that counts; largest contribution first."""
    positive = {name: v for name, v in weighted.items() if v > 0}
    total = sum(positive.values())
    ranked = sorted(positive.items(), key=lambda item: -item[1])
    main = [name for name, v in ranked if v >= DOMINANT_SHARE * total][:MAX_REASONS]
    return [name for name, _ in ranked if name in main or name in NAMED_TIES]


# --- flags and cautions ----------------------------------------------------------------------------------
def used_undated_ties(req: Request, i: int, j: int) -> bool:
    """Tell whether an undated partnership counted in this pair's ties or counts."""
    f = req.f
    if req.ties.as_of is None:
        return False
    undated = (req.ties.weight > 0) & np.isnan(f.p_start_year)
    if not undated.any():
        return False
    same_oblast = f.p_oblast == f.ua_oblast[j]
    same_kreis = (f.p_kreis == f.de_kreis[i]) & (f.de_kreis[i] >= 0)
    related = (f.p_land == f.de_land[i]) & same_oblast | same_kreis & same_oblast | (f.p_ua == j)
    return bool((undated & related).any())


def listing(req: Request, j: int) -> tuple[str | None, str | None]:
    """The official list's current section for the unit (or its centre) and since when."""
    return req.f.ua_listing[j], req.f.ua_listing_since[j]


def pair_flags(
    req: Request, i: int, j: int, *, filters: object = None, ranked: bool = True
) -> tuple[str, ...]:
    """List the flags of a pair: war situation, unknown figures, undated ties, and why it is not ranked."""
    f = req.f
    flags: list[str] = []
    section, _ = listing(req, j)
    if f.ua_occupied[j]:
        flags.append("occupied")
    elif f.ua_status[j] == "partly_occupied":
        flags.append("partly_occupied")
    if section in ACTIVE_SECTIONS:
        flags.append("active_hostilities")
    if math.isnan(f.ua_population[j]) or math.isnan(f.de_population[i]):
        flags.append("population_unknown")
    if used_undated_ties(req, i, j):
        flags.append("undated_ties")
    if not ranked and linking_partnership(req, i, j) is not None:
        flags.append("already_partnered")  # at some level: the explanation names the partnership
    return tuple(flags)


def linking_partnership(req: Request, i: int, j: int) -> int | None:
    """The partnership that links the pair at some level, or None."""
    ties = req.ties
    hit = np.flatnonzero((ties.linked_de == i) & (ties.linked_ua == j))
    return int(ties.linked_by[hit[0]]) if hit.size else None


def _cautions(req: Request, j: int, flags: tuple[str, ...], lang: Lang) -> list[str]:
    f = req.f
    section, since = listing(req, j)
    result = []
    if f.ua_centre_occupied[j] and f.ua_status[j] != "occupied":
        result.append(
            t(lang, "m_c_centre_occupied", since=date_text(since, lang), date=date_text(f.listing_date, lang))
        )
    elif section in CITED_SECTIONS:
        result.append(
            t(
                lang,
                "m_c_listing",
                since=date_text(since, lang),
                date=date_text(f.listing_date, lang),
                official=t(lang, f"m_official_{section[0]}"),
                meaning=t(lang, f"m_meaning_{section[0]}"),
            )
        )
    elif "occupied" in flags or "partly_occupied" in flags:
        result.append(t(lang, f"m_c_{flags[0]}", date=date_text(f.ua_war_status_date, lang)))
    return result


def _sources(req: Request, i: int, j: int, lang: Lang) -> str:
    f = req.f
    items = [
        t(
            lang,
            "m_src_population",
            de_source=f.de_population_source[i] or "?",
            de_date=date_text(f.de_population_date[i], lang),
            ua_source=f.ua_population_source[j] or "?",
            ua_date=date_text(f.ua_population_date[j], lang),
        ),
        t(lang, "m_src_war", date=date_text(f.listing_date or f.ua_war_status_date, lang)),
        t(lang, "m_src_idp", date=date_text(f.ua_idp_date, lang)),
        t(lang, "m_src_partnerships"),
    ]
    if f.third_keys:
        items.append(t(lang, "m_src_third"))
    return t(lang, "m_sources", items="; ".join(items))


def describe(
    req: Request,
    i: int,
    j: int,
    rank: int | None,
    total: int,
    weighted: Mapping[str, float],
    flags: tuple[str, ...],
    *,
    show_rank: bool = True,
    why: str = "filtered",
) -> dict[Lang, str]:
    """Write the pair's paragraph in every language: rank, reasons, ties, partners, cautions, sources.

    `rank` None says why the pair is not suggested (the linking partnership, else `why`: level, occupied,
    turned_down, size or filtered); `show_rank` False leaves the rank out (a plan's assignment).
    """
    f = req.f
    texts: dict[Lang, str] = {}
    reasons = dominant(weighted)
    for lang in LANGS:
        place = ", ".join(p for p in (raion_phrase(req, j, lang), oblast_phrase(req, j, lang)) if p)
        if f.ua_levels[j] in ("oblast", "city_special_status"):
            place = ""
        ua = ua_name(req, j, lang)
        native = f.ua_names_uk[j]
        # The Ukrainian name beside the Latin one, as a council paper cites it: "Charkiw / Харків".
        heading = f"{ua} / {native}" if native and native != ua and lang != "uk" else ua
        lines = [f"{f.de_names[i]} \u2013 {heading}{f' ({place})' if place else ''}:"]
        if not show_rank:
            pass
        elif rank is not None:
            top = locale.number(100.0 * rank / max(total, 1), lang, decimals=1)
            lines.append(
                t(lang, "m_rank", rank=locale.number(rank, lang), total=locale.number(total, lang), top=top)
            )
        else:
            k = linking_partnership(req, i, j)
            if k is not None:
                pair = f"{de_unit(req, int(f.p_de[k]), lang)} \u2013 {ua_name(req, int(f.p_ua[k]), lang)}"
                tie = f"{pair}{details(req, k, lang)}"
                lines.append(t(lang, "m_linked", tie=tie))
            else:
                lines.append(t(lang, f"m_not_suggested_{why}"))
        sentences = [s for s in (REASONS[name](req, i, j, lang) for name in reasons) if s]
        lines.append(
            t(lang, "m_reasons", reasons="; ".join(sentences)) if sentences else t(lang, "m_no_reason")
        )
        ua_partners = partner_list(req, "ua", j, lang)
        de_partners = partner_list(req, "de", i, lang)
        lines.append(
            locale.plural(lang, "m_ua_partners", len(ua_partners), ua=ua, partners=join(ua_partners, lang))
            if ua_partners
            else t(lang, "m_ua_partners_none", ua=ua)
        )
        lines.append(
            locale.plural(
                lang, "m_de_partners", len(de_partners), de=f.de_names[i], partners=join(de_partners, lang)
            )
            if de_partners
            else t(lang, "m_de_partners_none", de=f.de_names[i])
        )
        lines += _cautions(req, j, flags, lang)
        if req.ties.as_of is not None:
            undated = t(lang, "m_undated_counted") if "undated_ties" in flags else ""
            lines.append(t(lang, "m_as_of", date=locale.date(req.ties.as_of, lang), undated=undated))
        lines.append(_sources(req, i, j, lang))
        texts[lang] = " ".join(lines)
    return texts
