"""Unexpected errors: a Swedish page for people, JSON for the API, a line in the request log;
and a PostgreSQL server that hangs or is slow cannot hold a worker."""
from __future__ import annotations

import json
import logging
import socket

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from knowledge.core.db import make_engine
from knowledge.web.observability import JsonFormatter
from tests.databases import SERVER_URL


@pytest.fixture
def failing_app(app):
    """The app with two views that fail the way a bug would, answering as in production
    (tests otherwise let exceptions through to pytest)."""
    def broken():
        raise RuntimeError("ett fel i koden")
    app.add_url_rule("/trasig", "broken_page", broken)
    app.add_url_rule("/api/v1/trasig", "broken_api", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def test_a_failing_page_gives_a_swedish_page_with_the_request_id(failing_app, client, auth,
                                                                 caplog):
    auth.login("coordinator")
    caplog.set_level(logging.INFO, logger="erfarenhetsbanken.requests")
    response = client.get("/trasig", headers={"X-Request-ID": "fel-123"})
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    assert "Något gick fel" in response.text and "fel-123" in response.text
    assert "Internal Server Error" not in response.text
    assert "ett fel i koden" not in response.text  # no internals shown to people
    logged = [r for r in caplog.records if r.name == "erfarenhetsbanken.requests"]
    line = json.loads(JsonFormatter().format(logged[-1]))
    assert line["status"] == 500 and line["path"] == "/trasig" and line["user_id"] is not None
    assert response.headers["X-Request-ID"] == "fel-123"


def test_a_failing_api_call_answers_json(failing_app, client, auth):
    auth.login("coordinator")
    response = client.get("/api/v1/trasig", headers={"X-Request-ID": "api-fel-7"})
    assert response.status_code == 500 and response.is_json
    assert "oväntat fel" in response.json["error"]
    assert response.json["request_id"] == "api-fel-7"


def test_a_request_that_broke_its_database_session_is_still_logged(app, client, auth, users,
                                                                   db, caplog):
    """An API call from a browser that is also logged in: the user is loaded only when the
    request is logged, after the view has left the session needing a rollback."""
    from knowledge.search.models import OutboxEntry
    from knowledge.accounts.users import issue_token
    from knowledge.web.support import get_db

    def breaks_the_session(case_id):
        session = get_db()
        session.add(OutboxEntry(case_id=None))  # NOT NULL: the flush fails
        session.flush()
    app.view_functions["api.get_case"] = breaks_the_session
    app.config["PROPAGATE_EXCEPTIONS"] = False
    token = issue_token(db, users["coordinator"])
    auth.login("coordinator")
    caplog.set_level(logging.INFO, logger="erfarenhetsbanken.requests")
    response = client.get("/api/v1/cases/1", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 500 and response.is_json
    logged = [r for r in caplog.records if r.name == "erfarenhetsbanken.requests"]
    assert logged and logged[-1].status == 500 and logged[-1].path == "/api/v1/cases/1"


def test_connecting_to_a_server_that_never_answers_gives_up(tmp_path):
    # A listening socket that never answers is what a stopped (SIGSTOP) server looks like.
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(8)
        port = hung.getsockname()[1]
        engine = make_engine(f"postgresql+psycopg://eb@127.0.0.1:{port}/eb",
                             connect_timeout=1)
        with pytest.raises(OperationalError, match="timeout"):
            engine.connect()
        engine.dispose()


@pytest.mark.skipif(not SERVER_URL.startswith("postgresql"), reason="a PostgreSQL setting")
@pytest.mark.own_database  # a second engine on the database
def test_a_statement_that_runs_too_long_is_cancelled(app):
    engine = make_engine(app.config["DATABASE_URL"], statement_timeout=0.2)
    try:
        with engine.connect() as conn:
            with pytest.raises(OperationalError, match="statement timeout"):
                conn.execute(text("SELECT pg_sleep(5)"))
    finally:
        engine.dispose()


def test_the_app_gives_up_connecting_after_its_connect_timeout(tmp_path, monkeypatch):
    # (Without the setting psycopg gives up too, but only after 130 seconds.)
    monkeypatch.setenv("DATABASE_CONNECT_TIMEOUT", "1")
    from app import create_app
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(8)
        port = hung.getsockname()[1]
        app = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "index"),
                          "DATABASE_URL": f"postgresql+psycopg://eb@127.0.0.1:{port}/eb"})
        with app.extensions["db_sessionmaker"]() as session:
            with pytest.raises(OperationalError, match="timeout"):
                session.execute(text("SELECT 1"))
        app.extensions["db_engine"].dispose()


@pytest.mark.skipif(not SERVER_URL.startswith("postgresql"), reason="a PostgreSQL setting")
@pytest.mark.own_database
def test_the_app_sets_its_timeouts(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT", "12.5")
    monkeypatch.setenv("DATABASE_CONNECT_TIMEOUT", "3")
    from app import create_app
    app = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "index"),
                      "DATABASE_URL": database_url})
    with app.extensions["db_sessionmaker"]() as session:
        assert session.scalar(text("SHOW statement_timeout")) == "12500ms"
        info = session.connection().connection.dbapi_connection.info
        assert info.get_parameters()["connect_timeout"] == "3"
    app.extensions["db_engine"].dispose()
