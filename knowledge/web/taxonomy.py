"""The central office's taxonomy pages: revise the priority areas, merge districts."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, render_template, request, url_for

from ..taxonomy import changes
from ..cases.lifecycle import is_case_id
from ..taxonomy.models import AreaSet, District
from ..accounts.permissions import require_editor
from ..cases.validation import ValidationError
from .support import actor, confirm_page, confirmed, get_db, redirect_after_post, render_invalid

bp = Blueprint("taxonomy", __name__, url_prefix="/taxonomy")


@bp.route("")
def overview():
    require_editor(actor())
    return _overview_page({})


@bp.route("/sets", methods=["POST"])
def start_set():
    db, user = get_db(), actor()
    user = require_editor(user)
    try:
        valid_from = date.fromisoformat(request.form.get("valid_from", ""))
    except ValueError:
        valid_from = None
    try:
        area_set = changes.start_area_set(db, user, request.form.get("name", ""), valid_from,
                                          changes.parse_area_lines(request.form.get("areas", "")))
    except ValidationError as error:
        return render_invalid(_overview_page, error.by_field())
    flash("Revideringen är påbörjad. Koppla nu de nuvarande områdena till de nya.", "success")
    return redirect_after_post(url_for("taxonomy.mapping", set_id=area_set.id))


@bp.route("/sets/<int:set_id>/mapping", methods=["GET", "POST"])
def mapping(set_id: int):
    db, user = get_db(), actor()
    user = require_editor(user)
    area_set = db.get(AreaSet, set_id) or abort(404)
    if request.method == "POST":
        # An id that is no number a database holds becomes 0, which map_areas reports.
        chosen = {old.id: [int(v) if is_case_id(v) else 0
                           for v in request.form.getlist(f"map-{old.id}")]
                  for old in changes.active_area_set(db).areas}
        try:
            changes.map_areas(db, user, area_set, chosen)
        except ValidationError as error:
            return render_invalid(_mapping_page, area_set, error.by_field())
        flash("Kopplingen är sparad.", "success")
        return redirect_after_post(url_for("taxonomy.mapping", set_id=set_id))
    return _mapping_page(area_set, {})


def _mapping_page(area_set: AreaSet, errors):
    return render_template("taxonomy/mapping.html", area_set=area_set,
                           current=changes.active_area_set(get_db()), errors=errors)


@bp.route("/sets/<int:set_id>/activate", methods=["POST"])
def activate(set_id: int):
    db, user = get_db(), actor()
    user = require_editor(user)
    area_set = db.get(AreaSet, set_id) or abort(404)
    try:
        count = changes.activate_area_set(db, user, area_set)
    except ValidationError as error:
        db.rollback()
        flash(" ".join(e.message for e in error.errors), "error")
        return redirect_after_post(url_for("taxonomy.mapping", set_id=set_id))
    flash(f"{area_set.name} gäller nu. {count} publicerade exempel finns under de nya "
          "områdena.", "success")
    return redirect_after_post(url_for("taxonomy.overview"))


@bp.route("/districts/merge", methods=["POST"])
def merge():
    db, user = get_db(), actor()
    user = require_editor(user)
    values = request.form.getlist("sources")
    sources = [d for d in (db.get(District, int(v)) for v in values if is_case_id(v))
               if d is not None and d.active]
    if len(sources) != len(values):
        return render_invalid(_overview_page, {}, merge_errors={"sources": [
            "Slå ihop: ett av de valda stadsdelsområdena finns inte (längre). Ladda om sidan "
            "och välj igen."]})
    name = request.form.get("name", "").strip()
    if sources and name and not confirmed():
        names = ", ".join(d.name for d in sources)
        return confirm_page(
            title="Slå ihop stadsdelsområden?",
            question=(f"Vill du byta namn på {names} till {name}?" if len(sources) == 1
                      else f"Vill du slå ihop {names} till {name}?"),
            consequence="Exemplen flyttas och visar var de registrerades. De gamla namnen "
                        "fortsätter att fungera i adresser, filter och importer. Det går "
                        "inte att dela upp området igen härifrån.",
            confirm_label="Ja, slå ihop", cancel_url=url_for("taxonomy.overview"))
    try:
        target = changes.merge_districts(db, user, sources, name)
    except ValidationError as error:
        return render_invalid(_overview_page, {}, merge_errors=error.by_field())
    flash(f"Exemplen finns nu under {target.name}; de gamla namnen fungerar fortfarande.",
          "success")
    return redirect_after_post(url_for("taxonomy.overview"))


def _overview_page(errors, merge_errors=None, status=200):
    """The page, with each form's errors beside that form (both have a "name" field)."""
    db = get_db()
    return render_template("taxonomy/overview.html", area_sets=changes.list_area_sets(db),
                           districts=changes.list_districts(db), errors=errors,
                           merge_errors=merge_errors or {}, form=request.form), status
