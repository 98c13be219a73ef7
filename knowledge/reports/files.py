"""Follow-up data as files: the search export and the yearly compilation as CSV and Excel.

Split from knowledge.reports.followup, which computes what these files write. Everyone logged
in may download them (published data only).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, BinaryIO, Optional, Sequence

from sqlalchemy.orm import Session

from ..transfer.export_files import (
    EXPORT_ROW_CAP, CaseUrl, add_sheet, cap_note, cases_in_order, cells, new_workbook,
    save, write_case_sheet, write_cases_csv,
)
from ..accounts.models import User
from ..search import SearchIndex, SearchRequest, search_case_ids
from ..indicators.results import EXPLANATION
from .followup import Compilation, require_reader


# --- search export ---------------------------------------------------------------------------

def search_for_export(index: SearchIndex, session: Session, user: Optional[User],
                      request: SearchRequest) -> tuple[list[int], int]:
    """The ids of the cases a search finds (at most EXPORT_ROW_CAP), in the page's order, and
    the total. No snippets: the files carry the cases' own text."""
    require_reader(user)
    request = replace(request, page=1, per_page=EXPORT_ROW_CAP)
    return search_case_ids(index, session, request)


def write_search_export(out: BinaryIO, file_format: str, session: Session, ids: Sequence[int],
                        total: int, description: list[str], case_url: CaseUrl,
                        names: dict[str, str]) -> None:
    """The search export as CSV or Excel into `out`, streamed from the database."""
    cases = cases_in_order(session, ids)
    if file_format == "csv":
        write_cases_csv(out, cases, case_url, names, total)
        return
    book = new_workbook()
    written = write_case_sheet(book, "Sökresultat", cases, case_url, names)
    about = add_sheet(book, "Om uttaget", ["Uppgift", "Värde"], widths=[28, 80])
    lines: list[list[Any]] = [line.split(": ", 1) if ": " in line else [line]
                              for line in description]
    lines += [["Antal träffar", total], ["Antal rader i filen", written]]
    note = cap_note(written, total)
    if note:
        lines.append([note])
    for line in lines:
        about.append(cells(about, line))
    save(book, out)


# --- the compilation as files ----------------------------------------------------------------

@dataclass(frozen=True)
class ExtraSheet:
    """A sheet another part of the app adds to a workbook (the plan for the coming year)."""
    title: str
    header: Sequence[str]
    widths: Sequence[int]
    rows: Sequence[Sequence[Any]]


def write_compilation(out: BinaryIO, file_format: str, session: Session,
                      compilation: Compilation, case_url: CaseUrl,
                      last_sheet: Optional[ExtraSheet] = None) -> None:
    """CSV: every case once. Excel: a summary sheet with the counts, then one sheet per
    priority area with its cases, then `last_sheet` if given. Either is capped at
    EXPORT_ROW_CAP cases per list."""
    names = compilation.evidence_names
    if file_format == "csv":
        write_cases_csv(out, cases_in_order(session, compilation.case_ids), case_url, names,
                        total=len(compilation.case_ids))
        return
    book = new_workbook()
    levels = list(names)
    summary = add_sheet(book, "Sammanfattning",
                        ["Prioriterat samverkansområde", "Antal exempel",
                         *(names[slug] for slug in levels), "Med mätta resultat",
                         "Varav med förbättring enligt indikatorn"],
                        widths=[44, 14] + [18] * len(levels) + [18, 24])
    for section in compilation.sections:
        summary.append(cells(summary, [section.name, len(section.case_ids),
                                       *(section.evidence[slug] for slug in levels),
                                       section.measured, section.improved]))
    summary.append(cells(summary, ["Alla områden (varje exempel en gång)",
                                   len(compilation.case_ids),
                                   *(compilation.evidence[slug] for slug in levels),
                                   compilation.measured, compilation.improved], bold=True))
    summary.append([])
    notes = compilation_notes(compilation) + [EXPLANATION]
    if any(len(section.case_ids) > EXPORT_ROW_CAP for section in compilation.sections):
        notes.append(f"Obs: varje blad har högst {EXPORT_ROW_CAP:,} exempel; ett område med "
                     "fler är avkortat. Välj ett stadsdelsområde för att få med resten."
                     .replace(",", "\u00a0"))
    for line in notes:
        summary.append(cells(summary, [line]))
    used: set[str] = {"Sammanfattning"}
    for section in compilation.sections:
        write_case_sheet(book, _sheet_title(section.name, used),
                         cases_in_order(session, section.case_ids), case_url, names)
    if last_sheet is not None:
        # Last, so the area sheets keep their places right after the summary.
        sheet = add_sheet(book, _sheet_title(last_sheet.title, used), last_sheet.header,
                          widths=last_sheet.widths)
        for row in last_sheet.rows:
            sheet.append(cells(sheet, row))
    save(book, out)


def compilation_notes(compilation: Compilation) -> list[str]:
    """What the numbers mean, written into the files beside them."""
    chosen = [f"År: {compilation.year}"]
    if compilation.district is not None:
        chosen.append(f"stadsdelsområde: {compilation.district.name}")
    if compilation.area is not None:
        chosen.append(f"område: {compilation.area.name}")
    return [
        "Årssammanställning av publicerade exempel i Erfarenhetsbanken. " + ", ".join(chosen)
        + ".",
        "Ett exempel räknas under ett år om arbetet pågick då (startdatum till slutdatum); "
        "ett exempel utan datum räknas det år det publicerades.",
        "Ett exempel med flera prioriterade samverkansområden redovisas under vart och ett "
        "av dem, så summan av områdena kan bli större än antalet exempel.",
    ]


def _sheet_title(name: str, used: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    clean = " ".join("".join(" " if ch in "[]:*?/\\" else ch for ch in name).split()) or "Blad"
    if len(clean) > 31:  # cut at a word and say so; the full name is on the summary sheet
        cut = clean[:31]
        clean = (cut.rsplit(" ", 1)[0] if " " in cut else cut)[:30] + "…"
    title, n = clean, 2
    while title.casefold() in {u.casefold() for u in used}:
        suffix = f" ({n})"
        title, n = clean[:31 - len(suffix)] + suffix, n + 1
    used.add(title)
    return title
