"""The central office's work: the review queue, publishing, returning, archiving, featuring."""
from __future__ import annotations

from flask import Blueprint, flash, render_template, request, url_for

from ..cases import lifecycle as domain
from ..cases import listing
from ..exchange import decisions
from ..accounts.permissions import require_editor
from ..cases.validation import ValidationError
from .case_page import case_page, render_case_page
from .support import actor, confirm_page, confirmed, get_db, redirect_after_post, render_invalid

bp = Blueprint("review", __name__)


@bp.route("/review")
def queue():
    return render_template("review/queue.html",
                           cases=listing.review_queue(get_db(), actor()))


@bp.route("/cases/<int:case_id>/publish", methods=["POST"])
def publish(case_id: int):
    db, user = get_db(), actor()
    user = require_editor(user)
    case = domain.get_case(db, user, case_id)
    try:
        decisions.publish_case(db, user, case,
                               personal_data_reason=request.form.get("personal_data_reason", ""))
    except domain.PersonalDataFound:
        return render_invalid(render_case_page, case_page(case, publish_blocked=True))
    flash("Exemplet är publicerat och syns nu för alla.", "success")
    return _back_to(case)


@bp.route("/cases/<int:case_id>/archive", methods=["POST"])
def archive(case_id: int):
    db, user = get_db(), actor()
    user = require_editor(user)
    case = domain.get_case(db, user, case_id)
    if not confirmed():
        return confirm_page(
            title="Arkivera exemplet?", question=f"Vill du arkivera ”{case.title}”?",
            consequence="Det syns då inte längre i sökningen, på startsidan eller i teman. "
                        "Du kan publicera det igen senare.",
            confirm_label="Ja, arkivera", cancel_url=url_for("cases.show_case", case_id=case.id))
    return _act(domain.archive_case, case_id,
                "Exemplet är arkiverat och syns inte längre i sökningen.")


@bp.route("/cases/<int:case_id>/feature", methods=["POST"])
def feature(case_id: int):
    return _act(domain.feature_case, case_id, "Exemplet lyfts nu fram på startsidan.",
                request.form.get("reason", ""))


@bp.route("/cases/<int:case_id>/unfeature", methods=["POST"])
def unfeature(case_id: int):
    return _act(domain.unfeature_case, case_id, "Exemplet lyfts inte längre fram.")


@bp.route("/cases/<int:case_id>/return", methods=["POST"])
def return_to_author(case_id: int):
    db, user = get_db(), actor()
    user = require_editor(user)
    case = domain.get_case(db, user, case_id)
    try:
        decisions.return_case(db, user, case, request.form.get("comment", ""))
    except ValidationError as error:
        return render_invalid(render_case_page, case_page(
            case, return_errors=error.by_field().get("comment", [])))
    flash("Exemplet är återsänt till författaren med din kommentar.", "success")
    return _back_to(case)


def _act(action, case_id: int, message: str, *args):
    db, user = get_db(), actor()
    # The role is checked before the case is looked up, so nobody learns which ids exist.
    user = require_editor(user)
    case = action(db, user, domain.get_case(db, user, case_id), *args)
    flash(message, "success")
    return _back_to(case)


def _back_to(case):
    return redirect_after_post(url_for("cases.show_case", case_id=case.id))
