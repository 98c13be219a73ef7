"""District pages (/stadsdelar/<slug>): what a coordinator sees on her district's page, who
may change the local agreement (and who is refused), its history and audit trail."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from knowledge.cases import lifecycle as cases
from knowledge.audit.log import list_events
from knowledge.districts import agreements, coordinators, pages
from knowledge.districts.models import LocalAgreementRevision, LocalPriority
from knowledge.exchange import adoptions
from knowledge.taxonomy.models import District
from knowledge.accounts.models import User
from knowledge.accounts.permissions import PermissionDenied
from knowledge.taxonomy.changes import merge_districts
from knowledge.taxonomy.reference import current_taxonomy
from knowledge.cases.validation import ValidationError
from tests.conftest import case_data, fresh


def publish(db, users, title, district, areas, evidence="uppfoljd", author="staff"):
    case = cases.create_case(db, users[author], case_data(
        title=title, district=district, priority_areas=areas, evidence_level=evidence))
    cases.submit_case(db, users[author], case)
    cases.publish_case(db, users["editor"], case)
    return case


def district(db, slug):
    return db.scalar(select(District).where(District.slug == slug))


def section(html: str, start_id: str, end_id: str) -> str:
    return html[html.index(f'id="{start_id}"'):html.index(f'id="{end_id}"')]


def titles_in(html: str, titles) -> list[str]:
    """The given titles in the order the HTML shows them (absent ones left out)."""
    found = [(html.index(t), t) for t in titles if t in html]
    return [t for _, t in sorted(found)]


@pytest.fixture
def farsta_world(db, users):
    """Farsta's coordinator chose "otrygga platser" (with a goal) and "kriminella miljöer";
    other districts have published cases; Farsta tried one of them, Södermalm tried Farsta's."""
    farsta = district(db, "farsta")
    coordinators.assign_coordinator(db, users["admin"], farsta, users["coordinator"].email)
    db.commit()
    made = {
        "externt": publish(db, users, "Platssamverkan i Tensta centrum", "Järva",
                           ["otrygga-platser"], "utvarderad-externt"),
        "uppfoljd": publish(db, users, "Belysning i Axelsberg", "Hägersten-Älvsjö",
                            ["otrygga-platser"], "uppfoljd"),
        "ej": publish(db, users, "Nattvandring i Åkeshov", "Bromma", ["otrygga-platser"],
                      "ej-utvarderad"),
        "utan": publish(db, users, "Trygghetsvärdar i Skärholmen", "Skärholmen",
                        ["otrygga-platser"], ""),
        "tried": publish(db, users, "Kameror vid Medborgarplatsen", "Södermalm",
                         ["otrygga-platser"], "utvarderad-externt"),
        "other_area": publish(db, users, "Fältassistenter på Kungsholmen", "Kungsholmen",
                              ["unga-i-riskzon"], "utvarderad-externt"),
        "own": publish(db, users, "Trygg i Farsta centrum", "Farsta", ["otrygga-platser"]),
    }
    draft = cases.create_case(db, users["staff"], case_data(
        title="Utkast i Järva om platser", district="Järva", priority_areas=["otrygga-platser"]))
    made["draft"] = draft
    agreements.save_agreement(db, users["coordinator"], farsta, {
        "areas": ["otrygga-platser", "kriminella-miljoer"],
        "goals-otrygga-platser": "Färre anmälda rån vid **Farsta centrum**."})
    db.commit()
    adoptions.report_adoption(db, users["coordinator"], made["tried"],
                              {"district": "Farsta", "context": "Vid Farsta centrum.",
                               "status": "pagar"})
    adoptions.report_adoption(db, users["staff2"], made["own"],
                              {"district": "Södermalm", "context": "Vid Medborgarplatsen.",
                               "status": "planerad"})
    return made


def test_the_coordinator_sees_her_districts_agreement_cases_adoptions_and_suggestions(
        client, auth, farsta_world):
    auth.login("coordinator")
    html = client.get("/stadsdelar/farsta").get_data(as_text=True)
    assert "<h1>Farsta</h1>" in html
    agreement = section(html, "overenskommelse", "exempel")
    assert "Otrygga och brottsutsatta platser" in agreement
    assert "<strong>Farsta centrum</strong>" in agreement       # goals are Markdown
    assert "Kriminella miljöer och livsstilar" in agreement
    assert "Ändra prioriteringar och mål" in agreement

    own = section(html, "exempel", "andra-har-provat")
    assert "Trygg i Farsta centrum" in own and "Tensta" not in own

    suggested = section(html, "andra-har-provat", "provat")
    every_title = [c.title for c in farsta_world.values()]
    # Best evidence first; not Farsta's own, not the one Farsta tried, not a draft, not
    # another area.
    assert titles_in(suggested, every_title) == [
        "Platssamverkan i Tensta centrum", "Belysning i Axelsberg", "Nattvandring i Åkeshov",
        "Trygghetsvärdar i Skärholmen"]
    assert "Inga exempel från andra som Farsta inte redan provat." in suggested  # kriminella

    exchange = section(html, "provat", "samordnare")
    tried_from, tried_by = exchange.split('id="h-adopted-by"')
    assert "Kameror vid Medborgarplatsen" in tried_from and "från <a" in tried_from
    assert "Södermalm</a> provade" in tried_by and "Trygg i Farsta centrum" in tried_by
    assert "<li>Coordinator</li>" in html[html.index('id="samordnare"'):]


def test_suggestions_follow_the_domain_and_disappear_once_tried(db, users, farsta_world):
    farsta = district(db, "farsta")
    page = pages.district_page(db, users["coordinator"], farsta)
    [places, criminal] = page.others_have_tried
    assert [s.case.title for s in places.suggestions] == [
        "Platssamverkan i Tensta centrum", "Belysning i Axelsberg", "Nattvandring i Åkeshov",
        "Trygghetsvärdar i Skärholmen"]
    assert criminal.suggestions == []
    adoptions.report_adoption(db, users["coordinator"], farsta_world["externt"],
                              {"district": "Farsta", "context": "Provar i Hökarängen.",
                               "status": "planerad"})
    page = pages.district_page(db, users["coordinator"], farsta)
    assert "Platssamverkan i Tensta centrum" not in [
        s.case.title for s in page.others_have_tried[0].suggestions]
    assert [r.case.title for r in page.adopted_from_others] == [
        "Platssamverkan i Tensta centrum", "Kameror vid Medborgarplatsen"]


def test_suggestions_fill_the_limit_best_level_first_then_newest_within_a_level(
        db, users, farsta_world):
    """The suggestions are read one evidence level at a time (knowledge.districts.pages):
    the limit may end inside a level, and within a level the newest comes first."""
    newer = publish(db, users, "Trygghetsvandring i Vårby gård", "Skärholmen",
                    ["otrygga-platser"], "uppfoljd")
    older = farsta_world["uppfoljd"]                              # Belysning i Axelsberg
    newer.published_at = older.published_at + timedelta(days=1)
    db.commit()
    farsta = district(db, "farsta")
    areas = [a.id for a in current_taxonomy(db).areas if a.slug == "otrygga-platser"]
    levels = current_taxonomy(db).evidence_levels

    def titles(limit):
        return [s.case.title for s in pages.others_have_tried(db, farsta, areas, levels,
                                                              limit=limit)]

    assert titles(2) == ["Platssamverkan i Tensta centrum", "Trygghetsvandring i Vårby gård"]
    assert titles(10) == ["Platssamverkan i Tensta centrum", "Trygghetsvandring i Vårby gård",
                          "Belysning i Axelsberg", "Nattvandring i Åkeshov",
                          "Trygghetsvärdar i Skärholmen"]            # no level: last


def test_the_district_pages_lists_are_read_in_index_order(db, users, farsta_world):
    """At 10 000 cases sorting every published case made the page slow (README,
    Measurements): each list drawn from all published cases or all adoption reports is read
    from an index in the order shown and stops at its limit, so SQLite plans no sort for it.
    The one sort left is "others tried this district's cases", which sorts only the reports
    on the district's own cases."""
    if db.get_bind().dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    statements = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        if "ORDER BY" in statement and "LIMIT" in statement:
            statements.append((statement, parameters))

    engine = db.get_bind().engine
    event.listen(engine, "before_cursor_execute", remember)
    try:
        pages.district_page(db, users["coordinator"], district(db, "farsta"))
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    sorted_in_full = []
    for statement, parameters in statements:
        plan = " ".join(row[-1] for row in db.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN " + statement, parameters))
        if "TEMP B-TREE" in plan:
            sorted_in_full.append(statement)
    # own cases in 5 areas, suggestions in 2 areas by level, adoptions both ways
    assert len(statements) >= 9
    assert len(sorted_in_full) == 1 and "adoption_reports.district_id !=" in sorted_in_full[0]


def test_a_district_without_priorities_says_so_and_suggests_nothing(client, auth, farsta_world):
    auth.login("staff")
    html = client.get("/stadsdelar/jarva").get_data(as_text=True)
    assert "Järva har inte valt några lokala prioriteringar här än." in html
    assert "När Järva har valt lokala prioriteringar" in html
    assert "Platssamverkan i Tensta centrum" in html               # its own case
    assert "Ändra prioriteringar och mål" not in html               # staff may not edit


def test_the_list_links_every_district_including_stadsovergripande(client, auth, farsta_world):
    auth.login("staff")
    html = client.get("/stadsdelar").get_data(as_text=True)
    for slug in ("jarva", "norra-innerstaden", "enskede-arsta-vantor", "stadsovergripande"):
        assert f'href="/stadsdelar/{slug}"' in html
    assert client.get("/stadsdelar/stadsovergripande").status_code == 200
    assert client.get("/stadsdelar/atlantis").status_code == 404


def test_district_names_link_to_their_page(client, auth, farsta_world):
    auth.login("staff")
    case = farsta_world["own"]
    assert 'href="/stadsdelar/farsta">Farsta</a>' in client.get(
        f"/cases/{case.id}").get_data(as_text=True)
    assert 'href="/stadsdelar/farsta">Farsta</a>' in client.get(
        "/statistik").get_data(as_text=True)
    assert 'href="/stadsdelar/jarva">Järva</a>' in client.get(
        "/cases?q=Tensta").get_data(as_text=True)


def test_an_old_slug_redirects_to_the_merged_district(client, auth, db, users, farsta_world):
    merge_districts(db, users["editor"], [district(db, "farsta")], "Farsta-Vantör")
    db.commit()
    auth.login("staff")
    response = client.get("/stadsdelar/farsta")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/stadsdelar/farsta-vantor")


@pytest.mark.parametrize("who, allowed", [("coordinator", True), ("editor", True),
                                          ("staff", False), ("admin", False)])
def test_who_may_edit_farstas_agreement(client, auth, db, users, farsta_world, who, allowed):
    auth.login(who)
    form = client.get("/stadsdelar/farsta/overenskommelse")
    assert form.status_code == (200 if allowed else 403)
    response = client.post("/stadsdelar/farsta/overenskommelse", data={
        "areas": ["unga-i-riskzon"], "goals-unga-i-riskzon": "Färre unga i kriminalitet."})
    assert response.status_code == (303 if allowed else 403)
    fresh(db)
    chosen = [c.area.slug for c in agreements.chosen_areas(db, district(db, "farsta"))]
    assert chosen == (["unga-i-riskzon"] if allowed else
                      ["otrygga-platser", "kriminella-miljoer"])


def test_a_coordinator_of_another_district_is_refused_and_the_refusal_is_logged(
        client, auth, db, users, farsta_world):
    coordinators.remove_coordinator(db, users["admin"], district(db, "farsta"),
                                    users["coordinator"].id)
    coordinators.assign_coordinator(db, users["admin"], district(db, "jarva"),
                                    users["coordinator"].email)
    db.commit()
    auth.login("coordinator")
    assert "Ändra prioriteringar och mål" not in client.get(
        "/stadsdelar/farsta").get_data(as_text=True)
    response = client.post("/stadsdelar/farsta/overenskommelse",
                           data={"areas": ["unga-i-riskzon"]})
    assert response.status_code == 403
    assert "trygghetssamordnare och redaktörer" in response.get_data(as_text=True)
    assert client.post("/stadsdelar/jarva/overenskommelse",
                       data={"areas": ["unga-i-riskzon"]}).status_code == 303
    fresh(db)
    refused = list_events(db, users["admin"], event="refused")
    assert any(e.target == "POST /stadsdelar/farsta/overenskommelse" for e in refused)


def test_bad_input_names_the_field_and_writes_nothing(client, auth, db, users, farsta_world):
    auth.login("coordinator")
    revisions_before = db.scalar(select(func.count(LocalAgreementRevision.id)))
    response = client.post("/stadsdelar/farsta/overenskommelse", data={
        "areas": ["otrygga-platser", "trafik"],
        "goals-otrygga-platser": "Ring Kim på 070-123 45 67 eller kim@exempel.se",
        "goals-utsatta-brottsoffer": "Fler ska få stöd."})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Lokala prioriterade samverkansområden: okänt värde &#34;trafik&#34;" in html
    assert "unga-i-riskzon (Unga i riskzon för destruktivt beteende)" in html
    assert "Mål för Särskilt utsatta och sårbara brottsoffer: kryssa i området" in html
    assert re.search(r"Mål för Otrygga och brottsutsatta platser: innehåller", html)
    fresh(db)
    assert db.scalar(select(func.count(LocalAgreementRevision.id))) == revisions_before
    assert len(agreements.chosen_areas(db, district(db, "farsta"))) == 2


def test_every_change_is_kept_as_history_and_in_the_audit_log(client, auth, db, users,
                                                              farsta_world):
    auth.login("editor")
    client.post("/stadsdelar/farsta/overenskommelse", data={
        "areas": ["otrygga-platser"],
        "goals-otrygga-platser": "Färre anmälda rån vid Farsta centrum och i Hökarängen."})
    client.post("/stadsdelar/farsta/overenskommelse", data={   # the same again: no change
        "areas": ["otrygga-platser"],
        "goals-otrygga-platser": "Färre anmälda rån vid Farsta centrum och i Hökarängen."})
    fresh(db)
    history = agreements.agreement_history(db, district(db, "farsta"))
    assert [(h.who, h.lines) for h in history] == [
        ("Editor", ["Tog bort Kriminella miljöer och livsstilar",
                    "Ändrade målen för Otrygga och brottsutsatta platser"]),
        ("Coordinator", ["Valde Kriminella miljöer och livsstilar (utan mål)",
                         "Valde Otrygga och brottsutsatta platser med mål"])]
    html = client.get("/stadsdelar/farsta").get_data(as_text=True)
    assert "Historik (2 ändringar)" in html and "Tog bort Kriminella miljöer" in html
    events = list_events(db, users["admin"], event="local_agreement_saved")
    assert [(e.actor_email, e.target) for e in events][0] == (users["editor"].email,
                                                               "district:farsta")
    assert db.scalar(select(func.count(LocalPriority.id))) == 1


def test_only_admins_assign_coordinators_and_only_coordinators_can_be_assigned(
        client, auth, db, users, farsta_world):
    farsta = district(db, "farsta")
    with pytest.raises(PermissionDenied):
        coordinators.assign_coordinator(db, users["editor"], farsta, users["staff"].email)
    with pytest.raises(ValidationError) as error:
        coordinators.assign_coordinator(db, users["admin"], farsta, users["staff"].email)
    assert "är inte en aktiv trygghetssamordnare" in error.value.errors[0].message
    db.rollback()
    auth.login("admin")
    html = client.get("/stadsdelar/farsta").get_data(as_text=True)
    assert "Lägg till trygghetssamordnare" in html
    response = client.post(f"/stadsdelar/farsta/samordnare/{users['coordinator'].id}/ta-bort")
    assert response.status_code == 303
    fresh(db)
    assert coordinators.coordinators_of(db, farsta) == []


def test_the_demo_data_gives_farsta_the_expected_page(db):
    """The demo (knowledge/demo.py): Farsta chose otrygga platser and unga i riskzon, tried
    Bromma's tunnels (demo-011), and Skarpnäck plans to try Farsta centrum (demo-025).
    The expected lists are read off knowledge/demo_data/cases.jsonl by hand."""
    from knowledge.demo import load_demo_data
    load_demo_data(db)
    db.commit()
    coordinator = db.scalar(select(User).where(User.email == "samordnare@exempel.se"))
    page = pages.district_page(db, coordinator, district(db, "farsta"))
    assert page.may_edit and [u.email for u in page.coordinators] == ["samordnare@exempel.se"]
    assert [c.area.slug for c in page.priorities] == ["unga-i-riskzon", "otrygga-platser"]
    assert {group.area.slug: [c.external_id for c in group.cases]
            for group in page.cases_by_area} == {
        "unga-i-riskzon": ["demo-027", "demo-025"], "otrygga-platser": ["demo-025"],
        "systemhotande-brottslighet": ["demo-026"]}
    [young, places] = page.others_have_tried
    assert [s.case.external_id for s in places.suggestions] == [
        "demo-019",                                   # utvärderad externt
        "demo-022", "demo-008", "demo-004",           # utvärderad internt
        "demo-032", "demo-021", "demo-016", "demo-013", "demo-003"]  # uppföljd; not 011
    assert [s.case.external_id for s in young.suggestions] == [
        "demo-031", "demo-018", "demo-001", "demo-017", "demo-010",
        "demo-033", "demo-029", "demo-023", "demo-020", "demo-009"]  # the ten best
    assert [r.case.external_id for r in page.adopted_from_others] == ["demo-011"]
    assert [(r.district.name, r.case.external_id) for r in page.adopted_by_others] == [
        ("Skarpnäck", "demo-025")]
