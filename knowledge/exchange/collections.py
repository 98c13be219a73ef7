"""Curated collections ("Teman"): the central office gathers published cases under a theme,
e.g. "Sommarlovet" or "Trygg i tunnelbanan", with an introduction, in an order of its choice.
"""
from __future__ import annotations

import re
from typing import Any, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..audit.log import record_event
from ..cases.lifecycle import InvalidTransition, NotFound, is_case_id
from ..core.db import begin_write
from ..cases.models import Case
from ..accounts.models import User
from ..core.base import utcnow
from ..accounts.permissions import require_active, require_editor
from ..taxonomy.reference import slugify
from ..cases.validation import TEXT_MAX, FieldError, ValidationError
from .common import clean_text, raise_if
from .models import Collection, CollectionItem

LABELS = {"title": "Rubrik", "slug": "Webbadress (slug)", "introduction": "Inledning",
          "featured": "Visa på startsidan", "case": "Exempel"}
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
RESERVED_SLUGS = frozenset({"nytt"})  # /teman/nytt is the form for a new theme


def _require_user(user: Optional[User]) -> User:
    return require_active(user, "Logga in för att se teman.")


def list_collections(session: Session, user: Optional[User]) -> list[Collection]:
    user = _require_user(user)
    return list(session.scalars(select(Collection).order_by(Collection.featured.desc(),
                                                            Collection.title)))


def featured_collections(session: Session) -> list[Collection]:
    return list(session.scalars(select(Collection).where(Collection.featured.is_(True))
                                .order_by(Collection.updated_at.desc(), Collection.id.desc())))


def get_collection(session: Session, user: Optional[User], slug: str) -> Collection:
    user = _require_user(user)
    collection = session.scalar(select(Collection).where(Collection.slug == slug))
    if collection is None:
        raise NotFound(slug)
    return collection


def published_cases(collection: Collection) -> list[Case]:
    """The collection's cases in order; one archived since it was added drops out."""
    return [item.case for item in collection.items if item.case.status == "published"]


def collections_with_case(session: Session, case: Case) -> list[Collection]:
    return list(session.scalars(select(Collection).join(CollectionItem).where(
        CollectionItem.case_id == case.id).order_by(Collection.title)))


def _clean(session: Session, data: dict[str, Any], current: Optional[Collection]
           ) -> dict[str, Any]:
    errors: list[FieldError] = []
    title = clean_text(data, "title", LABELS["title"], errors, required=True, limit=200,
                       one_line=True)
    introduction = clean_text(data, "introduction", LABELS["introduction"], errors,
                              limit=TEXT_MAX)
    given = clean_text(data, "slug", LABELS["slug"], errors, limit=80, one_line=True).lower()
    slug = given
    if not slug:
        slug = re.sub(r"[^a-z0-9-]", "", slugify(title)).strip("-")
        slug = re.sub(r"-{2,}", "-", slug)
    if given or title:  # with neither, the missing title is the one problem to report
        if not _SLUG.match(slug):
            errors.append(FieldError("slug", f"{LABELS['slug']}: \"{slug}\" går inte. "
                                             "Använd små bokstäver a–z, siffror och "
                                             "bindestreck, t.ex. trygg-i-tunnelbanan."))
        elif slug in RESERVED_SLUGS:
            errors.append(FieldError("slug", f"{LABELS['slug']}: \"{slug}\" är upptaget av "
                                             "webbplatsen. Välj en annan."))
        else:
            other = session.scalar(select(Collection.id).where(Collection.slug == slug))
            if other is not None and (current is None or other != current.id):
                errors.append(FieldError("slug", f"{LABELS['slug']}: \"{slug}\" används "
                                                 "redan av ett annat tema."))
    raise_if(errors)
    featured = str(data.get("featured") or "").lower() in ("1", "on", "true", "ja", "yes")
    return {"title": title, "slug": slug, "introduction": introduction, "featured": featured}


def create_collection(session: Session, user: Optional[User], data: dict[str, Any]) -> Collection:
    user = require_editor(user)
    begin_write(session)
    clean = _clean(session, data, None)
    collection = Collection(created_by_id=user.id, **clean)
    session.add(collection)
    session.flush()
    record_event(session, "collection_created", actor=user,
                 target=f"collection:{collection.id}", detail={"slug": collection.slug})
    session.flush()
    return collection


def update_collection(session: Session, user: Optional[User], collection: Collection,
                      data: dict[str, Any]) -> Collection:
    user = require_editor(user)
    begin_write(session)
    clean = _clean(session, data, collection)
    changed = sorted(k for k, v in clean.items() if getattr(collection, k) != v)
    for key, value in clean.items():
        setattr(collection, key, value)
    if changed:
        collection.updated_at = utcnow()
        record_event(session, "collection_updated", actor=user,
                     target=f"collection:{collection.id}", detail={"changed": changed})
    session.flush()
    return collection


def delete_collection(session: Session, user: Optional[User], collection: Collection) -> None:
    user = require_editor(user)
    begin_write(session)
    record_event(session, "collection_deleted", actor=user,
                 target=f"collection:{collection.id}", detail={"slug": collection.slug})
    session.delete(collection)
    session.flush()


def find_published_by_title(session: Session, text: Any, *, limit: int = 8) -> list[Case]:
    """Published cases whose title holds every word typed, for picking a case by its title.

    Compared in Python with casefold(): SQLite's lower() leaves Å, Ä and Ö alone.
    """
    words = str(text or "").casefold().split()
    if not words:
        return []
    found = [(case_id, title) for case_id, title in session.execute(
        select(Case.id, Case.title).where(Case.status == "published"))
        if all(word in title.casefold() for word in words)]
    found.sort(key=lambda row: (row[1].casefold() != " ".join(words), row[1].casefold()))
    return [case for case_id, _title in found[:limit]
            if (case := session.get(Case, case_id)) is not None]


def _case_from_reference(session: Session, reference: Any) -> Case:
    """A case from its number, its address (…/cases/12) or its exact title."""
    text = str(reference or "").strip()
    match = re.search(r"(?:/cases/)?(\d+)/?(?:[?#].*)?$", text)
    case = session.get(Case, int(match.group(1))) \
        if match and is_case_id(match.group(1)) else None
    if case is None and not match:
        exact = [c for c in find_published_by_title(session, text, limit=50)
                 if c.title.casefold() == text.casefold()]
        case = exact[0] if len(exact) == 1 else None
    if case is None or case.status != "published":
        raise ValidationError([FieldError("case", f"{LABELS['case']}: ange rubriken, numret "
                                                  "eller adressen till ett publicerat "
                                                  "exempel, t.ex. 12 eller /cases/12.")])
    return case


def add_case(session: Session, user: Optional[User], collection: Collection,
             reference: Any) -> CollectionItem:
    user = require_editor(user)
    begin_write(session)
    case = _case_from_reference(session, reference)
    if any(item.case_id == case.id for item in collection.items):
        raise ValidationError([FieldError("case", f"{LABELS['case']}: ”{case.title}” finns "
                                                  "redan i temat.")])
    last = session.scalar(select(func.max(CollectionItem.position)).where(
        CollectionItem.collection_id == collection.id))
    item = CollectionItem(case_id=case.id, position=(last or 0) + 1, case=case)
    collection.items.append(item)
    _touched(session, user, collection, {"added": case.id})
    session.flush()
    return item


def _item(collection: Collection, case_id: int) -> CollectionItem:
    for item in collection.items:
        if item.case_id == case_id:
            return item
    raise NotFound(case_id)


def remove_case(session: Session, user: Optional[User], collection: Collection,
                case_id: int) -> None:
    user = require_editor(user)
    begin_write(session)
    collection.items.remove(_item(collection, case_id))
    _touched(session, user, collection, {"removed": case_id})
    session.flush()


def move_case(session: Session, user: Optional[User], collection: Collection, case_id: int,
              direction: str) -> None:
    """Move a case one step up or down in the collection's order."""
    user = require_editor(user)
    if direction not in ("up", "down"):
        raise InvalidTransition("Ett exempel kan bara flyttas upp eller ner.")
    begin_write(session)
    items = list(collection.items)
    index = items.index(_item(collection, case_id))
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
        # Renumbering all keeps positions dense and unique whatever happened before.
        for position, item in enumerate(items, start=1):
            item.position = position
        _touched(session, user, collection, {"moved": case_id, "direction": direction})
    session.flush()
    session.expire(collection, ["items"])  # read back in the new order


def _touched(session: Session, user: User, collection: Collection,
             detail: dict[str, Any]) -> None:
    collection.updated_at = utcnow()
    record_event(session, "collection_updated", actor=user,
                 target=f"collection:{collection.id}", detail=detail)
