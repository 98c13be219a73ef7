"""Start page and health check."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template
from ..cases import listing
from ..operations.health import HealthSettings, check_health
from ..accounts.permissions import is_editor
from .support import actor, get_db, search_index

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    db, user = get_db(), actor()
    return render_template(
        "index.html",
        featured=listing.featured_cases(db),
        latest=listing.latest_published(db),
        mine=listing.my_unpublished(db, user),
        waiting=listing.count_waiting_for_review(db) if is_editor(user) else None,
    )


@bp.route("/tillganglighet")
def accessibility():
    """The accessibility statement: open to everyone, as the law on digital public services
    expects, so that someone who cannot log in can still find out how to get help."""
    return render_template("accessibility.html")


@bp.route("/healthz")
def healthz():
    config = current_app.config
    healthy, report = check_health(
        current_app.extensions["db_sessionmaker"], search_index(), config["DATABASE_URL"],
        HealthSettings(timeout=config["HEALTH_TIMEOUT"],
                       disk_free_warning_mb=config["HEALTH_DISK_FREE_MB"]))
    return jsonify(report), 200 if healthy else 503
