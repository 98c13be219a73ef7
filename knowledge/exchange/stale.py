"""Stale cases: published, and nobody has looked at the content for a year.

A case was last reviewed at the latest of its publication and its last content change or
confirmation ("updated", "imported" with changes, "reviewed" revisions). Its author and the
editors see a notice and may confirm that it is still current, which records a "reviewed"
revision.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..audit.log import record_event
from ..cases.lifecycle import InvalidTransition
from ..core.db import begin_write
from ..cases.models import Case, CaseRevision
from ..accounts.models import User
from ..core.base import utcnow
from ..accounts.permissions import can_confirm, require, require_active, require_editor
from ..cases.validation import strip_control

STALE_AFTER = timedelta(days=365)
# An import that changes a case records "imported" rather than "updated"; both are content.
REVIEW_ACTIONS = ("updated", "imported", "reviewed")


@dataclass
class StaleCase:
    case: Case
    last_reviewed: datetime


def last_reviewed(session: Session, cases: Iterable[Case]) -> dict[int, datetime]:
    """Case id → when its content was last published, changed or confirmed."""
    cases = list(cases)
    if not cases:
        return {}
    latest: dict[int, datetime] = {case_id: at for case_id, at in session.execute(
        select(CaseRevision.case_id, func.max(CaseRevision.created_at))
        .where(CaseRevision.case_id.in_([c.id for c in cases]),
               CaseRevision.action.in_(REVIEW_ACTIONS))
        .group_by(CaseRevision.case_id))}
    answer = {}
    for case in cases:
        moments = [m for m in (case.published_at, latest.get(case.id)) if m is not None]
        answer[case.id] = max(moments) if moments else case.created_at
    return answer


def stale_since(session: Session, case: Case, now: Optional[datetime] = None
                ) -> Optional[datetime]:
    """When a published case was last reviewed, if that is more than a year ago; else None."""
    if case.status != "published":
        return None
    reviewed = last_reviewed(session, [case])[case.id]
    return reviewed if reviewed < (now or utcnow()) - STALE_AFTER else None


def stale_cases(session: Session, user: Optional[User], now: Optional[datetime] = None
                ) -> list[StaleCase]:
    """Every stale case, the longest unreviewed first: the editors' list."""
    user = require_editor(user)
    return _stale(session, select(Case).where(Case.status == "published"), now)


def stale_cases_by_author(session: Session, now: Optional[datetime] = None
                          ) -> list[StaleCase]:
    """For the digest run: stale cases that have an author to tell."""
    return _stale(session, select(Case).where(Case.status == "published",
                                              Case.author_id.is_not(None)), now)


def _stale(session: Session, query, now: Optional[datetime]) -> list[StaleCase]:
    limit = (now or utcnow()) - STALE_AFTER
    # Cheap first cut: a case published within the year cannot be stale.
    cases = list(session.scalars(query.where(Case.published_at < limit)))
    reviewed = last_reviewed(session, cases)
    found = [StaleCase(case, reviewed[case.id]) for case in cases if reviewed[case.id] < limit]
    return sorted(found, key=lambda s: (s.last_reviewed, s.case.id))


def confirm_current(session: Session, user: Optional[User], case: Case,
                    comment: str = "") -> CaseRevision:
    """Record that the author or an editor has checked that the case is still current."""
    refusal = "Bara exemplets författare och redaktörer kan bekräfta att det är aktuellt."
    user = require_active(user, refusal)
    require(can_confirm(user, case), refusal)
    if case.status != "published":
        raise InvalidTransition("Bara publicerade exempel kan bekräftas som aktuella.")
    begin_write(session)
    revision = CaseRevision(case_id=case.id, user_id=user.id, action="reviewed", changes={},
                            comment=strip_control(comment or "").strip()[:1000])
    session.add(revision)
    record_event(session, "case_reviewed", actor=user, target=f"case:{case.id}")
    session.flush()
    return revision
