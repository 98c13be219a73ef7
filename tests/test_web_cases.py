"""What people see and may do through the pages."""
from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from knowledge.cases import lifecycle as cases
from knowledge.cases.models import Case
from tests.conftest import case_data, fresh


def form(**overrides):
    data = case_data(**overrides)
    data["partners"] = "\n".join(data["partners"])
    return data


@pytest.mark.own_database  # /healthz checks the database on a connection of its own
def test_everything_but_login_and_healthz_needs_login(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz").json["database"] == "ok"
    assert client.get("/login").status_code == 200
    for path in ("/", "/cases", "/cases/new", "/cases/1", "/review"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/login" in response.headers["Location"]


def test_failed_login_does_not_reveal_whether_account_exists(client, users):
    wrong_password = client.post("/login", data={"email": "anna.medarbetare@test.se",
                                                 "password": "fel-losenord"})
    no_account = client.post("/login", data={"email": "finns.inte@test.se",
                                             "password": "fel-losenord"})
    assert wrong_password.status_code == no_account.status_code == 401
    assert "Fel e-postadress eller lösenord." in wrong_password.text
    assert "Fel e-postadress eller lösenord." in no_account.text


def test_staff_writes_submits_gets_comment_resubmits_and_editor_publishes(client, auth, db):
    auth.login("staff")
    response = client.post("/cases/new", data={**form(), "action": "save"})
    assert response.status_code == 303
    case_url = response.headers["Location"]
    page = client.get(case_url)
    assert "Utkastet är sparat" in page.text
    assert "Trygghetsvandringar med boende i Husby" in page.text
    assert "<strong>tunnelbanan</strong>" in page.text  # Markdown rendered

    client.post(case_url + "/submit")
    auth.logout()

    auth.login("editor")
    assert "Trygghetsvandringar med boende i Husby" in client.get("/review").text
    assert client.post(case_url + "/return",
                       data={"comment": "Lägg till siffror från trygghetsmätningen."}
                       ).status_code == 303
    auth.logout()

    auth.login("staff")
    page = client.get(case_url)
    assert "Redaktörens kommentar" in page.text
    assert "Lägg till siffror från trygghetsmätningen." in page.text
    start = client.get("/").text
    assert "Återsänd med kommentar" in start
    response = client.post(case_url + "/edit", data={
        **form(results="Otryggheten minskade från 41 % till 29 %."), "action": "submit"})
    assert response.status_code == 303
    auth.logout()

    auth.login("editor")
    assert client.post(case_url + "/publish").status_code == 303
    auth.logout()

    auth.login("coordinator")
    assert "Otryggheten minskade från 41 % till 29 %." in client.get(case_url).text
    assert "Trygghetsvandringar med boende i Husby" in client.get("/cases").text
    assert "Trygghetsvandringar med boende i Husby" in client.get("/").text


def test_validation_errors_are_shown_next_to_their_fields(client, auth, db):
    auth.login("staff")
    response = client.post("/cases/new", data={
        **form(title="", district="Atlantis", priority_areas=[], end_date="2020-01-01"),
        "action": "submit"})  # a draft may lack areas; a submission may not
    assert response.status_code == 422
    html = unescape(response.text)
    assert 'id="title-error"' in html and "Rubrik: måste fyllas i." in html
    assert 'aria-describedby="title-hint title-error"' in html
    assert "Stadsdelsområde: okänt värde \"Atlantis\"" in html
    assert "Järva, Norra innerstaden" in html
    # The names she sees in the form, not the codes that imports and the API use.
    assert ("Prioriterade samverkansområden: välj minst ett. Giltiga värden: "
            "Unga i riskzon för destruktivt beteende; Otrygga och brottsutsatta platser") in html
    assert "unga-i-riskzon" not in html.split('id="error-summary"')[1].split("</div>")[0]
    assert "Slutdatum: kan inte vara före startdatum (2024-02-01)." in html
    # What she typed is kept.
    assert "Boende, polis och stadsdelsförvaltning" in html
    assert db.scalar(select(Case.id)) is None


def test_htmx_form_post_returns_only_the_form_fragment(client, auth):
    auth.login("staff")
    response = client.post("/cases/new", data={**form(title=""), "action": "save"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert response.text.lstrip().startswith("<form")
    assert "<html" not in response.text
    assert "HX-Request" in response.headers["Vary"]
    ok = client.post("/cases/new", data={**form(), "action": "save"},
                     headers={"HX-Request": "true"})
    assert ok.status_code == 200 and ok.headers["HX-Redirect"].startswith("/cases/")


def test_coordinator_cannot_publish_by_form_post(client, auth, db, users):
    from knowledge.cases import lifecycle as cases
    case = cases.create_case(db, users["staff"], case_data(), submit=True)
    auth.login("coordinator")
    assert client.post(f"/cases/{case.id}/publish").status_code == 403
    assert client.get("/review").status_code == 403
    fresh(db)
    assert db.get(Case, case.id).status == "submitted"


def test_colleague_gets_404_for_a_draft_that_is_not_hers(client, auth, db, users):
    from knowledge.cases import lifecycle as cases
    case = cases.create_case(db, users["staff"], case_data())
    auth.login("staff2")
    assert client.get(f"/cases/{case.id}").status_code == 404
    assert client.get(f"/cases/{case.id}/edit").status_code == 404
    assert client.post(f"/cases/{case.id}/edit", data=form()).status_code == 404


def test_list_filters_by_area_and_district(client, auth, db, users):
    from knowledge.cases import lifecycle as cases
    for title, district, area in [("Nattvandring i Farsta", "Farsta", "unga-i-riskzon"),
                                  ("Belysning i Farsta", "Farsta", "otrygga-platser"),
                                  ("Nattvandring i Bromma", "Bromma", "unga-i-riskzon")]:
        case = cases.create_case(db, users["staff"], case_data(
            title=title, district=district, priority_areas=[area]), submit=True)
        cases.publish_case(db, users["editor"], case)
    auth.login("coordinator")
    html = client.get("/cases?area=unga-i-riskzon&district=farsta").text
    assert "Nattvandring i Farsta" in html
    assert "Belysning i Farsta" not in html and "Nattvandring i Bromma" not in html
    html = client.get("/cases?district=farsta&district=bromma&area=unga-i-riskzon").text
    assert "Nattvandring i Farsta" in html and "Nattvandring i Bromma" in html


def test_accessibility_statement_is_open_and_says_how_to_report(client):
    page = client.get("/tillganglighet")
    assert page.status_code == 200
    assert "Rapportera brister" in page.text and "WCAG 2.1" in page.text


def test_htmx_request_after_the_session_ended_is_sent_to_the_login_page(client):
    response = client.get("/cases?q=x", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login?next=")


def test_a_draft_saves_with_only_a_title_and_is_completed_at_submission(client, auth, db,
                                                                        users):
    """'Spara utkast' keeps what is there; completeness is checked when it is submitted."""
    auth.login("staff")
    saved = client.post("/cases/new", data={"title": "Halvfärdig idé", "action": "save"})
    assert saved.status_code == 303
    case_id = int(saved.headers["Location"].rsplit("/", 1)[1])
    page = client.get(f"/cases/{case_id}").text
    assert "Halvfärdig idé" in page and "Stadsdelsområde ej valt" in page
    assert client.get(f"/cases/{case_id}/edit").status_code == 200

    # Submitting it, from the case page or from the form, names what is missing.
    refused = client.post(f"/cases/{case_id}/submit")
    assert refused.status_code == 422
    for label in ("Sammanfattning: måste fyllas i.", "Stadsdelsområde: måste anges.",
                  "Prioriterade samverkansområden: välj minst ett."):
        assert label in refused.text, re.findall(r"<li><a href=[^<]*", refused.text)
    refused = client.post(f"/cases/{case_id}/edit", data={"title": "Halvfärdig idé",
                                                          "action": "submit"})
    assert refused.status_code == 422 and "Sammanfattning: måste fyllas i." in refused.text
    fresh(db)
    assert db.get(Case, case_id).status == "draft"

    # Invalid values are still refused in a draft, and a draft still needs a title.
    assert client.post("/cases/new", data={"title": "X", "start_date": "2025-02-30",
                                           "action": "save"}).status_code == 422
    assert client.post("/cases/new", data={"summary": "Utan rubrik",
                                           "action": "save"}).status_code == 422

    done = client.post(f"/cases/{case_id}/edit", data={
        "title": "Halvfärdig idé", "summary": "Nu klar.", "district": "farsta",
        "priority_areas": "otrygga-platser", "action": "submit"})
    assert done.status_code == 303
    fresh(db)
    assert db.get(Case, case_id).status == "submitted"


def test_an_editor_cannot_empty_a_published_case(client, auth, db, users):
    case = cases.create_case(db, users["staff"], case_data(), submit=True)
    cases.publish_case(db, users["editor"], case)
    auth.login("editor")
    response = client.post(f"/cases/{case.id}/edit", data={
        **case_data(summary="", district=""), "action": "save"})
    assert response.status_code == 422 and "Sammanfattning: måste fyllas i." in response.text


def test_a_page_past_the_end_shows_the_last_page(client, auth, db, users):
    for n in range(3):
        case = cases.create_case(db, users["staff"], case_data(title=f"Exempel {n}"),
                                 submit=True)
        cases.publish_case(db, users["editor"], case)
    auth.login("coordinator")
    client.application.config["PER_PAGE"] = 2
    html = client.get("/cases?page=9999").text
    assert "Sida 2 av 2" in html and "Sida 9999" not in html
    assert html.count('class="case-card"') == 1


def test_the_start_page_does_not_flag_an_empty_review_queue(client, auth):
    auth.login("editor")
    html = client.get("/").text
    assert "Inga exempel väntar på granskning." in html
    assert "0 exempel väntar" not in html


def test_drafts_offer_no_bookmark(client, auth, db, users):
    case = cases.create_case(db, users["staff"], case_data())
    auth.login("staff")
    assert "Mina sparade</button>" not in client.get(f"/cases/{case.id}").text


def test_the_audit_log_names_cases_by_title(client, auth, db, users):
    case = cases.create_case(db, users["staff"], case_data(title="Belysta gångstråk"),
                             submit=True)
    cases.publish_case(db, users["editor"], case)
    auth.login("admin")
    html = unescape(client.get("/admin/audit").text)
    assert f'”Belysta gångstråk” <span class="meta">(exempel {case.id})</span>' in html


def test_the_start_page_reads_its_lists_in_index_order(client, auth, db, users, published_case):
    # At 50 000 cases the start page read and sorted every published case twice per request
    # (the newest and the featured ones): both lists now come from an index in the order shown.
    from sqlalchemy import event
    if db.get_bind().dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    featured = published_case(title="Trygghetsvandring i Husby")
    cases.feature_case(db, users["editor"], featured, "Bra exempel")
    cases.archive_case(db, users["editor"], published_case(title="Nattvandring i Kista"))
    db.commit()
    statements = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and "FROM cases" in statement \
                and "ORDER BY" in statement:
            statements.append((statement, parameters))

    engine = db.get_bind().engine
    event.listen(engine, "before_cursor_execute", remember)
    try:
        auth.login("coordinator")
        page = client.get("/").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    assert "Trygghetsvandring i Husby" in page and "Nattvandring i Kista" not in page
    plans = {statement: " ".join(row[-1] for row in db.connection().exec_driver_sql(
        "EXPLAIN QUERY PLAN " + statement, parameters)) for statement, parameters in statements
        if "ORDER BY cases." in statement               # lists of cases, not their areas
        and "cases.author_id = ?" not in statement}   # one's own drafts are few
    assert len(plans) >= 2
    assert not [s for s, plan in plans.items() if "TEMP B-TREE" in plan], plans
