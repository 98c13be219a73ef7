"""Who may do what: every rule, in one place. Every domain action calls one of these first
(CKAN's rule), and the views ask the same `can_*` functions what to show.

`require_*` raise PermissionDenied (the web layer answers 403) and return the user, narrowed
from Optional[User] to User, so the code after the check may use her without another test.

Roles (docs/architecture.md): staff and coordinators write cases and see their own unpublished ones;
editors (the central office) also review, publish, return, archive and feature; admins manage
users and tokens but take no editorial decisions. Everyone logged in reads published cases.
"""
from __future__ import annotations

from typing import Optional, Protocol

from ..cases.models import Case
from .models import User

AUTHOR_ROLES = ("staff", "coordinator", "editor")
EDITABLE_BY_AUTHOR = ("draft", "returned")
# A case is submitted for review from these statuses, by its author (can_submit_case).
SUBMITTABLE = EDITABLE_BY_AUTHOR


class PermissionDenied(Exception):
    """The actor may not do this. The message is Swedish and shown to the person."""


def is_editor(user: Optional[User]) -> bool:
    return bool(user and user.active and user.role == "editor")


def is_admin(user: Optional[User]) -> bool:
    return bool(user and user.active and user.role == "admin")


def is_author(user: Optional[User], case: Case) -> bool:
    return bool(user and case.author_id is not None and case.author_id == user.id)


def can_view_case(user: Optional[User], case: Case) -> bool:
    if not (user and user.active):
        return False
    if case.status == "published":
        return True
    if is_author(user, case):
        return True
    # Drafts belong to their author until submitted; editors see everything after that.
    return is_editor(user) and case.status != "draft"


def can_edit_case(user: Optional[User], case: Case) -> bool:
    if user is not None and is_author(user, case) and case.status in EDITABLE_BY_AUTHOR \
            and user.active:
        return True
    return is_editor(user) and case.status != "draft"


def can_submit_case(user: Optional[User], case: Case) -> bool:
    """Only the author submits, her own draft or returned case (the form's button, the
    domain's check and the case page all ask this)."""
    return bool(user and user.active and is_author(user, case)
                and case.status in SUBMITTABLE)


def is_contact(user: Optional[User], case: Case) -> bool:
    """The case's contact person, when her address is a user's address."""
    return bool(user and case.contact_email
                and user.email == case.contact_email.strip().lower())


def is_responsible(user: Optional[User], case: Case) -> bool:
    """The people who answer for a case: its author and its contact."""
    return bool(user and user.active and (is_author(user, case) or is_contact(user, case)))


def can_ask(user: Optional[User], case: Case) -> bool:
    """A question about a case: anyone who may read it."""
    return bool(user and user.active and can_view_case(user, case))


def can_answer(user: Optional[User], case: Case) -> bool:
    """Questions are answered by the people who answer for the case."""
    return is_responsible(user, case) and can_view_case(user, case)


def can_confirm(user: Optional[User], case: Case) -> bool:
    """Confirming that a case is still current: its author or an editor."""
    return bool(user and user.active and (is_author(user, case) or is_editor(user)))


def can_report_adoption(user: Optional[User], case: Case) -> bool:
    """Reporting that a case was tried elsewhere: the roles that write cases. Admins manage
    the system and take no part in the work itself (README: roles)."""
    return bool(user and user.active and user.role in AUTHOR_ROLES
                and can_view_case(user, case))


class _Reported(Protocol):
    user_id: int


def can_update_adoption(user: Optional[User], report: _Reported) -> bool:
    """Updates to an adoption report come from the person who reported it."""
    return bool(user and user.active and report.user_id == user.id)


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def require_active(user: Optional[User],
                   message: str = "Logga in för att fortsätta.") -> User:
    """Someone logged in whose account is active; she is returned as a User."""
    if user is None or not user.active:
        raise PermissionDenied(message)
    return user


def require_author_role(user: Optional[User]) -> User:
    user = require_active(user, "Din roll får inte skriva exempel.")
    require(user.role in AUTHOR_ROLES, "Din roll får inte skriva exempel.")
    return user


def require_editor(user: Optional[User]) -> User:
    if user is None or not is_editor(user):
        raise PermissionDenied("Endast redaktörer får göra detta.")
    return user


def require_admin(user: Optional[User]) -> User:
    if user is None or not is_admin(user):
        raise PermissionDenied("Endast systemförvaltare får göra detta.")
    return user
