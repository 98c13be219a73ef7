"""The compilation that goes both ways: the central group's "plan för kommande år" per
priority area (Markdown, with history), written next to the yearly compilation, and the
publication of the year's compilation, which tells every district's coordinators (in the app
and in the e-mail digest) where their district's part is.

The plan written next to the compilation of year N is the plan for year N + 1.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.log import record_event
from ..core.db import begin_write
from .models import (
    CompilationPlan, CompilationPlanRevision, CompilationPublication, DistrictCoordinator,
)
from ..exchange.common import clean_text
from ..exchange.notifications import notify
from ..core.markdown import markdown_as_text
from ..taxonomy.models import District, PriorityArea
from ..accounts.models import User
from ..core.base import utcnow
from ..accounts.permissions import require, require_editor
from ..reports.files import ExtraSheet
from ..core.spreadsheet import csv_row
from ..taxonomy.reference import current_taxonomy
from ..cases.validation import FieldError, ValidationError

PLAN_MAX = 20_000
FIRST_YEAR, LAST_YEAR = 1990, 2100
PLAN_SHEET = "Plan för kommande år"

DistrictLink = Callable[[Optional[District]], str]


@dataclass
class AreaPlan:
    area: PriorityArea
    body: str
    updated_at: Optional[datetime]


@dataclass
class YearPlan:
    year: int                 # the compilation's year; the plan is for year + 1
    areas: list[AreaPlan]     # every current area, in taxonomy order
    publication: Optional[CompilationPublication]

    @property
    def plan_year(self) -> int:
        return self.year + 1

    @property
    def written(self) -> bool:
        return any(plan.body for plan in self.areas)

    def for_area(self, slug: str) -> Optional[AreaPlan]:
        return next((plan for plan in self.areas if plan.area.slug == slug), None)


@dataclass
class PlanChange:
    at: datetime
    who: str
    area: str
    old_body: str
    new_body: str


def parse_year(value: Any) -> int:
    try:
        year = int(str(value).strip())
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise ValueError
    except ValueError:
        raise ValidationError([FieldError("year", f"År: \"{value}\" är inget årtal mellan "
                                                  f"{FIRST_YEAR} och {LAST_YEAR}. Skriv t.ex. "
                                                  "2025.")]) from None
    return year


def year_plan(session: Session, user: Optional[User], year: Any) -> YearPlan:
    require(bool(user and user.active), "Logga in för att se uppföljningen.")
    chosen = parse_year(year)
    taxonomy = current_taxonomy(session)
    stored = {plan.area_id: plan for plan in session.scalars(
        select(CompilationPlan).where(CompilationPlan.year == chosen))}
    areas = [AreaPlan(area=area, body=stored[area.id].body if area.id in stored else "",
                      updated_at=stored[area.id].updated_at if area.id in stored else None)
             for area in taxonomy.areas]
    return YearPlan(year=chosen, areas=areas,
                    publication=session.get(CompilationPublication, chosen))


def save_plan(session: Session, user: Optional[User], year: Any, data: dict[str, Any], *,
              address: str = "") -> YearPlan:
    """Save the plan texts in `data` ({"plan-<area slug>": Markdown}); a revision for each
    text that changed. Validates every text first; nothing is written on an error.
    Flushes; the caller commits."""
    user = require_editor(user)
    chosen = parse_year(year)
    taxonomy = current_taxonomy(session)
    errors: list[FieldError] = []
    texts = {area.id: clean_text(data, f"plan-{area.slug}", f"Plan för {area.name}", errors,
                                 limit=PLAN_MAX) for area in taxonomy.areas}
    if errors:
        raise ValidationError(errors)
    begin_write(session)
    stored = {plan.area_id: plan for plan in session.scalars(
        select(CompilationPlan).where(CompilationPlan.year == chosen))}
    now, changed = utcnow(), []
    for area in taxonomy.areas:
        plan, text = stored.get(area.id), texts[area.id]
        old = plan.body if plan else ""
        if text == old:
            continue
        if plan is None:
            plan = CompilationPlan(year=chosen, area_id=area.id, body="")
            session.add(plan)
        plan.body, plan.updated_at, plan.updated_by_id = text, now, user.id
        plan.revisions.append(CompilationPlanRevision(user_id=user.id, created_at=now,
                                                      old_body=old, new_body=text))
        changed.append(area.slug)
    if changed:
        record_event(session, "compilation_plan_saved", actor=user, address=address,
                     target=f"compilation:{chosen}", detail={"areas": changed})
    session.flush()
    return year_plan(session, user, chosen)


def plan_history(session: Session, user: Optional[User], year: int, *, limit: int = 100
                 ) -> list[PlanChange]:
    require(bool(user and user.active), "Logga in för att se uppföljningen.")
    rows = session.execute(
        select(CompilationPlanRevision, CompilationPlan)
        .join(CompilationPlan, CompilationPlan.id == CompilationPlanRevision.plan_id)
        .where(CompilationPlan.year == year)
        .order_by(CompilationPlanRevision.id.desc()).limit(limit))
    return [PlanChange(at=rev.created_at, who=rev.user.display_name if rev.user else "Okänd",
                       area=plan.area.name, old_body=rev.old_body, new_body=rev.new_body)
            for rev, plan in rows]


def publish_compilation(session: Session, user: Optional[User], year: Any,
                        district_link: DistrictLink, *, address: str = ""
                        ) -> tuple[CompilationPublication, bool]:
    """Publish the year's compilation to the local organisations: every district's
    coordinators get a notification (in the app and the digest) linking to their district's
    part; a coordinator not yet assigned to a district gets the whole compilation.

    Returns (publication, newly published). Publishing twice notifies nobody twice.
    Flushes; the caller commits."""
    user = require_editor(user)
    chosen = parse_year(year)
    begin_write(session)
    existing = session.get(CompilationPublication, chosen)
    if existing is not None:
        return existing, False
    publication = CompilationPublication(year=chosen, published_at=utcnow(),
                                         published_by_id=user.id)
    session.add(publication)
    plan = year_plan(session, user, chosen)
    plan_note = f" och planen för {chosen + 1}" if plan.written else ""
    assigned: set[int] = set()
    rows = session.scalars(select(DistrictCoordinator).order_by(
        DistrictCoordinator.district_id, DistrictCoordinator.user_id))
    for row in rows:
        assigned.add(row.user_id)
        notify(session, [row.user], kind="compilation_published",
               event_key=f"compilation:{chosen}:{row.district.slug}",
               message=f"Årssammanställningen för {chosen}{plan_note} är publicerad. "
                       f"Se {row.district.name}s del.",
               link=district_link(row.district), actor=user)
    unassigned = [u for u in session.scalars(select(User).where(
        User.role == "coordinator", User.active.is_(True))) if u.id not in assigned]
    notify(session, unassigned, kind="compilation_published",
           event_key=f"compilation:{chosen}",
           message=f"Årssammanställningen för {chosen}{plan_note} är publicerad.",
           link=district_link(None), actor=user)
    record_event(session, "compilation_published", actor=user, address=address,
                 target=f"compilation:{chosen}")
    session.flush()
    return publication, True


# --- the plan in the files -------------------------------------------------------------------

def plan_lines(plan: YearPlan) -> list[tuple[str, str]]:
    """(area name, the plan as plain text) for every area, as the files carry it."""
    return [(area_plan.area.name, markdown_as_text(area_plan.body) or "Ingen plan skriven.")
            for area_plan in plan.areas]


def plan_csv(plan: YearPlan) -> bytes:
    """`;`-separated UTF-8 with a BOM, as the other CSV files."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(csv_row(["Prioriterat samverkansområde", f"Plan för {plan.plan_year}"]))
    for name, text in plan_lines(plan):
        writer.writerow(csv_row([name, text]))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def plan_sheet(plan: YearPlan) -> ExtraSheet:
    """The plan as the compilation workbook's last sheet (the area sheets keep their places)."""
    return ExtraSheet(title=PLAN_SHEET,
                      header=["Prioriterat samverkansområde", f"Plan för {plan.plan_year}"],
                      widths=[44, 100], rows=[list(line) for line in plan_lines(plan)])
