"""The system administrator's pages: users and roles, and the audit log."""
from __future__ import annotations

from flask import Blueprint, abort, flash, render_template, request, url_for

from ..accounts import users as accounts
from ..audit.log import EVENT_LABELS, case_titles, list_events
from ..accounts.models import ApiToken
from ..accounts.permissions import require_admin
from ..cases.validation import ValidationError
from .support import actor, confirm_page, confirmed, get_db, redirect_after_post

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users")
def users():
    return render_template("admin/users.html", users=accounts.list_users(get_db(), actor()),
                           roles=accounts.ROLE_LABELS)


@bp.route("/users/<int:user_id>/role", methods=["POST"])
def change_role(user_id: int):
    return _change(user_id, lambda db, admin, user: accounts.set_role(
        db, admin, user, request.form.get("role", ""), request.remote_addr or ""),
        "Rollen är ändrad.")


@bp.route("/users/<int:user_id>/active", methods=["POST"])
def change_active(user_id: int):
    active = request.form.get("active") == "1"
    if not active and not confirmed():
        db = get_db()
        accounts.list_users(db, actor())  # the permission check, before the user is looked up
        user = accounts.get_user(db, user_id)
        if user is None:
            abort(404)
        return confirm_page(
            title="Avaktivera användaren?",
            question=f"Vill du avaktivera {user.display_name} ({user.email})?",
            consequence="Personen loggas ut överallt och kan inte logga in förrän kontot "
                        "aktiveras igen. Exemplen personen har skrivit finns kvar.",
            confirm_label="Ja, avaktivera", cancel_url=url_for("admin.users"))
    return _change(user_id, lambda db, admin, user: accounts.set_active(
        db, admin, user, active, request.remote_addr or ""),
        "Användaren är aktiverad." if active else
        "Användaren är avaktiverad och utloggad överallt.")


@bp.route("/users/<int:user_id>/password", methods=["POST"])
def reset_password(user_id: int):
    db, admin = get_db(), require_admin(actor())  # before the user is looked up
    user = accounts.get_user(db, user_id) or abort(404)
    one_time = accounts.reset_password(db, user, actor_email=admin.email,
                                       address=request.remote_addr or "")
    # Shown on this page once, never in a flash message (those travel in the cookie).
    return render_template("admin/password_reset.html", user=user, one_time=one_time)


@bp.route("/tokens")
def tokens():
    db = get_db()
    accounts.list_users(db, actor())  # the permission check
    return render_template("admin/tokens.html", tokens=accounts.list_tokens(db),
                           state=accounts.token_state)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
def revoke_token(token_id: int):
    db, admin = get_db(), require_admin(actor())  # before the token is looked up
    token = db.get(ApiToken, token_id) or abort(404)
    accounts.revoke_token(db, token, actor_email=admin.email, address=request.remote_addr or "")
    flash(f"API-nyckel {token.id} ({token.user.email}) är spärrad.", "success")
    return redirect_after_post(url_for("admin.tokens"))


@bp.route("/audit")
def audit():
    event = request.args.get("event", "")
    events = list_events(get_db(), actor(), event=event)
    return render_template("admin/audit.html", events=events, labels=EVENT_LABELS, chosen=event,
                           case_titles=case_titles(get_db(), events))


def _change(user_id: int, action, message: str):
    db, admin = get_db(), require_admin(actor())  # before the user is looked up
    user = accounts.get_user(db, user_id)
    if user is None:
        abort(404)
    try:
        action(db, admin, user)
    except ValidationError as error:
        db.rollback()
        flash(" ".join(e.message for e in error.errors), "error")
    else:
        flash(message, "success")
    return redirect_after_post(url_for("admin.users"))
