"""Security properties, each with a test that fails when the property is removed."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app import create_app
from knowledge.cases import lifecycle as cases
from knowledge.core.markdown import render_markdown
from knowledge.audit.models import AuditEvent
from knowledge.accounts.models import UserSession
from knowledge.core.base import utcnow
from knowledge.accounts.users import issue_token
from tests.conftest import PASSWORD, ROLE_EMAILS, case_data, fresh


# --- headers --------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/login", "/healthz", "/", "/cases", "/cases?q=x",
                                  "/static/app.css", "/api/v1/cases", "/no-such-page"])
def test_security_headers_on_every_response(client, auth, path):
    auth.login("coordinator")
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "object-src 'none'", "base-uri 'none'",
                      "frame-ancestors 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_with_case_data_are_not_cached(client, auth, db, users, published_case):
    case = published_case()
    auth.login("coordinator")
    for path in (f"/cases/{case.id}", "/cases", "/"):
        assert client.get(path).headers["Cache-Control"] == "no-store"
    assert "HX-Request" in client.get("/cases").headers["Vary"]


def test_pages_have_no_inline_script_or_style(client, auth, db, users, published_case):
    published_case()
    auth.login("editor")
    for path in ("/", "/cases", "/cases/new", "/review", "/login"):
        html = client.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert " style=" not in html and "<style" not in html, path
        assert not re.search(r"\son[a-z]+=", html), path


def test_htmx_is_configured_for_the_csp(client):
    html = client.get("/login").text
    config = json.loads(re.search(r"name=\"htmx-config\" content='([^']*)'", html).group(1))
    assert config["allowEval"] is False and config["allowScriptTags"] is False
    assert config["includeIndicatorStyles"] is False and config["historyCacheSize"] == 0
    assert config["selfRequestsOnly"] is True


# --- cookies and sessions --------------------------------------------------------------------

def set_cookie_header(response):
    return "; ".join(response.headers.getlist("Set-Cookie"))


def test_session_cookie_flags(client, users):
    response = client.post("/login", data={"email": ROLE_EMAILS["staff"], "password": PASSWORD})
    cookie = set_cookie_header(response)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # local http development


def test_session_cookie_secure_in_production(tmp_path, monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/p.sqlite3"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    app.extensions["db_engine"].dispose()


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    from knowledge.core.config import ConfigError
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY saknas"):
        create_app()


def test_login_starts_a_new_session(client, users):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    client.post("/login", data={"email": ROLE_EMAILS["staff"], "password": PASSWORD})
    with client.session_transaction() as session:
        assert "planted" not in session and session.get("sid")


def test_a_cookie_replayed_after_logout_is_refused(app, client, auth):
    auth.login("staff")
    stolen = client.get_cookie("session", domain="erfarenhetsbanken.test").value
    assert client.get("/").status_code == 200
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("session", stolen, domain="erfarenhetsbanken.test")
    response = thief.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_deactivating_a_user_ends_her_sessions(app, client, auth, db, users):
    auth.login("staff")
    assert client.get("/").status_code == 200
    admin = app.test_client()
    admin.post("/login", data={"email": ROLE_EMAILS["admin"], "password": PASSWORD})
    assert admin.post(f"/admin/users/{users['staff'].id}/active",
                      data={"active": "0", "confirmed": "1"}).status_code == 303
    assert client.get("/").status_code == 302
    fresh(db)
    assert db.scalar(select(UserSession).where(UserSession.user_id == users["staff"].id)) is None


@pytest.mark.parametrize("column,age", [("last_seen_at", timedelta(minutes=61)),
                                        ("created_at", timedelta(hours=11))])
def test_idle_and_absolute_timeouts(client, auth, db, column, age):
    auth.login("staff")
    db.execute(update(UserSession).values({column: utcnow() - age}))
    db.commit()
    assert client.get("/").status_code == 302


# --- login throttling ------------------------------------------------------------------------

@pytest.mark.own_database  # a second app (another process) on the database
def test_login_is_throttled_per_account_across_processes(app, users):
    # Two app instances on one database stand for two gunicorn workers.
    other = create_app({"DATABASE_URL": app.config["DATABASE_URL"],
                        "INDEX_DIR": app.config["INDEX_DIR"], "WTF_CSRF_ENABLED": False})
    clients = [app.test_client(), other.test_client()]
    for attempt in range(5):
        response = clients[attempt % 2].post("/login", data={
            "email": ROLE_EMAILS["staff"], "password": "fel-losenord"})
        assert response.status_code == 401
    blocked = clients[1].post("/login", data={"email": ROLE_EMAILS["staff"],
                                              "password": PASSWORD})
    assert blocked.status_code == 429
    assert "För många misslyckade inloggningar" in blocked.text
    # Another account from another address is not affected.
    assert clients[0].post("/login", data={"email": ROLE_EMAILS["editor"],
                                           "password": PASSWORD}).status_code == 303
    other.extensions["db_engine"].dispose()


def test_login_is_throttled_per_address(app, client, users):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    for n in range(3):
        client.post("/login", data={"email": f"gissning{n}@test.se", "password": "x"})
    assert client.post("/login", data={"email": ROLE_EMAILS["staff"],
                                       "password": PASSWORD}).status_code == 429


# --- CSRF ------------------------------------------------------------------------------------

def test_csrf_protects_forms_and_htmx_posts(app, client, users, db):
    app.config["WTF_CSRF_ENABLED"] = True
    login_page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', login_page).group(1)
    assert client.post("/login", data={"email": ROLE_EMAILS["staff"],
                                       "password": PASSWORD}).status_code == 400
    assert client.post("/login", data={"email": ROLE_EMAILS["staff"], "password": PASSWORD,
                                       "csrf_token": token}).status_code == 303
    form = {**case_data(), "partners": "Polisen", "action": "save"}
    refused = client.post("/cases/new", data=form, headers={"HX-Request": "true"})
    assert refused.status_code == 400
    page = client.get("/cases/new").text
    header_token = json.loads(re.search(r"hx-headers='([^']+)'", page).group(1))["X-CSRFToken"]
    accepted = client.post("/cases/new", data=form, headers={"HX-Request": "true",
                                                             "X-CSRFToken": header_token})
    assert accepted.status_code == 200 and accepted.headers["HX-Redirect"]


# --- Markdown and hostile input --------------------------------------------------------------

@pytest.mark.parametrize("source,forbidden", [  # raw HTML is escaped: no tag may carry these
    ("<script>alert(1)</script>", "script"),
    ('<img src=x onerror="alert(1)">', "onerror"),
    ("[klicka](javascript:alert(1))", 'href="javascript'),
    ('<a href="/x" hx-get="/admin/users" hx-trigger="load">a</a>', "hx-get"),
    ('<div data-hx-post="/cases/1/publish">x</div>', "data-hx-post"),
    ("<iframe src=//evil></iframe>", "iframe"),
    ("[a](javascript:alert(1) 'x')\n\n<javascript:alert(1)>", "javascript:"),
    ('<a href="#" style="x">y</a>', "style="),
])
def test_markdown_is_sanitised(source, forbidden):
    html = str(render_markdown(source))
    assert not re.search(r"<[^>]*" + re.escape(forbidden), html), html


HOSTILE = [
    '<script>alert("xss")</script>',
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(document.cookie)",
    '<div hx-get="/admin/users" hx-trigger="load" hx-target="body">x</div>',
    "{{ 7*7 }} {% raw %}",
    "'; DROP TABLE cases; --",
    "Robert'); DELETE FROM users WHERE ('1'='1",
    "\u202eevil\u202c \u2066rtl\u2069",
    "nollbyte\x00 och kontroll\x07\x1b[31m",
    "A" * 25_000,
]


@pytest.mark.parametrize("hostile", HOSTILE, ids=lambda h: repr(h[:20]))
def test_hostile_input_in_every_field_is_harmless_or_refused(client, auth, db, users,
                                                           hostile):
    auth.login("staff")
    text_fields = ["title", "summary", "organisation", "target_group", "situation",
                   "cause_analysis", "measures", "goals", "results", "lessons",
                   "gender_analysis", "child_rights_analysis", "contact_name"]
    data = {**case_data(), "partners": hostile, "action": "submit"}
    for field in text_fields:
        data[field] = hostile
    response = client.post("/cases/new", data=data)
    assert response.status_code in (303, 422)
    if response.status_code == 422:
        _assert_harmless(response.text, hostile)
    if response.status_code == 303:
        case_page = client.get(response.headers["Location"])
        assert case_page.status_code == 200
        _assert_harmless(case_page.text, hostile)
        if hostile.startswith("{{"):
            assert "{{ 7*7 }}" in case_page.text  # shown as text, never evaluated
        auth.logout()
        auth.login("editor")
        case_id = int(response.headers["Location"].rsplit("/", 1)[1])
        client.post(f"/cases/{case_id}/publish", data={"personal_data_reason": "test"})
        auth.logout()
        auth.login("coordinator")
        for path in ("/", f"/cases/{case_id}", "/cases?q=alert",
                     "/cases?q=" + hostile[:100]):
            page = client.get(path)
            assert page.status_code == 200, path
            _assert_harmless(page.text, hostile)
        api = client.get(f"/api/v1/cases/{case_id}", headers={
            "Authorization": f"Bearer {issue_token(db, users['coordinator'])}"})
        assert api.status_code == 200 and api.json["id"] == case_id


def _assert_harmless(html: str, hostile: str) -> None:
    assert '<script>alert("xss")' not in html
    assert "<img src=x onerror" not in html
    assert 'href="javascript:' not in html
    assert '<div hx-get="/admin/users"' not in html
    assert "\x00" not in html and "\x1b" not in html


# --- audit log -------------------------------------------------------------------------------

def events(db, name):
    fresh(db)
    return list(db.scalars(select(AuditEvent).where(AuditEvent.event == name)))


def test_audit_log_records_logins_refusals_decisions_and_role_changes(client, auth, db, users,
                                                                      app):
    client.post("/login", data={"email": ROLE_EMAILS["staff"], "password": "fel"})
    assert events(db, "login_failed")[0].actor_email == ROLE_EMAILS["staff"]
    auth.login("coordinator")
    assert events(db, "login")[-1].actor_id == users["coordinator"].id
    case = cases.create_case(db, users["staff"], case_data(), submit=True)
    client.post(f"/cases/{case.id}/publish")
    refused = events(db, "refused")
    assert refused and refused[-1].target == f"POST /cases/{case.id}/publish"
    cases.return_case(db, users["editor"], case, "Mer om resultaten.")
    cases.submit_case(db, users["staff"], case)
    cases.publish_case(db, users["editor"], case)
    cases.archive_case(db, users["editor"], case)
    for name in ("returned", "published", "archived"):
        assert events(db, name)[-1].target == f"case:{case.id}"
    auth.logout()
    auth.login("admin")
    client.post(f"/admin/users/{users['staff2'].id}/role", data={"role": "editor"})
    change = events(db, "role_changed")[-1]
    assert change.target == ROLE_EMAILS["staff2"] and change.detail == {"from": "staff",
                                                                        "to": "editor"}
    page = client.get("/admin/audit").text
    assert "Ändrad roll" in page and "Misslyckad inloggning" in page
    # The case text never reaches the log.
    assert "Mer om resultaten." not in json.dumps([e.detail for e in events(db, "returned")])


def test_audit_log_is_safe_against_log_injection(client, auth, db, users):
    client.post("/login", data={"email": "x@test.se\n2026-01-01 login admin\u202e",
                                "password": "fel"})
    event = events(db, "login_failed")[-1]
    assert "\n" not in event.actor_email and "\u202e" not in event.actor_email


def test_only_admins_read_the_audit_log(client, auth):
    auth.login("editor")
    assert client.get("/admin/audit").status_code == 403


def test_import_is_audited(runner, db, tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(case_data(external_id="a-1"), ensure_ascii=False) + "\n")
    assert runner.invoke(args=["import", str(path)]).exit_code == 0
    event = events(db, "imported")[-1]
    assert event.detail["created"] == 1 and event.target == "in.jsonl"


# --- found in review ---------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["/\t/evil.example", "/\\evil.example", "//evil.example",
                                    "https://evil.example/", "/\n/evil.example"])
def test_no_open_redirect_through_next(client, auth, db, users, target, published_case):
    case = published_case()
    auth.login("coordinator")
    response = client.post(f"/cases/{case.id}/spara", data={"next": target})
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"/cases/{case.id}")
    login = client.post(f"/login?next={target}", data={"email": ROLE_EMAILS["staff"],
                                                       "password": PASSWORD})
    assert "evil" not in login.headers.get("Location", "")


def test_review_comments_are_not_shown_to_other_readers(client, auth, db, users):
    case = cases.create_case(db, users["staff"], case_data(), submit=True)
    cases.return_case(db, users["editor"], case, "Ta bort namnet Kalle Svensson ur texten.")
    cases.submit_case(db, users["staff"], case)
    cases.publish_case(db, users["editor"], case)
    auth.login("staff2")
    assert "Kalle Svensson" not in client.get(f"/cases/{case.id}").text
    auth.logout()
    auth.login("staff")
    assert "Kalle Svensson" in client.get(f"/cases/{case.id}").text


def test_editing_a_published_case_gets_the_personal_data_check(client, auth, db, users,
        published_case):
    case = published_case()
    auth.login("editor")
    form = {**case_data(results="Mamman 19811218-9876 ringde."), "partners": "Polisen",
            "action": "save"}
    response = client.post(f"/cases/{case.id}/edit", data=form)
    assert response.status_code == 422 and "personnummer" in response.text
    fresh(db)
    assert "19811218-9876" not in cases.get_case(db, users["editor"], case.id).results


@pytest.mark.parametrize("path,method,data", [
    ("/cases/99999999999999999999", "GET", None),
    ("/cases/99999999999999999999/edit", "GET", None),
    ("/api/v1/cases/99999999999999999999", "GET", None),
    ("/bevakningar", "POST", {"kind": "case", "target": "99999999999999999999"}),
    ("/bevakningar", "POST", {"kind": "case", "target": "²"}),
])
def test_out_of_range_ids_are_not_found_not_server_errors(client, auth, db, users, path,
                                                         method, data):
    auth.login("coordinator")
    headers = {"Authorization": f"Bearer {issue_token(db, users['coordinator'])}"}
    response = client.open(path, method=method, data=data, headers=headers)
    assert response.status_code in (404, 422)


@pytest.mark.parametrize("own_case_id", ["²", "99999999999999999999"])
def test_adoption_form_with_an_odd_own_case_id_gets_a_message(client, auth, db, users,
                                                              own_case_id, published_case):
    case = published_case()
    auth.login("coordinator")
    response = client.post(f"/cases/{case.id}/provat", data={
        "district": "farsta", "context": "Hökarängen", "status": "planerad",
        "own_case_id": own_case_id})
    assert response.status_code == 422
