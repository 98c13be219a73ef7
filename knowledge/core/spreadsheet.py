"""The one writer for every cell of every CSV and XLSX file the app produces.

Excel (and LibreOffice) run a cell that starts like a formula: "=HYPERLINK(…)" in a case
title, an area name or the search's own words in "Om uttaget" would become a live formula
(CSV/formula injection, OWASP). Text stays text: in CSV a leading apostrophe, which Excel
hides; in XLSX the cell's type is set to string, so nothing is added to what people read.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    text = str(value)
    # Markdown lists ("- …") get an apostrophe too, which is the price.
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_row(values: Iterable[Any]) -> list[str]:
    return [csv_cell(value) for value in values]


def append_row(sheet, values: Iterable[Any]) -> None:
    """Append a row to an openpyxl sheet; strings are always stored as text."""
    sheet.append(list(values))
    for cell in sheet[sheet.max_row]:
        text_safe(cell)


def text_safe(cell) -> None:
    """A string cell stays text and a date cell shows as a date (also for the write-only
    cells of knowledge.transfer.export_files, which never reads a sheet back)."""
    if isinstance(cell.value, str):
        cell.data_type = "s"  # openpyxl would store "=…" as a formula
    elif isinstance(cell.value, (date, datetime)):
        cell.number_format = "yyyy-mm-dd"
