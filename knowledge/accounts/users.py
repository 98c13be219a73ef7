"""Users, passwords (argon2id) and API tokens."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ..audit.log import record_event
from ..core.db import write_aside
from .models import ROLES, ApiToken, FeedToken, User, UserSession
from ..core.base import utcnow
from .passwords import password_problems
from .permissions import require_admin
from ..core.tokens import hash_token, new_token
from ..cases.validation import FieldError, ValidationError, single_line

ROLE_LABELS = {
    "staff": "Medarbetare",
    "coordinator": "Trygghetssamordnare",
    "editor": "Redaktör",
    "admin": "Systemförvaltare",
}
SYSTEM_EMAIL = "system@erfarenhetsbanken.invalid"

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verifying against this keeps a failed login for an unknown e-mail as slow as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def create_user(session: Session, *, email: str, role: str, password: Optional[str],
                name: str = "") -> User:
    email = normalise_email(email)
    errors = []
    if "@" not in email:
        errors.append(FieldError("email", f"E-post: \"{email}\" är ingen giltig e-postadress."))
    if role not in ROLES:
        errors.append(FieldError("role", f"Roll: okänt värde \"{role}\". Giltiga värden: "
                                         f"{', '.join(ROLES)}."))
    if password is not None:
        errors.extend(FieldError("password", problem)
                      for problem in password_problems(password, email))
    if email and session.scalar(select(User.id).where(User.email == email)) is not None:
        errors.append(FieldError("email", f"E-post: det finns redan en användare med {email}."))
    if errors:
        raise ValidationError(errors)
    user = User(email=email, role=role, name=single_line(name),
                password_hash=_hasher.hash(password) if password else None)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> Optional[User]:
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    stored = user.password_hash if user and user.password_hash else _DUMMY_HASH
    try:
        _hasher.verify(stored, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active or not user.password_hash:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        # Saved with the login it belongs to (the caller commits).
        user.password_hash = _hasher.hash(password)
    return user


def system_user(session: Session) -> User:
    """The actor for command-line imports: an editor that cannot log in."""
    user = session.scalar(select(User).where(User.email == SYSTEM_EMAIL))
    if user is None:
        user = User(email=SYSTEM_EMAIL, role="editor", name="Import (system)",
                    password_hash=None)
        session.add(user)
        session.flush()
    return user


TOKEN_DAYS = 180  # an API token's default lifetime; `users token EMAIL --days N` changes it
TOKEN_PREFIX = "eb_"


def issue_token(session: Session, user: User, days: int = TOKEN_DAYS) -> str:
    """Create an API token for the user and return it; only its hash is stored."""
    if not 1 <= days <= 3650:
        raise ValidationError([FieldError("days", "Giltighetstid: ange 1–3650 dagar.")])
    token = new_token(TOKEN_PREFIX)
    session.add(ApiToken(user_id=user.id, token_hash=hash_token(token),
                         expires_at=utcnow() + timedelta(days=days)))
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> Optional[User]:
    now = utcnow()
    api_token = session.scalar(select(ApiToken).where(
        ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None)))
    if api_token is None or not api_token.user.active:
        return None
    if api_token.expires_at is not None and api_token.expires_at <= now:
        return None
    # Recorded coarsely, so that reading the API does not take the write lock every time.
    if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 300:
        write_aside(session, update(ApiToken).where(ApiToken.id == api_token.id)
                    .values(last_used_at=now).execution_options(synchronize_session=False))
        set_committed_value(api_token, "last_used_at", now)
    return api_token.user


def list_tokens(session: Session, user: Optional[User] = None) -> list[ApiToken]:
    """API tokens, newest first (one user's, or everyone's), revoked and expired included."""
    query = select(ApiToken).order_by(ApiToken.id.desc())
    if user is not None:
        query = query.where(ApiToken.user_id == user.id)
    return list(session.scalars(query))


def token_state(token: ApiToken, now: Optional[datetime] = None) -> str:
    now = now or utcnow()
    if token.revoked_at is not None:
        return "spärrad"
    if token.expires_at is not None and token.expires_at <= now:
        return "utgången"
    return "giltig"


def revoke_token(session: Session, token: ApiToken, *, actor_email: str,
                 address: str = "") -> None:
    """Stop one API token at once. The caller has checked who may (admin page, CLI)."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record_event(session, "api_token_revoked", actor_email=actor_email,
                     target=token.user.email, address=address, detail={"token_id": token.id})
    session.flush()


def revoke_all_feed_tokens(session: Session, user: User) -> int:
    """Stop every feed token she has (knowledge.exchange.feeds makes them); the number."""
    result = session.execute(update(FeedToken).where(
        FeedToken.user_id == user.id, FeedToken.revoked_at.is_(None))
        .values(revoked_at=utcnow()))
    return getattr(result, "rowcount", 0) or 0


def end_all_sessions(session: Session, user: User, keep: Optional[str] = None) -> None:
    """Used when a user is deactivated or her password changes (then `keep` is the token of
    the session she changed it in). Here, not in knowledge.accounts.logins, because logins builds on
    this module (authenticate) and the dependency points one way."""
    query = delete(UserSession).where(UserSession.user_id == user.id)
    if keep:
        query = query.where(UserSession.id != hash_token(keep))
    session.execute(query)


def _revoke_all_tokens(session: Session, user: User) -> None:
    session.execute(update(ApiToken).where(ApiToken.user_id == user.id,
                                           ApiToken.revoked_at.is_(None))
                    .values(revoked_at=utcnow()))
    revoke_all_feed_tokens(session, user)


def find_user(session: Session, email: str) -> Optional[User]:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def list_users(session: Session, admin: Optional[User]) -> list[User]:
    admin = require_admin(admin)
    return list(session.scalars(select(User).where(User.email != SYSTEM_EMAIL)
                                .order_by(User.email)))


def set_role(session: Session, admin: Optional[User], user: User, role: str,
             address: str = "") -> User:
    admin = require_admin(admin)
    if role not in ROLES:
        raise ValidationError([FieldError("role", f"Roll: okänt värde \"{role}\". Giltiga "
                                                  f"värden: {', '.join(ROLES)}.")])
    if user.id == admin.id and role != "admin":
        raise ValidationError([FieldError("role", "Roll: du kan inte ta bort din egen "
                                                  "administratörsroll.")])
    if user.role != role:
        record_event(session, "role_changed", actor=admin, target=user.email, address=address,
                     detail={"from": user.role, "to": role})
        user.role = role
    session.flush()
    return user


def set_active(session: Session, admin: Optional[User], user: User, active: bool,
               address: str = "") -> User:
    """Deactivating a user also ends every session she has, at once."""
    admin = require_admin(admin)
    if user.id == admin.id and not active:
        raise ValidationError([FieldError("active", "Du kan inte avaktivera dig själv.")])
    if user.active != active:
        user.active = active
        if not active:
            # Tokens too, so that activating her again does not bring old ones back.
            end_all_sessions(session, user)
            _revoke_all_tokens(session, user)
        record_event(session, "user_activated" if active else "user_deactivated",
                     actor=admin, target=user.email, address=address)
    session.flush()
    return user


def change_password(session: Session, user: User, current: str, new: str, again: str, *,
                    keep_session: Optional[str] = None, address: str = "") -> None:
    """She changes her own password: the current one is required, the new one must follow
    the rules, and every other session of hers ends (a thief's included)."""
    errors = []
    if not user.password_hash:
        raise ValidationError([FieldError("current_password", (
            "Du loggar in med ditt organisationskonto och har inget lösenord här."))])
    try:
        _hasher.verify(user.password_hash, current or "")
    except (VerificationError, InvalidHashError):
        errors.append(FieldError("current_password", "Nuvarande lösenord: stämmer inte."))
    errors.extend(FieldError("new_password", problem)
                  for problem in password_problems(new or "", user.email))
    if new and current and new == current:
        errors.append(FieldError("new_password", "Nytt lösenord: måste skilja sig från det "
                                                 "nuvarande."))
    if (new or "") != (again or ""):
        errors.append(FieldError("new_password_again", "Upprepa nytt lösenord: de två nya "
                                                       "lösenorden är inte lika."))
    if errors:
        raise ValidationError(errors)
    user.password_hash = _hasher.hash(new)
    user.must_change_password = False
    end_all_sessions(session, user, keep=keep_session)
    record_event(session, "password_changed", actor=user, target=user.email, address=address)
    session.flush()


def reset_password(session: Session, user: User, *, actor_email: str, address: str = "") -> str:
    """An admin's reset: a one-time password, shown once, that only lets her choose a new
    one at her next login. Her sessions end now. The caller has checked who may."""
    one_time = "-".join(secrets.token_urlsafe(6) for _ in range(3))
    user.password_hash = _hasher.hash(one_time)
    user.must_change_password = True
    end_all_sessions(session, user)
    record_event(session, "password_reset", actor_email=actor_email, target=user.email,
                 address=address)
    session.flush()
    return one_time


def get_user(session: Session, user_id: int) -> Optional[User]:
    user = session.get(User, user_id)
    return None if user is None or user.email == SYSTEM_EMAIL else user
