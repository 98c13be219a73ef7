"""District pages (/stadsdelar): the local agreement, cases, adoptions and "Andra har provat"."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ..districts import agreements, coordinators, pages
from ..accounts.permissions import require
from ..taxonomy.reference import current_taxonomy
from ..cases.validation import ValidationError
from .support import actor, get_db, redirect_after_post, render_invalid

bp = Blueprint("districts", __name__)


@bp.route("/stadsdelar")
def list_districts():
    return render_template("districts/list.html",
                           summaries=pages.list_districts(get_db(), actor()))


@bp.route("/stadsdelar/<slug>")
def show_district(slug: str):
    db, user = get_db(), actor()
    district = pages.find_district(db, user, slug)
    if district.slug != slug:  # an old name of a merged district, as elsewhere
        return redirect(url_for("districts.show_district", slug=district.slug), code=301)
    return render_template("districts/show.html",
                           page=pages.district_page(db, user, district),
                           history=agreements.agreement_history(db, district),
                           is_admin=bool(user and user.role == "admin"))


@bp.route("/stadsdelar/<slug>/overenskommelse", methods=["GET", "POST"])
def edit_agreement(slug: str):
    db, user = get_db(), actor()
    district = pages.find_district(db, user, slug)
    require(agreements.may_edit_agreement(db, user, district),
            "Bara stadsdelsområdets trygghetssamordnare och redaktörer får ändra den lokala "
            "överenskommelsen.")
    if district.slug != slug:
        return redirect(url_for("districts.edit_agreement", slug=district.slug), code=301)
    taxonomy = current_taxonomy(db)
    if request.method == "GET":
        chosen = agreements.chosen_areas(db, district)
        values = {"areas": [c.area.slug for c in chosen],
                  **{f"goals-{c.area.slug}": c.goals for c in chosen}}
        return _agreement_form(district, taxonomy, values, {})
    data = {"areas": request.form.getlist("areas"),
            **{f"goals-{a.slug}": request.form.get(f"goals-{a.slug}", "")
               for a in taxonomy.areas}}
    try:
        agreements.save_agreement(db, user, district, data, address=request.remote_addr or "")
    except ValidationError as error:
        return render_invalid(_agreement_form, district, taxonomy, data, error.by_field())
    flash("Den lokala överenskommelsen är sparad.", "success")
    return redirect_after_post(url_for("districts.show_district", slug=district.slug))


@bp.route("/stadsdelar/<slug>/samordnare", methods=["POST"])
def add_coordinator(slug: str):
    db, user = get_db(), actor()
    district = pages.find_district(db, user, slug)
    try:
        added = coordinators.assign_coordinator(db, user, district, request.form.get("email", ""),
                                                address=request.remote_addr or "")
    except ValidationError as error:
        db.rollback()  # the redirect below commits; nothing of the refused change is kept
        flash(" ".join(e.message for e in error.errors), "error")
    else:
        flash(f"{added.display_name} är trygghetssamordnare för {district.name}.", "success")
    return redirect_after_post(url_for("districts.show_district", slug=district.slug)
                               + "#samordnare")


@bp.route("/stadsdelar/<slug>/samordnare/<int:user_id>/ta-bort", methods=["POST"])
def remove_coordinator(slug: str, user_id: int):
    db, user = get_db(), actor()
    district = pages.find_district(db, user, slug)
    coordinators.remove_coordinator(db, user, district, user_id,
                                    address=request.remote_addr or "")
    flash("Samordnaren är borttagen från stadsdelsområdet.", "success")
    return redirect_after_post(url_for("districts.show_district", slug=district.slug)
                               + "#samordnare")


def _agreement_form(district, taxonomy, values, errors):
    return render_template("districts/agreement_form.html", district=district,
                           areas=taxonomy.areas, values=values, errors=errors)


@bp.app_template_global()
def district_url(district) -> str:
    """Where a district's name links to, wherever it is shown."""
    return url_for("districts.show_district", slug=district.slug)
