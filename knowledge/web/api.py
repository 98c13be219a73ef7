"""JSON API, /api/v1/, with Bearer tokens (`flask --app app users token EMAIL`)."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request, url_for

from ..cases import lifecycle as domain
from .. import search
from ..accounts.permissions import PermissionDenied
from ..taxonomy.reference import current_taxonomy
from ..accounts.users import user_for_token
from . import searching
from .support import get_db, search_index

bp = Blueprint("api", __name__, url_prefix="/api/v1")
MAX_PER_PAGE = 100


class ApiError(Exception):
    def __init__(self, status: int, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.message, self.field = status, message, field


@bp.errorhandler(ApiError)
def api_error(error: ApiError):
    body = {"error": error.message}
    if error.field:
        body["field"] = error.field
    response = jsonify(body)
    response.status_code = error.status
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="erfarenhetsbanken"'
    return response


@bp.errorhandler(PermissionDenied)
def api_forbidden(error):
    return api_error(ApiError(403, str(error)))


@bp.errorhandler(domain.NotFound)
@bp.errorhandler(404)
def api_not_found(_error):
    return api_error(ApiError(404, "Exemplet finns inte eller är inte synligt för dig."))


@bp.before_request
def authenticate_token():
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "Ange en API-nyckel: Authorization: Bearer <nyckel>.")
    g.api_user = user_for_token(get_db(), token.strip())
    if g.api_user is None:
        raise ApiError(401, "API-nyckeln är ogiltig, utgången eller spärrad.")


@bp.route("/cases")
def list_cases():
    db = get_db()
    page = _int_arg("page", 1, minimum=1)
    per_page = _int_arg("per_page", 20, minimum=1, maximum=MAX_PER_PAGE)
    taxonomy = current_taxonomy(db)
    search_request, unknown = searching.search_request(request.args, taxonomy, page=page,
                                                       per_page=per_page)
    if unknown:
        field, value = unknown[0]
        valid = {"area": [a.slug for a in taxonomy.areas],
                 "district": [d.slug for d in taxonomy.districts],
                 "sort": list(search.SORTS)}[field]
        raise ApiError(400, f"{field}: okänt värde \"{value}\". Giltiga värden: "
                            f"{', '.join(valid)}.", field)
    result = search.search_cases(search_index(), db, search_request)
    return jsonify(
        total=result.total,
        page=page,
        results=[{
            "id": found.case.id,
            "external_id": found.case.external_id,
            "title": found.case.title,
            "url": url_for("cases.show_case", case_id=found.case.id, _external=True),
            "summary": found.case.summary,
            "snippet": str(found.snippet) if found.snippet else None,
            "district": found.case.home_district.slug,
            "priority_areas": [a.slug for a in found.case.areas],
            "score": found.score,
        } for found in result.results],
        facets=result.facets,
        # What the search did, so a client can tell a fallback from a match.
        suggestion=result.suggestion,
        corrected_from=result.corrected_from,
        broadened=result.broadened,
        complete=result.complete,
        expansions=result.expansions,
    )


@bp.route("/cases/<int:case_id>")
def get_case(case_id: int):
    case = domain.get_case(get_db(), g.api_user, case_id)
    body = {"id": case.id, **domain.case_fields(case),
            "url": url_for("cases.show_case", case_id=case.id, _external=True),
            "published_at": case.published_at.isoformat() if case.published_at else None,
            "updated_at": case.updated_at.isoformat(),
            # What a writing client sends back, so that it cannot overwrite changes unseen.
            "version": case.version}
    return jsonify(body)


def _int_arg(name: str, default: int, minimum: int, maximum: int | None = None) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    limits = f"minst {minimum}" + (f" och högst {maximum}" if maximum else "")
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"{name}: \"{raw}\" är inget heltal; ange ett heltal {limits}.",
                       name) from None
    if value < minimum or (maximum is not None and value > maximum):
        raise ApiError(400, f"{name}: måste vara {limits}.", name)
    return value


