"""Log in and log out."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, \
    url_for
from flask_login import login_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..accounts import logins, users
from ..accounts.passwords import PASSWORD_MIN
from ..accounts.permissions import require_active
from ..cases.validation import ValidationError
from .support import actor, get_db, render_invalid, safe_local_url

bp = Blueprint("auth", __name__)


def login_policy() -> logins.LoginPolicy:
    config = current_app.config
    return logins.LoginPolicy(
        idle=config["SESSION_IDLE"], absolute=config["SESSION_ABSOLUTE"],
        max_failures_per_account=config["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
        max_failures_per_address=config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
        max_delay=config["LOGIN_MAX_DELAY"])


# A signed, long-lived cookie naming the accounts that have logged in with a password from
# this browser: their owners are not slowed down by failures a stranger causes.
KNOWN_DEVICE_COOKIE = "eb_known_device"
KNOWN_DEVICE_DAYS = 180
KNOWN_DEVICE_MAX_ACCOUNTS = 5


def _device_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="known-device")


def known_device_user_ids() -> list[int]:
    raw = request.cookies.get(KNOWN_DEVICE_COOKIE, "")
    if not raw or len(raw) > 500:
        return []
    try:
        ids = _device_signer().loads(raw, max_age=KNOWN_DEVICE_DAYS * 86400)
    except BadSignature:
        return []
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


def remember_device(response, user_id: int) -> None:
    ids = [user_id] + [i for i in known_device_user_ids() if i != user_id]
    response.set_cookie(KNOWN_DEVICE_COOKIE,
                        _device_signer().dumps(ids[:KNOWN_DEVICE_MAX_ACCOUNTS]),
                        max_age=KNOWN_DEVICE_DAYS * 86400, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    email = ""
    status = 200
    if request.method == "POST":
        email = request.form.get("email", "")
        try:
            user, token = logins.log_in(get_db(), email, request.form.get("password", ""),
                                        request.remote_addr or "", login_policy(),
                                        known_user_ids=known_device_user_ids())
        except logins.LoginThrottled as throttled:
            user, token, error, status = None, None, str(throttled), 429
        else:
            if user is not None:
                session.clear()  # a fresh session at login (no fixation)
                session["sid"] = token
                session.permanent = True
                login_user(user)
                if user.must_change_password:
                    flash("Välj ett nytt lösenord innan du fortsätter.", "info")
                    target = url_for("auth.change_password")
                else:
                    flash(f"Välkommen, {user.display_name}!", "success")
                    target = _safe_next(request.args.get("next"))
                response = redirect(target, code=303)
                remember_device(response, user.id)
                return response
            # The same words whether the account exists or not.
            error, status = "Fel e-postadress eller lösenord.", 401
            # The failed attempt is what slows the next try down, so it is kept although
            # the answer is an error (which would otherwise roll the request back).
            get_db().commit()
    return render_template("login.html", error=error, email=email), status


@bp.route("/konto/losenord", methods=["GET", "POST"])
def change_password():
    if request.method == "POST":
        try:
            users.change_password(get_db(), require_active(actor()),
                                  request.form.get("current_password", ""),
                                  request.form.get("new_password", ""),
                                  request.form.get("new_password_again", ""),
                                  keep_session=session.get("sid"),
                                  address=request.remote_addr or "")
        except ValidationError as error:
            return render_invalid(render_template, "change_password.html",
                                  errors=error.by_field(), password_min=PASSWORD_MIN)
        flash("Lösenordet är bytt. Du är utloggad på alla andra enheter.", "success")
        return redirect(url_for("main.index"), code=303)
    return render_template("change_password.html", errors={}, password_min=PASSWORD_MIN)


@bp.route("/logout", methods=["POST"])
def logout():
    logins.log_out(get_db(), session.get("sid"), request.remote_addr or "")
    logout_user()
    session.clear()
    flash("Du är utloggad.", "success")
    return redirect(url_for("auth.login"), code=303)


def _safe_next(target: str | None) -> str:
    return safe_local_url(target, url_for("main.index"))
