"""A new set of priority areas and a district merge: every case stays found and counted."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from knowledge.cases import lifecycle as cases
from knowledge.demo import DEMO_CASES
from knowledge.cases.models import Case
from knowledge.taxonomy.models import District
from knowledge.search import SearchRequest, search_cases
from knowledge.taxonomy.reference import current_taxonomy
from knowledge.taxonomy.changes import (
    activate_area_set, active_area_set, map_areas, merge_districts, parse_area_lines,
    start_area_set,
)
from knowledge.transfer.import_export import import_file
from knowledge.accounts.users import system_user
from knowledge.cases.validation import ValidationError, clean_case_input
from tests.conftest import case_data, fresh

NEW_AREAS = """unga | Unga och kriminalitet
platser | Trygga platser
ekonomisk-brottslighet | Ekonomisk och organiserad brottslighet
brottsoffer | Stöd till brottsoffer"""
MAPPING = {"unga-i-riskzon": ["unga"], "otrygga-platser": ["platser"],
           "systemhotande-brottslighet": ["ekonomisk-brottslighet"],
           "utsatta-brottsoffer": ["brottsoffer"],
           "kriminella-miljoer": ["unga", "ekonomisk-brottslighet"]}


@pytest.fixture
def corpus(app, db):
    assert import_file(db, system_user(db), DEMO_CASES).ok
    db.commit()  # the test is the caller: it commits, and the index hears of it
    return app.extensions["search_index"]


def revise(db, editor):
    new_set = start_area_set(db, editor, "Samverkansområden 2027", date(2027, 1, 1),
                             parse_area_lines(NEW_AREAS))
    new_ids = {a.slug: a.id for a in new_set.areas}
    map_areas(db, editor, new_set, {old.id: [new_ids[s] for s in MAPPING[old.slug]]
                                    for old in active_area_set(db).areas})
    return new_set


def everything(index, db, **filters):
    db.commit()  # the test is the caller: what it did is committed before it searches
    return search_cases(index, db, SearchRequest(filters=filters, per_page=500))


def test_revision_and_merge_keep_every_case_found_and_counted(corpus, db, users):
    published = db.scalar(select(func.count(Case.id)).where(Case.status == "published"))
    old_area_counts = everything(corpus, db).facets["priority_areas"]
    robbery = db.scalar(select(Case).where(Case.title.like("Förebyggande arbete mot ungdomsrån%")))
    filed_under = [a.slug for a in robbery.areas]

    new_set = revise(db, users["editor"])
    assert activate_area_set(db, users["editor"], new_set) == published
    fresh(db)
    after = everything(corpus, db)
    assert after.total == published
    # Counts under the new areas follow the mapping (a case counts once per area).
    expected: dict[str, set[int]] = {}
    for case in db.scalars(select(Case).where(Case.status == "published")):
        for area in case.areas:
            for new in MAPPING[area.slug]:
                expected.setdefault(new, set()).add(case.id)
    assert after.facets["priority_areas"] == {k: len(v) for k, v in expected.items()}
    assert sum(old_area_counts.values()) > 0
    # Old cases keep the areas they were filed under.
    robbery = db.get(Case, robbery.id)
    assert [a.slug for a in robbery.areas] == filed_under
    assert not any(a.area_set.active for a in robbery.areas)
    assert robbery.id in {f.case.id for f in everything(corpus, db, priority_areas=["unga"]).results}

    jarva_before = {c.id for c in db.scalars(select(Case).join(Case.district).where(
        District.slug == "jarva", Case.status == "published"))}
    bromma = db.scalar(select(District).where(District.slug == "bromma"))
    jarva = db.scalar(select(District).where(District.slug == "jarva"))
    merge_districts(db, users["editor"], [jarva, bromma], "Västra Järva och Bromma")
    fresh(db)
    after_merge = everything(corpus, db)
    assert after_merge.total == published
    merged = {f.case.id for f in everything(corpus, db, district=["vastra-jarva-och-bromma"]).results}
    assert jarva_before < merged
    moved = db.get(Case, min(jarva_before))
    assert moved.district.name == "Västra Järva och Bromma" and moved.filed_district.name == "Järva"
    # Old slugs still resolve: in filters, and in imports.
    taxonomy = current_taxonomy(db)
    assert taxonomy.find_district("jarva").slug == "vastra-jarva-och-bromma"
    assert [a.slug for a in taxonomy.find_areas("kriminella-miljoer")] == [
        "unga", "ekonomisk-brottslighet"]
    clean = clean_case_input(case_data(district="Bromma", priority_areas=["otrygga-platser"]),
                             taxonomy)
    assert clean["district"].slug == "vastra-jarva-och-bromma"
    assert [a.slug for a in clean["priority_areas"]] == ["platser"]
    from knowledge.search import parse_filters
    filters, unknown = parse_filters(taxonomy, {"priority_areas": ["kriminella-miljoer"],
                                                "district": ["jarva"]})
    assert filters == {"priority_areas": ["unga", "ekonomisk-brottslighet"],
                       "district": ["vastra-jarva-och-bromma"]} and unknown == []
    # Nothing was deleted.
    assert db.scalar(select(func.count(District.id)).where(District.slug == "jarva")) == 1


def test_activation_needs_every_old_area_mapped(db, users):
    new_set = start_area_set(db, users["editor"], "Utkast", date(2027, 1, 1),
                             parse_area_lines("a | A"))
    with pytest.raises(ValidationError) as raised:
        activate_area_set(db, users["editor"], new_set)
    assert "Unga i riskzon för destruktivt beteende" in raised.value.errors[0].message


def test_only_editors_revise_and_merge(db, users):
    from knowledge.accounts.permissions import PermissionDenied
    with pytest.raises(PermissionDenied):
        start_area_set(db, users["coordinator"], "X", date(2027, 1, 1), [("x", "X")])
    with pytest.raises(PermissionDenied):
        merge_districts(db, users["admin"], [], "X")


def test_a_case_page_shows_where_it_was_filed(client, auth, db, users):
    case = cases.create_case(db, users["staff"], case_data(district="Bromma"), submit=True)
    cases.publish_case(db, users["editor"], case)
    bromma = db.scalar(select(District).where(District.slug == "bromma"))
    merge_districts(db, users["editor"], [bromma], "Bromma-Mälarstrand")
    auth.login("coordinator")
    page = client.get(f"/cases/{case.id}").text
    assert "Bromma-Mälarstrand" in page and "registrerat i Bromma" in page
