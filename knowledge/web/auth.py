"""Log in and log out."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user

from ..users import authenticate
from .support import get_db

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    email = ""
    if request.method == "POST":
        email = request.form.get("email", "")
        user = authenticate(get_db(), email, request.form.get("password", ""))
        if user is not None:
            session.clear()  # a fresh session at login (no fixation)
            login_user(user)
            flash(f"Välkommen, {user.display_name}!", "success")
            return redirect(_safe_next(request.args.get("next")), code=303)
        # The same words whether the account exists or not.
        error = "Fel e-postadress eller lösenord."
    status = 401 if error else 200
    return render_template("login.html", error=error, email=email), status


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    session.clear()
    flash("Du är utloggad.", "success")
    return redirect(url_for("auth.login"), code=303)


def _safe_next(target: str | None) -> str:
    # Only paths on this site: never an open redirect to another host.
    if target and target.startswith("/") and not target.startswith("//") \
            and not urlsplit(target).netloc:
        return target
    return url_for("main.index")
