"""Who may do what. Every domain action calls one of these first (CKAN's rule).

Roles (DESIGN.md): staff and coordinators write cases and see their own unpublished ones;
editors (the central office) also review, publish, return, archive and feature; admins manage
users and tokens but take no editorial decisions. Everyone logged in reads published cases.
"""
from __future__ import annotations

from typing import Optional

from .models import Case, User

AUTHOR_ROLES = ("staff", "coordinator", "editor")
EDITABLE_BY_AUTHOR = ("draft", "returned")


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
    if is_author(user, case) and case.status in EDITABLE_BY_AUTHOR and user.active:
        return True
    return is_editor(user) and case.status != "draft"


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def require_author_role(user: Optional[User]) -> None:
    require(bool(user and user.active and user.role in AUTHOR_ROLES),
            "Din roll får inte skriva exempel.")


def require_editor(user: Optional[User]) -> None:
    require(is_editor(user), "Endast redaktörer får göra detta.")


def require_admin(user: Optional[User]) -> None:
    require(is_admin(user), "Endast systemförvaltare får göra detta.")
