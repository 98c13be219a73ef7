"""Case pages: list, read, write, submit."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, request, url_for

from ..cases import lifecycle as domain
from .. import search
from ..cases.edit_conflicts import EditConflict, parse_version
from ..taxonomy.models import EvidenceLevel, PriorityArea
from ..accounts.permissions import can_edit_case, require_author_role
from ..taxonomy.reference import current_area_slugs, current_taxonomy
from ..cases.fields import AREAS, BY_NAME, FORM_FIELDS, INDICATORS_FORM_AFTER, LABELS, form_sections
from ..cases.validation import ValidationError, strip_control
from . import searching
from ..indicators.data import DIRECTIONS
from .indicator_form import indicators_from_form
from .case_page import case_page, render_case_page
from .support import actor, get_db, redirect_after_post, render_invalid, render_page, search_index

bp = Blueprint("cases", __name__, url_prefix="/cases")


@bp.route("")
def list_cases():
    """The search page: free text, facets, sort and pages; htmx swaps only the results."""
    db = get_db()
    taxonomy = current_taxonomy(db)
    page = max(1, request.args.get("page", 1, type=int) or 1)
    search_request, _unknown = searching.search_request(
        request.args, taxonomy, page=page, per_page=current_app.config["PER_PAGE"])
    result = search.search_cases(search_index(), db, search_request)
    if result.pages and page > result.pages:
        # An old link or a hand-edited URL past the end shows the last page, not "Sida 9999
        # av 2" with nothing on it.
        search_request, _unknown = searching.search_request(
            request.args, taxonomy, page=result.pages, per_page=current_app.config["PER_PAGE"])
        result = search.search_cases(search_index(), db, search_request)
    return render_page("cases/list.html", "cases/_results.html", result=result,
                       facets=searching.facet_groups(result, taxonomy),
                       sort_labels=searching.SORT_LABELS,
                       notices=searching.search_notices(url_for("cases.list_cases"),
                                                        request.args, result),
                       follow_target=searching.query_string_without_page(request.args))


@bp.route("/<int:case_id>")
def show_case(case_id: int):
    user = actor()
    db = get_db()
    case = domain.get_case(db, user, case_id)
    return render_case_page(case_page(case))


@bp.route("/new", methods=["GET", "POST"])
def new_case():
    db, user = get_db(), actor()
    user = require_author_role(user)
    if request.method == "GET":
        return _form_page(case=None, values={"priority_areas": []}, errors={})
    data = _form_data()
    try:
        case = domain.create_case(db, user, data, submit=_wants_submit(),
                                  allow_incomplete=True)
    except ValidationError as error:
        # After the rollback: the page (and the names in the messages) read what is saved.
        return render_invalid(lambda error=error: _form_page(case=None, values=data,
                                                 errors=_for_people(error)))
    return _saved(case)


@bp.route("/<int:case_id>/edit", methods=["GET", "POST"])
def edit_case(case_id: int):
    db, user = get_db(), actor()
    case = domain.get_case(db, user, case_id)
    if not can_edit_case(user, case):
        raise domain.PermissionDenied("Du får inte ändra det här exemplet.")
    if request.method == "GET":
        # A case filed under an older set of areas is offered the areas they map to now.
        values = {**domain.case_fields(case), "priority_areas": current_area_slugs(case.areas),
                  "version": case.version}
        return _form_page(case=case, values=values, errors={})
    data = _form_data()
    # The version the form was opened at goes back with every re-shown form, so that a
    # corrected form is still checked against what the person saw.
    values = {**data, "version": request.form.get("version", "")}
    try:
        domain.update_case(db, user, case, data, submit=_wants_submit(),
                           expected_version=parse_version(values["version"]),
                           allow_incomplete=True)
    except EditConflict as conflict:
        merged, fields = conflict.merge(data)
        return render_invalid(_form_page, case=case,
                              values={**merged, "version": conflict.current_version},
                              errors={}, conflict=conflict, conflict_fields=fields, status=409)
    except ValidationError as error:
        return render_invalid(lambda error=error: _form_page(case=case, values=values,
                                                 errors=_for_people(error)))
    return _saved(case)


@bp.route("/<int:case_id>/submit", methods=["POST"])
def submit_case(case_id: int):
    db, user = get_db(), actor()
    case = domain.get_case(db, user, case_id)
    try:
        domain.submit_case(db, user, case)
    except ValidationError as error:
        return render_invalid(lambda error=error: _form_page(
            case=case, values={**domain.case_fields(case), "version": case.version},
            errors=_for_people(error)))
    flash(saved_message(case.status, submitted=True), "success")
    return _back_to(case)


def _for_people(error: ValidationError) -> dict[str, list[str]]:
    """The errors by field, listing valid values by the names the form shows: validation
    names them "slug (name)" for imports and the API, where the slug is what one types."""
    taxonomy = current_taxonomy(get_db())
    named: list[PriorityArea | EvidenceLevel] = [*taxonomy.areas, *taxonomy.evidence_levels]
    pairs = [(f"{item.slug} ({item.name})", item.name) for item in named]
    readable = {}
    for field, messages in error.by_field().items():
        for coded, name in pairs:
            messages = [message.replace(coded, name) for message in messages]
        readable[field] = messages
    return readable


def _form_data() -> dict:
    # The fields a person edits in the form (knowledge.cases.fields); the areas are checkboxes.
    data: dict = {field: request.form.getlist(field) if BY_NAME[field].kind == AREAS
                  else strip_control(request.form.get(field, "")) for field in FORM_FIELDS}
    # The indicators are a list of records with fields of their own (knowledge.web.indicator_form).
    indicators = indicators_from_form(request.form)
    if indicators is not None:
        data["indicators"] = indicators
    return data


def _wants_submit() -> bool:
    return request.form.get("action") == "submit"


def _form_page(case, values, errors, status=200, conflict=None, conflict_fields=()):
    if isinstance(values.get("partners"), list):
        values = {**values, "partners": "\n".join(values["partners"])}
    return render_page("cases/form.html", "cases/_form.html", status=status, case=case,
                       values=values, errors=errors, labels=LABELS, sections=form_sections(),
                       indicators_after=INDICATORS_FORM_AFTER,
                       indicator_directions=DIRECTIONS,
                       taxonomy=current_taxonomy(get_db()), conflict=conflict,
                       conflict_fields=conflict_fields)


def _saved(case):
    flash(saved_message(case.status, submitted=_wants_submit()), "success")
    return _back_to(case)


def saved_message(status: str, *, submitted: bool) -> str:
    """What saving did, said for the case's status (an editor edits submitted and published
    cases too, and a returned case is seen by the editors as well as its author)."""
    if submitted:
        return ("Exemplet är skickat för granskning. Du får en notis när en redaktör har "
                "publicerat det eller återsänt det med en kommentar.")
    return {
        "draft": "Utkastet är sparat. Bara du ser det tills du skickar det för granskning.",
        "returned": "Ändringarna är sparade. Skicka exemplet för granskning igen när du är "
                    "klar.",
        "submitted": "Ändringarna är sparade. Exemplet väntar fortfarande på granskning.",
        "published": "Ändringarna är sparade och syns nu för alla.",
        "archived": "Ändringarna är sparade. Exemplet är arkiverat och syns inte i sökningen.",
    }[status]


def _back_to(case):
    return redirect_after_post(url_for("cases.show_case", case_id=case.id))
