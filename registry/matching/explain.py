"""Explanations of one pair in German and English, naming the criteria that dominate its score."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Final

import numpy as np

from registry.matching.features import MUNICIPAL_PARTNER_LEVELS

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from registry.matching.request import Request

# A criterion is named when it brings at least this share of the total score; at most MAX_REASONS,
# the largest first, so the paragraph stays short enough for a council paper.
DOMINANT_SHARE: Final = 0.15
MAX_REASONS: Final = 4

# war status -> (English, German) phrase; the order of the official list (Order No. 376).
STATUS_TEXT: Final[Mapping[str, tuple[str, str]]] = {
    "occupied": ("occupied", "besetzt"),
    "partly_occupied": ("partly occupied", "teilweise besetzt"),
    "active_hostilities": ("in the zone of active hostilities", "im Gebiet aktiver Kampfhandlungen"),
    "possible_hostilities": ("in the zone of possible hostilities", "im Gebiet möglicher Kampfhandlungen"),
    "deoccupied": ("formerly occupied, now liberated", "ehemals besetzt, inzwischen befreit"),
    "former_active_hostilities": (
        "former zone of active hostilities",
        "ehemaliges Gebiet aktiver Kampfhandlungen",
    ),
    "former_possible_hostilities": (
        "former zone of possible hostilities",
        "ehemaliges Gebiet möglicher Kampfhandlungen",
    ),
    "not_listed": ("not on the list of hostilities", "nicht auf der Liste der Kampfgebiete"),
}
# Flags that the explanation turns into a caution; "occupied" appears only when occupied ones are included.
CAUTION_FLAGS: Final = ("occupied", "partly_occupied", "active_hostilities")


def number(value: float, lang: str) -> str:
    """Format a whole number: 48,000 in English, 48.000 in German."""
    text = f"{round(value):,}"
    return text.replace(",", ".") if lang == "de" else text


def percent(share: float, lang: str) -> str:
    """Format a share as a whole percentage: 12% in English, 12 % in German."""
    return f"{round(100 * share)} %" if lang == "de" else f"{round(100 * share)}%"


def _oblast(req: Request, j: int) -> tuple[str, str, str]:
    """Name the hromada's oblast: English, German nominative, German dative ("der Oblast Odessa")."""
    f = req.f
    k = int(f.ua_oblast[j])
    if k < 0:
        return "", "", ""
    name, name_de = f.oblasts.names[k], f.oblasts.names_de[k]
    if f.oblasts.codes[k] in f.ua_index:  # Kyiv, Sevastopol: a city is its own region
        return name, name_de, name_de
    if " " in name:  # not an oblast but a region with a name of its own: the Autonomous Republic of Crimea
        # In the dative the adjective declines: "in der Autonomen Republik Krim".
        return name, name_de, f"der {name_de.replace('Autonome ', 'Autonomen ', 1)}"
    return f"{name} oblast", f"Oblast {name_de}", f"der Oblast {name_de}"


def _kreis(req: Request, i: int) -> tuple[str, str, str]:
    """Name the German entity's Kreis: English, German with article, German dative ("im Kreis Gießen")."""
    name = req.f.kreise.names[int(req.f.de_kreis[i])]
    if name.startswith(("Region ", "StädteRegion ")):
        return name, f"die {name}", f"in der {name}"
    if "kreis" in name.lower() or name.startswith("Regionalverband"):  # "Lahn-Dill-Kreis", "Vogtlandkreis"
        return name, f"der {name}", f"im {name}"
    return f"Kreis {name}", f"der Kreis {name}", f"im Kreis {name}"


def _raion(req: Request, j: int) -> tuple[str, str]:
    """Name the hromada's raion: English, German ("Rajon Tschernihiwskyj")."""
    k = int(req.f.ua_raion[j])
    if k < 0:
        return "", ""
    return f"{req.f.raions.names[k]} raion", f"Rajon {req.f.raions.names_de[k]}"


def _with_ukrainian(name: str, name_uk: str | None) -> str:
    """Put the Ukrainian name beside the Latin one, as in the pair heading: "Charkiw / Харків"."""
    return f"{name} / {name_uk}" if name_uk and name_uk != name else name


Reason = tuple[str, str]  # (English, German)


def _size(req: Request, i: int, j: int) -> Reason:
    a, b = req.f.de_population[i], req.f.ua_population[j]
    if math.isnan(a) or math.isnan(b):
        return "population unknown", "Einwohnerzahl unbekannt"
    return (
        f"similar size: {number(a, 'en')} vs {number(b, 'en')} inhabitants",
        f"ähnliche Größe: {number(a, 'de')} und {number(b, 'de')} Einwohner",
    )


def _reconstruction(req: Request, i: int, j: int) -> Reason:
    f = req.f
    status = f.ua_status[j] or ""
    en, de = STATUS_TEXT.get(status, ("war status unknown", "Kriegsstatus unbekannt"))
    if f.ua_ever_occupied[j] and status not in ("occupied", "partly_occupied", "deoccupied"):
        en, de = f"{en}, occupied in the past", f"{de}, früher besetzt"
    distance = f.ua_distance_km[j]
    if not math.isnan(distance):
        en += f", {number(distance, 'en')} km from the Russian border"
        de += f", {number(distance, 'de')} km von der russischen Grenze"
    return f"reconstruction need: {en}", f"Wiederaufbaubedarf: {de}"


def _idp(req: Request, i: int, j: int) -> Reason:
    idp, pop = req.f.ua_idp[j], req.f.ua_population[j]
    share_en = f" ({percent(idp / pop, 'en')} of its population)" if pop > 0 else ""
    share_de = f" ({percent(idp / pop, 'de')} der Einwohner)" if pop > 0 else ""
    return (
        f"hosts {number(idp, 'en')} registered IDPs{share_en}",
        f"nimmt {number(idp, 'de')} registrierte Binnenvertriebene auf{share_de}",
    )


def _declared(req: Request, i: int, j: int) -> Reason:
    f = req.f
    assert f.need_weights is not None  # a declared score > 0 implies that needs and offers exist
    assert f.offers is not None
    matched = set(f.need_weights[[j]].indices.tolist()) & set(f.offers[[i]].indices.tolist())
    labels = [
        f.category_labels.get(code, (code, code)) for code in (f.categories[c] for c in sorted(matched))
    ]
    return (
        f"declared needs matched by offers: {', '.join(en for _, en in labels)}",
        f"erklärte Bedarfe passen zu Angeboten: {', '.join(de for de, _ in labels)}",
    )


def _land_oblast(req: Request, i: int, j: int) -> Reason:
    land = req.f.lands.names[int(req.f.de_land[i])]
    oblast_en, _, oblast_de = _oblast(req, j)
    return (
        f"Land {land} has a partnership with {oblast_en}",
        f"das Land {land} hat eine Partnerschaft mit {oblast_de}",
    )


def _kreis_raion(req: Request, i: int, j: int) -> Reason:
    f = req.f
    kreis_en, kreis_de, _ = _kreis(req, i)
    if req.ties.kreis_in_raion[f.de_region[i], f.ua_region[j]]:
        raion_en, raion_de = _raion(req, j)
        return (
            f"{kreis_en} already has a partner in {raion_en}",
            f"{kreis_de} hat bereits einen Partner im {raion_de}",
        )
    oblast_en, _, oblast_de = _oblast(req, j)
    return (
        f"{kreis_en} already has a partner in {oblast_en}",
        f"{kreis_de} hat bereits einen Partner in {oblast_de}",
    )


def _neighbours(req: Request, i: int, j: int) -> Reason:
    f, ties = req.f, req.ties
    kreis_en, _, kreis_de = _kreis(req, i)
    n_o = int(ties.neighbours_in_oblast[f.de_region[i], f.ua_region[j]])
    n_r = int(ties.neighbours_in_raion[f.de_region[i], f.ua_region[j]])
    oblast_en, _, oblast_de = _oblast(req, j)
    raion_en, raion_de = _raion(req, j)
    in_raion_en = f" ({n_r} of them in {raion_en})" if n_r else ""
    in_raion_de = f" (davon {n_r} im {raion_de})" if n_r else ""
    if n_o == 1:
        return (
            f"1 other municipality of {kreis_en} already partners in {oblast_en}{in_raion_en}",
            f"1 weitere Gemeinde {kreis_de} hat bereits einen Partner in {oblast_de}{in_raion_de}",
        )
    return (
        f"{n_o} other municipalities of {kreis_en} already partner in {oblast_en}{in_raion_en}",
        f"{n_o} weitere Gemeinden {kreis_de} haben bereits Partner in {oblast_de}{in_raion_de}",
    )


def _third_partners(req: Request, i: int, j: int) -> Reason:
    f = req.f
    keys = sorted(set(f.de_third[[i]].indices.tolist()) & set(f.ua_third[[j]].indices.tolist()))
    shared = ", ".join(f.third_keys[k] for k in keys)
    return f"both partner with {shared}", f"beide sind Partner von {shared}"


def _saturation(req: Request, i: int, j: int) -> Reason:
    n = int(req.ties.german_partners[j])
    if n == 0:
        return "no German partner yet", "noch keine deutsche Partnerkommune"
    return (
        f"only {n} German partner{'s' if n > 1 else ''} so far",
        f"bisher erst {n} deutsche Partnerkommune{'n' if n > 1 else ''}",
    )


# One phrase per criterion, with the figures behind its score.
REASONS: Final[Mapping[str, Callable[[Request, int, int], Reason]]] = {
    "size": _size,
    "reconstruction": _reconstruction,
    "idp": _idp,
    "declared": _declared,
    "land_oblast": _land_oblast,
    "kreis_raion": _kreis_raion,
    "neighbours": _neighbours,
    "third_partners": _third_partners,
    "saturation": _saturation,
}


def dominant(weighted: Mapping[str, float]) -> list[str]:
    """Name the criteria that dominate a score, largest contribution first."""
    total = sum(weighted.values())
    ranked = sorted((v, -k, name) for k, (name, v) in enumerate(weighted.items()) if v > 0)
    chosen = [name for v, _, name in reversed(ranked) if v >= DOMINANT_SHARE * total]
    return chosen[:MAX_REASONS]


def used_undated_ties(req: Request, i: int, j: int) -> bool:
    """Tell whether an undated partnership counted in this pair's ties or saturation."""
    f, counted = req.f, req.ties.counted
    undated = counted & np.isnan(f.p_start_year)
    if req.ties.as_of is None or not undated.any():
        return False
    levels = np.array(f.p_de_level, dtype=object)
    same_oblast = f.p_oblast == f.ua_oblast[j]
    land = (levels == "land") & (f.p_land == f.de_land[i]) & same_oblast
    kreis_rows = (f.p_kreis == f.de_kreis[i]) & (f.de_kreis[i] >= 0) & same_oblast
    kreis = (levels == "kreis") & kreis_rows
    neighbours = np.isin(levels, list(MUNICIPAL_PARTNER_LEVELS)) & kreis_rows & (f.p_entity != i)
    partners = f.p_ua == j
    return bool((undated & (land | kreis | neighbours | partners)).any())


def pair_flags(req: Request, i: int, j: int, *, excluded: bool) -> tuple[str, ...]:
    """List the flags of a pair: war situation, unknown figures, undated ties, exclusion."""
    f = req.f
    flags: list[str] = [s for s in CAUTION_FLAGS if f.ua_status[j] == s]
    if math.isnan(f.ua_population[j]) or math.isnan(f.de_population[i]):
        flags.append("population_unknown")
    if used_undated_ties(req, i, j):
        flags.append("undated_ties")
    if excluded:
        flags.append("already_partnered")
    return tuple(flags)


def _data_dates(req: Request, flags: tuple[str, ...]) -> tuple[str, str]:
    """Say which ties count and that undated facts are the latest data (only when as_of is set)."""
    f, as_of = req.f, req.ties.as_of
    assert as_of is not None
    war, idp = f.ua_war_status_date or "?", f.ua_idp_date or "?"
    undated = "undated_ties" in flags
    return (
        f"Ties as of {as_of.isoformat()}{' (undated ties counted as existing)' if undated else ''}; "
        f"population, war status ({war}) and IDP figures ({idp}) are the latest data, not of that date.",
        f"Verbindungen zum Stand {as_of:%d.%m.%Y}"
        f"{' (undatierte Verbindungen als bestehend gezählt)' if undated else ''}; Einwohner, Kriegsstatus "
        f"({war}) und Binnenvertriebene ({idp}) nach neuestem Stand, nicht zu diesem Datum.",
    )


def describe(
    req: Request, i: int, j: int, score: float, weighted: Mapping[str, float], flags: tuple[str, ...]
) -> tuple[str, str]:
    """Write the pair's paragraph in German and English: score, dominating criteria, cautions, data dates."""
    f = req.f
    (raion_en, raion_de), (oblast_en, oblast_de, _) = _raion(req, j), _oblast(req, j)
    headings = []
    for name, raion, oblast in (
        (f.ua_names[j], raion_en, oblast_en),
        (f.ua_names_de[j], raion_de, oblast_de),
    ):
        place = ", ".join(p for p in (raion, oblast) if p and p != name)  # not "Kyiv (Kyiv)"
        hromada = _with_ukrainian(name, f.ua_names_uk[j])
        headings.append(f"{f.de_names[i]} \u2013 {hromada}{f' ({place})' if place else ''}")
    en = [f"{headings[0]}: score {score:.2f} of 1."]
    de = [f"{headings[1]}: Punktzahl {f'{score:.2f}'.replace('.', ',')} von 1."]
    reasons = [REASONS[name](req, i, j) for name in dominant(weighted)]
    if reasons:
        en.append("Main reasons: " + "; ".join(r[0] for r in reasons) + ".")
        de.append("Hauptgründe: " + "; ".join(r[1] for r in reasons) + ".")
    else:
        en.append("No criterion stands out.")
        de.append("Kein Kriterium sticht hervor.")
    for flag in flags:
        if flag in CAUTION_FLAGS:
            en.append(f"Caution: {STATUS_TEXT[flag][0]}.")
            de.append(f"Achtung: {STATUS_TEXT[flag][1]}.")
        elif flag == "already_partnered":
            en.append("Already partners: not suggested.")
            de.append("Bereits Partner: wird nicht vorgeschlagen.")
    if req.ties.as_of is not None:
        dates_en, dates_de = _data_dates(req, flags)
        en.append(dates_en)
        de.append(dates_de)
    return " ".join(de), " ".join(en)
