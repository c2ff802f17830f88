"""Codes as the exports write them, and back.

German official keys are digit strings with leading zeros (AGS ``01001000`` Flensburg, Kreis ``09162``,
Land ``09``). A CSV file cannot say "this column is text", so every program that guesses types reads
them as numbers and drops the zeros: pandas' ``read_csv`` without options gives ``1001000``, and so do
Excel, LibreOffice and R. Even a text cell of an XLSX file does not help pandas: ``read_excel`` infers
numbers from text cells too, whenever a whole column looks numeric (an export of German units only).
The tabular exports (CSV and XLSX) therefore write German keys with the prefix ``DE_``
(``DE_01001000``), as Eurostat's GISCO writes its LAU identifiers: a value no reader takes for a number,
from which the official key is the part after the prefix. KATOTTH codes (``UA63...``) and the
registry's own ids (``DE-X-...``) contain letters already and are written as they are. GeoJSON, whose
strings stay strings, holds the official key. Every code parameter of the API accepts both forms.
"""

from __future__ import annotations

from typing import Final

CSV_PREFIX: Final = "DE_"


def csv_code(code: str | None) -> str | None:
    """Return a code as CSV and XLSX exports write it: ``01001000`` -> ``DE_01001000``; others unchanged."""
    if code and code.isascii() and code.isdigit():
        return CSV_PREFIX + code
    return code


def official_code(code: str) -> str:
    """Return the official code of an exported one: ``DE_01001000`` -> ``01001000``; others unchanged."""
    rest = code.removeprefix(CSV_PREFIX)
    return rest if rest != code and rest.isascii() and rest.isdigit() else code
