"""Experience exchange on a case page: questions and answers, "Vi har provat detta",
bookmarks, following the case and confirming that it is still current.

Each post answers htmx with the fragment it changed and a plain form post with a redirect
back to the case (or, when the input was wrong, the case page with the errors).
The case page itself (cases.show_case) is not ours; the fragments read what they show from
the case page's view model (knowledge.web.case_page), also when a post renders one alone.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for

from ...cases import lifecycle as cases_domain
from ...exchange import adoptions, bookmarks, follows, questions, stale
from ...exchange import collections as collections_domain
from ...exchange.notifications import unread_count
from ...taxonomy.reference import current_taxonomy
from ...cases.validation import ValidationError
from ..case_page import case_page, render_case_page
from ..support import (
    actor, get_db, redirect_after_post, render_invalid, render_page, safe_local_url,
    wants_fragment,
)

bp = Blueprint("exchange", __name__)

ADOPTION_FIELDS = ("district", "context", "changes", "outcome", "status", "own_case_id")


@bp.route("/cases/<int:case_id>/fragor", methods=["POST"])
def ask(case_id: int):
    db, user = get_db(), actor()
    case = cases_domain.get_case(db, user, case_id)
    try:
        questions.ask_question(db, user, case, {"body": request.form.get("body", "")})
    except ValidationError as error:
        return render_invalid(_invalid, case, "exchange/_questions.html", question_form=(
            "new", error.by_field(), request.form.get("body", "")))
    return _changed(case, "exchange/_questions.html", "fragor",
                    "Frågan är skickad till exemplets författare och kontaktperson.")


@bp.route("/cases/<int:case_id>/fragor/<int:question_id>/svar", methods=["POST"])
def answer(case_id: int, question_id: int):
    db, user = get_db(), actor()
    case = cases_domain.get_case(db, user, case_id)
    question = questions.get_question(db, user, case, question_id)
    try:
        questions.answer_question(db, user, question, {"body": request.form.get("body", "")})
    except ValidationError as error:
        return render_invalid(_invalid, case, "exchange/_questions.html", question_form=(
            question.id, error.by_field(), request.form.get("body", "")))
    return _changed(case, "exchange/_questions.html", "fragor", "Svaret är publicerat.")


@bp.route("/cases/<int:case_id>/provat", methods=["GET", "POST"])
def report_adoption(case_id: int):
    db, user = get_db(), actor()
    case = cases_domain.get_case(db, user, case_id)
    if not adoptions.can_report(user, case):
        raise cases_domain.PermissionDenied(
            "Din roll får inte rapportera att exempel har provats.")
    if request.method == "GET":
        return _adoption_form(case, {"status": "pagar"}, {})
    data = {name: request.form.get(name, "") for name in ADOPTION_FIELDS}
    try:
        adoptions.report_adoption(db, user, case, data)
    except ValidationError as error:
        return render_invalid(_adoption_form, case, data, error.by_field())
    flash("Tack! Er erfarenhet syns nu på exemplet.", "success")
    return redirect_after_post(url_for("cases.show_case", case_id=case.id, _anchor="provat"))


def _adoption_form(case, values, errors, status=200):
    db, user = get_db(), actor()
    return render_page("exchange/adoption_form.html", "exchange/_adoption_form.html",
                       status=status, case=case, values=values, errors=errors,
                       labels=adoptions.LABELS, statuses=adoptions.STATUSES,
                       districts=current_taxonomy(db).districts,
                       own_cases=adoptions.own_cases_to_link(db, user, case))


@bp.route("/cases/<int:case_id>/provat/<int:report_id>/uppdatering", methods=["POST"])
def update_adoption(case_id: int, report_id: int):
    db, user = get_db(), actor()
    case = cases_domain.get_case(db, user, case_id)
    report = adoptions.get_report(db, user, report_id)
    if report.case_id != case.id:
        raise cases_domain.NotFound(report_id)
    data = {"body": request.form.get("body", ""), "status": request.form.get("status", "")}
    try:
        adoptions.add_update(db, user, report, data)
    except ValidationError as error:
        return render_invalid(_invalid, case, "exchange/_adoptions.html",
                              update_form=(report.id, error.by_field(), data["body"]))
    return _changed(case, "exchange/_adoptions.html", "provat", "Uppdateringen är sparad.")


@bp.route("/cases/<int:case_id>/spara", methods=["POST"])
def bookmark(case_id: int):
    db, user = get_db(), actor()
    case = cases_domain.get_case(db, user, case_id)
    saved = bookmarks.toggle_bookmark(db, user, case)
    message = ("Exemplet är sparat under Mina sparade." if saved
               else "Exemplet är borttaget från Mina sparade.")
    return _changed(case, "exchange/_bookmark.html", "", message)


@bp.route("/cases/<int:case_id>/folj", methods=["POST"])
def follow_case(case_id: int):
    db, user = get_db(), actor()
    case = cases_domain.get_case(db, user, case_id)
    following = follows.toggle_case_follow(db, user, case)
    message = ("Du följer nu exemplet och får notiser om nya svar och erfarenheter."
               if following else "Du följer inte längre exemplet.")
    return _changed(case, "exchange/_follow.html", "", message)


@bp.route("/cases/<int:case_id>/aktuell", methods=["POST"])
def confirm_current(case_id: int):
    db, user = get_db(), actor()
    case = cases_domain.get_case(db, user, case_id)
    stale.confirm_current(db, user, case, request.form.get("comment", ""))
    return _changed(case, "exchange/_stale_notice.html", "",
                    "Tack! Exemplet är markerat som aktuellt i ett år till.")


def _changed(case, fragment: str, anchor: str, message: str):
    """htmx gets the changed fragment; a plain post goes back to the case page."""
    if wants_fragment():
        return render_case_page(case_page(case), fragment, done_message=message)
    flash(message, "success")
    target = safe_local_url(request.form.get("next"),
                            url_for("cases.show_case", case_id=case.id, _anchor=anchor or None))
    return redirect(target, code=303)


def _invalid(case, fragment: str, **form_state):
    """Errors in the fragment for htmx, or in the whole case page without JavaScript (the
    caller answers 422, see render_invalid)."""
    page = case_page(case, **form_state)
    return render_case_page(page, fragment if wants_fragment() else "cases/detail.html")


# --- what the header and the start page read ---------------------------------------------

@bp.record_once
def _register_template_functions(state) -> None:
    # The case page's parts come from its view model (knowledge.web.case_page); these two
    # are on every page (the header's badge) and on the start page.
    state.app.jinja_env.globals.update(
        featured_collections=lambda: collections_domain.featured_collections(get_db()),
        unread_notifications=lambda: unread_count(get_db(), actor()),
    )
