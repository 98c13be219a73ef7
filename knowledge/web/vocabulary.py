"""The editors' page for the search vocabulary ("Sökord och synonymer"): list, add, change,
delete, and CSV in and out. The domain (knowledge/search/vocabulary.py) flushes; these views
commit, so that a refused or invalid change leaves nothing behind."""
from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, flash, render_template, request, url_for
from sqlalchemy import select

from ..taxonomy.models import District
from ..search.models import SearchTerm
from ..accounts.models import User
from ..accounts.permissions import require_editor
from ..search import vocabulary as domain
from ..taxonomy.reference import current_taxonomy
from ..cases.validation import ValidationError
from .support import actor, get_db, redirect_after_post, render_invalid, render_page

bp = Blueprint("vocabulary", __name__, url_prefix="/sokord")

# A whole city's list is a few hundred kilobytes; anything far larger is a wrong file.
MAX_IMPORT_BYTES = 2 * 1024 * 1024
_EXPANSION_SEPARATORS = re.compile(r"[;\n]")
# The whole starter list is some 1 500 rows: one page of them would be a megabyte of HTML
# that no one reads from top to bottom. Editors filter by kind and text, or page on.
PAGE_SIZE = 100


@bp.route("")
def terms():
    db = get_db()
    require_editor(actor())
    return _list_page(db)


@bp.route("/ny", methods=["GET", "POST"])
def new_term():
    db, user = get_db(), actor()
    user = require_editor(user)
    if request.method == "GET":
        kind = request.args.get("kind", "")
        return _form(None, {"kind": kind if kind in domain.KINDS else "synonym"}, {})
    return _save(db, user, None)


@bp.route("/<int:term_id>", methods=["GET", "POST"])
def edit_term(term_id: int):
    db, user = get_db(), actor()
    user = require_editor(user)
    row = domain.get_term(db, term_id) or abort(404)
    if request.method == "GET":
        return _form(row, {"kind": row.kind, "term": row.term,
                           "expansions": "\n".join(row.expansions or []),
                           "district": row.district_slug or "", "note": row.note or ""}, {})
    return _save(db, user, row)


@bp.route("/<int:term_id>/ta-bort", methods=["GET", "POST"])
def delete_term(term_id: int):
    """GET asks (works without JavaScript), POST deletes."""
    db, user = get_db(), actor()
    user = require_editor(user)
    row = domain.get_term(db, term_id) or abort(404)
    if request.method == "GET":
        return render_template("vocabulary/delete.html", row=row, kinds=domain.KINDS,
                               district_names=_district_names(db))
    term = row.term
    domain.delete_term(db, user, term_id)
    flash(f"”{term}” är borttaget. Sökningen tar inte längre med det.", "success")
    return redirect_after_post(url_for("vocabulary.terms"))


@bp.route("/export.csv")
def export_csv():
    db = get_db()
    require_editor(actor())
    # The BOM lets Excel open the file with å, ä and ö intact; import skips it.
    body = ("\ufeff" + domain.export_csv(db)).encode("utf-8")
    response = current_app.response_class(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = "attachment; filename=sokord.csv"
    return response


@bp.route("/import", methods=["POST"])
def import_csv():
    db, user = get_db(), actor()
    user = require_editor(user)
    text, problem = _uploaded_text()
    if problem:
        return _list_page(db, import_errors=[problem], status=422)
    result = domain.import_csv(db, user, text)
    if result.errors:
        # All or nothing: the domain wrote nothing, and nothing is kept.
        return render_invalid(_list_page, db, import_errors=result.errors)
    flash(f"Importen är klar: {result.created} nya, {result.updated} ändrade, "
          f"{result.unchanged} oförändrade. Ändringarna gäller i sökningen redan nu.",
          "success")
    return redirect_after_post(url_for("vocabulary.terms"))


# --- helpers ------------------------------------------------------------------------------

def _save(db, user: User, row):
    values = {name: request.form.get(name, "") for name in domain.LABELS}
    data = domain.TermInput(
        kind=values["kind"], term=values["term"],
        expansions=[e for e in _EXPANSION_SEPARATORS.split(values["expansions"]) if e.strip()],
        district=values["district"], note=values["note"])
    try:
        saved = domain.save_term(db, user, data, term_id=row.id if row else None)
    except ValidationError as error:
        return render_invalid(_form, row, values, error.by_field())
    flash(f"”{saved.term}” är sparat och gäller i sökningen redan nu.", "success")
    # Back to the page of the list that holds the saved entry, scrolled to it.
    kind_rows = domain.list_terms(db, saved.kind)
    position = next((i for i, r in enumerate(kind_rows) if r.id == saved.id), 0)
    page = position // PAGE_SIZE + 1
    return redirect_after_post(url_for("vocabulary.terms", kind=saved.kind,
                                       page=page if page > 1 else None,
                                       _anchor=f"sokord-{saved.id}"))


def _form(row, values, errors, status=200):
    return render_page("vocabulary/form.html", "vocabulary/_form.html", status=status,
                       row=row, values=values, errors=errors, labels=domain.LABELS,
                       kinds=domain.KINDS, districts=current_taxonomy(get_db()).districts)


def _list_page(db, import_errors=None, status=200):
    kind = request.args.get("kind", "")
    kind = kind if kind in domain.KINDS else ""
    text = " ".join(request.args.get("q", "").split())[:domain.TERM_MAX]
    rows = domain.list_terms(db, kind or None, text)
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(_page_number(request.args.get("page", "")), pages)
    shown = rows[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
    return render_page("vocabulary/list.html", "vocabulary/_list.html", status=status,
                       rows=rows, groups=_by_kind(shown), kind=kind, text=text,
                       page=page, pages=pages, first=(page - 1) * PAGE_SIZE + 1,
                       last=(page - 1) * PAGE_SIZE + len(shown),
                       kinds=domain.KINDS, district_names=_district_names(db),
                       editor_names=_editor_names(db, shown),
                       import_errors=import_errors or [])


def _page_number(value: str) -> int:
    """The page asked for; anything that is not a positive number is the first page (a
    list page is no place for a 422: an old bookmark should still show something)."""
    return int(value) if value.isdigit() and 0 < int(value) < 100_000 else 1


def _by_kind(rows: list[SearchTerm]) -> list[tuple[str, list[SearchTerm]]]:
    """The rows (sorted by kind, then term) in groups, in the order the page explains them."""
    groups: dict[str, list[SearchTerm]] = {kind: [] for kind in domain.KINDS}
    for row in rows:
        groups.setdefault(row.kind, []).append(row)
    return [(kind, members) for kind, members in groups.items() if members]


def _district_names(db) -> dict[str, str]:
    # Merged districts too: a place may still point at an old slug.
    return {d.slug: d.name for d in db.scalars(select(District))}


def _editor_names(db, rows: list[SearchTerm]) -> dict[int, str]:
    ids = {row.updated_by_id for row in rows if row.updated_by_id}
    if not ids:
        return {}
    return {u.id: u.display_name for u in db.scalars(select(User).where(User.id.in_(ids)))}


def _uploaded_text() -> tuple[str, str]:
    """The uploaded file as text, or a message saying why not."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return "", "Välj en CSV-fil att importera."
    data = upload.stream.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        return "", "Filen är för stor (högst 2 MB). Är det rätt fil?"
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError:
        # Excel on Windows saves "CSV (semikolonavgränsad)" in Windows-1252, not UTF-8.
        return data.decode("cp1252", errors="replace"), ""
