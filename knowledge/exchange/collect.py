"""Events nobody's request writes: new published cases for followers, and stale cases for
their authors. The digest run (`flask --app app send-digests`) calls these first.

New publications are read from the case revisions (action "published"), not hooked into
publish_case: the revisions are written in the same transaction as the publication by every
path (form, import, API), so nothing is missed if a process dies, and running the scan again
adds nothing (each person hears of a case once: event key "new_case:<id>"). A scan position
remembers the last revision read; revisions from the last ten minutes are read again too,
because on PostgreSQL a transaction can commit a lower id after a higher one was read.

Each function reads in one transaction and writes in another (on SQLite a reader must not
turn writer: knowledge.core.db.begin_write), so it ends its read with a rollback: call it with a
session that holds nothing unsaved, and commit after it (the send-digests command does).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..core.db import begin_write
from ..cases.models import Case, CaseRevision
from ..accounts.models import User
from ..core.base import utcnow
from ..taxonomy.reference import current_area_slugs
from .models import Follow, ScanPosition
from .notifications import notify
from .saved_search import Matcher
from .stale import stale_cases_by_author

SCAN_NAME = "published_revisions"
LOOKBACK = timedelta(minutes=10)


@dataclass(frozen=True)
class _Published:
    case_id: int
    title: str
    summary: str
    author_id: Optional[int]
    district: str
    district_name: str
    areas: frozenset[str]
    at: datetime


def collect_publications(session: Session, match_search: Matcher,
                         now: Optional[datetime] = None) -> int:
    """Notify followers of areas, districts and saved searches about newly published cases.

    A follow hears only of cases published after it was made. Returns how many
    notifications were added.
    """
    now = now or utcnow()
    position_row = session.get(ScanPosition, SCAN_NAME)
    position = position_row.position if position_row else 0
    revisions = list(session.execute(
        select(CaseRevision.id, CaseRevision.case_id, CaseRevision.created_at)
        .where(CaseRevision.action == "published",
               or_(CaseRevision.id > position, CaseRevision.created_at >= now - LOOKBACK))
        .order_by(CaseRevision.id)))
    if not revisions:
        session.rollback()
        return 0
    first_published: dict[int, datetime] = {}
    for _rid, case_id, at in revisions:
        first_published.setdefault(case_id, at)
    published = [
        _Published(case.id, case.title, case.summary, case.author_id, case.home_district.slug,
                   case.home_district.name, frozenset(current_area_slugs(case.areas)),
                   first_published[case.id])
        for case in session.scalars(select(Case).where(Case.id.in_(first_published),
                                                       Case.status == "published"))]
    follows = list(session.execute(
        select(Follow.user_id, Follow.kind, Follow.target, Follow.created_at)
        .join(User, User.id == Follow.user_id)
        .where(Follow.kind.in_(("area", "district", "search")), User.active.is_(True))))
    # Each saved search runs once, whoever follows it.
    ids = {item.case_id for item in published}
    found_by_search = {target: match_search(target, ids)
                       for target in {t for _u, kind, t, _c in follows if kind == "search"}}

    wanted: dict[int, list[_Published]] = {}
    for user_id, kind, target, followed_at in follows:
        for item in published:
            if item.at < followed_at or item.author_id == user_id:
                continue
            if ((kind == "area" and target in item.areas)
                    or (kind == "district" and target == item.district)
                    or (kind == "search" and item.case_id in found_by_search[target])):
                wanted.setdefault(user_id, []).append(item)

    # The reads above may have run searches; the writes start a writer transaction of
    # their own (see knowledge.core.db.begin_write on why a reader must not turn writer).
    session.rollback()
    begin_write(session)
    added = 0
    for user_id, items in wanted.items():
        user = session.get(User, user_id)
        for item in {i.case_id: i for i in items}.values():
            added += len(notify(
                session, [user], kind="new_case", event_key=f"new_case:{item.case_id}",
                message=f"Nytt exempel från {item.district_name}: ”{item.title}”",
                case=session.get(Case, item.case_id), text=item.summary))
    position_row = session.get(ScanPosition, SCAN_NAME)
    if position_row is None:
        position_row = ScanPosition(name=SCAN_NAME, position=0)
        session.add(position_row)
    position_row.position = max(position_row.position, max(r[0] for r in revisions))
    session.flush()
    return added


def collect_stale(session: Session, now: Optional[datetime] = None) -> int:
    """Tell each author once about each of her cases that has gone a year unreviewed."""
    stale = [(s.case.id, s.case.author_id, s.last_reviewed)
             for s in stale_cases_by_author(session, now)]
    session.rollback()
    if not stale:
        return 0
    begin_write(session)
    added = 0
    for case_id, author_id, reviewed in stale:
        case = session.get(Case, case_id)
        if case is None:  # deleted since it was found
            continue
        added += len(notify(
            session, [session.get(User, author_id)], kind="stale",
            # Confirming the case moves `reviewed`, so the next year's reminder is a new event.
            event_key=f"stale:{case_id}:{reviewed:%Y%m%d%H%M%S}",
            message=f"”{case.title}” har inte setts över sedan {reviewed:%Y-%m-%d}. "
                    "Bekräfta att det är aktuellt eller uppdatera det.",
            case=case))
    session.flush()
    return added
