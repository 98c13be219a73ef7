"""`restore` reads the file it is given, the text log cannot be forged through the path,
and the app itself refuses request bodies above MAX_CONTENT_LENGTH."""
from __future__ import annotations

import logging
import shutil

import pytest

from knowledge.cases import lifecycle as cases
from knowledge.web.observability import RequestIdFilter
from tests.conftest import ROLE_EMAILS, case_data
from tests.databases import SERVER_URL


@pytest.mark.skipif(SERVER_URL.startswith("postgresql"),
                    reason="PostgreSQL backups use pg_dump (README)")
@pytest.mark.own_database  # restore writes the database file
def test_restore_opens_the_named_file_not_a_uri(runner, db, users, tmp_path):
    cases.create_case(db, users["staff"], case_data(title="Ett exempel"))
    one = tmp_path / "one.sqlite3"
    assert runner.invoke(args=["backup", str(one)]).exit_code == 0
    cases.create_case(db, users["staff"], case_data(title="Ett till"))
    two = tmp_path / "two.sqlite3"
    assert runner.invoke(args=["backup", str(two)]).exit_code == 0
    # "b%41" read as a URI is "bA": a different file, with another content.
    shutil.copy(two, tmp_path / "b%41.sqlite3")
    shutil.copy(one, tmp_path / "bA.sqlite3")
    result = runner.invoke(args=["restore", "--yes", str(tmp_path / "b%41.sqlite3")])
    assert result.exit_code == 0, result.output
    assert "2 exempel" in result.output


def test_a_new_line_in_the_path_does_not_forge_a_log_line(app, client, caplog):
    caplog.set_level(logging.INFO, logger="erfarenhetsbanken.requests")
    forged = "2026-01-01 12:00:00,000 INFO [abc] erfarenhetsbanken.requests: POST /admin 200"
    client.get("/healthz%0A" + forged.replace(" ", "%20"))
    record = [r for r in caplog.records if r.name == "erfarenhetsbanken.requests"][-1]
    RequestIdFilter().filter(record)
    line = logging.Formatter(
        "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s").format(record)
    assert "\n" not in line and "\r" not in line
    assert "/healthz\\x0a2026-01-01" in line
    assert record.path.startswith("/healthz\\x0a")


def test_request_bodies_are_limited_in_the_app(app, client, users):
    assert app.config["MAX_CONTENT_LENGTH"] == 5 * 1024 * 1024
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    response = client.post("/login", data={"email": ROLE_EMAILS["staff"],
                                           "password": "x" * (1024 * 1024 + 1)})
    assert response.status_code == 413
    assert "för stort (högst 1 MB)" in response.text
