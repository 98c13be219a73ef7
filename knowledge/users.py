"""Users, passwords (argon2id) and API tokens."""
from __future__ import annotations

import hashlib
import secrets
from typing import Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from .audit import record_event
from .db import write_aside
from .models import ROLES, ApiToken, User, utcnow
from .permissions import require_admin
from .validation import FieldError, ValidationError

ROLE_LABELS = {
    "staff": "Medarbetare",
    "coordinator": "Trygghetssamordnare",
    "editor": "Redaktör",
    "admin": "Systemförvaltare",
}
SYSTEM_EMAIL = "system@erfarenhetsbanken.invalid"
PASSWORD_MIN = 10

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verifying against this keeps a failed login for an unknown e-mail as slow as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def create_user(session: Session, *, email: str, role: str, password: Optional[str],
                name: str = "", commit: bool = True) -> User:
    email = normalise_email(email)
    errors = []
    if "@" not in email:
        errors.append(FieldError("email", f"E-post: \"{email}\" är ingen giltig e-postadress."))
    if role not in ROLES:
        errors.append(FieldError("role", f"Roll: okänt värde \"{role}\". Giltiga värden: "
                                         f"{', '.join(ROLES)}."))
    if password is not None and len(password) < PASSWORD_MIN:
        errors.append(FieldError("password", f"Lösenord: måste vara minst {PASSWORD_MIN} tecken."))
    if email and session.scalar(select(User.id).where(User.email == email)) is not None:
        errors.append(FieldError("email", f"E-post: det finns redan en användare med {email}."))
    if errors:
        raise ValidationError(errors)
    user = User(email=email, role=role, name=name.strip(),
                password_hash=_hasher.hash(password) if password else None)
    session.add(user)
    if commit:
        session.commit()
    else:
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
        user.password_hash = _hasher.hash(password)
        session.commit()
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


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User) -> str:
    """Create an API token for the user and return it; only its hash is stored."""
    token = "eb_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token)))
    session.commit()
    return token


def user_for_token(session: Session, token: str) -> Optional[User]:
    api_token = session.scalar(select(ApiToken).where(
        ApiToken.token_hash == _token_hash(token), ApiToken.revoked_at.is_(None)))
    if api_token is None or not api_token.user.active:
        return None
    # Recorded coarsely, so that reading the API does not take the write lock every time.
    now = utcnow()
    if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 300:
        write_aside(session, update(ApiToken).where(ApiToken.id == api_token.id)
                    .values(last_used_at=now).execution_options(synchronize_session=False))
        set_committed_value(api_token, "last_used_at", now)
    return api_token.user


def find_user(session: Session, email: str) -> Optional[User]:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def list_users(session: Session, admin: Optional[User]) -> list[User]:
    require_admin(admin)
    return list(session.scalars(select(User).where(User.email != SYSTEM_EMAIL)
                                .order_by(User.email)))


def set_role(session: Session, admin: Optional[User], user: User, role: str,
             address: str = "") -> User:
    require_admin(admin)
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
    session.commit()
    return user


def set_active(session: Session, admin: Optional[User], user: User, active: bool,
               address: str = "") -> User:
    """Deactivating a user also ends every session she has, at once."""
    from .logins import end_all_sessions

    require_admin(admin)
    if user.id == admin.id and not active:
        raise ValidationError([FieldError("active", "Du kan inte avaktivera dig själv.")])
    if user.active != active:
        user.active = active
        if not active:
            end_all_sessions(session, user)
        record_event(session, "user_activated" if active else "user_deactivated",
                     actor=admin, target=user.email, address=address)
    session.commit()
    return user


def get_user(session: Session, user_id: int) -> Optional[User]:
    user = session.get(User, user_id)
    return None if user is None or user.email == SYSTEM_EMAIL else user
