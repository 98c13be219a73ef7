"""Logins: server-side sessions with idle and absolute timeouts, and login throttling.

A browser holds only a random token; the server keeps its hash. Logging out, or an admin
deactivating the user, deletes the row, so a copied cookie is refused from then on, by
every worker process.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Optional

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ..audit.log import record_event
from ..core.db import begin_write, write_aside
from ..core.tokens import hash_token, new_token
from .models import LoginAttempt, User, UserSession
from ..core.base import utcnow
# end_all_sessions lives in users now; imported here too, where callers used to find it.
from .users import authenticate, end_all_sessions, normalise_email  # noqa: F401


@dataclass(frozen=True)
class LoginPolicy:
    idle: timedelta = timedelta(minutes=60)
    absolute: timedelta = timedelta(hours=10)
    window: timedelta = timedelta(minutes=15)
    max_failures_per_account: int = 5
    max_failures_per_address: int = 30
    max_delay: timedelta = timedelta(seconds=60)


class LoginThrottled(Exception):
    """Too many failed logins just now; the message says how long to wait (Swedish)."""

    def __init__(self, wait_seconds: int):
        self.wait_seconds = wait_seconds
        super().__init__(f"För många misslyckade inloggningar. Vänta {wait_seconds} sekunder "
                         "och försök igen. Har du glömt lösenordet, kontakta "
                         "systemförvaltaren.")


def _delay(failures: int, free: int, policy: LoginPolicy) -> timedelta:
    """How long after the last failure the next try must wait: nothing for the first `free`
    failures, then 2, 4, 8 … seconds, never more than `max_delay`.

    A delay rather than a lock: a stranger who fails on purpose can slow an account (or a
    shared NAT address) down, never shut it; the owner on a device she has logged in from
    before is not slowed at all (see log_in).
    """
    if failures < free:
        return timedelta(0)
    seconds = 2 ** min(failures - free + 1, 20)
    return min(timedelta(seconds=seconds), policy.max_delay)


def _wait(session: Session, column, value: str, free: int, policy: LoginPolicy,
          now: datetime) -> tuple[int, timedelta]:
    """(failures in the window, time left to wait) for one account or address."""
    failures, last = session.execute(select(func.count(LoginAttempt.id), func.max(LoginAttempt.at))
                                     .where(column == value,
                                            LoginAttempt.at >= now - policy.window)).one()
    failures = failures or 0
    if not failures or last is None:
        return failures, timedelta(0)
    return failures, max(timedelta(0), last + _delay(failures, free, policy) - now)


def log_in(session: Session, email: str, password: str, address: str,
           policy: LoginPolicy, known_user_ids: Iterable[int] = (),
           now: Optional[datetime] = None) -> tuple[Optional[User], Optional[str]]:
    """Check the password; on success return (user, session token) and record the login.

    Failed logins are counted per account and per address over `policy.window`. Past the
    free failures, a try that comes before its delay is up raises LoginThrottled without
    checking the password or counting. A correct password for an account that has logged
    in from this device before (`known_user_ids`, from the signed known-device cookie) is
    let through at any time. A failure returns (None, None) with the failed attempt
    flushed: the caller commits it even though it answers with an error, since it is what
    slows the next try down.
    """
    email = normalise_email(email)
    now = now or utcnow()
    begin_write(session)
    account_failures, account_wait = _wait(session, LoginAttempt.email, email,
                                           policy.max_failures_per_account, policy, now)
    address_failures, address_wait = _wait(session, LoginAttempt.address, address,
                                           policy.max_failures_per_address, policy, now)
    wait = max(account_wait, address_wait)
    known = set(known_user_ids)
    if wait and not (known and session.scalar(select(User.id).where(User.email == email))
                     in known):
        raise LoginThrottled(max(1, math.ceil(wait.total_seconds())))
    user = authenticate(session, email, password)
    if user is None:
        session.add(LoginAttempt(email=email, address=address, at=now))
        record_event(session, "login_failed", actor_email=email, address=address)
        # One audit entry when a burst starts (per account, per address), not one per try.
        if account_failures + 1 == policy.max_failures_per_account:
            record_event(session, "login_throttled", actor_email=email, address=address,
                         detail={"by": "account", "failures": account_failures + 1})
        if address_failures + 1 == policy.max_failures_per_address:
            record_event(session, "login_throttled", actor_email=email, address=address,
                         detail={"by": "address", "failures": address_failures + 1})
        session.flush()
        return None, None
    session.execute(delete(LoginAttempt).where(LoginAttempt.email == email))
    token = new_token()
    session.add(UserSession(id=hash_token(token), user_id=user.id))
    record_event(session, "login", actor=user, address=address)
    session.flush()
    return user, token


def resume(session: Session, token: Optional[str], policy: LoginPolicy,
           now: Optional[datetime] = None) -> Optional[User]:
    """The user a session token belongs to, if the session is still valid."""
    if not token:
        return None
    now = now or utcnow()
    row = session.get(UserSession, hash_token(token))
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
    row = session.get(UserSession, hash_token(token))
    if row is not None:
        record_event(session, "logout", actor=row.user, address=address)
        session.delete(row)
        session.flush()


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
        session.flush()
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
    token = new_token()
    session.add(UserSession(id=hash_token(token), user_id=user.id))
    record_event(session, "login", actor=user, address=address, detail={"via": "oidc"})
    session.flush()
    return user, token
