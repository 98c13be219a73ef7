"""Priority areas, districts and evidence levels: reference data, kept as data, not code.

The lists below are only what `load_reference_data` puts into an empty database; the app
reads the taxonomy from the database, so a revision or a district merge is a data change.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

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
    """The slug rule of DESIGN.md: lower-case, å/ä→a, ö→o, spaces→'-'."""
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
        return None

    def find_evidence_level(self, value: str) -> EvidenceLevel | None:
        key = value.strip().lower()
        for level in self.evidence_levels:
            if key in (level.slug, level.name.lower()):
                return level
        return None


def current_taxonomy(session: Session) -> Taxonomy:
    areas = list(session.scalars(
        select(PriorityArea).join(AreaSet).where(AreaSet.active.is_(True))
        .order_by(PriorityArea.position)
    ))
    districts = list(session.scalars(
        select(District).where(District.active.is_(True)).order_by(District.position)
    ))
    levels = list(session.scalars(select(EvidenceLevel).order_by(EvidenceLevel.position)))
    return Taxonomy(areas=areas, districts=districts, evidence_levels=levels)


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
