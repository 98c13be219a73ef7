"""Follow-up and reporting: the yearly compilation, statistics, and exports to CSV and Excel.

Everything here reads published cases only, the same cases every logged-in person can already
search and read, so every active, logged-in user may view the compilation and the statistics
and download them (admins included). Producing a report changes nothing.

A case counts in a year when its work was going on that year: start_date ≤ 31 Dec and
(no end_date or end_date ≥ 1 Jan). A case without dates counts in the year it was published.
The search page's year facet uses the same rule (knowledge.search.documents.active_years).

Counts come from light column queries and SQL GROUP BYs, never from loading every case with
its texts; knowledge.reports.cache keeps a result until the next change (a new search-outbox
row, which every publish, edit, archive and taxonomy change writes) or the next day.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Optional

from sqlalchemy import Integer, and_, case as sa_case, cast, extract, func, or_, select
from sqlalchemy.orm import Session

from ..transfer.export_files import (
    NOT_GIVEN,
)
from ..cases.models import Case, case_areas
from ..taxonomy.models import District, PriorityArea
from ..accounts.models import User
from ..accounts.permissions import require_active
from .cache import kept
from ..indicators.results import count as count_measured, measured_cases
from ..search import ReuseCounts, no_reuse
from ..taxonomy.reference import Taxonomy, current_area_slugs, current_taxonomy
from ..core.timezones import local_date, today_in_stockholm, utc_start_of
from ..cases.validation import FieldError, ValidationError

FIRST_YEAR, LAST_YEAR = 1990, 2100


def require_reader(user: Optional[User]) -> User:
    return require_active(user, "Logga in för att se uppföljningen.")


# --- the yearly compilation ------------------------------------------------------------------

@dataclass
class AreaSection:
    slug: str
    name: str
    case_ids: list[int]        # in reading order
    evidence: dict[str, int]   # evidence slug (or NOT_GIVEN) → cases, in level order
    # Cases with measured results, and of those how many improved by their indicators'
    # own direction (knowledge.indicators.results).
    measured: int = 0
    improved: int = 0


@dataclass
class Compilation:
    year: int
    district: Optional[District]   # when the compilation is for one district
    area: Optional[PriorityArea]   # when it is for one priority area
    case_ids: list[int]        # each case once, in reading order
    sections: list[AreaSection]
    evidence: dict[str, int]   # over `case_ids`, each case once
    evidence_names: dict[str, str]
    in_several_sections: int = 0   # cases shown under more than one area
    measured: int = 0          # over `case_ids`, each case once (knowledge.indicators.results)
    improved: int = 0


def compile_year(session: Session, user: Optional[User], year: Any, *,
                 district: Optional[str] = None, area: Optional[str] = None) -> Compilation:
    """The published cases active in `year`, grouped by (current) priority area.

    A case filed under an area of an older set counts under the areas that set was mapped to,
    as in search. A case in two areas is in both sections.
    """
    require_reader(user)
    taxonomy = current_taxonomy(session)
    chosen_year, chosen_district, chosen_area = _parse_choice(taxonomy, year, district, area)
    names = evidence_names(taxonomy)
    areas = [chosen_area] if chosen_area is not None else taxonomy.areas
    key = ("compilation", chosen_year, chosen_district.id if chosen_district else None,
           chosen_area.slug if chosen_area else None)
    case_ids, sections, evidence, several, (measured, improved) = kept(
        session, key, lambda: _compile(session, chosen_year, chosen_district, chosen_area,
                                       areas, names),
        also_depends_on=taxonomy_key(taxonomy))
    return Compilation(year=chosen_year, district=chosen_district, area=chosen_area,
                       case_ids=case_ids, sections=sections, evidence=evidence,
                       evidence_names=names, in_several_sections=several,
                       measured=measured, improved=improved)


def _compile(session: Session, year: int, district: Optional[District],
             area: Optional[PriorityArea], areas: list[PriorityArea], names: dict[str, str]):
    active = _published_active_in(year, district)
    rows = sorted(session.execute(
        select(Case.id, Case.evidence_level, Case.title, District.position, District.name)
        .join(District, District.id == Case.district_id).where(Case.id.in_(active))).all(),
        key=lambda r: (r.position, r.name, r.title.casefold(), r.id))
    areas_of = _current_areas_of(session, active)
    if area is not None:
        rows = [r for r in rows if area.slug in areas_of.get(r.id, ())]
    flags = measured_cases(session, active)
    sections = []
    for priority_area in areas:
        in_area = [r for r in rows if priority_area.slug in areas_of.get(r.id, ())]
        ids = [r.id for r in in_area]
        measured, improved = count_measured(flags, ids)
        sections.append(AreaSection(slug=priority_area.slug, name=priority_area.name,
                                    case_ids=ids, evidence=_evidence_counts(in_area, names),
                                    measured=measured, improved=improved))
    shown = [a.slug for a in areas]
    several = sum(1 for r in rows if sum(s in areas_of.get(r.id, ()) for s in shown) > 1)
    every = [r.id for r in rows]
    return every, sections, _evidence_counts(rows, names), several, count_measured(flags, every)


def taxonomy_key(taxonomy: Taxonomy) -> tuple:
    """What a kept report shows of the taxonomy: a renamed area is a new report."""
    return (tuple((d.id, d.slug, d.name) for d in taxonomy.districts),
            tuple((a.id, a.slug, a.name) for a in taxonomy.areas),
            tuple((e.slug, e.name) for e in taxonomy.evidence_levels))


def report_years(session: Session, today: Optional[date] = None) -> list[int]:
    """Years worth offering in the year chooser: from the first active year to this year."""
    this_year = (today or today_in_stockholm()).year
    first = session.scalar(select(func.min(Case.start_date)).where(Case.status == "published"))
    start = min(first.year, this_year) if first else this_year
    return list(range(this_year, start - 1, -1))


def evidence_names(taxonomy: Taxonomy) -> dict[str, str]:
    return {**{level.slug: level.name for level in taxonomy.evidence_levels},
            NOT_GIVEN: "Ej angivet"}
def _parse_choice(taxonomy: Taxonomy, year: Any, district: Optional[str], area: Optional[str]
                  ) -> tuple[int, Optional[District], Optional[PriorityArea]]:
    errors = []
    try:
        chosen_year = int(str(year).strip())
        if not FIRST_YEAR <= chosen_year <= LAST_YEAR:
            raise ValueError
    except ValueError:
        chosen_year = 0
        errors.append(FieldError("year", f"År: \"{year}\" är inget årtal mellan {FIRST_YEAR} "
                                         f"och {LAST_YEAR}. Skriv t.ex. 2024."))
    chosen_district = chosen_area = None
    if district:
        chosen_district = taxonomy.find_district(district)
        if chosen_district is None:
            valid = ", ".join(d.name for d in taxonomy.districts)
            errors.append(FieldError("district", f"Stadsdelsområde: okänt värde \"{district}\". "
                                                 f"Giltiga värden: {valid}."))
    if area:
        chosen_area = taxonomy.find_area(area)
        if chosen_area is None:
            valid = "; ".join(f"{a.slug} ({a.name})" for a in taxonomy.areas)
            errors.append(FieldError("area", f"Prioriterat samverkansområde: okänt värde "
                                             f"\"{area}\". Giltiga värden: {valid}."))
    if errors:
        raise ValidationError(errors)
    return chosen_year, chosen_district, chosen_area


def _published_active_in(year: int, district: Optional[District]):
    """The ids of the published cases under way in `year` (a subquery)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    dated = and_(Case.start_date.is_not(None), Case.start_date <= last,
                 or_(Case.end_date.is_(None), Case.end_date >= first))
    # Published within the year as Stockholm counts it (times are stored in UTC).
    undated = and_(Case.start_date.is_(None), Case.published_at >= utc_start_of(first),
                   Case.published_at < utc_start_of(date(year + 1, 1, 1)))
    query = select(Case.id).where(Case.status == "published", or_(dated, undated))
    if district is not None:
        query = query.where(Case.district_id == district.id)
    return query


def _current_areas_of(session: Session, case_ids) -> dict[int, set[str]]:
    """Case id → the current area slugs it is found under (an area of an older set counts as
    the areas it was mapped to), from the (case, area) pairs alone."""
    current = {area.id: current_area_slugs([area])
               for area in session.scalars(select(PriorityArea))}
    found: dict[int, set[str]] = {}
    for case_id, area_id in session.execute(
            select(case_areas.c.case_id, case_areas.c.area_id)
            .where(case_areas.c.case_id.in_(case_ids))):
        found.setdefault(case_id, set()).update(current.get(area_id, ()))
    return found


def _evidence_counts(rows, names: dict[str, str]) -> dict[str, int]:
    counts = {slug: 0 for slug in names}
    for row in rows:
        slug = row.evidence_level or NOT_GIVEN
        counts[slug] = counts.get(slug, 0) + 1
    return counts


# --- statistics ------------------------------------------------------------------------------

@dataclass
class ReusedCase:
    id: int
    title: str
    district_name: str
    count: int   # other districts that reported trying it


@dataclass
class Statistics:
    total: int
    years: list[int]
    areas: list[tuple[str, str]]          # (slug, name), taxonomy order
    districts: list[tuple[str, str]]
    evidence: list[tuple[str, str]]
    by_area_year: dict[str, dict[int, int]] = field(default_factory=dict)
    by_district: dict[str, int] = field(default_factory=dict)
    by_evidence: dict[str, int] = field(default_factory=dict)
    matrix: dict[str, dict[str, int]] = field(default_factory=dict)  # district → area → n
    # Area → (cases with measured results, of those improved by the indicator's direction),
    # and the same over all published cases, each once (knowledge.indicators.results).
    measured_by_area: dict[str, tuple[int, int]] = field(default_factory=dict)
    measured: tuple[int, int] = (0, 0)
    # The cases other districts reported trying, most reused first (at most ten).
    most_reused: list[ReusedCase] = field(default_factory=list)

    @property
    def gaps(self) -> list[tuple[str, str]]:
        """(district name, area name) with no published case: where experience is missing."""
        return [(d_name, a_name) for d_slug, d_name in self.districts
                for a_slug, a_name in self.areas if not self.matrix[d_slug][a_slug]]


def case_statistics(session: Session, user: Optional[User],
                    today: Optional[date] = None, *,
                    reuse_counts: ReuseCounts = no_reuse) -> Statistics:
    """Counts over all published cases. A case in two areas counts once in each area.

    `reuse_counts` gives how often each case was adopted elsewhere (the caller passes
    knowledge.exchange's, as the search index has it); without it no case is "most reused"."""
    require_reader(user)
    taxonomy = current_taxonomy(session)
    day = today or today_in_stockholm()
    return kept(session, "statistics",
                lambda: _statistics(session, taxonomy, day, reuse_counts),
                also_depends_on=(taxonomy_key(taxonomy), day))


def _statistics(session: Session, taxonomy: Taxonomy, today: date,
                reuse_counts: ReuseCounts) -> Statistics:
    published = Case.status == "published"
    by_district: dict[str, int] = dict(session.execute(
        select(District.slug, func.count(Case.id)).join(Case, Case.district_id == District.id)
        .where(published).group_by(District.slug)).tuples().all())
    districts = [(d.slug, d.name) for d in taxonomy.districts]
    # A case can sit in a district that is no longer active (a merge not yet re-homed).
    known = {slug for slug, _ in districts}
    districts += [(slug, name) for slug, name in session.execute(
        select(District.slug, District.name).where(District.slug.in_(list(by_district)))
        .order_by(District.position, District.name)) if slug not in known]
    stats = Statistics(total=sum(by_district.values()), years=[],
                       areas=[(a.slug, a.name) for a in taxonomy.areas], districts=districts,
                       evidence=list(evidence_names(taxonomy).items()))
    area_slugs = [slug for slug, _ in stats.areas]
    stats.by_district = {slug: by_district.get(slug, 0) for slug, _ in districts}
    stats.by_evidence = {slug: 0 for slug, _ in stats.evidence}
    for level, count in session.execute(select(Case.evidence_level, func.count(Case.id))
                                        .where(published).group_by(Case.evidence_level)):
        key = level or NOT_GIVEN
        stats.by_evidence[key] = stats.by_evidence.get(key, 0) + count
    stats.matrix = {slug: {a: 0 for a in area_slugs} for slug, _ in districts}
    stats.by_area_year = {a: {} for a in area_slugs}

    # Per case only its district, dates and current areas: small rows, no texts.
    published_ids = select(Case.id).where(published)
    areas_of = _current_areas_of(session, published_ids)
    this_year = today.year
    years: set[int] = set()
    # Years as numbers from the database: turning 50 000 rows of dates into Python dates was
    # most of the time of the statistics. Only a case without a start date needs its
    # publishing time, which is turned into a year in Stockholm's time here.
    undated_anchor = sa_case((Case.start_date.is_(None),
                              func.coalesce(Case.published_at, Case.created_at)),
                             else_=None).label("anchor")
    for case_id, district_slug, start, end, anchor in session.execute(
            select(Case.id, District.slug, _year_of(Case.start_date), _year_of(Case.end_date),
                   undated_anchor).join(District, District.id == Case.district_id)
            .where(published)):
        case_years = _active_years(start, end, anchor, this_year)
        years.update(case_years)
        for area_slug in areas_of.get(case_id, ()):
            if area_slug not in stats.by_area_year:
                continue
            stats.matrix[district_slug][area_slug] += 1
            per_year = stats.by_area_year[area_slug]
            for year in case_years:
                per_year[year] = per_year.get(year, 0) + 1
    flags = measured_cases(session, published_ids)
    in_area: dict[str, list[int]] = {a: [] for a in area_slugs}
    for case_id, slugs in areas_of.items():
        for area_slug in slugs:
            if area_slug in in_area:
                in_area[area_slug].append(case_id)
    stats.measured_by_area = {a: count_measured(flags, ids) for a, ids in in_area.items()}
    stats.measured = count_measured(flags, flags)
    stats.most_reused = _most_reused(session, reuse_counts)
    # Every year between the first and the last, so a year with nothing shows as nothing.
    stats.years = list(range(min(years), max(years) + 1)) if years else []
    for per_year in stats.by_area_year.values():
        for year in stats.years:
            per_year.setdefault(year, 0)
    return stats


def _active_years(start: Optional[int], end: Optional[int], anchor, this_year: int
                  ) -> range:
    """As knowledge.search.documents.active_years, from the start and end years alone."""
    if start is None:
        if anchor is None:
            return range(0)
        year = local_date(anchor).year
        return range(year, year + 1)
    last = end if end is not None else this_year
    return range(start, max(start, last) + 1)


def _year_of(column):
    """The year of a date column, as an integer, on SQLite and PostgreSQL alike."""
    return cast(extract("year", column), Integer)


def _most_reused(session: Session, reuse_counts: ReuseCounts) -> list[ReusedCase]:
    # One grouped query over a subquery: at 50 000 cases, sending every id back in chunks
    # took most of the time of the statistics.
    reuse = reuse_counts(session, select(Case.id).where(Case.status == "published"))
    if not reuse:
        return []
    # Every case that can be among the ten, ties at the tenth place included.
    tenth = sorted(reuse.values(), reverse=True)[:10][-1]
    top = [(case_id, count) for case_id, count in reuse.items() if count >= tenth]
    rows = {row.id: row for row in session.execute(
        select(Case.id, Case.title, District.name).join(District, District.id == Case.district_id)
        .where(Case.id.in_([case_id for case_id, _ in top])))}
    found = [ReusedCase(case_id, rows[case_id].title, rows[case_id].name, count)
             for case_id, count in top if case_id in rows]
    return sorted(found, key=lambda item: (-item.count, item.title))[:10]
