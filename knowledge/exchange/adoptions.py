""""Vi har provat detta": adoption reports, their updates, the chain of adoptions and the
adoption counts that search uses for "adopted elsewhere" and "most reused"."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from ..cases.lifecycle import InvalidTransition, NotFound, enqueue_for_search, is_case_id
from ..core.db import begin_write
from ..cases.models import Case
from ..accounts.models import User
from ..core.base import utcnow
from ..accounts.permissions import (
    can_report_adoption, can_update_adoption, can_view_case, require, require_active,
)
from ..taxonomy.reference import current_taxonomy
from ..cases.validation import FieldError
from .common import clean_text, raise_if
from .follows import case_followers
from .models import AdoptionReport, AdoptionUpdate
from .notifications import notify

STATUSES = {"planerad": "Planerad", "pagar": "Pågår", "genomford": "Genomförd"}
LABELS = {
    "district": "Stadsdelsområde",
    "context": "Vårt sammanhang",
    "changes": "Det här ändrade vi",
    "outcome": "Så har det gått",
    "status": "Status",
    "own_case_id": "Vårt eget exempel",
    "body": "Uppdatering",
}


# The rules live in knowledge.accounts.permissions; these names are what the views call.
can_report = can_report_adoption
can_update = can_update_adoption


def _status(data: dict[str, Any], errors: list[FieldError], *, required: bool) -> Optional[str]:
    value = str(data.get("status") or "").strip().lower()
    by_label = {label.lower(): slug for slug, label in STATUSES.items()}
    value = by_label.get(value, value)
    if not value and not required:
        return None
    if value not in STATUSES:
        shown = f"okänt värde \"{value}\". " if value else "måste väljas. "
        errors.append(FieldError("status", f"{LABELS['status']}: {shown}Giltiga värden: "
                                           + ", ".join(f"{s} ({label})" for s, label
                                                       in STATUSES.items()) + "."))
        return None
    return value


def report_adoption(session: Session, user: Optional[User], case: Case,
                    data: dict[str, Any]) -> AdoptionReport:
    refusal = "Din roll får inte rapportera att exempel har provats."
    user = require_active(user, refusal)
    require(can_report(user, case), refusal)
    if case.status != "published":
        raise InvalidTransition("Bara publicerade exempel kan rapporteras som provade.")
    errors: list[FieldError] = []
    taxonomy = current_taxonomy(session)
    district_value = str(data.get("district") or "").strip()
    district = taxonomy.find_district(district_value) if district_value else None
    if district is None:
        shown = f"okänt värde \"{district_value}\". " if district_value else "måste anges. "
        errors.append(FieldError("district", f"{LABELS['district']}: {shown}Giltiga värden: "
                                 f"{', '.join(d.name for d in taxonomy.districts)}."))
    context = clean_text(data, "context", LABELS["context"], errors, required=True)
    changes = clean_text(data, "changes", LABELS["changes"], errors)
    outcome = clean_text(data, "outcome", LABELS["outcome"], errors)
    status = _status(data, errors, required=True)
    own_case_id = _own_case(session, user, case, data.get("own_case_id"), errors)
    raise_if(errors)
    assert district is not None and status is not None  # else raise_if has refused
    begin_write(session)
    report = AdoptionReport(case_id=case.id, user_id=user.id, district_id=district.id,
                            context=context, changes=changes, outcome=outcome, status=status,
                            own_case_id=own_case_id)
    session.add(report)
    session.flush()
    _reindex(session, case)
    recipients = ([case.author] if case.author else []) + case_followers(session, case)
    notify(session, recipients, kind="adoption", event_key=f"adoption:{report.id}",
           message=f"{district.name} har provat ”{case.title}” ({STATUSES[status].lower()})",
           case=case, text=context, actor=user)
    session.flush()
    return report


def _own_case(session: Session, user: User, case: Case, value: Any,
              errors: list[FieldError]) -> Optional[int]:
    text = str(value or "").strip()
    if not text:
        return None
    own = session.get(Case, int(text)) if is_case_id(text) else None
    if own is None or own.author_id != user.id or own.id == case.id:
        errors.append(FieldError("own_case_id", f"{LABELS['own_case_id']}: välj ett av dina "
                                                "egna exempel, eller inget."))
        return None
    return own.id


def add_update(session: Session, user: Optional[User], report: AdoptionReport,
               data: dict[str, Any]) -> AdoptionUpdate:
    refusal = "Bara den som rapporterade kan lägga till uppdateringar."
    user = require_active(user, refusal)
    require(can_update(user, report), refusal)
    errors: list[FieldError] = []
    body = clean_text(data, "body", LABELS["body"], errors, required=True)
    status = _status(data, errors, required=False) or report.status
    raise_if(errors)
    begin_write(session)
    update = AdoptionUpdate(report=report, user_id=user.id, body=body, status=status)
    session.add(update)
    report.status = status
    report.updated_at = utcnow()
    session.flush()
    case = report.case
    recipients = ([case.author] if case.author else []) + case_followers(session, case)
    notify(session, recipients, kind="adoption_update",
           event_key=f"adoption_update:{update.id}",
           message=f"{report.district.name} berättar mer om hur ”{case.title}” har gått "
                   f"({STATUSES[status].lower()})",
           case=case, text=body, actor=user)
    session.flush()
    return update


def get_report(session: Session, user: Optional[User], report_id: int) -> AdoptionReport:
    report = session.get(AdoptionReport, report_id)
    if report is None or not can_view_case(user, report.case):
        raise NotFound(report_id)
    return report


@dataclass
class AdoptionChain:
    """Where a case came from (cases whose adopters wrote this one) and where it went."""

    came_from: list[AdoptionReport] = field(default_factory=list)
    reports: list[AdoptionReport] = field(default_factory=list)


def adoption_chain(session: Session, user: Optional[User], case: Case) -> AdoptionChain:
    require(bool(user) and can_view_case(user, case), "Du får inte se det här exemplet.")
    reports = list(session.scalars(select(AdoptionReport).where(
        AdoptionReport.case_id == case.id).order_by(AdoptionReport.created_at,
                                                     AdoptionReport.id)))
    came_from = [r for r in session.scalars(select(AdoptionReport).where(
        AdoptionReport.own_case_id == case.id).order_by(AdoptionReport.id))
        if can_view_case(user, r.case)]
    return AdoptionChain(came_from=came_from, reports=reports)


def adoption_counts(session: Session, case_ids: Iterable[int] | Select) -> dict[int, int]:
    """Per case: how many districts other than the case's own have reported trying it.

    `case_ids` is a list or a subquery of ids (every published case, say: one grouped query
    instead of thousands of ids sent back and forth). Every status counts (planned, ongoing,
    done); one district reporting twice counts once. Cases without reports are absent from
    the answer (read it with .get(id, 0)).
    """
    ids: Select | list[int] = case_ids if isinstance(case_ids, Select) else list(set(case_ids))
    if isinstance(ids, list) and not ids:
        return {}
    original = aliased(Case)
    rows = session.execute(
        select(AdoptionReport.case_id, func.count(func.distinct(AdoptionReport.district_id)))
        .join(original, original.id == AdoptionReport.case_id)
        .where(AdoptionReport.case_id.in_(ids),
               AdoptionReport.district_id != original.district_id)
        .group_by(AdoptionReport.case_id))
    return {case_id: count for case_id, count in rows}


def own_cases_to_link(session: Session, user: Optional[User], case: Case) -> list[Case]:
    """Her own cases, which she may name as the write-up of her version."""
    if not (user and user.active):
        return []
    return list(session.scalars(select(Case).where(
        Case.author_id == user.id, Case.id != case.id, Case.status != "archived")
        .order_by(Case.title)))


def _reindex(session: Session, case: Case) -> None:
    # Adoption counts are meant for the search index ("adopted elsewhere", "most reused"),
    # which re-reads a case from its outbox row; a row per report keeps the index current.
    if case.status == "published":
        enqueue_for_search(session, case)
