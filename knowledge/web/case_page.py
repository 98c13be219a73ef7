"""The case page's view model: everything templates/cases/detail.html and its fragments show.

Four views render the case page (reading it, and three posts that show it again with an
error: publishing blocked by personal data, a return without comment, a question or an
adoption update without text), and the exchange posts render single fragments of it. They all
build a `CasePage`, so the page reads the same data whoever renders it, and each part is read
from the database at most once per request, and only when the template shows it (the parts
are cached properties: a fragment reads only its own).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Optional

from flask import render_template

from .. import search
from ..cases.fields import CaseField, page_fields
from ..cases.lifecycle import personal_data_in
from ..exchange import adoptions, bookmarks, follows, questions, stale
from ..exchange import collections as collections_domain
from ..cases.history import RevisionEntry, case_history
from ..indicators.presentation import IndicatorView, indicator_views
from ..cases.models import Case
from ..accounts.models import User
from ..accounts.permissions import can_edit_case, can_submit_case
from ..cases.privacy import describe
from .support import actor, get_db, search_index

# A form on the page that was sent with errors: (which form, errors by field, the text sent).
FormState = tuple[Any, dict[str, list[str]], str]


@dataclass(eq=False)
class CasePage:
    case: Case
    user: Optional[User]
    # The case page's own forms, when one of them came back with errors.
    publish_blocked: bool = False
    return_errors: list[str] = field(default_factory=list)
    question_form: Optional[FormState] = None
    update_form: Optional[FormState] = None

    @property
    def can_edit(self) -> bool:
        return can_edit_case(self.user, self.case)

    @property
    def can_submit(self) -> bool:
        return can_submit_case(self.user, self.case)

    @cached_property
    def similar(self) -> list[Case]:
        if self.case.status != "published":
            return []
        return search.similar_cases(search_index(), get_db(), self.case)

    @cached_property
    def indicators(self) -> list[IndicatorView]:
        """The measured results: a chart, the numbers and the change in words each."""
        return indicator_views(self.case)

    @cached_property
    def personal_data(self) -> list[str]:
        """What the editor is told before publishing: personal data found in the text."""
        return describe(personal_data_in(self.case))

    @cached_property
    def history(self) -> list[RevisionEntry]:
        return case_history(get_db(), self.user, self.case)

    @cached_property
    def thread(self) -> dict[str, Any]:
        return {"questions": questions.list_questions(get_db(), self.user, self.case),
                "can_ask": questions.can_ask(self.user, self.case)
                and self.case.status == "published",
                "can_answer": questions.can_answer(self.user, self.case)}

    @cached_property
    def adoptions(self) -> dict[str, Any]:
        return {"chain": adoptions.adoption_chain(get_db(), self.user, self.case),
                "can_report": adoptions.can_report(self.user, self.case)
                and self.case.status == "published",
                "user_id": self.user.id if self.user else None,
                "statuses": adoptions.STATUSES}

    @cached_property
    def bookmarked(self) -> bool:
        return bookmarks.is_bookmarked(get_db(), self.user, self.case)

    @cached_property
    def followed(self) -> bool:
        return follows.case_follow(get_db(), self.user, self.case) is not None

    @cached_property
    def stale_since(self):
        if not stale.can_confirm(self.user, self.case):
            return None
        return stale.stale_since(get_db(), self.case)

    @cached_property
    def collections(self) -> list:
        return collections_domain.collections_with_case(get_db(), self.case)

    @staticmethod
    def fields(section: str) -> tuple[CaseField, ...]:
        """The case fields shown in a section of the page (knowledge.cases.fields)."""
        return page_fields(section)


def case_page(case: Case, **form_state: Any) -> CasePage:
    """The view model for the current user's view of `case`."""
    return CasePage(case=case, user=actor(), **form_state)


def render_case_page(page: CasePage, template: str = "cases/detail.html", **context: Any) -> str:
    """The case page, or one of its fragments, from the view model."""
    return render_template(template, page=page, case=page.case, **context)
