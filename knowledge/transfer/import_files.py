"""Reading an import file, whatever people actually have: JSONL, CSV as Swedish Excel saves it
(UTF-8, or Windows-1252 when "CSV (semikolonavgränsad)" is chosen), or an Excel workbook.

Anything that cannot be read becomes a row error with a clear message, never a traceback:
an empty file, a binary file, a 200 000-character cell, JSON nested a hundred thousand
levels deep, a value of the wrong JSON type (reported, not converted).
"""
from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from ..cases.fields import LABELS, LIST_FIELDS

# A cell may be far longer than any field allows; validation then names the field and its
# limit instead of the csv module stopping with "field larger than field limit".
CSV_FIELD_LIMIT = 16 * 1024 * 1024
MAX_LISTED_ERRORS = 100  # the command line lists this many and counts the rest

UTF8 = "UTF-8"
CP1252 = "Windows-1252 (cp1252, vad Excel sparar som \"CSV (semikolonavgränsad)\")"
XLSX = "Excel-arbetsbok (.xlsx)"


def open_rows(path: str | Path, row_error: Callable[[int, str, str], Any]
              ) -> tuple[Iterator[tuple[int, Any]], str]:
    """(rows, what the file was read as). Rows are (line, dict) or (line, row_error(…));
    line 0 is a problem with the whole file."""
    path = Path(path)
    raw = path.read_bytes()

    def whole_file(message: str) -> Iterator[tuple[int, Any]]:
        yield 0, row_error(0, "", message)

    if raw.startswith(b"PK\x03\x04"):
        if _is_workbook(path):
            return _not_empty(_xlsx_rows(path, row_error), row_error), XLSX
        return whole_file("Filen är ett zip-arkiv, inte en Excel-arbetsbok. Importen läser "
                          "JSONL, CSV och Excel (.xlsx)."), ""
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        return whole_file("Filen är i Excels gamla format (.xls). Öppna den i Excel och spara "
                          "som Excel-arbetsbok (.xlsx) eller CSV UTF-8."), ""
    if b"\x00" in raw[:65536]:
        return whole_file("Filen är ingen textfil (den ser binär ut). Importen läser JSONL, "
                          "CSV och Excel (.xlsx)."), ""
    try:
        text, encoding = raw.decode("utf-8-sig"), UTF8  # Excel puts a BOM in front of UTF-8
    except UnicodeDecodeError:
        try:
            text, encoding = raw.decode("cp1252"), CP1252
        except UnicodeDecodeError:
            return whole_file("Filen är varken UTF-8 eller Windows-1252. Spara den som "
                              "\"CSV UTF-8 (kommaavgränsad)\" i Excel och försök igen."), ""
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json") or text.lstrip()[:1] == "{":
        return _not_empty(_jsonl_rows(text, row_error), row_error), encoding
    return _not_empty(_csv_rows(text, row_error), row_error), encoding


def _not_empty(rows: Iterable[tuple[int, Any]], row_error) -> Iterator[tuple[int, Any]]:
    empty = True
    for item in rows:
        empty = False
        yield item
    if empty:
        yield 0, row_error(0, "", "Filen är tom: den har inga rader att importera.")


def _is_workbook(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _jsonl_rows(text: str, row_error) -> Iterator[tuple[int, Any]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            yield number, row_error(number, "", f"ogiltig JSON ({error.msg}, kolumn "
                                                f"{error.colno}).")
            continue
        except RecursionError:
            yield number, row_error(number, "", "JSON-raden är nästlad för djupt; en rad är "
                                                "ett objekt med fält, listor bara i "
                                                "priority_areas och partners.")
            continue
        if not isinstance(row, dict):
            yield number, row_error(number, "", "raden måste vara ett JSON-objekt {…}.")
            continue
        problems = list(_type_problems(row))
        if problems:
            for field, message in problems:
                yield number, row_error(number, field, message)
            continue
        yield number, row


_JSON_TYPE_NAMES = {bool: "sant/falskt", int: "ett tal", float: "ett tal", dict: "ett objekt",
                    list: "en lista", str: "text"}


def _type_problems(row: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Values of the wrong JSON type, per field. They are reported, never converted: 2024
    is not "2024", and true is not a title."""
    for field, value in row.items():
        if value is None or field not in LABELS or field == "indicators":
            # Empty, or an unknown field, which validation reports by name; indicators are
            # structured and checked, numbers and all, by knowledge.indicators.data.
            continue
        label = LABELS[field]
        if field in LIST_FIELDS:
            if isinstance(value, str):
                continue  # "a; b", as in CSV
            if isinstance(value, list) and all(isinstance(item, str) for item in value):
                continue
            yield field, f"{label}: ska vara en lista med text, t.ex. [\"{field}-värde\"], " \
                         f"inte {_describe(value)}."
        elif not isinstance(value, str):
            yield field, f"{label}: ska vara text (en JSON-sträng inom \"…\"), inte " \
                         f"{_describe(value)}."


def _describe(value: Any) -> str:
    if isinstance(value, list):
        odd = next((item for item in value if not isinstance(item, str)), None)
        if odd is not None:
            return f"en lista med {_JSON_TYPE_NAMES.get(type(odd), type(odd).__name__)}"
    shown = json.dumps(value, ensure_ascii=False)
    shown = shown if len(shown) <= 40 else shown[:39] + "…"
    return f"{_JSON_TYPE_NAMES.get(type(value), type(value).__name__)} ({shown})"


def _csv_rows(text: str, row_error) -> Iterator[tuple[int, Any]]:
    header = text.split("\n", 1)[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(CSV_FIELD_LIMIT)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield line + 1, row_error(line + 1, "", f"CSV-filen går inte att läsa härifrån "
                                                    f"({error}).")
            return
        line_of_row = line + 1  # the line the record starts on (cells may span lines)
        line = reader.line_num
        if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
            continue
        if None in row:  # more cells than the header has columns
            yield line_of_row, row_error(line_of_row, "", "raden har fler celler än "
                                                          "rubrikraden.")
            continue
        # In a CSV cell, lists are separated by ';' (docs/architecture.md, "Case fields").
        yield line_of_row, {k.strip(): v for k, v in row.items() if k is not None}


def _xlsx_rows(path: Path, row_error) -> Iterator[tuple[int, Any]]:
    """The first sheet: column names in row 1, as in CSV; lists in a cell separated by ';'."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 — a damaged workbook is a message, not a crash
        yield 0, row_error(0, "", f"Excel-filen går inte att öppna ({type(error).__name__}). "
                                  "Spara den på nytt i Excel, eller som CSV UTF-8.")
        return
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            return
        names = [str(name).strip() if name is not None else "" for name in header]
        for number, values in enumerate(rows, start=2):
            cells = {name: _cell_text(value) for name, value in zip(names, values) if name}
            extra = [v for v in values[len(names):] if v not in (None, "")]
            if not any(value.strip() for value in cells.values()) and not extra:
                continue
            if extra or any(not name and value not in (None, "")
                            for name, value in zip(names, values)):
                yield number, row_error(number, "", "raden har fler celler än rubrikraden.")
                continue
            yield number, cells
    finally:
        book.close()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() \
            else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
