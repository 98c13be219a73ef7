"""The yearly plan next to the compilation, and publishing the compilation to the districts."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, render_template, request, url_for

from ..districts import compilation_plans as plans
from ..accounts.permissions import require_editor
from ..cases.validation import ValidationError
from .support import actor, confirm_page, confirmed, get_db, redirect_after_post, render_invalid

bp = Blueprint("plans", __name__)


@bp.route("/sammanstallning/<int:year>/plan", methods=["GET", "POST"])
def edit_plan(year: int):
    db, user = get_db(), actor()
    require_editor(user)
    current = plans.year_plan(db, user, year)
    if request.method == "GET":
        values = {f"plan-{p.area.slug}": p.body for p in current.areas}
        return _plan_form(current, values, {})
    data = {f"plan-{p.area.slug}": request.form.get(f"plan-{p.area.slug}", "")
            for p in current.areas}
    try:
        plans.save_plan(db, user, year, data, address=request.remote_addr or "")
    except ValidationError as error:
        return render_invalid(_plan_form, current, data, error.by_field())
    flash(f"Planen för {year + 1} är sparad.", "success")
    return redirect_after_post(url_for("reports.compilation", year=year, _anchor="plan"))


@bp.route("/sammanstallning/<int:year>/publicera", methods=["POST"])
def publish(year: int):
    db, user = get_db(), actor()
    require_editor(user)
    back = url_for("reports.compilation", year=year)
    if not confirmed():
        return confirm_page(
            title=f"Publicera årssammanställningen för {year}?",
            question=f"Vill du publicera årssammanställningen för {year} till de lokala "
                     "samverkansorganisationerna?",
            consequence="Varje stadsdelsområdes trygghetssamordnare får en notis, i "
                        "Erfarenhetsbanken och i sin e-postsammanfattning, med en länk till "
                        "sitt stadsdelsområdes del. Det går inte att ta tillbaka notiserna.",
            confirm_label="Ja, publicera och meddela", cancel_url=back)
    publication, new = plans.publish_compilation(
        db, user, year, _district_part_link(year), address=request.remote_addr or "")
    if new:
        flash(f"Årssammanställningen för {year} är publicerad och trygghetssamordnarna har "
              "fått en notis.", "success")
    else:
        flash(f"Årssammanställningen för {year} var redan publicerad; ingen fick någon ny "
              "notis.", "info")
    return redirect_after_post(back)


@bp.route("/sammanstallning/<int:year>/plan.csv")
def plan_csv(year: int):
    plan = plans.year_plan(get_db(), actor(), year)
    response = current_app.response_class(plans.plan_csv(plan), mimetype="text/csv")
    response.headers["Content-Disposition"] = \
        f'attachment; filename="plan-for-{plan.plan_year}.csv"'
    return response


@bp.app_template_global()
def compilation_plan_for(year: int):
    """For the compilation page, which reports.compilation renders without the plan."""
    return plans.year_plan(get_db(), actor(), year)


@bp.app_template_global()
def compilation_plan_history(year: int):
    return plans.plan_history(get_db(), actor(), year)


def _district_part_link(year: int):
    def link(district) -> str:
        if district is None:
            return url_for("reports.compilation", year=year)
        return url_for("reports.compilation", year=year, district=district.slug)
    return link


def _plan_form(current, values, errors):
    return render_template("plans/plan_form.html", plan=current, values=values,
                           errors=errors)
