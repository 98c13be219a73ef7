"""The editor's decision on a case, told to its author.

Returning and publishing are the lifecycle steps in knowledge/cases/lifecycle.py; this module runs
them and adds the author's notification in the same transaction, so she hears of every
decision (in the app at once, by e-mail with the next digest) or of none if it failed.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from ..cases import lifecycle as cases
from ..cases.models import Case
from ..accounts.models import User
from .notifications import notify


def return_case(session: Session, editor: User, case: Case, comment: str) -> Case:
    cases.return_case(session, editor, case, comment)
    notify(session, [case.author], kind="case_returned", actor=editor, case=case,
           event_key=f"case_returned:{case.id}:{case.updated_at:%Y%m%d%H%M%S%f}",
           message=f"”{case.title}” har återsänts till dig med en kommentar från "
                   "redaktören. Ändra det och skicka det igen.",
           text=case.review_comment)
    session.flush()
    return case


def publish_case(session: Session, editor: User, case: Case, *,
                 personal_data_reason: str = "") -> Case:
    first_time = case.published_at is None
    cases.publish_case(session, editor, case, personal_data_reason=personal_data_reason)
    if first_time:  # publishing an archived case again is no news to its author
        notify(session, [case.author], kind="case_published", actor=editor, case=case,
               event_key=f"case_published:{case.id}",
               message=f"”{case.title}” är publicerat och syns nu för alla.")
    session.flush()
    return case
