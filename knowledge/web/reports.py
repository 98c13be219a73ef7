"""Follow-up pages: statistics, the yearly compilation, downloads, and restoring a revision.

Everyone logged in may view and download (it is published data, see knowledge.reports.followup);
only editors restore revisions (knowledge.cases.history).
"""
from __future__ import annotations

import tempfile

from flask import (Blueprint, copy_current_request_context, current_app, flash, make_response,
                   render_template, request, send_file, url_for)
from markupsafe import Markup

from ..cases import lifecycle as case_domain
from ..core import charts
from ..core.priority import at_low_priority
from ..districts import compilation_plans
from ..indicators import results as measured_results
from ..reports import files as report_files
from ..reports import followup as reports
from ..cases import history
from ..transfer.export_files import CSV_MIMETYPE, EXPORT_ROW_CAP, XLSX_MIMETYPE, cases_in_order
from ..reports.cache import kept
from ..transfer.export_guard import BUSY_MESSAGE, RETRY_AFTER_SECONDS, one_export_per_person
from ..accounts.permissions import require_editor
from ..taxonomy.reference import current_taxonomy
from ..core.timezones import today_in_stockholm
from ..cases.validation import ValidationError
from . import searching
from ..accounts.permissions import require_active
from .support import actor, get_db, redirect_after_post, search_index, url_with_query

bp = Blueprint("reports", __name__)


@bp.route("/statistik")
def statistics():
    stats = reports.case_statistics(get_db(), actor(),
                                     reuse_counts=search_index().reuse_counts)
    return render_template("reports/statistics.html", stats=stats,
                           charts=_statistics_charts(stats))


@bp.route("/sammanstallning")
def compilation():
    return _compilation_response(None)


@bp.route("/sammanstallning.csv")
def compilation_csv():
    return _compilation_response("csv")


@bp.route("/sammanstallning.xlsx")
def compilation_xlsx():
    return _compilation_response("xlsx")


@bp.route("/cases/export.csv")
def export_search_csv():
    return _search_export("csv")


@bp.route("/cases/export.xlsx")
def export_search_xlsx():
    return _search_export("xlsx")


@bp.route("/cases/<int:case_id>/revisions/<int:revision_id>/restore", methods=["POST"])
def restore_revision(case_id: int, revision_id: int):
    db, user = get_db(), actor()
    # The role is checked before the case is looked up, so nobody learns which ids exist.
    user = require_editor(user)
    case = case_domain.get_case(db, user, case_id)
    try:
        history.restore_revision(db, user, case, revision_id)
    except ValidationError as error:
        db.rollback()
        flash("Versionen kunde inte återställas. " + " ".join(e.message for e in error.errors),
              "error")
    else:
        flash("Den tidigare versionen är återställd och sparad som en ny version.", "success")
    return redirect_after_post(url_for("cases.show_case", case_id=case.id))


@bp.app_template_global()
def search_export_url(file_format: str) -> str:
    """The current search's download link: the same parameters as /cases, without the page."""
    endpoint = "reports.export_search_xlsx" if file_format == "xlsx" else \
        "reports.export_search_csv"
    return url_with_query(endpoint, request.args, page=None)


@bp.app_template_global()
def measured_in_words(measured: int, improved: int) -> str:
    return measured_results.in_words(measured, improved)


@bp.app_template_global()
def measured_explanation() -> str:
    return measured_results.EXPLANATION


# --- helpers ---------------------------------------------------------------------------------

def _compilation_response(file_format):
    db, user = get_db(), actor()
    # Last year by default: the yearly follow-up is written after the year has ended.
    year = request.args.get("year", "").strip() or str(today_in_stockholm().year - 1)
    district = request.args.get("district", "").strip() or None
    area = request.args.get("area", "").strip() or None
    try:
        compiled = reports.compile_year(db, user, year, district=district, area=area)
    except ValidationError as error:
        return _compilation_page(None, year, district, area, errors=error.errors), 400
    if file_format is None:
        return _compilation_page(compiled, year, district, area)
    name = "-".join(["arssammanstallning", str(compiled.year)]
                    + [chosen.slug for chosen in (compiled.district, compiled.area) if chosen])
    # The plan for the coming year travels with the workbook as its last sheet
    # (knowledge.districts.compilation_plans); reports know nothing of plans, so it is handed over.
    plan_sheet = (compilation_plans.plan_sheet(compilation_plans.year_plan(db, user, compiled.year))
                  if file_format == "xlsx" else None)
    return _export(file_format, f"{name}.{file_format}", lambda out: report_files.write_compilation(
        out, file_format, db, compiled, _case_url, last_sheet=plan_sheet))


def _compilation_page(compiled, year, district, area, errors=()):
    db = get_db()
    years = reports.report_years(db)
    if compiled is not None and compiled.year not in years:
        years = sorted({*years, compiled.year}, reverse=True)
    sections_html = _compiled_sections(db, compiled) if compiled is not None else ""
    return render_template("reports/compilation.html", compilation=compiled,
                           sections_html=sections_html,
                           taxonomy=current_taxonomy(db), years=years, errors=list(errors),
                           chosen={"year": year, "district": district or "", "area": area or ""},
                           notes=report_files.compilation_notes(compiled) if compiled else [])


# Cases shown in full per area on the compilation page. The counts always cover every case,
# and the files carry them all; a page with every case of a big year (thousands of results
# and lessons, megabytes of HTML) took seconds to build and nobody could read or print it.
PAGE_CASES_PER_AREA = 50


def _compiled_sections(db, compiled: reports.Compilation) -> Markup:
    """The cases of the compilation rendered (Markdown and all), at most PAGE_CASES_PER_AREA
    per area, kept until the next change."""
    def render() -> Markup:
        shown = {case_id for section in compiled.sections
                 for case_id in section.case_ids[:PAGE_CASES_PER_AREA]}
        cases = {case.id: case for case in cases_in_order(db, sorted(shown))}
        return Markup(render_template("reports/_sections.html", compilation=compiled,
                                      compiled_cases=cases,
                                      cases_per_area=PAGE_CASES_PER_AREA))
    key = ("compilation-html", compiled.year,
           compiled.district.id if compiled.district else None,
           compiled.area.slug if compiled.area else None)
    return kept(db, key, render, also_depends_on=reports.taxonomy_key(current_taxonomy(db)))


def _search_export(file_format: str):
    db, user = get_db(), actor()
    taxonomy = current_taxonomy(db)
    # Unknown filter values are ignored, as on the search page the link was taken from.
    search_request, _unknown = searching.search_request(request.args, taxonomy, page=1,
                                                        per_page=EXPORT_ROW_CAP)
    ids, total = report_files.search_for_export(search_index(), db, user, search_request)
    names = reports.evidence_names(taxonomy)
    stamp = today_in_stockholm().isoformat()
    sort = searching.SORT_LABELS[search_request.sort].lower()
    search_url = url_with_query("cases.list_cases", request.args, external=True)
    description = [f"Sökord: {search_request.text or '(inga)'}",
                   *(f"{searching.LEGENDS[facet]}: {', '.join(values)}"
                     for facet, values in search_request.filters.items()),
                   f"Sortering: {sort}", f"Uttaget: {stamp}", f"Sökningen: {search_url}"]
    return _export(file_format, f"sokresultat-{stamp}.{file_format}",
                   lambda out: report_files.write_search_export(out, file_format, db, ids, total,
                                                           description, _case_url, names))


def _export(file_format: str, filename: str, write):
    """Write the file into a temporary file (bounded memory), then stream it. One export at
    a time per person: a second one while the first is written is refused with 429."""
    user = require_active(actor())
    with one_export_per_person(current_app.config["EXPORT_LOCK_DIR"], user.id) as free:
        if not free:
            response = make_response(render_template(
                "error.html", status=429, message=BUSY_MESSAGE), 429)
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        out = tempfile.TemporaryFile(prefix="uttag-")
        try:
            # Written at a lower CPU priority, so that other people's searches and pages go
            # first while it is being made (knowledge.core.priority).
            at_low_priority(copy_current_request_context(lambda: write(out)))
            out.seek(0)
        except BaseException:
            out.close()
            raise
    mimetype = XLSX_MIMETYPE if file_format == "xlsx" else CSV_MIMETYPE
    # send_file streams the file in blocks and closes (so deletes) it afterwards.
    return send_file(out, mimetype=mimetype, as_attachment=True, download_name=filename,
                     max_age=0)


def _case_url(case) -> str:
    return url_for("cases.show_case", case_id=case.id, _external=True)


def _statistics_charts(stats: reports.Statistics) -> dict[str, Markup]:
    area_names = dict(stats.areas)
    evidence_names = dict(stats.evidence)
    return {
        "area_year": charts.grouped_bar_chart(
            "chart-area-year", "Exempel per prioriterat samverkansområde och år",
            "Stapeldiagram. För varje år en stapel per område med antalet publicerade "
            "exempel som pågick det året. Samma siffror finns i tabellen bredvid.",
            [str(year) for year in stats.years],
            [(area_names[slug], [stats.by_area_year[slug][y] for y in stats.years])
             for slug, _ in stats.areas]),
        "district": charts.bar_chart(
            "chart-district", "Exempel per stadsdelsområde",
            "Liggande stapeldiagram med antalet publicerade exempel i varje "
            "stadsdelsområde. Samma siffror finns i tabellen bredvid.",
            [(name, stats.by_district[slug]) for slug, name in stats.districts]),
        "evidence": charts.bar_chart(
            "chart-evidence", "Exempel per kunskapsläge",
            "Liggande stapeldiagram med antalet publicerade exempel på varje kunskapsläge. "
            "Samma siffror finns i tabellen bredvid.",
            [(evidence_names[slug], stats.by_evidence[slug]) for slug, _ in stats.evidence],
            colour=charts.PALETTE[2]),
    }
