"""A person's own pages: notifications, saved cases, follows, e-mail digest and feed token."""
from __future__ import annotations

from flask import Blueprint, flash, render_template, request, url_for

from ...exchange import bookmarks, feeds, follows, notifications
from ...exchange import collections as collections_domain
from ...cases.lifecycle import NotFound
from ...exchange.saved_search import URL_FACETS, describe_query, normalise_query
from ...taxonomy.reference import current_taxonomy
from ...cases.validation import ValidationError
from ...accounts.permissions import require_active
from ..support import (
    actor, confirm_page, confirmed, get_db, redirect_after_post, render_invalid, render_page,
    wants_fragment,
)

bp = Blueprint("personal", __name__)


@bp.route("/notiser")
def notifications_page():
    db, user = get_db(), actor()
    return render_page("exchange/notifications.html", "exchange/_notifications.html",
                       notifications=notifications.list_notifications(db, user),
                       kind_labels=notifications.KIND_LABELS)


@bp.route("/notiser/<int:notification_id>/last", methods=["POST"])
def mark_read(notification_id: int):
    db, user = get_db(), actor()
    row = notifications.get_notification(db, user, notification_id)
    notifications.mark_read(db, user, row)
    return _back_to_notifications()


@bp.route("/notiser/alla-lasta", methods=["POST"])
def mark_all_read():
    db, user = get_db(), actor()
    notifications.mark_all_read(db, user)
    return _back_to_notifications()


def _back_to_notifications():
    if wants_fragment():
        db, user = get_db(), actor()
        return render_template("exchange/_notifications.html", is_fragment=True,
                               notifications=notifications.list_notifications(db, user),
                               kind_labels=notifications.KIND_LABELS)
    return redirect_after_post(url_for("personal.notifications_page"))


@bp.route("/sparade")
def saved():
    return render_template("exchange/saved.html",
                           bookmarks=bookmarks.list_bookmarks(get_db(), actor()))


@bp.route("/installningar", methods=["GET", "POST"])
def settings():
    db, user = get_db(), actor()
    if request.method == "POST":
        try:
            notifications.set_digest(db, user, request.form.get("digest", ""))
        except ValidationError as error:
            return render_invalid(_settings_page, errors=error.by_field())
        flash("Dina val för e-post är sparade.", "success")
        return redirect_after_post(url_for("personal.settings"))
    return _settings_page(wanted=request.args.get("flode", ""))


@bp.route("/bevakningar", methods=["POST"])
def follow():
    db, user = get_db(), actor()
    kind = request.form.get("kind", "")
    try:
        follows.follow(db, user, kind, request.form.get("target", ""))
    except ValidationError as error:
        return render_invalid(_settings_page, errors=error.by_field(), follow_kind=kind,
                              follow_value=request.form.get("target", ""))
    flash("Du följer nu det du valde. Nya exempel kommer som notiser.", "success")
    return redirect_after_post(url_for("personal.settings", _anchor="bevakningar"))


@bp.route("/bevakningar/<int:follow_id>/ta-bort", methods=["POST"])
def unfollow(follow_id: int):
    db, user = get_db(), actor()
    follows.unfollow(db, user, follows.get_follow(db, user, follow_id))
    flash("Du följer det inte längre.", "success")
    return redirect_after_post(url_for("personal.settings", _anchor="bevakningar"))


@bp.route("/installningar/flodesnyckel", methods=["POST"])
def create_feed_token():
    db, user = get_db(), actor()
    token = feeds.issue_feed_token(db, user, address=request.remote_addr or "")
    # The token is shown in this answer only (just its hash is kept), so this post answers
    # with the page itself instead of redirecting; the page is never cached (no-store).
    return _settings_page(new_token=token, wanted=request.form.get("flode", ""))


@bp.route("/installningar/flodesnyckel/sparra", methods=["POST"])
def revoke_feed_token():
    db, user = get_db(), actor()
    if not confirmed():
        return confirm_page(
            title="Spärra flödesnyckeln?", question="Vill du spärra din flödesnyckel?",
            consequence="Alla flöden som använder den slutar fungera i din flödesläsare. "
                        "Du kan skapa en ny nyckel och lägga in de nya adresserna.",
            confirm_label="Ja, spärra nyckeln",
            cancel_url=url_for("personal.settings", _anchor="floden"))
    feeds.revoke_feed_tokens(db, user, address=request.remote_addr or "")
    flash("Flödesnyckeln är spärrad. Flöden som använde den slutar fungera.", "success")
    return redirect_after_post(url_for("personal.settings", _anchor="floden"))


def _settings_page(errors=None, new_token: str = "", follow_kind: str = "",
                   follow_value: str = "", status: int = 200, wanted: str = ""):
    db, user = get_db(), actor()
    follow_list = follows.list_follows(db, user)
    wanted_feed = _wanted_feed(wanted)
    return render_template(
        "exchange/settings.html",
        prefs=notifications.preferences_of(db, require_active(user)),
        digests=notifications.DIGESTS,
        follows=follow_list, taxonomy=current_taxonomy(db), errors=errors or {},
        follow_kind=follow_kind, follow_value=follow_value,
        feed_token=feeds.active_feed_token(db, user), new_token=new_token,
        feed_links=_feed_links(follow_list, new_token, wanted_feed) if new_token else [],
        wanted=wanted if wanted_feed else "", wanted_feed=wanted_feed,
    ), status


def _wanted_feed(wanted: str):
    """The feed she came to read (?flode= from a theme or the search page) as (label, its
    address without the token), or None when there is none or it names nothing."""
    if wanted.startswith("tema:"):
        try:
            theme = collections_domain.get_collection(get_db(), actor(), wanted[5:])
        except NotFound:
            return None
        return (f"Tema: {theme.title}",
                url_for("feeds.collection_feed", slug=theme.slug, _external=True))
    if not wanted:
        return None
    taxonomy = current_taxonomy(get_db())
    try:
        query = normalise_query(wanted, taxonomy)
    except ValidationError:
        return None
    return (f"Sökning: {describe_query(query, taxonomy)}",
            url_for("feeds.search_feed", _external=True) + (f"?{query}" if query else ""))


def _feed_links(follow_list, token: str, wanted_feed=None) -> list[tuple[str, str]]:
    """Ready-to-use feed addresses (with the new token): the one she came for first, then
    what she follows and each theme."""
    links = []
    if wanted_feed:
        label, address = wanted_feed
        links.append((label, address + ("&" if "?" in address else "?") + f"token={token}"))
    for view in follow_list:
        row = view.follow
        if row.kind == "search":
            query = row.target
        elif row.kind in ("area", "district"):
            param = next(p for p, facet in URL_FACETS.items()
                         if facet == ("priority_areas" if row.kind == "area" else "district"))
            query = f"{param}={row.target}"
        else:
            continue
        links.append((f"{view.kind_label}: {view.label}",
                      url_for("feeds.search_feed", _external=True) + f"?{query}&token={token}"))
    for theme in collections_domain.list_collections(get_db(), actor()):
        links.append((f"Tema: {theme.title}",
                      url_for("feeds.collection_feed", slug=theme.slug, token=token,
                              _external=True)))
    unique: dict[str, str] = {}
    for label, address in links:  # the feed she came for may also be one she follows
        unique.setdefault(address, label)
    return [(label, address) for address, label in unique.items()]
