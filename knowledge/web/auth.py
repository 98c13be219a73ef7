"""Log in and log out."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, \
    url_for
from flask_login import login_user, logout_user

from .. import logins
from .support import get_db, safe_local_url

bp = Blueprint("auth", __name__)


def login_policy() -> logins.LoginPolicy:
    config = current_app.config
    return logins.LoginPolicy(
        idle=config["SESSION_IDLE"], absolute=config["SESSION_ABSOLUTE"],
        max_failures_per_account=config["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
        max_failures_per_address=config["LOGIN_MAX_FAILURES_PER_ADDRESS"])


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    email = ""
    status = 200
    if request.method == "POST":
        email = request.form.get("email", "")
        try:
            user, token = logins.log_in(get_db(), email, request.form.get("password", ""),
                                        request.remote_addr or "", login_policy())
        except logins.LoginThrottled as throttled:
            user, token, error, status = None, None, str(throttled), 429
        else:
            if user is not None:
                session.clear()  # a fresh session at login (no fixation)
                session["sid"] = token
                session.permanent = True
                login_user(user)
                flash(f"Välkommen, {user.display_name}!", "success")
                return redirect(_safe_next(request.args.get("next")), code=303)
            # The same words whether the account exists or not.
            error, status = "Fel e-postadress eller lösenord.", 401
    return render_template("login.html", error=error, email=email), status


@bp.route("/logout", methods=["POST"])
def logout():
    logins.log_out(get_db(), session.get("sid"), request.remote_addr or "")
    logout_user()
    session.clear()
    flash("Du är utloggad.", "success")
    return redirect(url_for("auth.login"), code=303)


def _safe_next(target: str | None) -> str:
    return safe_local_url(target, url_for("main.index"))
