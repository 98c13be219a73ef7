"""Read-side queries for lists of cases: start page, review queue, filtered lists."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import Case, District, PriorityArea, User, case_areas
from .permissions import require_editor


@dataclass
class CasePage:
    cases: list[Case]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass
class CaseFilter:
    areas: Sequence[str] = field(default_factory=list)       # slugs
    districts: Sequence[str] = field(default_factory=list)   # slugs
    text: str = ""


def _published():
    return select(Case).where(Case.status == "published")


def filter_published(session: Session, filters: CaseFilter, page: int = 1,
                     per_page: int = 20) -> CasePage:
    """Published cases, newest first, any-of within a filter and all-of across filters."""
    query = _published()
    if filters.areas:
        query = query.where(Case.id.in_(
            select(case_areas.c.case_id).join(PriorityArea)
            .where(PriorityArea.slug.in_(list(filters.areas)))))
    if filters.districts:
        query = query.where(Case.district_id.in_(
            select(District.id).where(District.slug.in_(list(filters.districts)))))
    if filters.text.strip():
        needle = f"%{filters.text.strip()}%"
        query = query.where(Case.title.ilike(needle) | Case.summary.ilike(needle))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, page)
    cases = list(session.scalars(query.order_by(Case.published_at.desc(), Case.id.desc())
                                 .offset((page - 1) * per_page).limit(per_page)))
    return CasePage(cases=cases, total=total, page=page, per_page=per_page)


def featured_cases(session: Session) -> list[Case]:
    return list(session.scalars(_published().where(Case.featured_position.is_not(None))
                                .order_by(Case.featured_position)))


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
    require_editor(user)
    return list(session.scalars(select(Case).where(Case.status == "submitted")
                                .order_by(Case.submitted_at)))


def count_waiting_for_review(session: Session) -> int:
    return session.scalar(select(func.count(Case.id)).where(Case.status == "submitted")) or 0
