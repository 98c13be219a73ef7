"""The web layer: blueprints that read the request, call the domain and render."""
from __future__ import annotations

from datetime import datetime
from typing import Callable

from flask import Flask, g, jsonify, make_response, redirect, render_template, request, session, url_for
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFError, CSRFProtect
from markupsafe import Markup, escape
from werkzeug.exceptions import InternalServerError
from werkzeug.routing import IntegerConverter

from ..cases.lifecycle import ACTION_LABELS, MAX_ID, STATUS_LABELS, InvalidTransition, NotFound
from ..search import IndexUnavailable, warm_search
from ..core.db import begin_write
from ..core.markdown import render_markdown
from ..core.timezones import to_local, utc_iso
from ..accounts import logins
from ..audit.log import record_event
from ..accounts.permissions import PermissionDenied, is_editor
from ..accounts.users import ROLE_LABELS
from ..cases.fields import LABELS
from ..cases.validation import year_range
from .indicator_form import number_for_form
from .support import (
    actor, close_db, commit_or_roll_back, get_db, htmx, url_with_query, wants_fragment,
)

csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def init_app(app: Flask) -> None:
    from . import admin, api, auth, cases, main, observability, review, security, taxonomy

    # Ids in URLs stay within what the database can hold: /cases/99999999999999999999 is a
    # plain 404, not an overflow deep in the driver.
    app.url_map.converters["int"] = BoundedIntConverter
    htmx.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=lambda: app.config["BABEL_DEFAULT_LOCALE"])
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Logga in för att fortsätta."
    login_manager.user_loader(_load_user)
    app.after_request(commit_or_roll_back)  # the request's one commit (or its rollback)
    app.teardown_appcontext(close_db)

    from . import reports, vocabulary
    for module in (auth, main, cases, review, admin, taxonomy, vocabulary, api, reports):
        app.register_blueprint(module.bp)
    from .exchange import curation as exchange_curation, feeds as exchange_feeds
    from .exchange import pages as exchange, personal as exchange_personal
    for module in (exchange, exchange_personal, exchange_curation, exchange_feeds):
        app.register_blueprint(module.bp)
    from . import districts, plans
    app.register_blueprint(districts.bp)
    app.register_blueprint(plans.bp)
    from . import sso
    sso.init_app(app)
    app.register_blueprint(sso.bp)
    app.jinja_env.globals["sso_enabled"] = sso.sso_enabled
    app.jinja_env.globals["url_with_query"] = url_with_query
    security.init_app(app)
    observability.init_app(app)
    csrf.exempt(api.bp)  # bearer tokens, no cookies: CSRF does not apply

    app.before_request(_require_login_and_open_writes)
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["number_for_form"] = number_for_form
    app.jinja_env.globals["year_range"] = year_range
    app.jinja_env.filters["field_label"] = lambda field: LABELS.get(field, field)
    app.jinja_env.globals.update(STATUS_LABELS=STATUS_LABELS, ROLE_LABELS=ROLE_LABELS,
                                 ACTION_LABELS=ACTION_LABELS, is_editor=is_editor)

    @app.errorhandler(PermissionDenied)
    def permission_denied(error):
        _audit_refusal(str(error))
        return _error_page(403, str(error) or "Du har inte behörighet till detta.")

    @app.errorhandler(NotFound)
    @app.errorhandler(404)
    def not_found(_error):
        return _error_page(404, "Sidan eller exemplet finns inte, eller så har du inte "
                                "behörighet att se det.")

    @app.errorhandler(InvalidTransition)
    def invalid_transition(error):
        return _error_page(409, str(error))

    @app.errorhandler(IndexUnavailable)
    def index_unavailable(error):
        app.logger.error("Search index unavailable: %s", error)
        return _error_page(503, "Sökningen är tillfälligt otillgänglig. Exemplen finns kvar; "
                                "systemförvaltaren har fått en signal. Försök igen om en stund.")

    @app.errorhandler(413)
    def too_large(_error):
        limit = app.config.get("MAX_CONTENT_LENGTH") or 0
        return _error_page(413, f"Det du skickade är för stort (högst {limit / 1024 / 1024:g} "
                                "MB). Korta texten eller dela upp den och försök igen.")

    @app.errorhandler(InternalServerError)
    def server_error(_error):
        # Flask has logged the exception already. Whatever the request had begun is not
        # kept, and the page must not need the database that may have just failed.
        try:
            if g.get("db") is not None:
                g.db.rollback()
        except Exception:  # noqa: BLE001 - the session is closed at teardown anyway
            pass
        request_id = g.get("request_id", "")
        if request.path.startswith("/api/"):
            return jsonify(error="Ett oväntat fel inträffade på servern; försök igen. "
                                 f"Ange felkoden {request_id} om du kontaktar support.",
                           request_id=request_id), 500
        message = ("Något gick fel hos oss, inte hos dig. Det du gjorde sparades inte; "
                   "försök igen om en stund. Om felet kvarstår, kontakta systemförvaltaren "
                   f"och ange felkoden {request_id}.")
        try:
            return _error_page(500, message)
        except Exception:  # noqa: BLE001 - e.g. the page's menu needs the database
            app.logger.exception("The error page itself failed; answering in plain HTML")
            return (f'<!doctype html><html lang="sv"><title>Något gick fel</title>'
                    f"<h1>Något gick fel</h1><p>{escape(message)}</p></html>", 500)

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return _error_page(400, "Sidan var för gammal för att skicka. Ladda om sidan och "
                                "försök igen.")


class BoundedIntConverter(IntegerConverter):
    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


OPEN_ENDPOINTS = {"auth.login", "main.healthz", "main.accessibility", "static", "sso.start",
                  "sso.callback",
                  # Atom feeds: feed readers cannot log in; the view checks the feed token.
                  "feeds.search_feed", "feeds.collection_feed"}


PASSWORD_CHANGE_ENDPOINTS = {"auth.change_password", "auth.logout", "static",
                             "main.accessibility"}


def _require_login_and_open_writes():
    from flask_login import current_user

    if request.method in UNSAFE_METHODS:
        # Before anything reads (loading the user does): see knowledge.core.db.begin_write.
        begin_write(get_db())
    if request.blueprint == "api":
        return None  # the API authenticates with bearer tokens itself
    if request.endpoint not in OPEN_ENDPOINTS and not current_user.is_authenticated:
        if htmx and not htmx.history_restore_request:
            # An htmx request would swap the login page into a fragment; send the whole
            # page there instead, and come back afterwards.
            response = make_response("", 401)
            response.headers["HX-Redirect"] = url_for("auth.login", next=request.full_path)
            return response
        return login_manager.unauthorized()
    if current_user.is_authenticated and current_user.must_change_password \
            and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        # After an admin's reset the one-time password opens this page and nothing else.
        return redirect(url_for("auth.change_password"))
    return None


def _load_user(user_id: str):
    from .auth import login_policy

    user = logins.resume(get_db(), session.get("sid"), login_policy())
    return user if user is not None and str(user.id) == user_id else None


def _audit_refusal(reason: str) -> None:
    db = get_db()
    db.rollback()  # whatever the refused action had begun is not kept
    record_event(db, "refused", actor=actor(), address=request.remote_addr or "",
                 target=f"{request.method} {request.path}", detail={"reason": reason})
    # Committed here, as the only thing this request keeps: the 403 answer makes
    # commit_or_roll_back roll back, and the refusal must stay in the log.
    db.commit()


def local_time(moment, format: str = "%Y-%m-%d %H:%M"):
    """A stored time as a <time> element showing Stockholm time: the one way templates show
    times, so that 00:05 on 1 December never reads as 23:05 on 30 November."""
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        machine, shown = utc_iso(moment), to_local(moment).strftime(format)
    else:  # a calendar date has no time zone
        machine, shown = moment.isoformat(), moment.strftime(format.split(" ")[0])
    return Markup('<time datetime="{}">{}</time>').format(machine, shown)


def _error_page(status: int, message: str):
    template = "_error.html" if wants_fragment() else "error.html"
    return render_template(template, status=status, message=message), status



def warm_up(app: Flask, alive: Callable[[], None] = lambda: None) -> int:
    """Do, before a worker takes its first request, the one-time work every worker would
    otherwise do in the middle of someone's: compile every template (Jinja compiles one on
    first use: 0.9 s of the first case page a worker served at 10 000 cases) and prepare
    the search (knowledge.search.warm_search: 2 s of a worker's first search). Returns the
    number of templates compiled. Called by deploy/gunicorn.conf.py, which passes `alive`
    (the worker's heartbeat: a long warm-up on a busy machine must not look like a hung
    worker); tests and `flask run` do all this lazily, as before."""
    names = [name for name in app.jinja_env.list_templates() if name.endswith(".html")]
    for name in names:
        app.jinja_env.get_template(name)
    alive()
    index = app.extensions.get("search_index")
    if index is not None:
        with app.extensions["db_sessionmaker"]() as session:
            try:
                warm_search(index, session, alive)
            except IndexUnavailable:
                pass   # the first search says so, as it would have
    return len(names)
