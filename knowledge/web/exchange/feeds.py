"""Atom feeds of searches, filtered views and themes.

Feed readers cannot log in, so these endpoints are open to the login check
(OPEN_ENDPOINTS in knowledge/web/__init__.py) and authenticate here instead: with the
personal feed token in `?token=`, or else with the browser's ordinary login.
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, request, url_for

from ...exchange import collections as collections_domain
from ...exchange.feeds import atom_feed, user_for_feed_token
from ...exchange.saved_search import describe_query, normalise_query, query_pairs, run_saved_search
from ...taxonomy.reference import current_taxonomy
from ...cases.validation import ValidationError
from ..support import actor, get_db, search_index

bp = Blueprint("feeds", __name__, url_prefix="/feeds")

FEED_SIZE = 50


class _Refused(Exception):
    def __init__(self, response):
        self.response = response


def _reader():
    """The person reading: by feed token, or by login; otherwise an answer to send back."""
    token = request.args.get("token", "")
    if token:
        user = user_for_feed_token(get_db(), token)
        if user is None:
            raise _Refused(Response("Flödesnyckeln är ogiltig eller spärrad. Skapa en ny under "
                                    "Bevakningar och e-post i Erfarenhetsbanken.\n",
                                    status=401, mimetype="text/plain"))
        return user
    user = actor()
    if user is None:
        # Flask-Login's own answer (a redirect to the login page), as for any page.
        raise _Refused(current_app.login_manager.unauthorized())  # type: ignore[attr-defined]
    return user


@bp.errorhandler(_Refused)
def _refused(error: _Refused):
    return error.response


@bp.route("/search")
def search_feed():
    _reader()  # only published cases are in search results, which every reader may see
    db = get_db()
    taxonomy = current_taxonomy(db)
    raw = urlencode([(k, v) for k, v in request.args.items(multi=True) if k != "token"])
    try:
        query = normalise_query(raw, taxonomy) if query_pairs(raw) else ""
    except ValidationError as error:
        return Response("\n".join(e.message for e in error.errors) + "\n", status=400,
                        mimetype="text/plain")
    cases = run_saved_search(search_index(), db, taxonomy, query, limit=FEED_SIZE)
    page_url = url_for("cases.list_cases", _external=True) + (f"?{query}" if query else "")
    self_url = url_for("feeds.search_feed", _external=True) + (f"?{query}" if query else "")
    body = atom_feed(feed_id=self_url,
                     title=f"Erfarenhetsbanken: {describe_query(query, taxonomy)}",
                     subtitle="Nya goda exempel som matchar sökningen, nyast först.",
                     self_url=self_url, page_url=page_url, cases=cases, case_url=_case_url)
    return _atom(body)


@bp.route("/teman/<slug>")
def collection_feed(slug: str):
    user = _reader()
    collection = collections_domain.get_collection(get_db(), user, slug)
    self_url = url_for("feeds.collection_feed", slug=slug, _external=True)
    body = atom_feed(feed_id=self_url, title=f"Erfarenhetsbanken – tema: {collection.title}",
                     subtitle="Exempel som stadsledningskontoret har samlat i temat.",
                     self_url=self_url,
                     page_url=url_for("curation.show_collection", slug=slug, _external=True),
                     cases=collections_domain.published_cases(collection), case_url=_case_url)
    return _atom(body)


def _case_url(case) -> str:
    return url_for("cases.show_case", case_id=case.id, _external=True)


def _atom(body: bytes) -> Response:
    # The token sits in the address, which must not travel on to the linked pages.
    response = Response(body, mimetype="application/atom+xml")
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
