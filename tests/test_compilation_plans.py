"""The compilation that goes both ways: editors write the plan for the coming year next to the
compilation (page, print view, files), and publishing the compilation tells every district's
coordinators, in the app and in the e-mail digest, where their district's part is."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from knowledge.cases import lifecycle as cases
from knowledge.districts import compilation_plans
from knowledge.audit.log import list_events
from knowledge.districts import coordinators
from knowledge.exchange.models import Notification
from knowledge.taxonomy.models import District
from knowledge.accounts.permissions import PermissionDenied
from knowledge.accounts.users import create_user
from tests.conftest import PASSWORD, case_data, fresh
from tests.test_exchange_mail import PUBLIC, body_of, mail, run_digests, smtp_server  # noqa: F401,F811

PLAN = {"plan-otrygga-platser": "- Fler **trygghetsvandringar** i Farsta\n- Belysning i Hökarängen",
        "plan-unga-i-riskzon": "Sommarjobb för unga 15–17 år."}


def district(db, slug):
    return db.scalar(select(District).where(District.slug == slug))


@pytest.fixture
def published_case(db, users):
    case = cases.create_case(db, users["staff"], case_data(
        district="Farsta", start_date="2025-02-01", end_date="2025-11-30"))
    cases.submit_case(db, users["staff"], case)
    cases.publish_case(db, users["editor"], case)
    return case


def test_the_editor_writes_the_plan_and_everyone_reads_it_in_the_compilation(
        client, auth, db, users, published_case):
    auth.login("editor")
    assert client.get("/sammanstallning/2025/plan").status_code == 200
    response = client.post("/sammanstallning/2025/plan", data=PLAN)
    assert response.status_code == 303
    auth.logout()
    auth.login("coordinator")
    html = client.get("/sammanstallning?year=2025").get_data(as_text=True)
    assert "<h2 id=\"h-plan\">Plan för 2026</h2>" in html
    places = html[html.index('id="omrade-otrygga-platser"'):html.index('id="omrade-systemhotande')]
    assert "Plan för 2026" in places and "<strong>trygghetsvandringar</strong>" in places
    assert "Sommarjobb" not in places                          # each area its own plan
    assert "Skriv planen" not in html and "Publicera sammanställningen" not in html
    assert client.get("/sammanstallning/2025/plan").status_code == 403
    assert client.post("/sammanstallning/2025/plan", data=PLAN).status_code == 403


def test_the_plan_is_sanitised_and_personal_data_is_refused(client, auth, db, users):
    auth.login("editor")
    client.post("/sammanstallning/2025/plan",
                data={"plan-otrygga-platser": "Plan <script>alert(1)</script> [x](javascript:alert(1))"})
    html = client.get("/sammanstallning?year=2025").get_data(as_text=True)
    plan = html[html.index('id="plan-otrygga-platser"'):]
    assert "&lt;script&gt;alert(1)" in plan          # shown as text, never run
    assert "<script>alert(1)" not in plan and 'href="javascript' not in plan
    response = client.post("/sammanstallning/2025/plan",
                           data={"plan-unga-i-riskzon": "Kontakta Kim på 070-123 45 67."})
    assert response.status_code == 422
    assert "Plan för Unga i riskzon för destruktivt beteende: innehåller" in \
        response.get_data(as_text=True)


def test_the_plan_keeps_its_history(client, auth, db, users):
    auth.login("editor")
    client.post("/sammanstallning/2025/plan", data={"plan-otrygga-platser": "Första utkastet."})
    client.post("/sammanstallning/2025/plan", data={"plan-otrygga-platser": "Andra versionen."})
    fresh(db)
    history = compilation_plans.plan_history(db, users["editor"], 2025)
    assert [(h.area, h.old_body, h.new_body) for h in history] == [
        ("Otrygga och brottsutsatta platser", "Första utkastet.", "Andra versionen."),
        ("Otrygga och brottsutsatta platser", "", "Första utkastet.")]
    html = client.get("/sammanstallning/2025/plan").get_data(as_text=True)
    assert "Historik" in html and "Första utkastet." in html
    assert [e.target for e in list_events(db, users["admin"], event="compilation_plan_saved")
            ] == ["compilation:2025", "compilation:2025"]


def test_the_plan_is_in_the_files(client, auth, db, users, published_case):
    auth.login("editor")
    client.post("/sammanstallning/2025/plan", data=PLAN)
    book = load_workbook(io.BytesIO(client.get("/sammanstallning.xlsx?year=2025").data))
    assert (book.sheetnames[0], book.sheetnames[-1]) == ("Sammanfattning",
                                                         "Plan för kommande år")
    rows = list(book["Plan för kommande år"].values)
    assert rows[0] == ("Prioriterat samverkansområde", "Plan för 2026")
    assert ("Unga i riskzon för destruktivt beteende", "Sommarjobb för unga 15–17 år.") in rows
    assert ("Systemhotande brottslighet", "Ingen plan skriven.") in rows
    response = client.get("/sammanstallning/2025/plan.csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="plan-for-2026.csv"'
    table = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert table[0] == ["Prioriterat samverkansområde", "Plan för 2026"]
    assert table[1][0] == "Unga i riskzon för destruktivt beteende"


def test_publishing_tells_each_districts_coordinators_with_a_link_to_their_part(
        client, auth, db, users, runner, mail, published_case):  # noqa: F811
    farsta_coordinator = users["coordinator"]
    jarva_coordinator = create_user(db, email="jon.jarva@test.se", role="coordinator",
                                    password=PASSWORD, name="Jon Järva")
    unassigned = create_user(db, email="ulla.utan@test.se", role="coordinator",
                             password=PASSWORD, name="Ulla Utan")
    coordinators.assign_coordinator(db, users["admin"], district(db, "farsta"),
                                    farsta_coordinator.email)
    coordinators.assign_coordinator(db, users["admin"], district(db, "jarva"),
                                    jarva_coordinator.email)
    db.commit()
    auth.login("editor")
    client.post("/sammanstallning/2025/plan", data=PLAN)
    question = client.post("/sammanstallning/2025/publicera")     # asks first
    assert question.status_code == 200 and "Ja, publicera och meddela" in \
        question.get_data(as_text=True)
    assert db.scalar(select(func.count(Notification.id))) == 0
    assert client.post("/sammanstallning/2025/publicera",
                       data={"confirmed": "1"}).status_code == 303
    assert client.post("/sammanstallning/2025/publicera",         # twice: nobody told twice
                       data={"confirmed": "1"}).status_code == 303
    fresh(db)
    told = {n.user_id: n for n in db.scalars(select(Notification).where(
        Notification.kind == "compilation_published"))}
    assert set(told) == {farsta_coordinator.id, jarva_coordinator.id, unassigned.id}
    assert told[farsta_coordinator.id].link == "/sammanstallning?year=2025&district=farsta"
    assert told[jarva_coordinator.id].link == "/sammanstallning?year=2025&district=jarva"
    assert told[unassigned.id].link == "/sammanstallning?year=2025"
    assert told[farsta_coordinator.id].message == (
        "Årssammanställningen för 2025 och planen för 2026 är publicerad. Se Farstas del.")
    assert "publicerades" in client.get("/sammanstallning?year=2025").get_data(as_text=True)

    auth.logout()
    auth.login("coordinator")
    notes = client.get("/notiser").get_data(as_text=True)
    assert ('<a href="/sammanstallning?year=2025&amp;district=farsta">Årssammanställningen '
            'för 2025 och planen för 2026 är publicerad. Se Farstas del.</a>') in notes
    part = client.get("/sammanstallning?year=2025&district=farsta").get_data(as_text=True)
    assert "Årssammanställning 2025 – Farsta" in part and "Plan för 2026" in part

    result = run_digests(runner)
    assert result.exit_code == 0, result.output
    [message] = mail.to(farsta_coordinator.email)
    assert f"{PUBLIC}/sammanstallning?year=2025&district=farsta" in body_of(message)


def test_only_editors_publish(client, auth, db, users):
    for who in ("staff", "coordinator", "admin"):
        auth.login(who)
        assert client.post("/sammanstallning/2025/publicera",
                           data={"confirmed": "1"}).status_code == 403
        auth.logout()
    with pytest.raises(PermissionDenied):
        compilation_plans.publish_compilation(db, users["coordinator"], 2025, lambda d: "/")
    db.rollback()
    assert db.scalar(select(func.count(Notification.id))) == 0
