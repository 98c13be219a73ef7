"""Priority areas, districts and evidence levels: reference data, kept as data, not code.

The lists below are only what `load_reference_data` puts into an empty database; the app
reads the taxonomy from the database, so a revision or a district merge is a data change.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import AreaSet, District, EvidenceLevel, PriorityArea

AREAS_2023 = [
    ("unga-i-riskzon", "Unga i riskzon för destruktivt beteende"),
    ("otrygga-platser", "Otrygga och brottsutsatta platser"),
    ("systemhotande-brottslighet", "Systemhotande brottslighet"),
    ("utsatta-brottsoffer", "Särskilt utsatta och sårbara brottsoffer"),
    ("kriminella-miljoer", "Kriminella miljöer och livsstilar"),
]

DISTRICTS = [
    "Järva",
    "Norra innerstaden",
    "Hässelby-Vällingby",
    "Bromma",
    "Kungsholmen",
    "Södermalm",
    "Enskede-Årsta-Vantör",
    "Skarpnäck",
    "Farsta",
    "Hägersten-Älvsjö",
    "Skärholmen",
    "Stadsövergripande",
]

EVIDENCE_LEVELS = [
    ("ej-utvarderad", "Ej utvärderad"),
    ("uppfoljd", "Uppföljd"),
    ("utvarderad-internt", "Utvärderad internt"),
    ("utvarderad-externt", "Utvärderad externt"),
]


def slugify(name: str) -> str:
    """The slug rule (docs/architecture.md): lower-case, å/ä→a, ö→o, spaces→'-'."""
    slug = name.strip().lower()
    for src, dst in (("å", "a"), ("ä", "a"), ("ö", "o"), ("é", "e")):
        slug = slug.replace(src, dst)
    return "-".join(slug.split())


def load_reference_data(session: Session) -> bool:
    """Insert the 2023 areas, the districts and evidence levels if missing. Idempotent."""
    changed = False
    if session.scalar(select(AreaSet.id).limit(1)) is None:
        area_set = AreaSet(name="Prioriterade samverkansområden 2023", valid_from=date(2023, 1, 1),
                           active=True)
        area_set.areas = [PriorityArea(slug=s, name=n, position=i) for i, (s, n) in
                          enumerate(AREAS_2023)]
        session.add(area_set)
        changed = True
    known = set(session.scalars(select(District.slug)))
    for position, name in enumerate(DISTRICTS):
        if slugify(name) not in known:
            session.add(District(slug=slugify(name), name=name, position=position))
            changed = True
    known_levels = set(session.scalars(select(EvidenceLevel.slug)))
    for position, (slug, name) in enumerate(EVIDENCE_LEVELS):
        if slug not in known_levels:
            session.add(EvidenceLevel(slug=slug, name=name, position=position))
            changed = True
    session.flush()
    return changed


@dataclass(frozen=True)
class Taxonomy:
    """A snapshot of the taxonomy, for validation and for the forms' choices."""

    areas: list[PriorityArea]
    districts: list[District]
    evidence_levels: list[EvidenceLevel]
    # Names and slugs from before a revision or merge, still understood in URLs and imports.
    retired_areas: dict[str, list[PriorityArea]] = field(default_factory=dict)
    retired_districts: dict[str, District] = field(default_factory=dict)

    def find_areas(self, value: str) -> list[PriorityArea]:
        """The current areas a name or slug stands for: itself, or what an old area maps to."""
        area = self.find_area(value)
        if area is not None:
            return [area]
        key = value.strip().lower()
        return self.retired_areas.get(key) or self.retired_areas.get(slugify(key), [])

    def find_area(self, value: str) -> PriorityArea | None:
        key = value.strip().lower()
        for area in self.areas:
            if key in (area.slug, area.name.lower()):
                return area
        return None

    def find_district(self, value: str) -> District | None:
        key, slug = value.strip().lower(), slugify(value)
        for district in self.districts:
            if slug == district.slug or key == district.name.lower():
                return district
        return self.retired_districts.get(slug) or self.retired_districts.get(key)

    def find_evidence_level(self, value: str) -> EvidenceLevel | None:
        key = value.strip().lower()
        for level in self.evidence_levels:
            if key in (level.slug, level.name.lower()):
                return level
        return None


@contextmanager
def taxonomy_fixed(session: Session) -> Iterator[None]:
    """Within this block the session reads the taxonomy once (an import of 100 000 rows
    would otherwise read it 100 000 times). Only for work that does not change it.
    Nested blocks share the outer one's snapshot (import_file wraps import_rows, which wraps
    itself for the callers that call it directly): the inner one must not end the outer."""
    if "fixed_taxonomy" in session.info:
        yield
        return
    session.info["fixed_taxonomy"] = None
    try:
        yield
    finally:
        session.info.pop("fixed_taxonomy", None)


def current_taxonomy(session: Session) -> Taxonomy:
    if "fixed_taxonomy" in session.info:
        if session.info["fixed_taxonomy"] is None:
            session.info["fixed_taxonomy"] = _read_taxonomy(session)
        return session.info["fixed_taxonomy"]
    return _read_taxonomy(session)


def _read_taxonomy(session: Session) -> Taxonomy:
    areas = list(session.scalars(
        select(PriorityArea).join(AreaSet).where(AreaSet.active.is_(True))
        .order_by(PriorityArea.position)
    ))
    districts = list(session.scalars(
        select(District).where(District.active.is_(True)).order_by(District.position)
    ))
    levels = list(session.scalars(select(EvidenceLevel).order_by(EvidenceLevel.position)))
    retired_areas: dict[str, list[PriorityArea]] = {}
    for old in session.scalars(select(PriorityArea).join(AreaSet)
                               .where(AreaSet.active.is_(False))):
        mapped = [a for a in areas if a.slug in current_area_slugs([old])]
        if mapped:
            retired_areas.setdefault(old.slug, mapped)
            retired_areas.setdefault(old.name.lower(), mapped)
    retired_districts: dict[str, District] = {}
    for old_district in session.scalars(select(District).where(District.active.is_(False))):
        successor = successor_district(session, old_district)
        if successor is not None:
            retired_districts[old_district.slug] = successor
            retired_districts[old_district.name.lower()] = successor
    return Taxonomy(areas=areas, districts=districts, evidence_levels=levels,
                    retired_areas=retired_areas, retired_districts=retired_districts)


def successor_district(session: Session, district: District) -> District | None:
    """The active district a merged (or renamed) one lives on in, following the chain."""
    seen = set()
    current: District | None = district
    while current is not None and not current.active and current.id not in seen:
        seen.add(current.id)
        current = session.get(District, current.merged_into_id) \
            if current.merged_into_id else None
    return current


def current_area_slugs(areas: list[PriorityArea]) -> list[str]:
    """The slugs, in the active set, that a case filed under `areas` is found under.

    An area of an older set counts as the areas its revision mapped it to.
    """
    slugs: list[str] = []
    pending = list(areas)
    seen: set[int] = set()
    while pending:
        area = pending.pop(0)
        if area.id in seen:
            continue
        seen.add(area.id)
        if area.area_set.active:
            if area.slug not in slugs:
                slugs.append(area.slug)
        else:
            pending.extend(area.maps_to)
    return slugs
