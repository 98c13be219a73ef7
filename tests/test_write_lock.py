"""A request that writes keeps its write transaction from start to end, also when the
person had paused (her session's last-seen time is refreshed on the way); and a request
that fails still gets its line in the request log."""
from __future__ import annotations

import json
import logging
import sqlite3
from datetime import timedelta

import pytest
from sqlalchemy import event, select, text, update

from knowledge.cases import lifecycle as cases
from knowledge.cases.models import Case, CaseRevision
from knowledge.accounts.models import UserSession
from knowledge.core.base import utcnow
from knowledge.web.observability import JsonFormatter
from knowledge.web.support import get_db
from tests.conftest import case_data, fresh

pytestmark = pytest.mark.own_database  # other connections race for the write lock


def pause(db, minutes=2):
    """Everyone's session was last seen `minutes` ago (past the one-minute refresh)."""
    db.execute(update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=minutes)))
    db.commit()


def write_elsewhere(app, database_url, case_id):
    """Another worker's write, without waiting: "wrote", or "waited" if the lock is held."""
    if database_url.startswith("sqlite"):
        connection = sqlite3.connect(database_url.split("///", 1)[1], timeout=0,
                                     isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("UPDATE cases SET featured_reason = 'x' WHERE id = ?", (case_id,))
            connection.execute("COMMIT")
            return "wrote"
        except sqlite3.OperationalError as error:
            assert "locked" in str(error)
            return "waited"
        finally:
            connection.close()
    with app.extensions["db_engine"].begin() as connection:  # PostgreSQL: other rows are free
        connection.execute(text("UPDATE cases SET featured_reason = 'x' WHERE id = :id"),
                           {"id": case_id})
    return "wrote"


def test_a_write_after_a_pause_keeps_its_lock_while_another_editor_writes(
        app, client, auth, db, users, database_url):
    first = cases.create_case(db, users["staff"], case_data(title="Första"), submit=True)
    second = cases.create_case(db, users["staff"], case_data(title="Andra"), submit=True)
    auth.login("editor")
    pause(db)

    interleaved: list[str] = []

    def between_read_and_write(conn, cursor, statement, *_args):
        # Right after the publish request has read the case, another editor writes.
        if not interleaved and statement.lstrip().startswith("SELECT") \
                and "FROM cases" in statement:
            interleaved.append("started")
            interleaved.append(write_elsewhere(app, database_url, second.id))

    engine = app.extensions["db_engine"]
    event.listen(engine, "after_cursor_execute", between_read_and_write)
    try:
        response = client.post(f"/cases/{first.id}/publish")
    finally:
        event.remove(engine, "after_cursor_execute", between_read_and_write)

    assert response.status_code == 303
    if database_url.startswith("sqlite"):
        # The request held the write lock from its start: the other writer had to wait
        # (before the fix the refresh of last_seen_at committed it away, the other write
        # got in, and the publish failed with "database is locked").
        assert interleaved == ["started", "waited"]
    # The waiting editor's own publish then goes through as well.
    assert client.post(f"/cases/{second.id}/publish").status_code == 303
    fresh(db)
    assert [db.get(Case, c.id).status for c in (first, second)] == ["published", "published"]
    assert db.scalar(select(UserSession.last_seen_at)) > utcnow() - timedelta(minutes=1)


def test_reading_after_a_pause_records_the_last_seen_time(client, auth, db, users):
    auth.login("coordinator")
    pause(db, minutes=30)
    assert client.get("/cases").status_code == 200
    fresh(db)
    assert db.scalar(select(UserSession.last_seen_at)) > utcnow() - timedelta(minutes=1)


def test_a_request_that_fails_in_the_middle_of_a_write_is_logged(app, auth, db, users,
                                                                 client, caplog):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: a 500, not a traceback

    @app.route("/test/failing-write", methods=["POST"])
    def failing_write():
        session = get_db()
        session.add(CaseRevision(case_id=None, action="x"))  # NOT NULL: the flush fails
        session.flush()

    caplog.set_level(logging.INFO, logger="erfarenhetsbanken.requests")
    auth.login("editor")
    pause(db)
    assert client.post("/test/failing-write").status_code == 500
    lines = [r for r in caplog.records if r.name == "erfarenhetsbanken.requests"
             and getattr(r, "path", "") == "/test/failing-write"]
    assert [r.status for r in lines] == [500]
    assert lines[0].user_id == users["editor"].id
    assert json.loads(JsonFormatter().format(lines[0]))["status"] == 500
