"""What every view needs: the request's database session, the actor, and page-or-fragment."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from typing import Any, Callable, Mapping, Optional
from urllib.parse import urlencode

from flask import Response, current_app, g, redirect, render_template, request, url_for
from flask_htmx import HTMX
from flask_htmx import make_response as htmx_response
from flask_login import current_user
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from ..accounts.models import User
from ..search import SearchIndex

htmx = HTMX()


def get_db() -> Session:
    if "db" not in g:
        g.db = current_app.extensions["db_sessionmaker"]()
    return g.db


def commit_or_roll_back(response: Response) -> Response:
    """The request's one commit, after the view: the domain only flushes (knowledge/core/db.py).

    A success (2xx) or a redirect (3xx) keeps what the request did; an error answer (the
    403/404/409/422 pages, 4xx for htmx fragments and the API alike) keeps nothing. A view
    that must keep something despite an error answer commits it itself and says why (the
    failed-login count in auth.login, the refusal in the audit log). The search index hears
    of the commit through its after_commit hook (knowledge.search.sync_after_commit). An
    exception here (the commit failed) becomes the 500 page, which rolls back.
    """
    session = g.get("db")
    if session is None:
        return response
    if response.status_code < 400:
        session.commit()
    else:
        session.rollback()
    return response


def close_db(_exc: Optional[BaseException] = None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()


def search_index() -> SearchIndex:
    return current_app.extensions["search_index"]


def actor() -> Optional[User]:
    """The logged-in user as a model object (or None), for passing into the domain."""
    return current_user if current_user.is_authenticated else None


def wants_fragment() -> bool:
    """htmx swaps a part of the page, except for boosted links and history restores."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render_page(page_template: str, fragment: str, status: int = 200, **context):
    """The whole page, or for htmx the fragment the page itself includes."""
    is_fragment = wants_fragment()
    template = fragment if is_fragment else page_template
    response = current_app.make_response(
        (render_template(template, is_fragment=is_fragment, **context), status))
    # The same URL answers with a page or a fragment; caches must keep them apart.
    response.vary.add("HX-Request")
    return response


def render_invalid(render: Callable[..., Any], /, *args: Any, status: int = 422,
                   **context: Any):
    """Answer a refused write: roll back what it began, then show the page again.

    The rollback comes first, so that nothing half-written is kept whether or not the
    request commits at its end, and the page reads what is saved. `render` makes the page
    (a view's page helper, render_template or render_page) from `args` and `context`; the
    answer gets `status`: 422 for input to correct, 409 for an edit conflict.
    """
    get_db().rollback()
    response = current_app.make_response(render(*args, **context))
    response.status_code = status
    return response


def redirect_after_post(url: str):
    """See Other for a plain form post; for htmx, a full navigation to the new page."""
    if wants_fragment():
        return htmx_response(redirect=url)
    return redirect(url, code=303)


_UNSAFE_IN_URL = re.compile(r"[\x00-\x20\\\x7f]")


def safe_local_url(target: str | None, fallback: str) -> str:
    """`target` if it is a path on this site, else `fallback`: never an open redirect.

    Browsers drop tabs and new lines and read a backslash as a slash, so "/\t/evil" or
    "/\\evil" would leave the site; such targets are refused outright.
    """
    if target and target.startswith("/") and not target.startswith("//") \
            and not _UNSAFE_IN_URL.search(target) and not urlsplit(target).netloc:
        return target
    return fallback


def url_with_query(endpoint: str, args: Mapping, *, external: bool = False,
                   **overrides: Any) -> str:
    """`endpoint`'s URL with the request's arguments (and `overrides`) as its query string.

    Never `url_for(endpoint, **request.args)`: url_for reads keywords such as `_anchor`,
    `_external`, `_scheme` and `_method` itself, so /cases?_external=1 would reach it as an
    instruction, not a search parameter.
    """
    items = args.items(multi=True) if isinstance(args, MultiDict) else args.items()
    pairs: list[tuple[str, Any]] = []
    for key, value in items:
        if key in overrides:
            continue
        pairs.extend((key, v) for v in (value if isinstance(value, list) else [value]))
    for key, value in overrides.items():
        if value is not None:
            pairs.extend((key, v) for v in (value if isinstance(value, list) else [value]))
    base = url_for(endpoint, _external=external)
    query = urlencode(pairs)
    return f"{base}?{query}" if query else base


def confirmed() -> bool:
    """Whether a destructive post comes from its confirmation page (see confirm_page)."""
    return request.form.get("confirmed") == "1"


def confirm_page(*, title: str, question: str, confirm_label: str, cancel_url: str,
                 consequence: str = ""):
    """Ask before an action that one click should not do: the page posts the same form
    again with confirmed=1. Call it after the permission check, so that nobody learns
    more from the question than from the refusal."""
    fields = [(name, value) for name, value in request.form.items(multi=True)
              if name not in ("csrf_token", "confirmed")]
    return render_template("confirm.html", title=title, question=question,
                           consequence=consequence, confirm_label=confirm_label,
                           cancel_url=cancel_url, fields=fields)
