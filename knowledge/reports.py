"""Follow-up and reporting: the yearly compilation, statistics, and exports to CSV and Excel.

Everything here reads published cases only, the same cases every logged-in person can already
search and read, so every active, logged-in user may view the compilation and the statistics
and download them (admins included). Producing a report changes nothing.

A case counts in a year when its work was going on that year: start_date ≤ 31 Dec and
(no end_date or end_date ≥ 1 Jan). A case without dates counts in the year it was published.
The search page's year facet uses the same rule (knowledge.search.documents.active_years).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Callable, Optional, Sequence

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, selectinload

from . import case_fields
from .models import Case, District, PriorityArea, User
from .permissions import require_active
from .search import ReuseCounts, SearchIndex, SearchRequest, no_reuse, search_cases
from .search.documents import active_years
from .spreadsheet import append_row, csv_row
from .taxonomy import Taxonomy, current_area_slugs, current_taxonomy
from .markdown import markdown_as_text
from .timezones import today_in_stockholm, utc_start_of
from .validation import FieldError, ValidationError

MAX_EXPORT = 5000          # rows in one search export; the file says when there were more
NOT_GIVEN = "ej-angivet"   # a case without evidence level, named as in the search facet
FIRST_YEAR, LAST_YEAR = 1990, 2100
# The case's number, the case fields the registry exports (knowledge.case_fields), a link.
EXPORT_COLUMNS = ("id", *(f.name for f in case_fields.EXPORT_FIELDS), "url")
# CSV and Excel files are read by people: their header row says what the form says. (The
# JSONL export and the API keep the field names, which is what the import reads.)
EXPORT_HEADERS = {"id": "Nummer", **{f.name: f.label for f in case_fields.EXPORT_FIELDS},
                  "url": "Länk"}
EXPORT_WIDTHS = [8, *(f.export_width for f in case_fields.EXPORT_FIELDS), 40]
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

CaseUrl = Callable[[Case], str]


def require_reader(user: Optional[User]) -> User:
    return require_active(user, "Logga in för att se uppföljningen.")


# --- the yearly compilation ------------------------------------------------------------------

@dataclass
class AreaSection:
    slug: str
    name: str
    cases: list[Case]
    evidence: dict[str, int]   # evidence slug (or NOT_GIVEN) → cases, in level order


@dataclass
class Compilation:
    year: int
    district: Optional[District]   # when the compilation is for one district
    area: Optional[PriorityArea]   # when it is for one priority area
    cases: list[Case]          # each case once
    sections: list[AreaSection]
    evidence: dict[str, int]   # over `cases`, each case once
    evidence_names: dict[str, str]

    @property
    def in_several_sections(self) -> int:
        """Cases shown under more than one area: the sections' counts add up to more."""
        seen: dict[int, int] = {}
        for section in self.sections:
            for case in section.cases:
                seen[case.id] = seen.get(case.id, 0) + 1
        return sum(1 for n in seen.values() if n > 1)


def compile_year(session: Session, user: Optional[User], year: Any, *,
                 district: Optional[str] = None, area: Optional[str] = None) -> Compilation:
    """The published cases active in `year`, grouped by (current) priority area.

    A case filed under an area of an older set counts under the areas that set was mapped to,
    as in search. A case in two areas is in both sections.
    """
    user = require_reader(user)
    taxonomy = current_taxonomy(session)
    chosen_year, chosen_district, chosen_area = _parse_choice(taxonomy, year, district, area)
    cases = _published_active_in(session, chosen_year, chosen_district)
    if chosen_area is not None:
        cases = [c for c in cases if chosen_area.slug in current_area_slugs(c.areas)]
    areas = [chosen_area] if chosen_area is not None else taxonomy.areas
    names = evidence_names(taxonomy)
    sections = []
    for priority_area in areas:
        in_area = [c for c in cases if priority_area.slug in current_area_slugs(c.areas)]
        sections.append(AreaSection(slug=priority_area.slug, name=priority_area.name,
                                    cases=in_area, evidence=_evidence_counts(in_area, names)))
    return Compilation(year=chosen_year, district=chosen_district, area=chosen_area,
                       cases=cases, sections=sections,
                       evidence=_evidence_counts(cases, names), evidence_names=names)


def report_years(session: Session, today: Optional[date] = None) -> list[int]:
    """Years worth offering in the year chooser: from the first active year to this year."""
    this_year = (today or today_in_stockholm()).year
    first = session.scalar(select(Case.start_date).where(Case.status == "published",
                                                         Case.start_date.is_not(None))
                           .order_by(Case.start_date).limit(1))
    start = min(first.year, this_year) if first else this_year
    return list(range(this_year, start - 1, -1))


def evidence_names(taxonomy: Taxonomy) -> dict[str, str]:
    return {**{level.slug: level.name for level in taxonomy.evidence_levels},
            NOT_GIVEN: "Ej angivet"}


def _parse_choice(taxonomy: Taxonomy, year: Any, district: Optional[str], area: Optional[str]
                  ) -> tuple[int, Optional[District], Optional[PriorityArea]]:
    errors = []
    try:
        chosen_year = int(str(year).strip())
        if not FIRST_YEAR <= chosen_year <= LAST_YEAR:
            raise ValueError
    except ValueError:
        chosen_year = 0
        errors.append(FieldError("year", f"År: \"{year}\" är inget årtal mellan {FIRST_YEAR} "
                                         f"och {LAST_YEAR}. Skriv t.ex. 2024."))
    chosen_district = chosen_area = None
    if district:
        chosen_district = taxonomy.find_district(district)
        if chosen_district is None:
            valid = ", ".join(d.name for d in taxonomy.districts)
            errors.append(FieldError("district", f"Stadsdelsområde: okänt värde \"{district}\". "
                                                 f"Giltiga värden: {valid}."))
    if area:
        chosen_area = taxonomy.find_area(area)
        if chosen_area is None:
            valid = "; ".join(f"{a.slug} ({a.name})" for a in taxonomy.areas)
            errors.append(FieldError("area", f"Prioriterat samverkansområde: okänt värde "
                                             f"\"{area}\". Giltiga värden: {valid}."))
    if errors:
        raise ValidationError(errors)
    return chosen_year, chosen_district, chosen_area


def _published_active_in(session: Session, year: int, district: Optional[District]
                         ) -> list[Case]:
    first, last = date(year, 1, 1), date(year, 12, 31)
    dated = and_(Case.start_date.is_not(None), Case.start_date <= last,
                 or_(Case.end_date.is_(None), Case.end_date >= first))
    # Published within the year as Stockholm counts it (times are stored in UTC).
    undated = and_(Case.start_date.is_(None), Case.published_at >= utc_start_of(first),
                   Case.published_at < utc_start_of(date(year + 1, 1, 1)))
    query = (select(Case).where(Case.status == "published", or_(dated, undated))
             .options(selectinload(Case.areas)))
    if district is not None:
        query = query.where(Case.district_id == district.id)
    return sorted(session.scalars(query), key=_reading_order)


def _reading_order(case: Case):
    return (case.home_district.position, case.home_district.name, case.title.casefold(), case.id)


def _evidence_counts(cases: Sequence[Case], names: dict[str, str]) -> dict[str, int]:
    counts = {slug: 0 for slug in names}
    for case in cases:
        slug = case.evidence_level or NOT_GIVEN
        counts[slug] = counts.get(slug, 0) + 1
    return counts


# --- statistics ------------------------------------------------------------------------------

@dataclass
class Statistics:
    total: int
    years: list[int]
    areas: list[tuple[str, str]]          # (slug, name), taxonomy order
    districts: list[tuple[str, str]]
    evidence: list[tuple[str, str]]
    by_area_year: dict[str, dict[int, int]] = field(default_factory=dict)
    by_district: dict[str, int] = field(default_factory=dict)
    by_evidence: dict[str, int] = field(default_factory=dict)
    matrix: dict[str, dict[str, int]] = field(default_factory=dict)  # district → area → n
    # (case, number of other districts that reported trying it), most reused first.
    most_reused: list[tuple[Case, int]] = field(default_factory=list)

    @property
    def gaps(self) -> list[tuple[str, str]]:
        """(district name, area name) with no published case: where experience is missing."""
        return [(d_name, a_name) for d_slug, d_name in self.districts
                for a_slug, a_name in self.areas if not self.matrix[d_slug][a_slug]]


def case_statistics(session: Session, user: Optional[User],
                    today: Optional[date] = None, *,
                    reuse_counts: ReuseCounts = no_reuse) -> Statistics:
    """Counts over all published cases. A case in two areas counts once in each area.

    `reuse_counts` gives how often each case was adopted elsewhere (the caller passes
    knowledge.exchange's, as the search index has it); without it no case is "most reused"."""
    user = require_reader(user)
    taxonomy = current_taxonomy(session)
    cases = list(session.scalars(select(Case).where(Case.status == "published")
                                 .options(selectinload(Case.areas))))
    districts = [(d.slug, d.name) for d in taxonomy.districts]
    # A case can sit in a district that is no longer active (a merge not yet re-homed).
    for case in cases:
        if (case.home_district.slug, case.home_district.name) not in districts:
            districts.append((case.home_district.slug, case.home_district.name))
    stats = Statistics(total=len(cases), years=[],
                       areas=[(a.slug, a.name) for a in taxonomy.areas], districts=districts,
                       evidence=list(evidence_names(taxonomy).items()))
    area_slugs = [slug for slug, _ in stats.areas]
    stats.by_district = {slug: 0 for slug, _ in districts}
    stats.by_evidence = {slug: 0 for slug, _ in stats.evidence}
    stats.matrix = {slug: {a: 0 for a in area_slugs} for slug, _ in districts}
    stats.by_area_year = {a: {} for a in area_slugs}
    years: set[int] = set()
    for case in cases:
        case_areas = [a for a in current_area_slugs(case.areas) if a in stats.by_area_year]
        case_years = [int(y) for y in active_years(case, today)]
        years.update(case_years)
        stats.by_district[case.home_district.slug] += 1
        stats.by_evidence[case.evidence_level or NOT_GIVEN] = (
            stats.by_evidence.get(case.evidence_level or NOT_GIVEN, 0) + 1)
        for area_slug in case_areas:
            stats.matrix[case.home_district.slug][area_slug] += 1
            for year in case_years:
                per_year = stats.by_area_year[area_slug]
                per_year[year] = per_year.get(year, 0) + 1
    reuse = reuse_counts(session, [case.id for case in cases])
    stats.most_reused = sorted(((case, reuse[case.id]) for case in cases if case.id in reuse),
                               key=lambda item: (-item[1], item[0].title))[:10]
    # Every year between the first and the last, so a year with nothing shows as nothing.
    stats.years = list(range(min(years), max(years) + 1)) if years else []
    for per_year in stats.by_area_year.values():
        for year in stats.years:
            per_year.setdefault(year, 0)
    return stats


# --- search export ---------------------------------------------------------------------------

def search_for_export(index: SearchIndex, session: Session, user: Optional[User],
                      request: SearchRequest) -> tuple[list[Case], int]:
    """All cases a search finds (at most MAX_EXPORT), in the page's order, and the total."""
    user = require_reader(user)
    request = replace(request, page=1, per_page=MAX_EXPORT)
    result = search_cases(index, session, request)
    return [found.case for found in result.results], result.total


# --- rows, CSV and Excel -----------------------------------------------------------------------

def export_row(case: Case, case_url: CaseUrl, names: dict[str, str]) -> dict[str, Any]:
    """One case as the export's columns; lists are joined with "; " as the import reads them,
    Markdown becomes plain text, places and levels are given by name."""
    row: dict[str, Any] = {"id": case.id}
    for field in case_fields.EXPORT_FIELDS:
        row[field.name] = _export_value(case, field, names)
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


def cases_csv(rows: Sequence[dict[str, Any]]) -> bytes:
    """`;`-separated UTF-8 with a BOM: what Swedish Excel opens with å, ä and ö intact."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(csv_row(EXPORT_HEADERS[column] for column in EXPORT_COLUMNS))
    for row in rows:
        writer.writerow(csv_row(row[column] for column in EXPORT_COLUMNS))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def compilation_workbook(compilation: Compilation, case_url: CaseUrl) -> bytes:
    """A summary sheet with the counts, then one sheet per priority area with its cases."""
    book = Workbook()
    summary = book.active
    summary.title = "Sammanfattning"
    levels = list(compilation.evidence_names)
    append_row(summary, ["Prioriterat samverkansområde", "Antal exempel",
                         *(compilation.evidence_names[slug] for slug in levels)])
    for section in compilation.sections:
        append_row(summary, [section.name, len(section.cases),
                             *(section.evidence[slug] for slug in levels)])
    append_row(summary, ["Alla områden (varje exempel en gång)", len(compilation.cases),
                         *(compilation.evidence[slug] for slug in levels)])
    append_row(summary, [])
    for line in compilation_notes(compilation):
        append_row(summary, [line])
    _style_header(summary, widths=[44, 14] + [18] * len(levels))
    summary.cell(row=len(compilation.sections) + 2, column=1).font = Font(bold=True)

    used: set[str] = {summary.title}
    for section in compilation.sections:
        sheet = book.create_sheet(_sheet_title(section.name, used))
        _write_cases(sheet, [export_row(c, case_url, compilation.evidence_names)
                             for c in section.cases])
    return _save(book)


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


def search_workbook(cases: Sequence[Case], total: int, description: list[str],
                    case_url: CaseUrl, names: dict[str, str]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Sökresultat"
    _write_cases(sheet, [export_row(c, case_url, names) for c in cases])
    about = book.create_sheet("Om uttaget")
    append_row(about, ["Uppgift", "Värde"])
    for line in description:
        append_row(about, line.split(": ", 1) if ": " in line else [line])
    append_row(about, ["Antal träffar", total])
    append_row(about, ["Antal rader i filen", len(cases)])
    _style_header(about, widths=[28, 80])
    return _save(book)


def _write_cases(sheet, rows: Sequence[dict[str, Any]]) -> None:
    append_row(sheet, [EXPORT_HEADERS[column] for column in EXPORT_COLUMNS])
    for row in rows:
        append_row(sheet, [row[column] for column in EXPORT_COLUMNS])
        url_cell = sheet.cell(row=sheet.max_row, column=len(EXPORT_COLUMNS))
        url_cell.hyperlink = url_cell.value
    _style_header(sheet, widths=EXPORT_WIDTHS)
    sheet.auto_filter.ref = sheet.dimensions


def _style_header(sheet, widths: Sequence[int]) -> None:
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for position, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = width


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


def _save(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
