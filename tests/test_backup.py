"""Backup and restore: a restored backup has every case, and search finds them again."""
from __future__ import annotations

import sqlite3

import pytest

from knowledge.cases import lifecycle as cases
from knowledge.search import SearchRequest, search_cases
from tests.conftest import case_data, fresh
from tests.databases import SERVER_URL

pytestmark = [pytest.mark.skipif(SERVER_URL.startswith("postgresql"),
                                 reason="PostgreSQL backups use pg_dump (README)"),
              pytest.mark.own_database]  # backup and restore read the database file


def test_backup_then_restore_brings_every_case_back(app, runner, db, users, tmp_path):
    made = []
    for n in range(5):
        case = cases.create_case(db, users["staff"], case_data(title=f"Nattvandring {n}"),
                                 submit=True)
        made.append(cases.publish_case(db, users["editor"], case).id)
    draft = cases.create_case(db, users["staff"], case_data(title="Utkast")).id
    backup = tmp_path / "backup.sqlite3"
    result = runner.invoke(args=["backup", str(backup)])
    assert result.exit_code == 0, result.output
    assert "6 exempel, integritetskontroll ok" in result.output
    assert sqlite3.connect(backup).execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    # Disaster: cases archived and a new one written after the backup.
    for case_id in made:
        cases.archive_case(db, users["editor"], cases.get_case(db, users["editor"], case_id))
    cases.create_case(db, users["staff"], case_data(title="Efter backupen"))

    result = runner.invoke(args=["restore", "--yes", str(backup)])
    assert result.exit_code == 0, result.output
    assert "6 exempel" in result.output and "5 publicerade" in result.output
    fresh(db)
    index = app.extensions["search_index"]
    found = search_cases(index, db, SearchRequest(text="nattvandring", per_page=50))
    assert sorted(f.case.id for f in found.results) == sorted(made)
    assert cases.get_case(db, users["staff"], draft).title == "Utkast"
    from sqlalchemy import select
    from knowledge.cases.models import Case
    assert "Efter backupen" not in db.scalars(select(Case.title)).all()


def test_backup_refuses_to_overwrite_and_restore_refuses_a_broken_file(runner, tmp_path):
    existing = tmp_path / "finns.sqlite3"
    existing.write_text("x")
    result = runner.invoke(args=["backup", str(existing)])
    assert result.exit_code == 1 and "finns redan" in result.output
    broken = tmp_path / "trasig.sqlite3"
    broken.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    result = runner.invoke(args=["restore", "--yes", str(broken)])
    assert result.exit_code == 1 and "misslyckades" in result.output


def test_a_restore_ends_every_login_so_a_logged_out_cookie_stays_dead(app, runner, client,
                                                                     auth, tmp_path):
    auth.login("coordinator")
    cookie = client.get_cookie("session", domain="erfarenhetsbanken.test")
    backup = tmp_path / "backup.sqlite3"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    auth.logout()
    result = runner.invoke(args=["restore", "--yes", str(backup)])
    assert result.exit_code == 0, result.output
    # Someone who copied the cookie before the logout tries it after the restore.
    stranger = app.test_client()
    stranger.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
    assert stranger.get("/cases").status_code == 302  # to the login page


def test_logout_all_ends_every_login(app, runner, client, auth):
    auth.login("coordinator")
    assert client.get("/cases").status_code == 200
    result = runner.invoke(args=["users", "logout-all"])
    assert result.exit_code == 0 and "1 inloggningar avslutade" in result.output
    assert client.get("/cases").status_code == 302
