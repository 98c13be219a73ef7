"""Logins: server-side sessions with idle and absolute timeouts, and login throttling.

A browser holds only a random token; the server keeps its hash. Logging out, or an admin
deactivating the user, deletes the row, so a copied cookie is refused from then on, by
every worker process.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from .audit import record_event
from .db import begin_write, write_aside
from .models import LoginAttempt, User, UserSession, utcnow
from .users import authenticate, normalise_email


@dataclass(frozen=True)
class LoginPolicy:
    idle: timedelta = timedelta(minutes=60)
    absolute: timedelta = timedelta(hours=10)
    window: timedelta = timedelta(minutes=15)
    max_failures_per_account: int = 5
    max_failures_per_address: int = 30


class LoginThrottled(Exception):
    """Too many failed logins; the message says when to try again (Swedish)."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def log_in(session: Session, email: str, password: str, address: str,
           policy: LoginPolicy) -> tuple[Optional[User], Optional[str]]:
    """Check the password; on success return (user, session token) and record the login.

    Raises LoginThrottled before checking anything when the account or address has failed
    too often within the window. A failure returns (None, None).
    """
    email = normalise_email(email)
    begin_write(session)
    since = utcnow() - policy.window
    by_account = session.scalar(select(func.count(LoginAttempt.id)).where(
        LoginAttempt.email == email, LoginAttempt.at >= since)) or 0
    by_address = session.scalar(select(func.count(LoginAttempt.id)).where(
        LoginAttempt.address == address, LoginAttempt.at >= since)) or 0
    if by_account >= policy.max_failures_per_account or \
            by_address >= policy.max_failures_per_address:
        record_event(session, "login_throttled", actor_email=email, address=address)
        session.commit()
        minutes = int(policy.window.total_seconds() // 60)
        raise LoginThrottled(f"För många misslyckade inloggningar. Vänta {minutes} minuter "
                             "och försök igen, eller kontakta systemförvaltaren.")
    user = authenticate(session, email, password)
    if user is None:
        session.add(LoginAttempt(email=email, address=address))
        record_event(session, "login_failed", actor_email=email, address=address)
        session.commit()
        return None, None
    session.execute(delete(LoginAttempt).where(LoginAttempt.email == email))
    token = secrets.token_urlsafe(32)
    session.add(UserSession(id=_hash(token), user_id=user.id))
    record_event(session, "login", actor=user, address=address)
    session.commit()
    return user, token


def resume(session: Session, token: Optional[str], policy: LoginPolicy,
           now: Optional[datetime] = None) -> Optional[User]:
    """The user a session token belongs to, if the session is still valid."""
    if not token:
        return None
    now = now or utcnow()
    row = session.get(UserSession, _hash(token))
    if row is None:
        return None
    if not row.user.active or now - row.last_seen_at > policy.idle \
            or now - row.created_at > policy.absolute:
        return None
    # Recorded coarsely, so that reading pages does not take the write lock each time, and
    # never by committing the request's session (see write_aside).
    if now - row.last_seen_at > timedelta(minutes=1):
        write_aside(session, update(UserSession).where(UserSession.id == row.id)
                    .values(last_seen_at=now).execution_options(synchronize_session=False))
        set_committed_value(row, "last_seen_at", now)
    return row.user


def log_out(session: Session, token: Optional[str], address: str = "") -> None:
    if not token:
        return
    row = session.get(UserSession, _hash(token))
    if row is not None:
        record_event(session, "logout", actor=row.user, address=address)
        session.delete(row)
        session.commit()


def end_all_sessions(session: Session, user: User) -> None:
    """Used when a user is deactivated; the caller commits."""
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))


def role_from_groups(groups: list[str], role_map: dict[str, str],
                     default_role: Optional[str]) -> Optional[str]:
    """The highest role any of the person's groups maps to, else the default (or None)."""
    ranking = ("staff", "coordinator", "editor", "admin")
    roles = [role_map[g] for g in groups if g in role_map]
    if roles:
        return max(roles, key=ranking.index)
    return default_role


def log_in_external(session: Session, *, email: str, name: str, groups: list[str],
                    role_map: dict[str, str], default_role: Optional[str],
                    address: str) -> tuple[Optional[User], Optional[str]]:
    """A login vouched for by the city's identity provider (OpenID Connect).

    The organisation account decides the role through its groups, at every login, so a
    person who leaves a group loses the role the next time. Returns (None, None) if the
    groups give no role or the account has been deactivated here.
    """
    begin_write(session)
    email = normalise_email(email)
    role = role_from_groups(groups, role_map, default_role)
    user = session.scalar(select(User).where(User.email == email))
    if role is None or not email or (user is not None and not user.active):
        record_event(session, "login_failed", actor_email=email, address=address,
                     detail={"via": "oidc", "groups": groups[:20]})
        session.commit()
        return None, None
    if user is None:
        user = User(email=email, name=name or "", role=role, password_hash=None)
        session.add(user)
        session.flush()
        record_event(session, "user_created", actor=user, address=address,
                     detail={"via": "oidc", "role": role})
    elif user.role != role:
        record_event(session, "role_changed", actor=user, target=user.email, address=address,
                     detail={"from": user.role, "to": role, "via": "oidc groups"})
        user.role = role
    if name and not user.name:
        user.name = name
    token = secrets.token_urlsafe(32)
    session.add(UserSession(id=_hash(token), user_id=user.id))
    record_event(session, "login", actor=user, address=address, detail={"via": "oidc"})
    session.commit()
    return user, token
