"""The CSV and Excel files of the compilation and the search export, written as a stream.

Rows are read from the database in chunks and written one by one into a file (openpyxl's
write-only mode keeps only the current row), so an export's memory does not grow with its
length and its time grows linearly: 10 000 rows are as cheap per row as 100. A file holds
at most EXPORT_ROW_CAP cases and says so in the file when there were more; the export links
say the same. Files carry the cases' own text, never the search page's highlighted snippets.
"""
from __future__ import annotations

import csv
import io
from typing import Any, BinaryIO, Callable, Iterable, Iterator, Optional, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from ..cases import fields as case_fields
from ..core.markdown import markdown_as_text
from ..indicators.results import case_result
from ..cases.models import Case
from ..core.spreadsheet import csv_row, text_safe

EXPORT_ROW_CAP = 10_000    # cases in one file; the file and the export links say so
NOT_GIVEN = "ej-angivet"   # a case without evidence level, named as in the search facet
CHUNK = 500                # cases read from the database at a time
# The case's number, the case fields the registry exports (knowledge.cases.fields), whether
# its indicators show measured results and an improvement (knowledge.indicators.results: one
# row per case, so a reader can count them per area), a link.
EXPORT_COLUMNS = ("id", *(f.name for f in case_fields.EXPORT_FIELDS), "measured", "improved",
                  "url")
# CSV and Excel files are read by people: their header row says what the form says. (The
# JSONL export and the API keep the field names, which is what the import reads.)
EXPORT_HEADERS = {"id": "Nummer", **{f.name: f.label for f in case_fields.EXPORT_FIELDS},
                  "measured": "Mätta resultat",
                  "improved": "Förbättring enligt indikatorn", "url": "Länk"}
COLUMN_WIDTHS = [8, *(f.export_width for f in case_fields.EXPORT_FIELDS), 14, 16, 40]
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv"

CaseUrl = Callable[[Case], str]


def cap_note(written: int, total: int) -> Optional[str]:
    """The line a file carries when the cap left cases out."""
    if total <= written:
        return None
    return (f"Obs: filen har de {written:,} första av {total:,} exemplen (högst "
            f"{EXPORT_ROW_CAP:,} per fil). Avgränsa sökningen för att få med resten."
            ).replace(",", "\u00a0")


def cases_in_order(session: Session, ids: Sequence[int]) -> Iterator[Case]:
    """The cases with these ids, in this order, read CHUNK at a time; each chunk is let go
    of (expunged) once written, so the session does not keep every case of the export."""
    for offset in range(0, len(ids), CHUNK):
        chunk = list(ids[offset:offset + CHUNK])
        found = {case.id: case for case in session.scalars(
            select(Case).where(Case.id.in_(chunk))
            .options(selectinload(Case.areas), joinedload(Case.district)))}
        for case_id in chunk:
            if case_id in found:
                yield found[case_id]
        for case in found.values():
            session.expunge(case)


def export_row(case: Case, case_url: CaseUrl, names: dict[str, str]) -> dict[str, Any]:
    """One case as the export's columns; lists are joined with "; " as the import reads them,
    Markdown becomes plain text, places and levels are given by name."""
    row: dict[str, Any] = {"id": case.id}
    for field in case_fields.EXPORT_FIELDS:
        row[field.name] = _export_value(case, field, names)
    measured, improved = case_result(case)
    # "ja"/"nej"; whether it improved is said only of a case with measured results.
    row["measured"] = "ja" if measured else "nej"
    row["improved"] = ("ja" if improved else "nej") if measured else ""
    row["url"] = case_url(case)
    return row


def _export_value(case: Case, field: case_fields.CaseField, names: dict[str, str]) -> Any:
    if field.kind == case_fields.DISTRICT:
        return case.home_district.name
    if field.kind == case_fields.AREAS:
        return "; ".join(area.name for area in case.areas)
    if field.kind == case_fields.EVIDENCE:
        return names.get(case.evidence_level or NOT_GIVEN, case.evidence_level)
    value = getattr(case, field.name)
    if field.kind == case_fields.LIST:
        return "; ".join(value or [])
    if field.kind == case_fields.TEXT:
        return markdown_as_text(value)
    return value


# --- CSV -------------------------------------------------------------------------------------

def write_cases_csv(out: BinaryIO, cases: Iterable[Case], case_url: CaseUrl,
                    names: dict[str, str], total: Optional[int] = None) -> int:
    """`;`-separated UTF-8 with a BOM (what Swedish Excel opens with å, ä and ö intact),
    written row by row. When `total` is larger than the rows written, a last line says so.
    Returns the number of cases written."""
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    text.write("\ufeff")
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
    writer.writerow(csv_row(EXPORT_HEADERS[column] for column in EXPORT_COLUMNS))
    written = 0
    for case in cases:
        if written == EXPORT_ROW_CAP:
            break
        row = export_row(case, case_url, names)
        writer.writerow(csv_row(row[column] for column in EXPORT_COLUMNS))
        written += 1
    note = cap_note(written, total if total is not None else written)
    if note:
        writer.writerow(csv_row([note]))
    text.detach()  # the caller's file stays open
    return written


# --- Excel -----------------------------------------------------------------------------------

def new_workbook() -> Workbook:
    return Workbook(write_only=True)


def add_sheet(book: Workbook, title: str, header: Sequence[Any], widths: Sequence[int]):
    """A write-only sheet with a bold, frozen header row; widths must be set before rows."""
    sheet = book.create_sheet(title)
    for position, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = width
    sheet.freeze_panes = "A2"
    sheet.append(cells(sheet, header, bold=True))
    return sheet


def cells(sheet, values: Iterable[Any], bold: bool = False) -> list[Any]:
    """A row for a write-only sheet: strings stay text (never a formula), dates show as dates.

    Plain values are passed as they are (openpyxl stores a string as text and gives a date a
    date format itself); only what needs more becomes a cell object of its own, which is
    several times dearer per cell."""
    row: list[Any] = []
    for value in values:
        if bold or (isinstance(value, str) and value.startswith("=")):
            cell = WriteOnlyCell(sheet, value=value)
            text_safe(cell)  # openpyxl would store "=…" as a formula
            if bold:
                cell.font = Font(bold=True)
            row.append(cell)
        else:
            row.append(value)
    return row


def write_case_sheet(book: Workbook, title: str, cases: Iterable[Case], case_url: CaseUrl,
                     names: dict[str, str]) -> int:
    """A sheet of cases (at most EXPORT_ROW_CAP), each with a link to its page, filterable.
    Returns the number of cases written."""
    sheet = add_sheet(book, title, [EXPORT_HEADERS[c] for c in EXPORT_COLUMNS], COLUMN_WIDTHS)
    written = 0
    for case in cases:
        if written == EXPORT_ROW_CAP:
            break
        row = export_row(case, case_url, names)
        line = cells(sheet, [row[column] for column in EXPORT_COLUMNS])
        link = line[-1] = WriteOnlyCell(sheet, value=row["url"])
        link.data_type = "s"
        link.hyperlink = row["url"]
        sheet.append(line)
        written += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(EXPORT_COLUMNS))}{written + 1}"
    return written


def save(book: Workbook, out: BinaryIO) -> None:
    book.save(out)
