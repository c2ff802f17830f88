"""The "where do I start" page: the steps from a first contact to a signed agreement, and the programmes
that support German–Ukrainian municipal partnerships, each statement with the sources it rests on.

The texts are the catalogue's (domain ``guide``); the sources are the table below, so a test can hold
every link of the page to a source the page cites. Each source was read on ``CONSULTED`` (stored copies
of the public pages); a title is given only as the page itself shows it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

from litestar import Request, get
from litestar.response import Template
from markupsafe import Markup

from registry.api.site import page_lang, render

CONSULTED: Final = dt.date(2026, 12, 4)


@dataclass(frozen=True)
class Source:
    """A public page the guide cites: where it is, who published it, its title as published."""

    key: str
    url: str
    publisher: str
    title: str | None  # None: the page's title was not seen, the link names the publisher
    lang: str  # the language of the title and the page
    consulted: dt.date = CONSULTED


@dataclass(frozen=True)
class Item:
    """A step or a programme: its catalogue messages (``guide_<key>_title`` and ``_text``) and sources."""

    key: str
    sources: tuple[str, ...]
    official: str | None = None  # a programme's own name, in German as it names itself


SOURCES: Final = (
    Source(
        "skew_solidarity",
        "https://skew.engagement-global.de/aktuelle-mitteilung/neues-angebot-solidaritaetspartnerschaften-mit-der-ukraine.html",
        "Servicestelle Kommunen in der Einen Welt (SKEW), Engagement Global",
        "Neues Angebot: Solidaritätspartnerschaften mit der Ukraine",
        "de",
    ),
    Source(
        "skew_ukraine",
        "https://skew.engagement-global.de/ukraine.html",
        "Servicestelle Kommunen in der Einen Welt (SKEW), Engagement Global",
        "Kommunalpartnerschaften mit der Ukraine",
        "de",
    ),
    Source(
        "skew_visits",
        "https://skew.engagement-global.de/im-fokus-detail/partnerkommunen-unterstuetzung-von-ukrainischen-binnenvertriebenen.html",
        "Servicestelle Kommunen in der Einen Welt (SKEW), Engagement Global",
        None,
        "de",
    ),
    Source(
        "rgre_solidarity",
        "https://www.rgre.de/aktuell/einzelansicht/meldung/solidaritaetspartnerschaften-mit-der-ukraine",
        "Rat der Gemeinden und Regionen Europas (RGRE), Deutsche Sektion",
        "Solidaritätspartnerschaften mit der Ukraine",
        "de",
    ),
    Source(
        "press_2026",
        "https://www.presseportal.de/pm/117481/6223092",
        "presseportal.de",
        "Kommunale Solidarität mit der Ukraine mehr als verdreifacht",
        "de",
    ),
    Source(
        "kpf",
        "https://skew.engagement-global.de/kleinprojektefonds.html",
        "Servicestelle Kommunen in der Einen Welt (SKEW), Engagement Global",
        "Kleinprojektefonds",
        "de",
    ),
    Source(
        "kpf_2026",
        "https://kommunen.nrw/themen/europa-und-internationales/unterstuetzung-energieversorgung-fuer-die-ukraine-und-foerderbekanntmachung-kleinprojektefonds",
        "Städte- und Gemeindebund Nordrhein-Westfalen",
        "Unterstützung Energieversorgung für die Ukraine und Förderbekanntmachung Kleinprojektefonds",
        "de",
    ),
    Source(
        "kpf_share",
        "https://kommunal-nachhaltig.de/infothek/foerderungen-beitraege/kleinprojektefonds-kommunale-entwicklungspolitik.html",
        "kommunal-nachhaltig.de",
        "Kleinprojektefonds Kommunale Entwicklungspolitik",
        "de",
    ),
    Source(
        "giz_direct",
        "https://www.giz.de/de/den-bevoelkerungsschutz-und-wiederaufbau-kommunalen-partnerschaften-unterstuetzen",
        "Deutsche Gesellschaft für Internationale Zusammenarbeit (GIZ)",
        None,
        "de",
    ),
    Source(
        "giz_interview",
        "https://akzente.giz.de/de/ukraine-wiederaufbau-kommunalpartnerschaften",
        "akzente, Deutsche Gesellschaft für Internationale Zusammenarbeit (GIZ)",
        "„Wir leisten unkompliziert und unbürokratisch Hilfe“",
        "de",
    ),
    Source(
        "giz_direct_name",
        "https://www.connective-cities.net/aktuelles/kommunen-halten-zusammen",
        "Connective Cities",
        None,
        "de",
    ),
    Source(
        "giz_direct_2024",
        "https://www.kommunen.nrw/informationen/mitteilungen/datenbank/detailansicht/dokument/programm-kommunale-partnerschaften-fuer-bevoelkerungsschutz-und-wiederaufbau-in-der-ukraine-frist.html",
        "Städte- und Gemeindebund Nordrhein-Westfalen",
        "Programm „Kommunale Partnerschaften für Bevölkerungsschutz und Wiederaufbau in der Ukraine“ "
        "– Frist 5.4.2024",
        "de",
    ),
    Source(
        "nakopa",
        "https://skew.engagement-global.de/unterstuetzung-durch-nakopa.html",
        "Servicestelle Kommunen in der Einen Welt (SKEW), Engagement Global",
        "Unterstützung durch das Projekt Nakopa",
        "de",
    ),
    Source(
        "nakopa_2016",
        "http://deutsche.in.ua/de/cms/fundraising/nakopa.html",
        "deutsche.in.ua",
        "NAKOPA",
        "de",
    ),
    Source(
        "cities4cities",
        "https://cities4cities.eu/4586",
        "Cities4Cities | United4Ukraine",
        "Cities4Cities: Municipal partnerships with Ukraine help to build more resilient future in Europe",
        "en",
    ),
    Source(
        "cemr_cities4cities",
        "https://ccre-cemr.org/?p=16531",
        "Council of European Municipalities and Regions (CEMR)",
        "Cities4Cities: a platform for European local governments to help their Ukrainian peers",
        "en",
    ),
    Source(
        "connective",
        "https://www.connective-cities.net/en/about-us/background",
        "Connective Cities",
        "Background",
        "en",
    ),
    Source(
        "connective_ukraine",
        "https://www.connective-cities.net/media-center/resilienz-aufbauen-einblicke-aus-dem-projektplanungsworkshop/",
        "Connective Cities",
        "Resilienz aufbauen: Einblicke aus dem Projektplanungsworkshop",
        "de",
    ),
    Source(
        "platform",
        "https://ukraine-wiederaufbauen.de",
        "Plattform Wiederaufbau Ukraine",
        "Gemeinsam beim Wiederaufbau unterstützen",
        "de",
    ),
    Source(
        "bmz_platform",
        "https://www.bmz.de/de/aktuelles/aktuelle-meldungen/251215-statement-global-refugee-forum-281758",
        "Bundesministerium für wirtschaftliche Zusammenarbeit und Entwicklung (BMZ)",
        "Plattform für Wiederaufbau: Unterstützung für die Ukraine weiter hoch",
        "de",
    ),
    Source(
        "aachen",
        "https://ratsinfo.aachen.de/bi/vo020?TOLFDNR=116070&VOLFDNR=26041&refresh=false",
        "Stadt Aachen, Ratsinformationssystem",
        "Solidaritätspartnerschaft Ukraine (Entscheidungsvorlage FB 01/0298/WP18)",
        "de",
    ),
    Source(
        "lueneburg",
        "https://ratsinfo.stadt.lueneburg.de/bi/to010.asp?BES=1&SILFDNR=7054&TOLFDNR=56320",
        "Hansestadt Lüneburg, Ratsinformationssystem",
        None,
        "de",
    ),
    Source(
        "lahr",
        "https://transparent.lahr.codes/file/8912",
        "transparent.lahr.codes (Stadt Lahr, Drucksache 52/2025)",
        "Solidarpartnerschaft mit der Gebietsgemeinde Kalusch in der Ukraine "
        "– unbefristete Verlängerung des Memorandums",
        "de",
    ),
    Source(
        "korosten",
        "http://golos.korosten-rada.gov.ua/?id=2532&p=khronolohiya_zasidan&sp=single",
        "Коростенська міська рада",
        "Про встановлення побратимських зв’язків між містом Коростень (Україна) та містом Бурж (Франція)",
        "uk",
    ),
    Source(
        "kropyvnytskyi",
        "https://topnews.kr.ua/society/2023/05/04/191754.html",
        "topnews.kr.ua",
        None,
        "uk",
    ),
    Source(
        "izium",
        "https://decentralization.gov.ua/news/18141",
        "Портал «Децентралізація»",
        None,
        "uk",
    ),
    Source(
        "decentralization_guide",
        "https://decentralization.ua/en/news/16041?page=3",
        "Портал «Децентралізація»",
        "International municipal partnership: methodological recommendations",
        "en",
    ),
)
SOURCE_BY_KEY: Final = {s.key: s for s in SOURCES}

STEPS: Final = (
    Item("step_find", ("skew_solidarity", "cemr_cities4cities")),
    Item("step_meet", ("skew_solidarity", "skew_visits")),
    Item("step_council_de", ("aachen", "lueneburg", "press_2026")),
    Item("step_council_ua", ("korosten", "kropyvnytskyi", "decentralization_guide")),
    Item("step_sign", ("lahr", "izium")),
    Item("step_network", ("rgre_solidarity", "skew_ukraine")),
)
PROGRAMMES: Final = (
    Item("prog_solidarity", ("skew_solidarity", "press_2026"), "Solidaritätspartnerschaften mit der Ukraine"),
    Item(
        "prog_network",
        ("skew_ukraine", "skew_solidarity", "rgre_solidarity"),
        "Netzwerk deutsch-ukrainischer kommunaler Partnerschaften",
    ),
    Item(
        "prog_small_projects",
        ("kpf", "kpf_2026", "kpf_share"),
        "Kleinprojektefonds kommunale Entwicklungspolitik",
    ),
    Item(
        "prog_direct_aid",
        ("giz_direct", "giz_interview", "giz_direct_2024", "giz_direct_name"),
        "Kommunale Direkthilfe für Solidaritätspartnerschaften mit der Ukraine",
    ),
    Item(
        "prog_nakopa",
        ("nakopa", "nakopa_2016"),
        "Nachhaltige Kommunalentwicklung durch Partnerschaftsprojekte (Nakopa)",
    ),
    Item("prog_cities4cities", ("cemr_cities4cities", "cities4cities"), None),
    Item("prog_connective", ("connective", "connective_ukraine"), None),
    Item("prog_platform", ("platform", "bmz_platform"), "Plattform Wiederaufbau Ukraine"),
)
# German places the texts name, in their German name (Latin script for every reader).
PLACES: Final = {
    "aachen": "Aachen",
    "lueneburg": "Lüneburg",
    "lahr": "Lahr",
    "trier": "Trier",
    "krefeld": "Krefeld",
    "sindelfingen": "Sindelfingen",
    "munich": "München",
}


def place(name: str) -> Markup:
    """Return a German place's name marked as German and not to be translated, for the guide's texts."""
    return Markup('<span class="place" lang="de" translate="no">{}</span>').format(name)


def cited(items: tuple[Item, ...]) -> list[dict[str, Any]]:
    """Return the items with their sources looked up, as the template shows them."""
    return [{"item": item, "sources": [SOURCE_BY_KEY[key] for key in item.sources]} for item in items]


@get("/guide", sync_to_thread=False)
def guide_page(request: Request[Any, Any, Any]) -> Template:
    """Show where a first-time office starts: the steps to a signed agreement and the support programmes."""
    lang, set_cookie = page_lang(request)
    places = {key: place(name) for key, name in PLACES.items()}
    return render(
        request, lang, set_cookie, "guide.html",
        {"steps": cited(STEPS), "programmes": cited(PROGRAMMES), "places": places, "consulted": CONSULTED},
    )  # fmt: skip
