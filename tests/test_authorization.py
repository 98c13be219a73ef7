"""Every route × every role (and anonymous, and the case's owner versus a colleague).

The table below is the specification. A route added to the app without a row here makes
`test_every_route_has_an_expectation` fail, so nobody forgets to decide who may use it.
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from knowledge import cases
from knowledge.search import vocabulary
from knowledge.users import issue_token
from tests.conftest import ROLE_EMAILS, case_data, fresh
from tests import test_exchange_authorization as exchange

ACTORS = ("anonymous", "staff", "staff2", "coordinator", "editor", "admin")
EVERYONE = {a: "ok" for a in ACTORS}
LOGGED_IN = {"anonymous": "login", **{a: "ok" for a in ACTORS[1:]}}
AUTHORS = {**LOGGED_IN, "admin": "denied"}
OWNER_ONLY = {"anonymous": "login", "staff": "ok", "staff2": "denied", "coordinator": "denied",
              "editor": "denied", "admin": "denied"}
EDITOR_ONLY = {"anonymous": "login", "staff": "denied", "staff2": "denied",
               "coordinator": "denied", "editor": "ok", "admin": "denied"}
ADMIN_ONLY = {"anonymous": "login", "staff": "denied", "staff2": "denied",
              "coordinator": "denied", "editor": "denied", "admin": "ok"}

FORM = {**case_data(), "partners": "Polisen", "action": "save"}

TERM_FORM = {"kind": "synonym", "term": "klotter", "expansions": "graffiti"}


def with_term(db, users):
    """A vocabulary entry of its own (not one of the starter list), for the routes that name one."""
    row = vocabulary.save_term(db, users["editor"], vocabulary.TermInput(
        kind="synonym", term="behörighetsprovord", expansions=["provord för behörighet"]))
    db.commit()  # the domain only flushes; the request's own session must see it
    return SimpleNamespace(id=row.id, route_values={"term_id": row.id})


def farsta(db, users):
    return SimpleNamespace(route_values={"slug": "farsta"})


def farsta_with_its_coordinator(db, users):
    """The coordinator actor is Farsta's coordinator: she may edit Farsta's agreement."""
    from sqlalchemy import select
    from knowledge.districts.coordinators import assign_coordinator
    from knowledge.models import District
    district = db.scalar(select(District).where(District.slug == "farsta"))
    assign_coordinator(db, users["admin"], district, users["coordinator"].email)
    db.commit()
    return farsta(db, users)


def year_2025(db, users):
    return SimpleNamespace(route_values={"year": 2025})


AGREEMENT_EDITORS = {**EDITOR_ONLY, "coordinator": "ok"}

# (endpoint, method): (case state the route is tried on, form data, expected per actor)
EXPECTED = {
    ("main.index", "GET"): (None, None, LOGGED_IN),
    ("main.healthz", "GET"): (None, None, EVERYONE),
    ("main.accessibility", "GET"): (None, None, EVERYONE),
    ("auth.login", "GET"): (None, None, EVERYONE),
    ("auth.login", "POST"): (None, {"email": "x@test.se", "password": "fel"}, EVERYONE),
    ("auth.logout", "POST"): (None, {}, LOGGED_IN),
    ("auth.change_password", "GET"): (None, None, LOGGED_IN),
    ("auth.change_password", "POST"): (None, {"current_password": "fel"}, LOGGED_IN),
    ("static", "GET"): (None, None, EVERYONE),
    ("cases.list_cases", "GET"): (None, None, LOGGED_IN),
    ("cases.new_case", "GET"): (None, None, AUTHORS),
    ("cases.new_case", "POST"): (None, FORM, AUTHORS),
    ("cases.show_case", "GET"): ("draft", None, OWNER_ONLY),
    ("cases.edit_case", "GET"): ("draft", None, OWNER_ONLY),
    ("cases.edit_case", "POST"): ("draft", FORM, OWNER_ONLY),
    ("cases.submit_case", "POST"): ("draft", {}, OWNER_ONLY),
    ("review.queue", "GET"): (None, None, EDITOR_ONLY),
    ("review.publish", "POST"): ("submitted", {}, EDITOR_ONLY),
    ("review.return_to_author", "POST"): ("submitted", {"comment": "Mer siffror."}, EDITOR_ONLY),
    ("review.archive", "POST"): ("published", {"confirmed": "1"}, EDITOR_ONLY),
    ("review.feature", "POST"): ("published", {"reason": "Bra"}, EDITOR_ONLY),
    ("review.unfeature", "POST"): ("published", {}, EDITOR_ONLY),
    ("admin.users", "GET"): (None, None, ADMIN_ONLY),
    ("admin.audit", "GET"): (None, None, ADMIN_ONLY),
    ("admin.change_role", "POST"): (None, {"role": "coordinator"}, ADMIN_ONLY),
    ("admin.change_active", "POST"): (None, {"active": "0", "confirmed": "1"}, ADMIN_ONLY),
    ("admin.reset_password", "POST"): (None, {}, ADMIN_ONLY),
    ("admin.tokens", "GET"): (None, None, ADMIN_ONLY),
    ("admin.revoke_token", "POST"): (lambda db, users: _with_api_token(db, users), {},
                                     ADMIN_ONLY),
    ("taxonomy.overview", "GET"): (None, None, EDITOR_ONLY),
    ("taxonomy.start_set", "POST"): (None, {"name": "Ny", "valid_from": "2027-01-01",
                                            "areas": "ny | Nytt område"}, EDITOR_ONLY),
    ("taxonomy.mapping", "GET"): ("area_set", None, EDITOR_ONLY),
    ("taxonomy.mapping", "POST"): ("area_set", {}, EDITOR_ONLY),
    ("taxonomy.activate", "POST"): ("area_set", {}, EDITOR_ONLY),
    ("taxonomy.merge", "POST"): (None, {"sources": "1", "name": "Järva", "confirmed": "1"},
                                 EDITOR_ONLY),
    # Single sign-on is off in the tests' configuration: 404 for everyone.
    ("sso.start", "GET"): (None, None, {a: "denied" for a in ACTORS}),
    ("sso.callback", "GET"): (None, None, {a: "denied" for a in ACTORS}),
    ("api.list_cases", "GET"): (None, None, LOGGED_IN),
    ("api.get_case", "GET"): ("draft", None, OWNER_ONLY),
    # Follow-up reads published data only: everyone logged in (knowledge/reports.py).
    ("reports.statistics", "GET"): (None, None, LOGGED_IN),
    ("reports.compilation", "GET"): (None, None, LOGGED_IN),
    ("reports.compilation_csv", "GET"): (None, None, LOGGED_IN),
    ("reports.compilation_xlsx", "GET"): (None, None, LOGGED_IN),
    ("reports.export_search_csv", "GET"): (None, None, LOGGED_IN),
    ("reports.export_search_xlsx", "GET"): (None, None, LOGGED_IN),
    ("reports.restore_revision", "POST"): ("published", {}, EDITOR_ONLY),
    # Experience exchange (knowledge/exchange). A callable state builds the objects the
    # route names and tells url_for_route their ids (case.route_values).
    ("exchange.ask", "POST"): (exchange.published, {"body": "Hur gick det?"}, LOGGED_IN),
    ("exchange.answer", "POST"): (exchange.with_question, {"body": "Bra!"}, OWNER_ONLY),
    ("exchange.report_adoption", "GET"): (exchange.published, None, AUTHORS),
    ("exchange.report_adoption", "POST"): (exchange.published, {
        "district": "farsta", "context": "Hökarängen", "status": "planerad"}, AUTHORS),
    ("exchange.update_adoption", "POST"): (exchange.with_adoption, {"body": "Klart nu."}, {
        **OWNER_ONLY, "staff": "denied", "coordinator": "ok"}),
    ("exchange.bookmark", "POST"): (exchange.published, {}, LOGGED_IN),
    ("exchange.follow_case", "POST"): (exchange.published, {}, LOGGED_IN),
    ("exchange.confirm_current", "POST"): (exchange.published, {}, {
        **OWNER_ONLY, "editor": "ok"}),
    ("personal.notifications_page", "GET"): (None, None, LOGGED_IN),
    ("personal.mark_read", "POST"): (exchange.with_notification, {}, OWNER_ONLY),
    ("personal.mark_all_read", "POST"): (None, {}, LOGGED_IN),
    ("personal.saved", "GET"): (None, None, LOGGED_IN),
    ("personal.settings", "GET"): (None, None, LOGGED_IN),
    ("personal.settings", "POST"): (None, {"digest": "weekly"}, LOGGED_IN),
    ("personal.follow", "POST"): (None, {"kind": "area", "target": "unga-i-riskzon"},
                                  LOGGED_IN),
    ("personal.unfollow", "POST"): (exchange.with_follow, {}, OWNER_ONLY),
    ("personal.create_feed_token", "POST"): (None, {}, LOGGED_IN),
    ("personal.revoke_feed_token", "POST"): (None, {"confirmed": "1"}, LOGGED_IN),
    ("curation.collections", "GET"): (None, None, LOGGED_IN),
    ("curation.show_collection", "GET"): (exchange.with_collection, None, LOGGED_IN),
    ("curation.new_collection", "GET"): (None, None, EDITOR_ONLY),
    ("curation.new_collection", "POST"): (None, {"title": "Trygg i tunnelbanan"}, EDITOR_ONLY),
    ("curation.edit_collection", "GET"): (exchange.with_collection, None, EDITOR_ONLY),
    ("curation.edit_collection", "POST"): (exchange.with_collection, {"title": "Sommar"},
                                           EDITOR_ONLY),
    ("curation.delete_collection", "POST"): (exchange.with_collection, {"confirmed": "1"},
                                             EDITOR_ONLY),
    ("curation.add_case", "POST"): (exchange.with_collection, {"case": "1"}, EDITOR_ONLY),
    ("curation.suggest_cases", "GET"): (exchange.with_collection, None, EDITOR_ONLY),
    ("curation.remove_case", "POST"): (exchange.with_collection, {}, EDITOR_ONLY),
    ("curation.move_case", "POST"): (exchange.with_collection, {"direction": "up"},
                                     EDITOR_ONLY),
    ("curation.stale_cases", "GET"): (None, None, EDITOR_ONLY),
    # The search vocabulary ("Sökord och synonymer"): the central office's editors only.
    ("vocabulary.terms", "GET"): (None, None, EDITOR_ONLY),
    ("vocabulary.new_term", "GET"): (None, None, EDITOR_ONLY),
    ("vocabulary.new_term", "POST"): (None, TERM_FORM, EDITOR_ONLY),
    ("vocabulary.edit_term", "GET"): (with_term, None, EDITOR_ONLY),
    ("vocabulary.edit_term", "POST"): (with_term, TERM_FORM, EDITOR_ONLY),
    ("vocabulary.delete_term", "GET"): (with_term, None, EDITOR_ONLY),
    ("vocabulary.delete_term", "POST"): (with_term, {}, EDITOR_ONLY),
    ("vocabulary.export_csv", "GET"): (None, None, EDITOR_ONLY),
    # No file: the editor gets "choose a file" (422), everyone else is refused before that.
    ("vocabulary.import_csv", "POST"): (None, {}, EDITOR_ONLY),
    # Feed readers use ?token= (tests/test_exchange_authorization.py); a browser, its login.
    ("feeds.search_feed", "GET"): (None, None, LOGGED_IN),
    ("feeds.collection_feed", "GET"): (exchange.with_collection, None, LOGGED_IN),
    # District pages: everyone logged in reads; the district's coordinators and editors edit
    # the local agreement; admins assign coordinators (knowledge/districts).
    ("districts.list_districts", "GET"): (None, None, LOGGED_IN),
    ("districts.show_district", "GET"): (farsta, None, LOGGED_IN),
    ("districts.edit_agreement", "GET"): (farsta_with_its_coordinator, None, AGREEMENT_EDITORS),
    ("districts.edit_agreement", "POST"): (farsta_with_its_coordinator,
                                           {"areas": "otrygga-platser"}, AGREEMENT_EDITORS),
    ("districts.add_coordinator", "POST"): (farsta, {"email": ROLE_EMAILS["coordinator"]},
                                            ADMIN_ONLY),
    ("districts.remove_coordinator", "POST"): (farsta, {}, ADMIN_ONLY),
    # The plan for the coming year and publishing the compilation: editors; the plan's CSV
    # is published data like the compilation.
    ("plans.edit_plan", "GET"): (year_2025, None, EDITOR_ONLY),
    ("plans.edit_plan", "POST"): (year_2025, {"plan-otrygga-platser": "Mer belysning."},
                                  EDITOR_ONLY),
    ("plans.publish", "POST"): (year_2025, {"confirmed": "1"}, EDITOR_ONLY),
    ("plans.plan_csv", "GET"): (year_2025, None, LOGGED_IN),
}


def _with_api_token(db, users):
    from types import SimpleNamespace
    from knowledge.users import list_tokens
    issue_token(db, users["staff2"])
    return SimpleNamespace(route_values={"token_id": list_tokens(db, users["staff2"])[0].id})


def test_every_route_has_an_expectation(app):
    routes = {(rule.endpoint, method) for rule in app.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes - set(EXPECTED) == set(), "new routes need a row in EXPECTED"
    assert set(EXPECTED) - routes == set(), "EXPECTED names routes that no longer exist"


def make_case(db, users, state):
    if state == "area_set":
        from datetime import date
        from knowledge.taxonomy_changes import start_area_set
        return start_area_set(db, users["editor"], "Ny", date(2027, 1, 1), [("ny", "Nytt")])
    case = cases.create_case(db, users["staff"], case_data())
    if state in ("submitted", "published"):
        cases.submit_case(db, users["staff"], case)
    if state == "published":
        cases.publish_case(db, users["editor"], case)
    return case


def url_for_route(app, endpoint, case, users):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    values = {}
    if "case_id" in rule.arguments:
        values["case_id"] = case.id
    if "user_id" in rule.arguments:
        values["user_id"] = users["staff2"].id
    if "set_id" in rule.arguments:
        values["set_id"] = case.id  # make_case returned the drafted area set
    if "revision_id" in rule.arguments:
        values["revision_id"] = case.revisions[0].id
    if "filename" in rule.arguments:
        values["filename"] = "app.css"
    values.update({name: value for name, value in getattr(case, "route_values", {}).items()
                   if name in rule.arguments})
    with app.test_request_context():
        from flask import url_for
        return url_for(endpoint, **values)


def classify(response, api: bool) -> str:
    assert response.status_code < 500, response.text[:500]
    if response.status_code == 401 and api:
        return "login"
    # Flask-Login sends the anonymous to /login?next=…; logging out ends at plain /login.
    if response.status_code in (302, 303) and "/login?next=" in response.headers.get(
            "Location", ""):
        return "login"
    if response.status_code in (403, 404):
        return "denied"
    return "ok"


@pytest.mark.parametrize("route", sorted(EXPECTED), ids=lambda r: f"{r[0]}-{r[1]}")
@pytest.mark.parametrize("who", ACTORS)
def test_route_by_role(app, client, auth, db, users, route, who):
    endpoint, method = route
    state, data, expected = EXPECTED[route]
    if callable(state):
        case = state(db, users)
    else:
        case = make_case(db, users, state) if state else None
    url = url_for_route(app, endpoint, case, users)
    headers = {}
    api = endpoint.startswith("api.")
    if who != "anonymous":
        if api:
            headers["Authorization"] = f"Bearer {issue_token(db, users[who])}"
        else:
            assert auth.login(who).status_code == 303
    response = client.open(url, method=method, data=data, headers=headers)
    assert classify(response, api) == expected[who], (
        f"{who} {method} {url}: {response.status_code} {response.headers.get('Location')}")


def test_refused_actions_change_nothing(client, auth, db, users):
    case = make_case(db, users, "submitted")
    auth.login("coordinator")
    client.post(f"/cases/{case.id}/publish")
    client.post(f"/cases/{case.id}/return", data={"comment": "x"})
    fresh(db)
    assert case.status == "submitted" and case.review_comment == ""


def test_role_emails_cover_the_actors():
    assert set(ACTORS) - {"anonymous"} == set(ROLE_EMAILS)
