"""In-app notifications (/notiser) and each person's e-mail preference.

Events write notifications in the same transaction as the thing that happened; the digest
run (knowledge/exchange/mail.py) e-mails every notification once.
"""
from __future__ import annotations

from typing import Iterable, Optional, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from ..cases.lifecycle import NotFound
from ..core.db import begin_write
from ..cases.models import Case
from ..accounts.models import User
from ..core.base import utcnow
from ..accounts.permissions import require, require_active
from ..cases.validation import FieldError, ValidationError
from .common import excerpt
from .models import ExchangePreferences, Notification

KIND_LABELS = {
    "question": "Fråga om ditt exempel",
    "answer_mine": "Svar på din fråga",
    "answer": "Nytt svar",
    "adoption": "Någon har provat ett exempel",
    "adoption_update": "Uppdatering om ett provat exempel",
    "new_case": "Nytt exempel",
    "stale": "Exempel att se över",
    "case_returned": "Ditt exempel har återsänts",
    "case_published": "Ditt exempel är publicerat",
    "compilation_published": "Årssammanställningen är publicerad",
}
# Someone is waiting for these: they go out with the next digest run whatever the person's
# digest period, instead of waiting up to a week.
DIRECT_KINDS = frozenset({"question", "answer_mine", "case_returned"})

DIGESTS = {"daily": "En gång om dagen", "weekly": "En gång i veckan"}


def _require_user(user: Optional[User]) -> User:
    return require_active(user, "Logga in för att se dina notiser.")


def notify(session: Session, recipients: Iterable[Optional[User]], *, kind: str, event_key: str,
           message: str, case: Optional[Case] = None, text: str = "",
           actor: Optional[User] = None, link: str = "") -> list[Notification]:
    """Add a notification for each recipient (never the actor, never an inactive user, never
    twice for the same event; a missing one, None, is skipped). The caller commits."""
    made: list[Notification] = []
    seen: set[int] = set()
    for user in recipients:
        if (user is None or not user.active or user.id in seen
                or (actor is not None and user.id == actor.id)):
            continue
        seen.add(user.id)
        exists = session.scalar(select(Notification.id).where(
            Notification.user_id == user.id, Notification.event_key == event_key))
        if exists is not None:
            continue
        row = Notification(user_id=user.id, kind=kind, event_key=event_key,
                           case_id=case.id if case else None, message=message[:500],
                           excerpt=excerpt(text) if text else "", link=link)
        session.add(row)
        made.append(row)
    return made


def notify_address(session: Session, email: str, *, kind: str, event_key: str, message: str,
                   case: Optional[Case] = None, text: str = "") -> Notification:
    """An e-mail-only notification to an address that belongs to no user."""
    row = Notification(user_id=None, email=email.strip().lower(), kind=kind,
                       event_key=event_key, case_id=case.id if case else None,
                       message=message[:500], excerpt=excerpt(text) if text else "")
    session.add(row)
    return row


def list_notifications(session: Session, user: Optional[User], *, limit: int = 100
                       ) -> list[Notification]:
    user = _require_user(user)
    return list(session.scalars(
        select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.id.desc()).limit(limit)))


def unread_count(session: Session, user: Optional[User]) -> int:
    if not (user and user.active):
        return 0
    return session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def get_notification(session: Session, user: Optional[User], notification_id: int
                     ) -> Notification:
    user = _require_user(user)
    row = session.get(Notification, notification_id)
    if row is None or row.user_id != user.id:
        raise NotFound(notification_id)  # someone else's notification: as if it did not exist
    return row


def mark_read(session: Session, user: Optional[User], notification: Notification) -> Notification:
    user = _require_user(user)
    require(notification.user_id == user.id, "Det här är inte din notis.")
    if notification.read_at is None:
        begin_write(session)
        notification.read_at = utcnow()
    session.flush()
    return notification


def mark_all_read(session: Session, user: Optional[User]) -> int:
    user = _require_user(user)
    begin_write(session)
    result = session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow()))
    session.flush()
    return cast(CursorResult, result).rowcount or 0  # an UPDATE's result has a rowcount


def preferences_of(session: Session, user: User) -> ExchangePreferences:
    """The person's preferences; defaults (a daily digest) until she changes them."""
    prefs = session.get(ExchangePreferences, user.id)
    return prefs if prefs is not None else ExchangePreferences(user_id=user.id, digest="daily")


def set_digest(session: Session, user: Optional[User], digest: str) -> ExchangePreferences:
    user = _require_user(user)
    digest = (digest or "").strip()
    if digest not in DIGESTS:
        raise ValidationError([FieldError(
            "digest", f"Sammanfattning per e-post: okänt värde \"{digest}\". Giltiga värden: "
                      f"{', '.join(f'{k} ({v.lower()})' for k, v in DIGESTS.items())}.")])
    begin_write(session)
    prefs = session.get(ExchangePreferences, user.id)
    if prefs is None:
        prefs = ExchangePreferences(user_id=user.id)
        session.add(prefs)
    prefs.digest = digest
    session.flush()
    return prefs
