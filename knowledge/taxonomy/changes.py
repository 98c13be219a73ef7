"""Revisions of the priority areas and merges of districts. Nothing is ever deleted.

A revision is a new area set, drafted beside the active one, with every old area mapped to
one or more new areas; activating it switches the current set. Cases keep the areas they
were filed under (shown as such) and are found under the new areas through the mapping.

A merge moves the cases of the merged districts to the new one; each case remembers where it
was filed, and the old names and slugs still resolve in URLs and imports.
"""
from __future__ import annotations

from datetime import date
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.log import record_event
from ..cases.lifecycle import enqueue_for_search, record_revision
from ..core.db import begin_write
from .models import AreaSet, District, PriorityArea
from ..cases.models import Case
from ..accounts.permissions import require_editor
from .reference import slugify
from ..cases.validation import FieldError, ValidationError, single_line


def list_area_sets(session: Session) -> list[AreaSet]:
    return list(session.scalars(select(AreaSet).order_by(AreaSet.valid_from.desc(),
                                                         AreaSet.id.desc())))


def active_area_set(session: Session) -> AreaSet:
    return session.scalars(select(AreaSet).where(AreaSet.active.is_(True))).one()


def parse_area_lines(text: str) -> list[tuple[str, str]]:
    """ "slug | Namn" or just "Namn" per line, as editors type them in the form."""
    areas = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        slug, _, name = line.partition("|") if "|" in line else ("", "", line)
        name = single_line(name)
        areas.append(((single_line(slug) or slugify(name)).lower(), name))
    return areas


def start_area_set(session: Session, user, name: str, valid_from: Optional[date],
                   areas: list[tuple[str, str]]) -> AreaSet:
    """Draft a new set of priority areas (not active until `activate_area_set`)."""
    user = require_editor(user)
    errors = []
    if not (name or "").strip():
        errors.append(FieldError("name", "Namn: ge revideringen ett namn, t.ex. "
                                         "\"Prioriterade samverkansområden 2027\"."))
    if valid_from is None:
        errors.append(FieldError("valid_from", "Gäller från: ange ett datum (ÅÅÅÅ-MM-DD)."))
    slugs = [slug for slug, _ in areas]
    if not areas:
        errors.append(FieldError("areas", "Områden: ange minst ett område, ett per rad."))
    if len(set(slugs)) != len(slugs):
        errors.append(FieldError("areas", "Områden: två områden har samma kortnamn (slug)."))
    for slug, area_name in areas:
        if not area_name or not slug:
            errors.append(FieldError("areas", f"Områden: raden \"{slug}\" saknar namn."))
    if errors:
        raise ValidationError(errors)
    begin_write(session)
    area_set = AreaSet(name=single_line(name), valid_from=valid_from, active=False)
    area_set.areas = [PriorityArea(slug=slug, name=area_name, position=n)
                      for n, (slug, area_name) in enumerate(areas)]
    session.add(area_set)
    record_event(session, "area_set_started", actor=user, target=area_set.name)
    session.flush()
    return area_set


def map_areas(session: Session, user, area_set: AreaSet,
              mapping: dict[int, list[int]]) -> None:
    """Map each area of the active set (id) to areas (ids) of the drafted set."""
    user = require_editor(user)
    if area_set.active:
        raise ValidationError([FieldError("mapping", "Kopplingen görs innan revideringen "
                                                     "aktiveras.")])
    new_ids = {area.id for area in area_set.areas}
    if any(i not in new_ids for targets in mapping.values() for i in targets):
        raise ValidationError([FieldError("mapping", "Koppling: ett valt område hör inte till "
                                                     "den här revideringen. Ladda om sidan "
                                                     "och välj igen.")])
    begin_write(session)
    for old in active_area_set(session).areas:
        targets = [session.get(PriorityArea, i) for i in mapping.get(old.id, []) if i in new_ids]
        old.maps_to = [t for t in targets if t is not None]
    session.flush()


def activate_area_set(session: Session, user, area_set: AreaSet) -> int:
    """Make the drafted set current. Every old area must map somewhere, so that no case
    drops out of the facets. Returns the number of published cases re-indexed."""
    user = require_editor(user)
    current = active_area_set(session)
    if area_set.id == current.id:
        raise ValidationError([FieldError("activate", "Den här uppsättningen är redan aktiv.")])
    unmapped = [a.name for a in current.areas if not a.maps_to]
    if unmapped:
        raise ValidationError([FieldError("mapping", "Koppla först varje nuvarande område "
                                                     "till minst ett nytt: "
                                                     + ", ".join(unmapped) + ".")])
    begin_write(session)
    current.active = False
    area_set.active = True
    # Every published case's areas, as the search sees them, have changed.
    published = list(session.scalars(select(Case).where(Case.status == "published")))
    for case in published:
        enqueue_for_search(session, case)
    record_event(session, "area_set_activated", actor=user, target=area_set.name,
                 detail={"replaced": current.name, "cases": len(published)})
    session.flush()
    return len(published)


def merge_districts(session: Session, user, sources: list[District], name: str) -> District:
    """Merge districts into one (new or existing) district; a rename is a merge of one.

    Cases move to the new district and remember where they were filed; the old districts
    stay as inactive rows pointing to the new one, so old slugs keep resolving.
    """
    user = require_editor(user)
    name = single_line(name)
    errors = []
    if not sources:
        errors.append(FieldError("sources", "Välj minst ett stadsdelsområde att slå ihop."))
    if not name:
        errors.append(FieldError("name", "Nytt namn: ange namnet på det sammanslagna området."))
    if errors:
        raise ValidationError(errors)
    begin_write(session)
    target = session.scalar(select(District).where(District.slug == slugify(name)))
    if target is None:
        target = District(slug=slugify(name), name=name, active=True,
                          position=min(d.position for d in sources))
        session.add(target)
        session.flush()
    elif not target.active:
        target.active, target.merged_into_id = True, None
    moved = 0
    for source in sources:
        if source.id == target.id:
            continue
        for case in session.scalars(select(Case).where(Case.district_id == source.id)):
            case.filed_district_id = case.filed_district_id or source.id
            case.district = target
            record_revision(session, case, user, "district_merged",
                    {"district": [source.slug, target.slug]})
            if case.status == "published":
                enqueue_for_search(session, case)
            moved += 1
        source.active = False
        source.merged_into_id = target.id
    record_event(session, "districts_merged", actor=user, target=target.name,
                 detail={"from": [d.slug for d in sources], "cases": moved})
    session.flush()
    return target


def list_districts(session: Session) -> list[District]:
    """Active districts first (in their order), then merged ones."""
    return list(session.scalars(select(District).order_by(District.active.desc(),
                                                          District.position, District.name)))
