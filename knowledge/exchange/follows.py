"""Following a priority area, a district, a saved search or a single case."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..cases.lifecycle import NotFound, get_case, is_case_id
from ..core.db import begin_write
from ..cases.models import Case
from ..accounts.models import User
from ..accounts.permissions import require, require_active
from ..taxonomy.reference import Taxonomy, current_taxonomy
from ..cases.validation import FieldError, ValidationError
from .models import Follow
from .saved_search import describe_query, normalise_query

KINDS = {
    "area": "Prioriterat samverkansområde",
    "district": "Stadsdelsområde",
    "search": "Sökning",
    "case": "Exempel",
}


def _require_user(user: Optional[User]) -> User:
    return require_active(user, "Logga in för att följa exempel och områden.")


def follow(session: Session, user: Optional[User], kind: str, target: str) -> Follow:
    """Start following; following the same thing twice keeps the first follow."""
    user = _require_user(user)
    kind, target = (kind or "").strip(), (target or "").strip()
    if kind not in KINDS:
        raise ValidationError([FieldError("kind", f"Vad du följer: okänt värde \"{kind}\". "
                                                  f"Giltiga värden: {', '.join(KINDS)}.")])
    if kind == "case":
        case = get_case(session, user, _case_id(target))  # NotFound unless she may see it
        target = str(case.id)
    else:
        target = _clean_target(kind, target, current_taxonomy(session))
    existing = session.scalar(select(Follow).where(
        Follow.user_id == user.id, Follow.kind == kind, Follow.target == target))
    if existing is not None:
        return existing
    begin_write(session)
    row = Follow(user_id=user.id, kind=kind, target=target)
    session.add(row)
    session.flush()
    return row


def _case_id(target: str) -> int:
    if not is_case_id(target):
        raise NotFound(target)
    return int(target)


def _clean_target(kind: str, target: str, taxonomy: Taxonomy) -> str:
    if kind == "search":
        return normalise_query(target, taxonomy, field="target")
    if kind == "area":
        area = taxonomy.find_area(target) if target else None
        if area is None:
            raise ValidationError([FieldError("target", f"{KINDS[kind]}: okänt värde "
                                  f"\"{target}\". Giltiga värden: "
                                  f"{', '.join(a.slug for a in taxonomy.areas)}.")])
        return area.slug
    district = taxonomy.find_district(target) if target else None
    if district is None:
        raise ValidationError([FieldError("target", f"{KINDS[kind]}: okänt värde \"{target}\". "
                              f"Giltiga värden: {', '.join(d.slug for d in taxonomy.districts)}.")])
    return district.slug


def unfollow(session: Session, user: Optional[User], row: Follow) -> None:
    user = _require_user(user)
    require(row.user_id == user.id, "Det här är inte din bevakning.")
    begin_write(session)
    session.delete(row)
    session.flush()


def get_follow(session: Session, user: Optional[User], follow_id: int) -> Follow:
    user = _require_user(user)
    row = session.get(Follow, follow_id)
    if row is None or row.user_id != user.id:
        raise NotFound(follow_id)
    return row


def case_follow(session: Session, user: Optional[User], case: Case) -> Optional[Follow]:
    if not (user and user.active):
        return None
    return session.scalar(select(Follow).where(
        Follow.user_id == user.id, Follow.kind == "case", Follow.target == str(case.id)))


def toggle_case_follow(session: Session, user: Optional[User], case: Case) -> bool:
    """Follow the case, or stop following it; returns whether she follows it now."""
    user = _require_user(user)
    existing = case_follow(session, user, case)
    if existing is not None:
        unfollow(session, user, existing)
        return False
    follow(session, user, "case", str(case.id))
    return True


def case_followers(session: Session, case: Case) -> list[User]:
    return list(session.scalars(select(User).join(Follow, Follow.user_id == User.id).where(
        Follow.kind == "case", Follow.target == str(case.id), User.active.is_(True))))


@dataclass
class FollowView:
    follow: Follow
    kind_label: str
    label: str
    case: Optional[Case] = None


def list_follows(session: Session, user: Optional[User]) -> list[FollowView]:
    """Her follows described in words, newest first; cases she can no longer see are left out."""
    user = _require_user(user)
    taxonomy = current_taxonomy(session)
    areas = {a.slug: a.name for a in taxonomy.areas}
    districts = {d.slug: d.name for d in taxonomy.districts}
    views = []
    for row in session.scalars(select(Follow).where(Follow.user_id == user.id)
                               .order_by(Follow.id.desc())):
        if row.kind == "case":
            try:
                case = get_case(session, user, int(row.target))
            except (NotFound, ValueError):
                continue
            views.append(FollowView(row, KINDS["case"], case.title, case))
        elif row.kind == "area":
            views.append(FollowView(row, KINDS["area"], areas.get(row.target, row.target)))
        elif row.kind == "district":
            views.append(FollowView(row, KINDS["district"],
                                    districts.get(row.target, row.target)))
        else:
            views.append(FollowView(row, KINDS["search"], describe_query(row.target, taxonomy)))
    return views
