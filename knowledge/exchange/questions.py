"""Questions and answers on a published case.

Anyone logged in may ask; the case's author and its contact answer. Asking notifies the
author and the contact (in the app, and by e-mail with the next digest run whatever their
digest period); a contact address that belongs to no user is e-mailed directly.
"""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..cases.lifecycle import InvalidTransition, NotFound
from ..core.db import begin_write
from ..cases.models import Case
from ..accounts.models import User
from ..accounts.permissions import can_answer, can_ask, can_view_case, require, require_active
from ..accounts.users import find_user
from .common import clean_text, raise_if
from .follows import case_followers
from .models import Answer, Question
from .notifications import notify, notify_address

QUESTION_LABEL = "Fråga"
ANSWER_LABEL = "Svar"


def list_questions(session: Session, user: Optional[User], case: Case) -> list[Question]:
    require(bool(user) and can_view_case(user, case), "Du får inte se det här exemplet.")
    return list(session.scalars(select(Question).where(Question.case_id == case.id)
                                .order_by(Question.id)))


def get_question(session: Session, user: Optional[User], case: Case,
                 question_id: int) -> Question:
    question = session.get(Question, question_id)
    if question is None or question.case_id != case.id or not can_view_case(user, case):
        raise NotFound(question_id)
    return question


def ask_question(session: Session, user: Optional[User], case: Case,
                 data: dict[str, Any]) -> Question:
    user = require_active(user, "Logga in för att ställa frågor.")
    require(can_ask(user, case), "Logga in för att ställa frågor.")
    if case.status != "published":
        raise InvalidTransition("Frågor kan bara ställas om publicerade exempel.")
    errors: list = []
    body = clean_text(data, "body", QUESTION_LABEL, errors, required=True)
    raise_if(errors)
    begin_write(session)
    question = Question(case_id=case.id, asker_id=user.id, body=body)
    session.add(question)
    session.flush()
    message = f"{user.display_name} frågar om ”{case.title}”"
    key = f"question:{question.id}"
    notify(session, [case.author] if case.author else [], kind="question", event_key=key,
           message=message, case=case, text=body, actor=user)
    contact = case.contact_email.strip().lower() if case.contact_email else ""
    if contact:
        contact_user = find_user(session, contact)
        if contact_user is not None:
            notify(session, [contact_user], kind="question", event_key=key, message=message,
                   case=case, text=body, actor=user)
        elif contact != user.email:
            # Not a user of the bank: she reads the question in her e-mail, with the asker's
            # name and address so that she can answer her directly.
            notify_address(session, contact, kind="question", event_key=key,
                           message=f"{message} ({user.email})", case=case, text=body)
    session.flush()
    return question


def answer_question(session: Session, user: Optional[User], question: Question,
                    data: dict[str, Any]) -> Answer:
    case = question.case
    refusal = "Bara exemplets författare och kontaktperson kan svara på frågor."
    user = require_active(user, refusal)
    require(can_answer(user, case), refusal)
    errors: list = []
    body = clean_text(data, "body", ANSWER_LABEL, errors, required=True)
    raise_if(errors)
    begin_write(session)
    answer = Answer(question=question, author_id=user.id, body=body)
    session.add(answer)
    session.flush()
    notify(session, [question.asker], kind="answer_mine", event_key=f"answer:{answer.id}",
           message=f"{user.display_name} har svarat på din fråga om ”{case.title}”",
           case=case, text=body, actor=user)
    notify(session, case_followers(session, case), kind="answer",
           event_key=f"answer:{answer.id}",
           message=f"Nytt svar om ”{case.title}” från {user.display_name}",
           case=case, text=body, actor=user)
    session.flush()
    return answer

