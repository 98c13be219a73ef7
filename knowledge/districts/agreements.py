"""A district's local agreement: the priority areas it chose from its local lägesbild and its
goals for each. Editable by the district's coordinators and by editors; every saved change is
kept as a revision and written to the audit log."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.log import record_event
from ..core.db import begin_write
from ..exchange.common import clean_text
from ..taxonomy.models import District, PriorityArea
from ..accounts.models import User
from ..core.base import utcnow
from ..accounts.permissions import is_editor, require, require_active
from ..taxonomy.reference import current_area_slugs, current_taxonomy
from ..cases.validation import FieldError, ValidationError
from .coordinators import is_coordinator_of
from .models import LocalAgreementRevision, LocalPriority

GOALS_MAX = 5_000
AREAS_LABEL = "Lokala prioriterade samverkansområden"


@dataclass
class ChosenArea:
    area: PriorityArea       # an area of the active set
    goals: str


@dataclass
class AgreementChange:
    at: datetime
    who: str
    lines: list[str]         # what changed, in words


def may_edit_agreement(session: Session, user: Optional[User], district: District) -> bool:
    return is_editor(user) or is_coordinator_of(session, user, district)


def chosen_areas(session: Session, district: District) -> list[ChosenArea]:
    """The areas the district chose, as areas of the active set, in taxonomy order.

    A choice made under an older set of areas counts as the areas that set was mapped to,
    so a revision of the areas does not empty every district's agreement."""
    taxonomy = current_taxonomy(session)
    goals_by_slug: dict[str, list[str]] = {}
    for row in session.scalars(select(LocalPriority).where(
            LocalPriority.district_id == district.id).order_by(LocalPriority.id)):
        for slug in current_area_slugs([row.area]):
            goals_by_slug.setdefault(slug, [])
            if row.goals:
                goals_by_slug[slug].append(row.goals)
    return [ChosenArea(area=area, goals="\n\n".join(goals_by_slug[area.slug]))
            for area in taxonomy.areas if area.slug in goals_by_slug]


def save_agreement(session: Session, user: Optional[User], district: District,
                   data: dict[str, Any], *, address: str = "") -> list[ChosenArea]:
    """Replace the district's chosen areas and goals with `data`: {"areas": [slug, …],
    "goals-<slug>": text}. Validates everything first; nothing is written on an error.
    Flushes; the caller commits."""
    require(may_edit_agreement(session, user, district),
            "Bara stadsdelsområdets trygghetssamordnare och redaktörer får ändra den lokala "
            "överenskommelsen.")
    user = require_active(user)  # may_edit_agreement has said she is someone
    taxonomy = current_taxonomy(session)
    errors: list[FieldError] = []
    wanted: list[PriorityArea] = []
    for value in _as_list(data.get("areas")):
        area = taxonomy.find_area(value)
        if area is None:
            valid = "; ".join(f"{a.slug} ({a.name})" for a in taxonomy.areas)
            errors.append(FieldError("areas", f"{AREAS_LABEL}: okänt värde \"{value}\". "
                                              f"Giltiga värden: {valid}."))
        elif area not in wanted:
            wanted.append(area)
    goals: dict[str, str] = {}
    for area in taxonomy.areas:
        field = f"goals-{area.slug}"
        text = clean_text(data, field, f"Mål för {area.name}", errors, limit=GOALS_MAX)
        if text and area not in wanted:
            errors.append(FieldError(field, f"Mål för {area.name}: kryssa i området för att "
                                            "spara målen, eller töm fältet."))
        goals[area.slug] = text
    if errors:
        raise ValidationError(errors)

    before = {c.area.name: c.goals for c in chosen_areas(session, district)}
    after = {area.name: goals[area.slug] for area in wanted}
    changes = {name: [before.get(name), after.get(name)] for name in {*before, *after}
               if before.get(name) != after.get(name)}
    if not changes:
        return chosen_areas(session, district)
    begin_write(session)
    existing = {row.area.slug: row for row in session.scalars(
        select(LocalPriority).where(LocalPriority.district_id == district.id))}
    for slug, row in existing.items():
        # A row of an older area set is replaced by rows of the current set's areas.
        if slug not in {area.slug for area in wanted} or not row.area.area_set.active:
            session.delete(row)
    session.flush()
    now = utcnow()
    for area in wanted:
        kept = existing.get(area.slug)
        if kept is None or not kept.area.area_set.active:
            session.add(LocalPriority(district_id=district.id, area_id=area.id,
                                      goals=goals[area.slug], updated_at=now,
                                      updated_by_id=user.id))
        elif kept.goals != goals[area.slug]:
            kept.goals, kept.updated_at, kept.updated_by_id = goals[area.slug], now, user.id
    session.add(LocalAgreementRevision(district_id=district.id, user_id=user.id,
                                       created_at=now, changes=changes))
    record_event(session, "local_agreement_saved", actor=user, address=address,
                 target=f"district:{district.slug}",
                 detail={"areas": [area.slug for area in wanted],
                         "changed": sorted(changes)})
    session.flush()
    return chosen_areas(session, district)


def agreement_history(session: Session, district: District, *, limit: int = 50
                      ) -> list[AgreementChange]:
    rows = session.scalars(select(LocalAgreementRevision).where(
        LocalAgreementRevision.district_id == district.id)
        .order_by(LocalAgreementRevision.id.desc()).limit(limit))
    return [AgreementChange(at=row.created_at,
                            who=row.user.display_name if row.user else "Okänd",
                            lines=[_describe(name, old, new)
                                   for name, (old, new) in sorted(row.changes.items())])
            for row in rows]


def _describe(name: str, old: Optional[str], new: Optional[str]) -> str:
    if old is None:
        return f"Valde {name}" + (" med mål" if new else " (utan mål)")
    if new is None:
        return f"Tog bort {name}"
    return f"Ändrade målen för {name}"


def _as_list(value: Any) -> Iterable[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(";") if v.strip()]
    return [str(v).strip() for v in value if str(v).strip()]
