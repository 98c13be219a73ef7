"""Read-side queries for lists of cases: the start page and the review queue."""
from __future__ import annotations

from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import Case
from ..accounts.models import User
from ..accounts.permissions import require_editor


def _published():
    return select(Case).where(Case.status == "published")


def featured_cases(session: Session) -> list[Case]:
    # Read by the featured position's own index and filtered afterwards: with the status in
    # the WHERE, SQLite read every published case and sorted them (100 ms at 50 000 cases).
    # Only published cases are featured (archiving takes the mark away); the filter is a guard.
    featured = session.scalars(select(Case).where(Case.featured_position.is_not(None))
                               .order_by(Case.featured_position))
    return [case for case in featured if case.status == "published"]


def latest_published(session: Session, limit: int = 6) -> list[Case]:
    return list(session.scalars(_published().order_by(Case.published_at.desc(),
                                                      Case.id.desc()).limit(limit)))


def my_unpublished(session: Session, user: Optional[User]) -> list[Case]:
    """The actor's own drafts, returned and submitted cases, returned ones first."""
    if user is None:
        return []
    cases = session.scalars(select(Case).where(
        Case.author_id == user.id, Case.status.in_(("draft", "returned", "submitted")))
        .order_by(Case.updated_at.desc()))
    return sorted(cases, key=lambda c: c.status != "returned")


def review_queue(session: Session, user: Optional[User]) -> list[Case]:
    user = require_editor(user)
    return list(session.scalars(select(Case).where(Case.status == "submitted")
                                .order_by(Case.submitted_at)))


def count_waiting_for_review(session: Session) -> int:
    return session.scalar(select(func.count(Case.id)).where(Case.status == "submitted")) or 0
