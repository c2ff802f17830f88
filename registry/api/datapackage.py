"""The data dictionary: the exports' Frictionless Data Package (``/api/datapackage.json``) and the page
generated from it (``/data-dictionary``, de/en/uk)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Request, get
from litestar.params import QueryParameter
from litestar.response import Template

from registry import locale
from registry.api import dictionary
from registry.api.errors import READ
from registry.api.site import page_lang, render

TEXT_KEYS = (
    "dictionary", "dictionary_intro", "field", "type", "unit", "values", "meaning", "download", "licences",
    "sources", "filters_note",
)  # fmt: skip
# The formats each resource of the package is also served in (same columns, same filters).
FORMATS = {"partnerships": ("csv", "xlsx", "geojson"), "municipalities": ("csv", "xlsx", "geojson"),
           "coverage": ("csv",)}  # fmt: skip


@get(
    "/api/datapackage.json",
    responses=READ,
    tags=["exports"],
    media_type="application/json",
    sync_to_thread=False,
)
def datapackage(
    lang: Annotated[
        Literal["de", "en", "uk"], QueryParameter(description="language of titles and descriptions")
    ] = "en",
) -> dict[str, Any]:
    """Describe every export as a Frictionless (tabular) Data Package: each CSV file's fields with type,
    unit, code list and description, the licences and the sources. The resources' paths are relative to
    `/api/`, so `frictionless validate https://…/api/datapackage.json` checks the live files."""
    return dictionary.datapackage(lang)


@get("/data-dictionary", sync_to_thread=False, include_in_schema=False)
def dictionary_page(request: Request[Any, Any, Any]) -> Template:
    """Show every export's columns, generated from the data package, in the page's language."""
    lang, set_cookie = page_lang(request)
    package = dictionary.datapackage(lang)
    texts = {key: locale.text(lang, f"exp_{key}") for key in TEXT_KEYS}
    return render(
        request, lang, set_cookie, "data_dictionary.html",
        {"package": package, "e": texts, "formats": FORMATS},
    )  # fmt: skip


ROUTES = [datapackage]
PAGES = [dictionary_page]
