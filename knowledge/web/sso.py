"""Single sign-on with the city's identity provider (OpenID Connect, through Authlib).

Off unless OIDC_ISSUER is set. Local accounts keep working beside it.
"""
from __future__ import annotations

from authlib.integrations.flask_client import OAuth, OAuthError
from flask import Blueprint, Flask, abort, current_app, flash, redirect, request, session, \
    url_for
from flask_login import login_user

from ..accounts import logins
from .support import get_db

bp = Blueprint("sso", __name__)
oauth = OAuth()


def init_app(app: Flask) -> None:
    oauth.init_app(app)
    if app.config.get("OIDC_ISSUER"):
        oauth.register(
            "city",
            client_id=app.config["OIDC_CLIENT_ID"],
            client_secret=app.config["OIDC_CLIENT_SECRET"],
            server_metadata_url=app.config["OIDC_ISSUER"].rstrip("/")
            + "/.well-known/openid-configuration",
            client_kwargs={"scope": "openid email profile"},
        )


def sso_enabled() -> bool:
    return bool(current_app.config.get("OIDC_ISSUER"))


@bp.route("/login/sso")
def start():
    if not sso_enabled():
        abort(404)
    return oauth.city.authorize_redirect(url_for("sso.callback", _external=True))


@bp.route("/login/sso/callback")
def callback():
    if not sso_enabled():
        abort(404)
    try:
        token = oauth.city.authorize_access_token()
    except OAuthError as error:
        current_app.logger.warning("OIDC login failed: %s", error)
        flash("Inloggningen via organisationskontot misslyckades. Försök igen.", "error")
        return redirect(url_for("auth.login"))
    claims = token.get("userinfo") or oauth.city.userinfo(token=token)
    config = current_app.config
    groups = claims.get(config["OIDC_GROUP_CLAIM"]) or []
    if isinstance(groups, str):
        groups = [groups]
    user, sid = logins.log_in_external(
        get_db(), email=claims.get("email", ""), name=claims.get("name", ""),
        groups=[str(g) for g in groups], role_map=config["OIDC_ROLE_MAP"],
        default_role=config["OIDC_DEFAULT_ROLE"], address=request.remote_addr or "")
    if user is None:
        flash("Ditt organisationskonto har ingen behörighet till Erfarenhetsbanken. Kontakta "
              "systemförvaltaren.", "error")
        return redirect(url_for("auth.login"))
    session.clear()
    session["sid"] = sid
    session.permanent = True
    login_user(user)
    flash(f"Välkommen, {user.display_name}!", "success")
    return redirect(url_for("main.index"), code=303)
