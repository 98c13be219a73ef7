"""Which coordinators belong to which district. Admins assign them (they manage users and
roles); the assignment decides who may edit a district's local agreement and who hears when
the yearly compilation is published."""
from __future__ import annotations

from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.log import record_event
from ..core.db import begin_write
from ..taxonomy.models import District
from ..accounts.models import User
from ..accounts.permissions import require_admin
from ..cases.validation import FieldError, ValidationError
from .models import DistrictCoordinator

COORDINATOR_ROLE = "coordinator"


def coordinators_of(session: Session, district: District) -> list[User]:
    return list(session.scalars(
        select(User).join(DistrictCoordinator, DistrictCoordinator.user_id == User.id)
        .where(DistrictCoordinator.district_id == district.id)
        .order_by(User.name, User.email)))


def is_coordinator_of(session: Session, user: Optional[User], district: District) -> bool:
    if not (user and user.active and user.role == COORDINATOR_ROLE):
        return False
    return session.get(DistrictCoordinator, (user.id, district.id)) is not None


def assign_coordinator(session: Session, admin: Optional[User], district: District,
                       email: str, *, address: str = "") -> User:
    """Make the coordinator with this e-mail address one of the district's coordinators.
    Flushes; the caller commits."""
    require_admin(admin)
    email = (email or "").strip().lower()
    user = session.scalar(select(User).where(User.email == email)) if email else None
    if user is None or not user.active or user.role != COORDINATOR_ROLE:
        shown = f"\"{email}\" " if email else ""
        raise ValidationError([FieldError(
            "email", f"E-postadress: {shown}är inte en aktiv trygghetssamordnare. Ange "
                     "e-postadressen till en användare med rollen trygghetssamordnare.")])
    begin_write(session)
    if session.get(DistrictCoordinator, (user.id, district.id)) is None:
        session.add(DistrictCoordinator(user_id=user.id, district_id=district.id))
        record_event(session, "district_coordinator_added", actor=admin, address=address,
                     target=f"district:{district.slug}", detail={"user": user.email})
    session.flush()
    return user


def remove_coordinator(session: Session, admin: Optional[User], district: District,
                       user_id: int, *, address: str = "") -> None:
    require_admin(admin)
    begin_write(session)
    row = session.get(DistrictCoordinator, (user_id, district.id))
    if row is not None:
        record_event(session, "district_coordinator_removed", actor=admin, address=address,
                     target=f"district:{district.slug}", detail={"user": row.user.email})
        session.delete(row)
    session.flush()
