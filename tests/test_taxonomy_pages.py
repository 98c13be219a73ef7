"""The editors' taxonomy pages: revise the areas and merge districts through the web."""
from __future__ import annotations

from html import unescape

from sqlalchemy import select

from knowledge.cases import lifecycle as cases
from knowledge.taxonomy.models import AreaSet
from knowledge.cases.models import Case
from tests.conftest import case_data, fresh


def test_editor_revises_areas_and_merges_districts_through_the_pages(client, auth, db, users):
    case = cases.create_case(db, users["staff"], case_data(district="Farsta"), submit=True)
    cases.publish_case(db, users["editor"], case)
    auth.login("editor")
    assert "Samverkansområden och stadsdelsområden" in client.get("/taxonomy").text
    refused = client.post("/taxonomy/sets", data={"name": "", "valid_from": "", "areas": ""})
    assert refused.status_code == 422 and "Namn: ge revideringen ett namn" in unescape(
        refused.text)
    started = client.post("/taxonomy/sets", data={
        "name": "Områden 2027", "valid_from": "2027-01-01",
        "areas": "trygghet | Trygghet i offentlig miljö\nunga | Unga"})
    assert started.status_code == 303
    mapping_url = started.headers["Location"]
    fresh(db)
    new_set = db.scalar(select(AreaSet).where(AreaSet.name == "Områden 2027"))
    by_slug = {a.slug: a.id for a in new_set.areas}
    early = client.post(mapping_url.replace("/mapping", "/activate"))
    assert early.status_code == 303
    assert "Koppla först varje nuvarande område" in client.get(mapping_url).text
    old_areas = db.scalars(select(AreaSet).where(AreaSet.active.is_(True))).one().areas
    form = {f"map-{old.id}": by_slug["unga" if "unga" in old.slug else "trygghet"]
            for old in old_areas}
    assert client.post(mapping_url, data=form).status_code == 303
    assert client.post(mapping_url.replace("/mapping", "/activate")).status_code == 303
    assert "Områden 2027 gäller nu" in client.get("/taxonomy").text
    html = client.get("/cases").text
    assert "Trygghet i offentlig miljö" in html  # the facets use the new set

    farsta = [d for d in client.get("/taxonomy").text.split('value="')[1:]
              if "Farsta" in d.split("</label>")[0]][0].split('"')[0]
    merged = client.post("/taxonomy/districts/merge", data={"sources": farsta,
                                                           "name": "Farsta-Skarpnäck",
                                                           "confirmed": "1"})
    assert merged.status_code == 303
    fresh(db)
    assert db.get(Case, case.id).district.name == "Farsta-Skarpnäck"
    assert "Farsta-Skarpnäck" in client.get("/cases?district=farsta").text
