"""Every route × every role (and anonymous, and the case's owner versus a colleague).

The table below is the specification: for every route, the exact status each actor gets
(so a refused actor that wrongly gets as far as a 422 fails, as a let-in one refused does).
A route added to the app without a row here makes `test_every_route_has_an_expectation`
fail, so nobody forgets to decide who may use it.
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from knowledge.cases import lifecycle as cases
from knowledge.search import vocabulary
from knowledge.accounts.users import issue_token
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


def answers(template: dict, ok: int | None = None, denied: int | None = None) -> dict:
    """Each actor's exact answer on one route: the status `ok` for those the template lets
    in (the form posted may be refused, e.g. 422, but only after the permission check),
    `denied` (403, or 404 where the object's existence is hidden) for the refused, and
    "login" (sent to the login page, or 401 from the API) for the anonymous."""
    exact = {"ok": ok, "denied": denied}
    made = {who: exact.get(kind, kind) for who, kind in template.items()}
    assert None not in made.values(), f"{template}: give the status for every kind of actor"
    return made


FORM = {**case_data(), "partners": "Polisen", "action": "save"}

TERM_FORM = {"kind": "synonym", "term": "klotter", "expansions": "graffiti"}


def with_term(db, users, _published_case):
    """A vocabulary entry of its own (not one of the starter list), for the routes that name one."""
    row = vocabulary.save_term(db, users["editor"], vocabulary.TermInput(
        kind="synonym", term="behörighetsprovord", expansions=["provord för behörighet"]))
    db.commit()  # the domain only flushes; the request's own session must see it
    return SimpleNamespace(id=row.id, route_values={"term_id": row.id})


def farsta(db, users, _published_case=None):
    return SimpleNamespace(route_values={"slug": "farsta"})


def farsta_with_its_coordinator(db, users, _published_case=None):
    """The coordinator actor is Farsta's coordinator: she may edit Farsta's agreement."""
    from sqlalchemy import select
    from knowledge.districts.coordinators import assign_coordinator
    from knowledge.taxonomy.models import District
    district = db.scalar(select(District).where(District.slug == "farsta"))
    assign_coordinator(db, users["admin"], district, users["coordinator"].email)
    db.commit()
    return farsta(db, users)


def year_2025(db, users, _published_case=None):
    return SimpleNamespace(route_values={"year": 2025})


AGREEMENT_EDITORS = {**EDITOR_ONLY, "coordinator": "ok"}

# (endpoint, method): (case state the route is tried on, form data, expected per actor)
EXPECTED = {
    ("main.index", "GET"): (None, None, answers(LOGGED_IN, ok=200)),
    ("main.healthz", "GET"): (None, None, answers(EVERYONE, ok=200)),
    ("main.accessibility", "GET"): (None, None, answers(EVERYONE, ok=200)),
    ("auth.login", "GET"): (None, None, answers(EVERYONE, ok=200)),
    ("auth.login", "POST"): (None, {"email": "x@test.se", "password": "fel"},
        answers(EVERYONE, ok=401)),
    ("auth.logout", "POST"): (None, {}, answers(LOGGED_IN, ok=303)),
    ("auth.change_password", "GET"): (None, None, answers(LOGGED_IN, ok=200)),
    ("auth.change_password", "POST"): (None, {"current_password": "fel"},
        answers(LOGGED_IN, ok=422)),
    ("static", "GET"): (None, None, answers(EVERYONE, ok=200)),
    ("cases.list_cases", "GET"): (None, None, answers(LOGGED_IN, ok=200)),
    ("cases.new_case", "GET"): (None, None, answers(AUTHORS, ok=200, denied=403)),
    ("cases.new_case", "POST"): (None, FORM, answers(AUTHORS, ok=303, denied=403)),
    ("cases.show_case", "GET"): ("draft", None, answers(OWNER_ONLY, ok=200, denied=404)),
    ("cases.edit_case", "GET"): ("draft", None, answers(OWNER_ONLY, ok=200, denied=404)),
    ("cases.edit_case", "POST"): ("draft", FORM, answers(OWNER_ONLY, ok=303, denied=404)),
    ("cases.submit_case", "POST"): ("draft", {}, answers(OWNER_ONLY, ok=303, denied=404)),
    ("review.queue", "GET"): (None, None, answers(EDITOR_ONLY, ok=200, denied=403)),
    ("review.publish", "POST"): ("submitted", {}, answers(EDITOR_ONLY, ok=303, denied=403)),
    ("review.return_to_author", "POST"): ("submitted", {"comment": "Mer siffror."},
        answers(EDITOR_ONLY, ok=303, denied=403)),
    ("review.archive", "POST"): ("published", {"confirmed": "1"},
        answers(EDITOR_ONLY, ok=303, denied=403)),
    ("review.feature", "POST"): ("published", {"reason": "Bra"},
        answers(EDITOR_ONLY, ok=303, denied=403)),
    ("review.unfeature", "POST"): ("published", {}, answers(EDITOR_ONLY, ok=303, denied=403)),
    ("admin.users", "GET"): (None, None, answers(ADMIN_ONLY, ok=200, denied=403)),
    ("admin.audit", "GET"): (None, None, answers(ADMIN_ONLY, ok=200, denied=403)),
    ("admin.change_role", "POST"): (None, {"role": "coordinator"},
        answers(ADMIN_ONLY, ok=303, denied=403)),
    ("admin.change_active", "POST"): (None, {"active": "0", "confirmed": "1"},
        answers(ADMIN_ONLY, ok=303, denied=403)),
    ("admin.reset_password", "POST"): (None, {}, answers(ADMIN_ONLY, ok=200, denied=403)),
    ("admin.tokens", "GET"): (None, None, answers(ADMIN_ONLY, ok=200, denied=403)),
    ("admin.revoke_token", "POST"): (lambda *setup: _with_api_token(*setup), {},
                                     answers(ADMIN_ONLY, ok=303, denied=403)),
    ("taxonomy.overview", "GET"): (None, None, answers(EDITOR_ONLY, ok=200, denied=403)),
    ("taxonomy.start_set", "POST"): (None, {"name": "Ny", "valid_from": "2027-01-01",
                                            "areas": "ny | Nytt område"},
        answers(EDITOR_ONLY, ok=303, denied=403)),
    ("taxonomy.mapping", "GET"): ("area_set", None, answers(EDITOR_ONLY, ok=200, denied=403)),
    ("taxonomy.mapping", "POST"): ("area_set", {}, answers(EDITOR_ONLY, ok=303, denied=403)),
    ("taxonomy.activate", "POST"): ("area_set", {}, answers(EDITOR_ONLY, ok=303, denied=403)),
    ("taxonomy.merge", "POST"): (None, {"sources": "1", "name": "Järva", "confirmed": "1"},
                                 answers(EDITOR_ONLY, ok=303, denied=403)),
    # Single sign-on is off in the tests' configuration: 404 for everyone.
    ("sso.start", "GET"): (None, None, answers({a: "denied" for a in ACTORS}, denied=404)),
    ("sso.callback", "GET"): (None, None, answers({a: "denied" for a in ACTORS}, denied=404)),
    ("api.list_cases", "GET"): (None, None, answers(LOGGED_IN, ok=200)),
    ("api.get_case", "GET"): ("draft", None, answers(OWNER_ONLY, ok=200, denied=404)),
    # Follow-up reads published data only: everyone logged in (knowledge/reports/followup.py).
    ("reports.statistics", "GET"): (None, None, answers(LOGGED_IN, ok=200)),
    ("reports.compilation", "GET"): (None, None, answers(LOGGED_IN, ok=200)),
    ("reports.compilation_csv", "GET"): (None, None, answers(LOGGED_IN, ok=200)),
    ("reports.compilation_xlsx", "GET"): (None, None, answers(LOGGED_IN, ok=200)),
    ("reports.export_search_csv", "GET"): (None, None, answers(LOGGED_IN, ok=200)),
    ("reports.export_search_xlsx", "GET"): (None, None, answers(LOGGED_IN, ok=200)),
    ("reports.restore_revision", "POST"): ("published", {},
        answers(EDITOR_ONLY, ok=303, denied=403)),
    # Experience exchange (knowledge/exchange). A callable state builds the objects the
    # route names and tells url_for_route their ids (case.route_values).
    ("exchange.ask", "POST"): (exchange.published, {"body": "Hur gick det?"},
        answers(LOGGED_IN, ok=303)),
    ("exchange.answer", "POST"): (exchange.with_question, {"body": "Bra!"},
        answers(OWNER_ONLY, ok=303, denied=403)),
    ("exchange.report_adoption", "GET"): (exchange.published, None,
        answers(AUTHORS, ok=200, denied=403)),
    ("exchange.report_adoption", "POST"): (exchange.published, {
        "district": "farsta", "context": "Hökarängen", "status": "planerad"},
        answers(AUTHORS, ok=303, denied=403)),
    ("exchange.update_adoption", "POST"): (exchange.with_adoption, {"body": "Klart nu."}, answers({
        **OWNER_ONLY, "staff": "denied", "coordinator": "ok"}, ok=303, denied=403)),
    ("exchange.bookmark", "POST"): (exchange.published, {}, answers(LOGGED_IN, ok=303)),
    ("exchange.follow_case", "POST"): (exchange.published, {}, answers(LOGGED_IN, ok=303)),
    ("exchange.confirm_current", "POST"): (exchange.published, {}, answers({
        **OWNER_ONLY, "editor": "ok"}, ok=303, denied=403)),
    ("personal.notifications_page", "GET"): (None, None, answers(LOGGED_IN, ok=200)),
    ("personal.mark_read", "POST"): (exchange.with_notification, {},
        answers(OWNER_ONLY, ok=303, denied=404)),
    ("personal.mark_all_read", "POST"): (None, {}, answers(LOGGED_IN, ok=303)),
    ("personal.saved", "GET"): (None, None, answers(LOGGED_IN, ok=200)),
    ("personal.settings", "GET"): (None, None, answers(LOGGED_IN, ok=200)),
    ("personal.settings", "POST"): (None, {"digest": "weekly"}, answers(LOGGED_IN, ok=303)),
    ("personal.follow", "POST"): (None, {"kind": "area", "target": "unga-i-riskzon"},
                                  answers(LOGGED_IN, ok=303)),
    ("personal.unfollow", "POST"): (exchange.with_follow, {},
        answers(OWNER_ONLY, ok=303, denied=404)),
    ("personal.create_feed_token", "POST"): (None, {}, answers(LOGGED_IN, ok=200)),
    ("personal.revoke_feed_token", "POST"): (None, {"confirmed": "1"}, answers(LOGGED_IN, ok=303)),
    ("curation.collections", "GET"): (None, None, answers(LOGGED_IN, ok=200)),
    ("curation.show_collection", "GET"): (exchange.with_collection, None,
        answers(LOGGED_IN, ok=200)),
    ("curation.new_collection", "GET"): (None, None, answers(EDITOR_ONLY, ok=200, denied=403)),
    ("curation.new_collection", "POST"): (None, {"title": "Trygg i tunnelbanan"},
        answers(EDITOR_ONLY, ok=303, denied=403)),
    ("curation.edit_collection", "GET"): (exchange.with_collection, None,
        answers(EDITOR_ONLY, ok=200, denied=403)),
    ("curation.edit_collection", "POST"): (exchange.with_collection, {"title": "Sommar"},
                                           answers(EDITOR_ONLY, ok=303, denied=403)),
    ("curation.delete_collection", "POST"): (exchange.with_collection, {"confirmed": "1"},
                                             answers(EDITOR_ONLY, ok=303, denied=403)),
    ("curation.add_case", "POST"): (exchange.with_collection, {"case": "1"},
        answers(EDITOR_ONLY, ok=422, denied=403)),
    ("curation.suggest_cases", "GET"): (exchange.with_collection, None,
        answers(EDITOR_ONLY, ok=200, denied=403)),
    ("curation.remove_case", "POST"): (exchange.with_collection, {},
        answers(EDITOR_ONLY, ok=303, denied=403)),
    ("curation.move_case", "POST"): (exchange.with_collection, {"direction": "up"},
                                     answers(EDITOR_ONLY, ok=303, denied=403)),
    ("curation.stale_cases", "GET"): (None, None, answers(EDITOR_ONLY, ok=200, denied=403)),
    # The search vocabulary ("Sökord och synonymer"): the central office's editors only.
    ("vocabulary.terms", "GET"): (None, None, answers(EDITOR_ONLY, ok=200, denied=403)),
    ("vocabulary.new_term", "GET"): (None, None, answers(EDITOR_ONLY, ok=200, denied=403)),
    ("vocabulary.new_term", "POST"): (None, TERM_FORM, answers(EDITOR_ONLY, ok=422, denied=403)),
    ("vocabulary.edit_term", "GET"): (with_term, None, answers(EDITOR_ONLY, ok=200, denied=403)),
    ("vocabulary.edit_term", "POST"): (with_term, TERM_FORM,
        answers(EDITOR_ONLY, ok=422, denied=403)),
    ("vocabulary.delete_term", "GET"): (with_term, None, answers(EDITOR_ONLY, ok=200, denied=403)),
    ("vocabulary.delete_term", "POST"): (with_term, {}, answers(EDITOR_ONLY, ok=303, denied=403)),
    ("vocabulary.export_csv", "GET"): (None, None, answers(EDITOR_ONLY, ok=200, denied=403)),
    # No file: the editor gets "choose a file" (422), everyone else is refused before that.
    ("vocabulary.import_csv", "POST"): (None, {}, answers(EDITOR_ONLY, ok=422, denied=403)),
    # Feed readers use ?token= (tests/test_exchange_authorization.py); a browser, its login.
    ("feeds.search_feed", "GET"): (None, None, answers(LOGGED_IN, ok=200)),
    ("feeds.collection_feed", "GET"): (exchange.with_collection, None, answers(LOGGED_IN, ok=200)),
    # District pages: everyone logged in reads; the district's coordinators and editors edit
    # the local agreement; admins assign coordinators (knowledge/districts).
    ("districts.list_districts", "GET"): (None, None, answers(LOGGED_IN, ok=200)),
    ("districts.show_district", "GET"): (farsta, None, answers(LOGGED_IN, ok=200)),
    ("districts.edit_agreement", "GET"): (farsta_with_its_coordinator, None,
                                          answers(AGREEMENT_EDITORS, ok=200, denied=403)),
    ("districts.edit_agreement", "POST"): (farsta_with_its_coordinator,
                                           {"areas": "otrygga-platser"},
                                           answers(AGREEMENT_EDITORS, ok=303, denied=403)),
    ("districts.add_coordinator", "POST"): (farsta, {"email": ROLE_EMAILS["coordinator"]},
                                            answers(ADMIN_ONLY, ok=303, denied=403)),
    ("districts.remove_coordinator", "POST"): (farsta, {},
                                               answers(ADMIN_ONLY, ok=303, denied=403)),
    # The plan for the coming year and publishing the compilation: editors; the plan's CSV
    # is published data like the compilation.
    ("plans.edit_plan", "GET"): (year_2025, None, answers(EDITOR_ONLY, ok=200, denied=403)),
    ("plans.edit_plan", "POST"): (year_2025, {"plan-otrygga-platser": "Mer belysning."},
                                  answers(EDITOR_ONLY, ok=303, denied=403)),
    ("plans.publish", "POST"): (year_2025, {"confirmed": "1"},
                                answers(EDITOR_ONLY, ok=303, denied=403)),
    ("plans.plan_csv", "GET"): (year_2025, None, answers(LOGGED_IN, ok=200)),
}


def _with_api_token(db, users, _published_case):
    from types import SimpleNamespace
    from knowledge.accounts.users import list_tokens
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
        from knowledge.taxonomy.changes import start_area_set
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


def answer(response, api: bool) -> int | str:
    """The status code, or "login" when the actor is sent to log in first."""
    assert response.status_code < 500, response.text[:500]
    if response.status_code == 401 and api:
        return "login"
    # Flask-Login sends the anonymous to /login?next=…; logging out ends at plain /login.
    if response.status_code in (302, 303) and "/login?next=" in response.headers.get(
            "Location", ""):
        return "login"
    return response.status_code


# /healthz checks the database on a connection of its own: those rows need real commits.
ROUTES = [pytest.param(route, id=f"{route[0]}-{route[1]}",
                       marks=[pytest.mark.own_database] if route[0] == "main.healthz" else [])
          for route in sorted(EXPECTED)]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("who", ACTORS)
def test_route_by_role(app, client, auth, db, users, published_case, route, who):
    endpoint, method = route
    state, data, expected = EXPECTED[route]
    if callable(state):
        case = state(db, users, published_case)
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
    assert answer(response, api) == expected[who], (
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
