"""The central office's curation: themes (Teman) and the list of cases to review again."""
from __future__ import annotations

from flask import Blueprint, flash, render_template, request, url_for

from ...exchange import collections as domain
from ...exchange import stale
from ...accounts.permissions import require_editor
from ...cases.validation import ValidationError
from ..support import (
    actor, confirm_page, confirmed, get_db, redirect_after_post, render_invalid, render_page,
    wants_fragment,
)

bp = Blueprint("curation", __name__)

FIELDS = ("title", "slug", "introduction", "featured")


@bp.route("/teman")
def collections():
    return render_template("exchange/collections.html",
                           collections=domain.list_collections(get_db(), actor()))


@bp.route("/teman/<slug>")
def show_collection(slug: str):
    collection = domain.get_collection(get_db(), actor(), slug)
    return render_template("exchange/collection.html", collection=collection,
                           cases=domain.published_cases(collection))


@bp.route("/teman/nytt", methods=["GET", "POST"])
def new_collection():
    db, user = get_db(), actor()
    user = require_editor(user)
    if request.method == "GET":
        return _form(None, {}, {})
    data = _form_data()
    try:
        collection = domain.create_collection(db, user, data)
    except ValidationError as error:
        return render_invalid(_form, None, data, error.by_field())
    flash("Temat är skapat. Lägg till exempel i det.", "success")
    return redirect_after_post(url_for("curation.edit_collection", slug=collection.slug))


@bp.route("/teman/<slug>/redigera", methods=["GET", "POST"])
def edit_collection(slug: str):
    db, user = get_db(), actor()
    user = require_editor(user)
    collection = domain.get_collection(db, user, slug)
    if request.method == "GET":
        return _form(collection, _values(collection), {})
    data = _form_data()
    try:
        domain.update_collection(db, user, collection, data)
    except ValidationError as error:
        return render_invalid(_form, collection, data, error.by_field())
    flash("Temat är sparat.", "success")
    return redirect_after_post(url_for("curation.edit_collection", slug=collection.slug))


@bp.route("/teman/<slug>/ta-bort", methods=["POST"])
def delete_collection(slug: str):
    db, user = get_db(), actor()
    user = require_editor(user)
    collection = domain.get_collection(db, user, slug)
    if not confirmed():
        return confirm_page(
            title="Ta bort temat?", question=f"Vill du ta bort temat ”{collection.title}”?",
            consequence="Temats sida och flöde försvinner. Exemplen i det finns kvar.",
            confirm_label="Ja, ta bort temat",
            cancel_url=url_for("curation.edit_collection", slug=collection.slug))
    domain.delete_collection(db, user, collection)
    flash("Temat är borttaget. Exemplen i det finns kvar.", "success")
    return redirect_after_post(url_for("curation.collections"))


@bp.route("/teman/<slug>/exempel", methods=["POST"])
def add_case(slug: str):
    db, user = get_db(), actor()
    user = require_editor(user)
    collection = domain.get_collection(db, user, slug)
    try:
        domain.add_case(db, user, collection, request.form.get("case", ""))
    except ValidationError as error:
        return render_invalid(_items, collection, errors=error.by_field(),
                              value=request.form.get("case", ""))
    return _items(collection, message="Exemplet är tillagt.")


@bp.route("/teman/<slug>/forslag")
def suggest_cases(slug: str):
    """Published cases by title as the editor types (htmx); the add form works without it."""
    db, user = get_db(), actor()
    user = require_editor(user)
    collection = domain.get_collection(db, user, slug)
    text = request.args.get("case", "")
    return render_template("exchange/_case_suggestions.html", collection=collection,
                           query=text, suggestions=_suggestions(db, text))


def _suggestions(db, text: str):
    # A number or an address is not a title to look for.
    return [] if text.strip().lstrip("/").replace("cases/", "").isdigit() \
        else domain.find_published_by_title(db, text)


@bp.route("/teman/<slug>/exempel/<int:case_id>/ta-bort", methods=["POST"])
def remove_case(slug: str, case_id: int):
    db, user = get_db(), actor()
    user = require_editor(user)
    collection = domain.get_collection(db, user, slug)
    domain.remove_case(db, user, collection, case_id)
    return _items(collection, message="Exemplet är borttaget ur temat.")


@bp.route("/teman/<slug>/exempel/<int:case_id>/flytta", methods=["POST"])
def move_case(slug: str, case_id: int):
    db, user = get_db(), actor()
    user = require_editor(user)
    collection = domain.get_collection(db, user, slug)
    domain.move_case(db, user, collection, case_id, request.form.get("direction", ""))
    return _items(collection, message="Ordningen är ändrad.")


@bp.route("/aktualitet")
def stale_cases():
    return render_template("exchange/stale.html", stale=stale.stale_cases(get_db(), actor()))


def _form_data() -> dict:
    return {name: request.form.get(name, "") for name in FIELDS}


def _values(collection) -> dict:
    return {"title": collection.title, "slug": collection.slug,
            "introduction": collection.introduction,
            "featured": "1" if collection.featured else ""}


def _form(collection, values, errors, status=200):
    return render_page("exchange/collection_form.html", "exchange/_collection_form.html",
                       status=status, collection=collection, values=values, errors=errors,
                       labels=domain.LABELS)


def _items(collection, *, message: str = "", errors=None, value: str = "", status: int = 200):
    """The list of the theme's cases: the fragment for htmx, else back to the edit page."""
    if wants_fragment() or errors:
        template = ("exchange/_collection_items.html" if wants_fragment()
                    else "exchange/collection_form.html")
        return render_template(template, collection=collection, values=_values(collection),
                               errors={}, item_errors=errors or {}, item_value=value,
                               suggestions=_suggestions(get_db(), value) if errors else [],
                               query=value, done_message=message, labels=domain.LABELS), status
    flash(message, "success")
    return redirect_after_post(url_for("curation.edit_collection", slug=collection.slug,
                                       _anchor="exempel"))
