"""Bookmarks ("Spara"): a person's own list of cases to come back to ("Mina sparade")."""
from __future__ import annotations

from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.db import begin_write
from ..cases.models import Case
from ..accounts.models import User
from ..accounts.permissions import can_view_case, require, require_active
from .models import Bookmark


def _require_viewer(user: Optional[User], case: Case) -> User:
    user = require_active(user, "Du får inte se det här exemplet.")
    require(can_view_case(user, case), "Du får inte se det här exemplet.")
    return user


def is_bookmarked(session: Session, user: Optional[User], case: Case) -> bool:
    if not (user and user.active):
        return False
    return session.get(Bookmark, (user.id, case.id)) is not None


def toggle_bookmark(session: Session, user: Optional[User], case: Case) -> bool:
    """Save the case, or remove it from her saved cases; returns whether it is saved now."""
    user = _require_viewer(user, case)
    begin_write(session)
    existing = session.get(Bookmark, (user.id, case.id))
    if existing is not None:
        session.delete(existing)
    else:
        session.add(Bookmark(user_id=user.id, case_id=case.id))
    session.flush()
    return existing is None


def list_bookmarks(session: Session, user: Optional[User]) -> list[Bookmark]:
    """Her saved cases, newest first; cases she can no longer see (archived, say) drop out."""
    user = require_active(user, "Logga in för att se dina sparade exempel.")
    rows = session.scalars(select(Bookmark).where(Bookmark.user_id == user.id)
                           .order_by(Bookmark.created_at.desc(), Bookmark.case_id.desc()))
    return [row for row in rows if can_view_case(user, row.case)]
