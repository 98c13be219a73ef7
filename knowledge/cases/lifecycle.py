"""Cases and their lifecycle: draft → submitted → (returned → submitted …) → published → archived.

Every action here checks permission first, then validates, then writes the case, a revision
and (when what is searchable changed) a search-outbox row in the same transaction. The
form, the import and the API all come through these functions.

They flush and never commit: the caller is the boundary and commits once (the web layer
after each request, knowledge/web/__init__.py; each command in knowledge/cli.py; a test
where it acts as the caller), so that several steps are saved together or not at all.
"""
from __future__ import annotations

import weakref
from datetime import date
from typing import Any, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..audit.log import record_event
from ..core.db import begin_write
from .edit_conflicts import EditConflict, check_version
from ..indicators.data import apply_indicators, indicators_as_data
from ..audit.models import AuditEvent
from .models import Case, CaseRevision
from ..search.models import OutboxEntry
from ..accounts.models import User
from ..core.base import utcnow
from .privacy import Finding, describe, scan_case_fields
from ..accounts.permissions import (
    EDITABLE_BY_AUTHOR, SUBMITTABLE, PermissionDenied, can_edit_case, can_view_case, is_author,
    require, require_active, require_author_role, require_editor,
)
from ..taxonomy.reference import current_taxonomy
from .fields import AREAS, DATE, DISTRICT, FIELDS, INDICATORS, LIST, PLAIN_FIELDS
from .validation import FieldError, ValidationError, clean_case_input

STATUS_LABELS = {
    "draft": "Utkast",
    "submitted": "Inskickad för granskning",
    "returned": "Återsänd med kommentar",
    "published": "Publicerad",
    "archived": "Arkiverad",
}
ACTION_LABELS = {
    "created": "Skapade exemplet",
    "updated": "Ändrade exemplet",
    "imported": "Importerade exemplet",
    "submitted": "Skickade för granskning",
    "returned": "Återsände med kommentar",
    "published": "Publicerade",
    "archived": "Arkiverade",
    "featured": "Lyfte fram på startsidan",
    "district_merged": "Flyttade vid sammanslagning av stadsdelsområden",
    "unfeatured": "Tog bort från startsidan",
    "restored": "Återställde en tidigare version",
    "reviewed": "Bekräftade att exemplet är aktuellt",
}
class NotFound(Exception):
    """No such case, or one the actor may not see (we do not reveal which)."""


class InvalidTransition(Exception):
    """The case is not in a state where this action makes sense. Message in Swedish."""


class PersonalDataFound(ValidationError):
    """The case text holds personal identity numbers, e-mail addresses or phone numbers."""

    def __init__(self, findings: list[Finding]):
        super().__init__([FieldError(f.field, message)
                          for f, message in zip(findings, describe(findings))])
        self.findings = findings


def personal_data_in(case: Case) -> list[Finding]:
    return scan_case_fields(case_fields(case))


def _guard_personal_data(case: Case) -> None:
    findings = personal_data_in(case)
    if findings:
        raise PersonalDataFound(findings)


def _personal_data_allowed(case: Case, reason: str) -> tuple[list[Finding], str]:
    """What the text still holds; raises unless an editor gave a reason to publish it."""
    findings = personal_data_in(case)
    reason = (reason or "").strip()
    if findings and not reason:
        raise PersonalDataFound(findings)
    return findings, reason


def _record_personal_data_reason(session: Session, user: User, case: Case,
                                 findings: list[Finding], reason: str) -> None:
    # The reason and what was found (never the text itself) go to the audit log; the
    # export carries the reason, so that importing the export publishes the case again.
    if findings:
        record_event(session, "published_with_personal_data", actor=user,
                     target=f"case:{case.id}",
                     detail={"reason": reason,
                             "found": sorted({f"{f.field}:{f.kind}" for f in findings})})


def personal_data_reasons(session: Session) -> dict[int, str]:
    """The latest recorded reason for publishing each case despite personal data."""
    reasons: dict[int, str] = {}
    for target, detail in session.execute(
            select(AuditEvent.target, AuditEvent.detail)
            .where(AuditEvent.event == "published_with_personal_data")
            .order_by(AuditEvent.id)):
        kind, _, number = target.partition(":")
        if kind == "case" and number.isdigit() and (detail or {}).get("reason"):
            reasons[int(number)] = detail["reason"]
    return reasons


def case_fields(case: Case) -> dict[str, Any]:
    """All case fields by their names (docs/architecture.md), as plain JSON-ready values, in the order of
    knowledge.cases.fields.FIELDS (the JSONL export's and the API's shape)."""
    return {field.name: _plain_value(case, field.name, field.kind) for field in FIELDS}


def _plain_value(case: Case, name: str, kind: str) -> Any:
    if kind == DISTRICT:
        return case.district.slug if case.district else None
    if kind == AREAS:
        return [area.slug for area in case.areas]
    if kind == INDICATORS:
        return indicators_as_data(case)
    value = getattr(case, name)
    if kind == LIST:
        return list(value or [])
    if kind == DATE:
        return value.isoformat() if value else None
    return value


MAX_ID = 2**31 - 1  # PostgreSQL's integer; larger numbers are simply no case


def is_case_id(text: str) -> bool:
    """Digits only (not "²"), and a number a database id can be."""
    return text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID


def get_case(session: Session, user: Optional[User], case_id: int) -> Case:
    if not 0 < case_id <= MAX_ID:
        raise NotFound(case_id)
    case = session.get(Case, case_id)
    if case is None or not can_view_case(user, case):
        raise NotFound(case_id)
    return case


def create_case(session: Session, user: Optional[User], data: dict[str, Any], *, submit: bool = False,
                action: str = "created",
                allow_incomplete: bool = False) -> Case:
    """Create a case as a draft (or submitted, with submit=True).

    allow_incomplete: the form's "Spara utkast" keeps a draft with what is there (only the
    title is required); it must be complete when it is submitted. Imports stay strict.
    """
    user = require_author_role(user)
    begin_write(session)
    clean = clean_case_input(data, current_taxonomy(session),
                             draft=allow_incomplete and not submit)
    _check_external_id_free(session, clean["external_id"], None)
    # indicators=[]: a new case has none until _apply sets them; given, the collection
    # counts as loaded after the flush, and file_case_status's check does not SELECT it.
    case = Case(author_id=user.id, status="draft", partners=[], indicators=[])
    _apply(case, clean)
    session.add(case)
    # The first revision is added before the case is inserted (record_revision links it
    # through the relationship), so that one flush writes the case, its areas and the
    # revision, with the version in the INSERT: flushing first cost a second flush and an
    # UPDATE of the version per case. Every field was set by _apply, so case_fields reads
    # the same before the flush as after it.
    changes = {k: [None, v] for k, v in case_fields(case).items() if v not in (None, "", [])}
    record_revision(session, case, user, action, changes)
    session.flush()
    # Linking the revision filled case.revisions with it alone; later revisions are added
    # by case_id and would be missing from it, so it is read afresh when someone asks.
    session.expire(case, ["revisions"])
    # Nobody else can see, let alone change, a row this transaction inserted: lock_case
    # need not re-read it (file_case_status after an import's create_case did, per row).
    setattr(case, "_inserted_in",  # noqa: B010 - not a column, so unknown to the type checker
            weakref.ref(session.get_transaction()))
    if submit:
        _submit(session, user, case)
        session.flush()
    return case


def update_case(session: Session, user: Optional[User], case: Case, data: dict[str, Any], *,
                submit: bool = False, action: str = "updated",
                expected_version: Optional[int] = None, personal_data_reason: str = "",
                allow_incomplete: bool = False) -> Case:
    """Change a case. Fields missing from `data` keep their current values.

    `expected_version` is the version the person's form (or import row) was based on; if
    someone else has changed those fields since, EditConflict is raised and nothing is saved.
    allow_incomplete: as in create_case, for a draft or returned case that is not submitted.
    """
    user = require_active(user, "Du får inte ändra det här exemplet.")
    require(can_edit_case(user, case), "Du får inte ändra det här exemplet.")
    begin_write(session)
    lock_case(session, case)
    # Checked again on the row as it is now: it may have been submitted meanwhile.
    require(can_edit_case(user, case), "Du får inte ändra det här exemplet.")
    before = case_fields(case)
    check_version(case, expected_version, data, before)
    merged = {k: v for k, v in before.items() if k != "status"}
    merged.update(data)
    clean = clean_case_input(merged, current_taxonomy(session),
                             draft=allow_incomplete and not submit
                             and case.status in EDITABLE_BY_AUTHOR)
    _check_external_id_free(session, clean["external_id"], case.id)
    _apply(case, clean)
    case.updated_at = utcnow()
    after = case_fields(case)
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changes and case.status == "published":
        # A published case is read by everyone at once: an edit gets the same personal-data
        # check as publishing (the editor removes what is found; nothing is saved before).
        # Only the import passes a reason: the one recorded when the case was published.
        findings, reason = _personal_data_allowed(case, personal_data_reason)
        _record_personal_data_reason(session, user, case, findings, reason)
    if changes:
        record_revision(session, case, user, action, changes)
        if case.status == "published":
            enqueue_for_search(session, case)
    if submit:
        _submit(session, user, case)
    session.flush()
    return case


def submit_case(session: Session, user: Optional[User], case: Case) -> Case:
    # Who may submit: knowledge.accounts.permissions.can_submit_case. A wrong status is no refusal
    # but a conflict (409, below in _submit), so the two checks are made apart.
    user = require_active(user, "Bara författaren kan skicka exemplet.")
    require(is_author(user, case), "Bara författaren kan skicka exemplet.")
    begin_write(session)
    lock_case(session, case)
    _submit(session, user, case)
    session.flush()
    return case


def return_case(session: Session, user: Optional[User], case: Case, comment: str) -> Case:
    user = require_editor(user)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError([FieldError(
            "comment", "Kommentar: skriv vad författaren behöver ändra innan exemplet "
                       "kan publiceras.")])
    begin_write(session)
    lock_case(session, case)
    _require_status(case, ("submitted",), "Bara inskickade exempel kan återsändas.")
    case.review_comment = comment
    _set_status(session, case, user, "returned", comment=comment)
    session.flush()
    return case


def publish_case(session: Session, user: Optional[User], case: Case, *,
                 personal_data_reason: str = "") -> Case:
    """Publish a submitted (or archived) case.

    If the text still holds personal data, the editor must give a reason to publish anyway;
    the reason and what was found (never the text itself) go to the audit log.
    """
    user = require_editor(user)
    begin_write(session)
    lock_case(session, case)
    _require_status(case, ("submitted", "archived"),
                    "Bara inskickade eller arkiverade exempel kan publiceras.")
    findings, reason = _personal_data_allowed(case, personal_data_reason)
    _set_status(session, case, user, "published")
    _record_personal_data_reason(session, user, case, findings, reason)
    session.flush()
    return case


def archive_case(session: Session, user: Optional[User], case: Case) -> Case:
    user = require_editor(user)
    begin_write(session)
    lock_case(session, case)
    _require_status(case, ("published",), "Bara publicerade exempel kan arkiveras.")
    case.featured_position = None
    _set_status(session, case, user, "archived")
    session.flush()
    return case


def feature_case(session: Session, user: Optional[User], case: Case, reason: str = "") -> Case:
    user = require_editor(user)
    begin_write(session)
    lock_case(session, case)
    _require_status(case, ("published",), "Bara publicerade exempel kan lyftas fram.")
    if case.featured_position is None:
        last = session.scalar(select(func.max(Case.featured_position)))
        case.featured_position = (last or 0) + 1
    case.featured_reason = (reason or "").strip()
    record_revision(session, case, user, "featured", {}, comment=case.featured_reason)
    session.flush()
    return case


def unfeature_case(session: Session, user: Optional[User], case: Case) -> Case:
    user = require_editor(user)
    begin_write(session)
    lock_case(session, case)
    case.featured_position = None
    case.featured_reason = ""
    record_revision(session, case, user, "unfeatured", {})
    session.flush()
    return case


def file_case_status(session: Session, user: Optional[User], case: Case, status: str, *,
                     personal_data_reason: str = "") -> Case:
    """Put a case straight into a status, as the import does with a file's `status` column.

    Only editors (the import's actor is one) may skip the review steps.
    """
    user = require_editor(user)
    if status not in STATUS_LABELS:
        raise ValidationError([FieldError("status", f"Status: okänt värde \"{status}\". "
                                                    f"Giltiga värden: {', '.join(STATUS_LABELS)}.")])
    begin_write(session)
    lock_case(session, case)
    if case.status != status:
        findings: list[Finding] = []
        reason = ""
        if status == "submitted":
            _guard_personal_data(case)
        elif status == "published":
            findings, reason = _personal_data_allowed(case, personal_data_reason)
        _set_status(session, case, user, status)
        _record_personal_data_reason(session, user, case, findings, reason)
    session.flush()
    return case


# --- helpers -------------------------------------------------------------------------------

def lock_case(session: Session, case: Case) -> None:
    """Re-read the case under a row lock before deciding anything from its state.

    Without it, two editors publishing the same case at once on PostgreSQL both see
    "submitted" and both publish (two revisions, two audit events), and two edits of the
    areas trip over each other's rows. The second now waits, then sees the first one's
    result. On SQLite, FOR UPDATE is left out: BEGIN IMMEDIATE already serialises writers,
    and the re-read makes sure the state is the one under that lock.
    """
    if case.id is None or case not in session:
        return
    inserted_in = getattr(case, "_inserted_in", None)  # set by create_case
    if inserted_in is not None and inserted_in() is session.get_transaction() is not None:
        return  # inserted by this very transaction: invisible to the others until it ends
    seen = case.version
    session.refresh(case, ["version"], with_for_update=True)
    if case.version != seen:
        # Someone else changed it since it was read (every change raises the version).
        session.refresh(case)


def _apply(case: Case, clean: dict[str, Any]) -> None:
    for field in PLAIN_FIELDS:
        setattr(case, field, clean[field])
    case.district = clean["district"]
    case.district_id = clean["district"].id if clean["district"] else None  # a draft may lack one
    case.areas = list(clean["priority_areas"])
    apply_indicators(case, clean["indicators"])


def _check_external_id_free(session: Session, external_id: Optional[str],
                            case_id: Optional[int]) -> None:
    if not external_id:
        return
    other = session.scalar(select(Case.id).where(Case.external_id == external_id))
    if other is not None and other != case_id:
        raise ValidationError([FieldError(
            "external_id", f"Externt id: \"{external_id}\" används redan av ett annat exempel.")])


def _require_status(case: Case, allowed: tuple[str, ...], message: str) -> None:
    if case.status not in allowed:
        raise InvalidTransition(f"{message} Exemplet är nu: "
                                f"{STATUS_LABELS[case.status].lower()}.")


def _submit(session: Session, user: User, case: Case) -> None:
    _require_status(case, SUBMITTABLE,
                    "Bara utkast och återsända exempel kan skickas för granskning.")
    # A draft may lack what a submission needs; now is when it must be complete.
    clean_case_input({k: v for k, v in case_fields(case).items() if k != "status"},
                     current_taxonomy(session))
    _guard_personal_data(case)
    _set_status(session, case, user, "submitted")


def _set_status(session: Session, case: Case, user: User, status: str,
                comment: str = "") -> None:
    was_published = case.status == "published"
    old = case.status
    case.status = status
    now = utcnow()
    case.updated_at = now
    if status == "submitted":
        case.submitted_at = now
    elif status == "published":
        case.published_at = case.published_at or now
        case.archived_at = None
    elif status == "archived":
        case.archived_at = now
    record_revision(session, case, user, status, {"status": [old, status]}, comment=comment)
    if status in ("published", "returned", "archived"):
        record_event(session, status, actor=user, target=f"case:{case.id}",
                     detail={"from": old})
    if was_published or status == "published":
        enqueue_for_search(session, case)


def record_revision(session: Session, case: Case, user: Optional[User], action: str,
            changes: dict[str, Any], comment: str = "") -> None:
    # Every change is a new version, which is what edit forms and import rows are checked
    # against (knowledge.cases.edit_conflicts).
    case.version = (case.version or 0) + 1
    revision = CaseRevision(user_id=user.id if user else None, action=action,
                            changes=_jsonable(changes), comment=comment,
                            case_version=case.version)
    if case.id is None:
        revision.case = case  # not inserted yet (create_case): the flush fills in case_id
    else:
        revision.case_id = case.id
    session.add(revision)


def enqueue_for_search(session: Session, case: Case) -> None:
    # The indexer reads the case's state when it applies the row, so one row per change
    # is enough whatever the change was.
    session.add(OutboxEntry(case_id=case.id))
    session.info["outbox_written"] = True


def _jsonable(changes: dict[str, Any]) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        return value.isoformat() if isinstance(value, date) else value
    return {k: [plain(v) for v in pair] for k, pair in changes.items()}


__all__ = [
    "NotFound", "InvalidTransition", "EditConflict", "PermissionDenied", "PersonalDataFound",
    "personal_data_in", "personal_data_reasons", "case_fields", "get_case", "lock_case",
    "create_case", "update_case", "submit_case", "return_case", "publish_case",
    "archive_case", "feature_case", "unfeature_case", "STATUS_LABELS", "ACTION_LABELS",
]
