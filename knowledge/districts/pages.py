"""What a district's page shows: its local priorities, its published cases by area, what it
has adopted from others and who adopted its cases, and "Andra har provat": published cases
from other districts in its local priority areas that it has not reported trying, best
evidence first. Everything here is published data, readable by everyone logged in."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session, aliased, lazyload, selectinload

from ..cases.lifecycle import NotFound
from ..exchange.adoptions import adoption_counts
from ..exchange.models import AdoptionReport
from ..cases.models import Case, case_areas
from ..taxonomy.models import District, EvidenceLevel, PriorityArea
from ..accounts.models import User
from ..accounts.permissions import require
from ..taxonomy.reference import current_area_slugs, current_taxonomy
from .agreements import ChosenArea, chosen_areas, may_edit_agreement
from .coordinators import coordinators_of

CASES_PER_AREA = 10        # newest first; the page links to the search for the rest
SUGGESTIONS_PER_AREA = 10
ADOPTIONS_SHOWN = 50


@dataclass
class AreaCases:
    area: PriorityArea
    local_priority: bool
    cases: list[Case]        # the newest CASES_PER_AREA
    total: int


@dataclass
class Suggestion:
    case: Case
    adopted_elsewhere: int   # other districts that reported trying it


@dataclass
class AreaSuggestions:
    area: PriorityArea
    suggestions: list[Suggestion]


@dataclass
class DistrictPage:
    district: District
    priorities: list[ChosenArea]
    published_total: int
    cases_by_area: list[AreaCases]
    adopted_from_others: list[AdoptionReport]
    adopted_by_others: list[AdoptionReport]
    others_have_tried: list[AreaSuggestions]
    coordinators: list[User]
    may_edit: bool


@dataclass
class DistrictSummary:
    district: District
    published: int
    priorities: int


def require_reader(user: Optional[User]) -> None:
    require(bool(user and user.active), "Logga in för att se stadsdelsområdena.")


def find_district(session: Session, user: Optional[User], slug: str) -> District:
    """The district a slug names; an old (merged) district's slug gives its successor, so the
    caller can redirect. Unknown: NotFound."""
    require_reader(user)
    district = current_taxonomy(session).find_district(slug)
    if district is None:
        raise NotFound(slug)
    return district


def list_districts(session: Session, user: Optional[User]) -> list[DistrictSummary]:
    require_reader(user)
    taxonomy = current_taxonomy(session)
    published: dict[Optional[int], int] = {
        district_id: count for district_id, count in session.execute(
            select(Case.district_id, func.count(Case.id)).where(Case.status == "published")
            .group_by(Case.district_id))}
    chosen = {district.id: len(chosen_areas(session, district))
              for district in taxonomy.districts}
    return [DistrictSummary(district=d, published=published.get(d.id, 0),
                            priorities=chosen[d.id]) for d in taxonomy.districts]


def district_page(session: Session, user: Optional[User], district: District) -> DistrictPage:
    require_reader(user)
    taxonomy = current_taxonomy(session)
    priorities = chosen_areas(session, district)
    local = {chosen.area.slug for chosen in priorities}
    ids_under = _area_ids_under(session, taxonomy.areas)

    by_area: list[AreaCases] = []
    # One read of (case, area) pairs gives the total and every area's count (a case filed
    # under two old areas that map to the same current one counts once).
    pairs = session.execute(
        select(case_areas.c.case_id, case_areas.c.area_id)
        .join(Case, Case.id == case_areas.c.case_id)
        .where(Case.status == "published", Case.district_id == district.id)).all()
    total = len({case_id for case_id, _ in pairs})
    # Local priorities first, then the other areas, each in taxonomy order.
    for area in sorted(taxonomy.areas, key=lambda a: (a.slug not in local, a.position)):
        under = set(ids_under[area.slug])
        count = len({case_id for case_id, area_id in pairs if area_id in under})
        in_area = _published_in_area(ids_under[area.slug]).where(
            Case.district_id == district.id)
        if not count and area.slug not in local:
            continue
        newest = list(session.scalars(in_area.order_by(Case.published_at.desc(),
                                                       Case.id.desc())
                                      .limit(CASES_PER_AREA)))
        by_area.append(AreaCases(area=area, local_priority=area.slug in local,
                                 cases=newest, total=count))

    suggestions = [AreaSuggestions(area=chosen.area, suggestions=others_have_tried(
        session, district, ids_under[chosen.area.slug], taxonomy.evidence_levels))
        for chosen in priorities]
    counts = adoption_counts(session, [s.case.id for group in suggestions
                                       for s in group.suggestions])
    for group in suggestions:
        for suggestion in group.suggestions:
            suggestion.adopted_elsewhere = counts.get(suggestion.case.id, 0)

    return DistrictPage(
        district=district, priorities=priorities, published_total=total,
        cases_by_area=by_area,
        adopted_from_others=_adopted_from_others(session, district),
        adopted_by_others=_adopted_by_others(session, district),
        others_have_tried=suggestions, coordinators=coordinators_of(session, district),
        may_edit=may_edit_agreement(session, user, district))


def others_have_tried(session: Session, district: District, area_ids: list[int],
                      evidence_levels: list[EvidenceLevel], *,
                      limit: int = SUGGESTIONS_PER_AREA) -> list[Suggestion]:
    """Published cases of other districts in these areas that `district` has not reported
    trying: the best evidence first (the highest position of `evidence_levels`: externally
    evaluated before followed up before not evaluated, a case without level last), then the
    newest."""
    tried = exists().where(AdoptionReport.case_id == Case.id,
                           AdoptionReport.district_id == district.id)
    candidates = (_published_in_area(area_ids)
                  .where(Case.district_id.is_not(None), Case.district_id != district.id,
                         ~tried))
    # One query per evidence level, best first, each newest first, until the list is full:
    # ordered by the level's position, one query would sort every candidate case of other
    # districts (thousands at 10 000 cases); per level the index on (status, evidence_level,
    # published_at) hands them over newest first and the scan stops at the limit.
    found: list[Case] = []
    for rank in _evidence_ranks(evidence_levels):
        wanted = limit - len(found)
        if wanted <= 0:
            break
        at_rank: list[Case] = []
        for slug in rank:  # one query per level, even within a rank: an OR would sort again
            at_level = (Case.evidence_level.is_(None) if slug is None
                        else Case.evidence_level == slug)
            at_rank.extend(session.scalars(
                candidates.where(at_level)
                .order_by(Case.published_at.desc(), Case.id.desc()).limit(wanted)))
        if len(rank) > 1:  # levels sharing a position: newest first across them
            at_rank.sort(key=_newest_first_key, reverse=True)
        found.extend(at_rank[:wanted])
    return [Suggestion(case=case, adopted_elsewhere=0) for case in found]


# A case without a level ranks as position -1, below every level of the reference data
# (positions 0 and up), as the page has always ordered them.
RANK_WITHOUT_LEVEL = -1


def _evidence_ranks(levels: list[EvidenceLevel]) -> list[list[Optional[str]]]:
    """The evidence level slugs grouped by position, best (highest) first; None stands for
    "no level". Levels sharing a position share a rank, as in one ORDER BY position."""
    ranks: dict[int, list[Optional[str]]] = {RANK_WITHOUT_LEVEL: []}
    for level in levels:
        ranks.setdefault(level.position, []).append(level.slug)
    ranks[RANK_WITHOUT_LEVEL].append(None)
    return [ranks[position] for position in sorted(ranks, reverse=True)]


def _newest_first_key(case: Case) -> tuple:
    # As ORDER BY published_at DESC, id DESC on SQLite, where a missing time sorts last.
    return (case.published_at is not None, case.published_at or datetime.min, case.id)


# The page shows a case's title, district and evidence level, never its areas or indicators:
# loading those would cost a query per list.
def _only_the_case():
    # A function: Case.indicators exists once the mappers are configured, not at import.
    # getattr: the relationship is declared by knowledge.indicators.models, not on Case.
    return lazyload(Case.areas), lazyload(getattr(Case, "indicators"))  # noqa: B009 (a backref)


def _published_in_area(area_ids: list[int]):
    in_area = exists().where(case_areas.c.case_id == Case.id,
                             case_areas.c.area_id.in_(area_ids))
    # The page shows no case's areas: do not load them (a query per list otherwise).
    return select(Case).where(Case.status == "published", in_area).options(*_only_the_case())


def _area_ids_under(session: Session, areas: list[PriorityArea]) -> dict[str, list[int]]:
    """Per current area: its id and the ids of older areas that map to it, so a case filed
    under an area of an earlier revision counts where search counts it."""
    ids: dict[str, list[int]] = {area.slug: [] for area in areas}
    for area in session.scalars(select(PriorityArea)):
        for slug in current_area_slugs([area]):
            if slug in ids:
                ids[slug].append(area.id)
    return ids


def _adopted_from_others(session: Session, district: District) -> list[AdoptionReport]:
    original = aliased(Case)
    return list(session.scalars(
        select(AdoptionReport).join(original, original.id == AdoptionReport.case_id)
        .where(AdoptionReport.district_id == district.id, original.status == "published",
               original.district_id != district.id)
        .options(selectinload(AdoptionReport.case).options(*_only_the_case()),
                 lazyload(AdoptionReport.updates))
        .order_by(AdoptionReport.created_at.desc(), AdoptionReport.id.desc())
        .limit(ADOPTIONS_SHOWN)))


def _adopted_by_others(session: Session, district: District) -> list[AdoptionReport]:
    original = aliased(Case)
    return list(session.scalars(
        select(AdoptionReport).join(original, original.id == AdoptionReport.case_id)
        .where(and_(original.district_id == district.id, original.status == "published",
                    AdoptionReport.district_id != district.id))
        .options(selectinload(AdoptionReport.case).options(*_only_the_case()),
                 lazyload(AdoptionReport.updates))
        .order_by(AdoptionReport.created_at.desc(), AdoptionReport.id.desc())
        .limit(ADOPTIONS_SHOWN)))
