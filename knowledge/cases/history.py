"""A case's revision history as readable differences, and restoring an earlier version.

Each CaseRevision stores {field: [old, new]}; the revision that created the case stores
[None, value] for every field that was filled in. Replaying the revisions in order therefore
gives the case's fields as they were after any revision.

Who sees what: everyone who may read the case sees who changed which fields when. The
differences themselves (the old text) only editors and the case's author see: earlier
versions can hold text that was removed on purpose before publishing, such as personal data
the guard found or wording the review asked to change.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, Optional

from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from .lifecycle import NotFound, PersonalDataFound, case_fields, update_case
from ..indicators.data import indicators_in_words
from .models import Case, CaseRevision
from ..taxonomy.models import District, EvidenceLevel, PriorityArea
from ..accounts.models import User
from ..accounts.permissions import can_view_case, is_author, is_editor, require, require_editor
from .privacy import scan_case_fields
from .fields import LABELS, LIST_FIELDS, RESTORED_FIELDS, WORD_DIFF_FIELDS

# What a restore puts back (RESTORED_FIELDS) is the content. Status follows the review
# workflow, and the external id ties the case to a source system, so neither is taken from
# an old version.
CONTEXT_WORDS = 12     # unchanged words kept on each side of a change in a long text
EMPTY = "(tomt)"


@dataclass
class FieldChange:
    field: str
    label: str
    html: Optional[Markup]   # None where a value was only filled in (the case's creation)


@dataclass
class RevisionEntry:
    revision: CaseRevision
    changed_labels: list[str]
    changes: list[FieldChange]   # empty for readers who may not see the differences
    restorable: bool
    # Review comments talk about the text before it was fixed (often quoting what had to
    # go, personal data included): only editors and the author read them.
    comment: str = ""


def may_see_differences(user: Optional[User], case: Case) -> bool:
    return is_editor(user) or is_author(user, case)


def may_restore(user: Optional[User], case: Case) -> bool:
    return is_editor(user) and case.status != "draft"


def case_history(session: Session, user: Optional[User], case: Case) -> list[RevisionEntry]:
    """The case's revisions, newest first, each with its differences where allowed."""
    if not can_view_case(user, case):
        raise NotFound(case.id)
    show = may_see_differences(user, case)
    restore = may_restore(user, case)
    names = _display_names(session) if show else {}
    current = _content(case_fields(case))
    state: dict[str, Any] = {}
    entries = []
    for position, revision in enumerate(case.revisions):
        _replay(state, revision)
        fields = [f for f in revision.changes if f in LABELS and f != "status"]
        # The first revision filled in a new case (created or imported): every field is
        # new, so there is nothing to compare. A re-import that updates is compared.
        creation = position == 0
        entries.append(RevisionEntry(
            revision=revision,
            changed_labels=[LABELS[f] for f in fields],
            changes=[_describe(f, revision.changes[f][0], revision.changes[f][1], names,
                               creation=creation)
                     for f in fields] if show else [],
            # Offered where the case would actually change; a status-only revision has
            # the same content as the one before it, which is offered instead.
            restorable=restore and bool(fields) and _content(state) != current,
            comment=revision.comment if show else "",
        ))
    return entries[::-1]


def fields_as_of(case: Case, revision_id: int) -> dict[str, Any]:
    """The case's content fields as they were right after the given revision."""
    if not any(r.id == revision_id for r in case.revisions):
        raise NotFound(revision_id)
    state: dict[str, Any] = {}
    for revision in case.revisions:
        _replay(state, revision)
        if revision.id == revision_id:
            break
    return {f: _blank_as(f, state.get(f)) for f in RESTORED_FIELDS}


def restore_revision(session: Session, user: Optional[User], case: Case,
                     revision_id: int) -> Case:
    """Make an earlier version the current one, recorded as a new revision ("restored").

    On a published case the restored text goes live at once, so it must pass the same
    personal-data guard as publishing (an older version may hold what was removed).
    """
    user = require_editor(user)
    require(case.status != "draft", "Ett utkast kan bara ändras av sin författare.")
    values = fields_as_of(case, revision_id)
    if case.status == "published":
        findings = scan_case_fields(values)
        if findings:
            raise PersonalDataFound(findings)
    return update_case(session, user, case, values, action="restored")


# --- replaying and describing ---------------------------------------------------------------

def _replay(state: dict[str, Any], revision: CaseRevision) -> None:
    for field, pair in (revision.changes or {}).items():
        state[field] = pair[1]


def _blank_as(field: str, value: Any) -> Any:
    if value is None:
        return [] if field in LIST_FIELDS else ""
    return value


def _content(fields: dict[str, Any]) -> dict[str, Any]:
    # None, "" and [] all mean "not filled in": creation records only what was filled in.
    content = {f: fields.get(f) or None for f in RESTORED_FIELDS}
    # A revision keeps the areas in the order they were chosen; the database returns them
    # in taxonomy order. The order means nothing.
    content["priority_areas"] = sorted(content["priority_areas"] or [])
    return content


def _display_names(session: Session) -> dict[str, dict[str, str]]:
    """Slug → name for areas (any set; the active set wins), districts and evidence levels."""
    areas: dict[str, str] = {}
    for area in session.scalars(select(PriorityArea)):
        if area.area_set.active or area.slug not in areas:
            areas[area.slug] = area.name
    return {
        "priority_areas": areas,
        "district": {d.slug: d.name for d in session.scalars(select(District))},
        "evidence_level": {e.slug: e.name for e in session.scalars(select(EvidenceLevel))},
    }


def _describe(field: str, old: Any, new: Any, names: dict[str, dict[str, str]], *,
              creation: bool = False) -> FieldChange:
    label = LABELS[field]
    if creation:
        return FieldChange(field, label, None)
    if field in WORD_DIFF_FIELDS:
        return FieldChange(field, label, word_diff(old or "", new or ""))
    before, after = _plain(field, old, names), _plain(field, new, names)
    html = Markup('<span class="before"><span class="visually-hidden">Före: </span>{}</span>'
                  ' → <span class="after"><span class="visually-hidden">Efter: </span>{}'
                  '</span>').format(before, after)
    return FieldChange(field, label, html)


def _plain(field: str, value: Any, names: dict[str, dict[str, str]]) -> str:
    if value in (None, "", []):
        return EMPTY
    lookup = names.get(field, {})
    if field == "indicators":
        return indicators_in_words(value)
    if isinstance(value, list):
        return ", ".join(lookup.get(str(v), str(v)) for v in value)
    return lookup.get(str(value), str(value))


# A word with the spaces after it: spaces alone would anchor matches and chop a rewritten
# sentence into alternating one-word deletions and insertions.
_TOKENS = re.compile(r"\S+\s*|\s+")


def word_diff(old: str, new: str) -> Markup:
    """Words removed in <del>, words added in <ins>, everything escaped.

    Long unchanged stretches are cut down to a few words either side of a change. The
    hidden words "Borttaget:"/"Tillagt:" tell screen readers, which do not announce
    <del> and <ins>, what changed.
    """
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    parts: list[Markup] = []
    opcodes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    for index, (op, i1, i2, j1, j2) in enumerate(opcodes):
        if op == "equal":
            parts.append(_shorten(a[i1:i2], first=index == 0,
                                  last=index == len(opcodes) - 1))
            continue
        if i2 > i1:
            parts.append(Markup('<del><span class="visually-hidden">Borttaget: </span>{}'
                                '</del>').format(_lines("".join(a[i1:i2]))))
        if j2 > j1:
            parts.append(Markup('<ins><span class="visually-hidden">Tillagt: </span>{}'
                                '</ins>').format(_lines("".join(b[j1:j2]))))
    return Markup("").join(parts)


def _shorten(tokens: list[str], *, first: bool, last: bool) -> Markup:
    keep = CONTEXT_WORDS
    if len(tokens) <= 2 * keep + 1 or (first and last):
        return _lines("".join(tokens))
    head = [] if first else tokens[:keep]
    tail = [] if last else tokens[-keep:]
    return _lines("".join(head)) + Markup(" … ") + _lines("".join(tail))


def _lines(text: str) -> Markup:
    return Markup("<br>\n").join(escape(line) for line in text.split("\n"))
