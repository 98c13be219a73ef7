"""Password rules, changing one's own password, and an admin's reset."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from knowledge.audit.models import AuditEvent
from knowledge.accounts.models import UserSession
from knowledge.accounts.passwords import common_passwords, password_problems
from knowledge.accounts.users import create_user
from knowledge.cases.validation import ValidationError
from tests.conftest import PASSWORD, ROLE_EMAILS, fresh


@pytest.mark.parametrize("password,reason", [
    ("aaaaaaaaaa", "samma tecken"),
    ("aaaaaaaaab", "samma tecken"),
    ("sommar2024", "vanligaste"),
    ("Sommar2024!", "vanligaste"),
    ("hejhej1234", "vanligaste"),
    ("lösenord123", "vanligaste"),
    ("Password123!", "vanligaste"),
    ("1234567890", "vanligaste"),
    ("greta.admin-hemma", "e-postadress"),
    ("kort", "minst 10"),
])
def test_weak_passwords_are_refused_with_the_reason(db, password, reason):
    with pytest.raises(ValidationError) as refused:
        create_user(db, email="greta.admin@test.se", role="admin", password=password)
    assert any(reason in e.message and e.field == "password" for e in refused.value.errors)


def test_the_list_is_shipped_and_good_passwords_pass():
    assert {"sommar2024", "hejhej123", "lösenord", "qwerty123"} <= common_passwords()
    assert len(common_passwords()) > 3000
    assert password_problems("gurka tåg vintergata", "greta.admin@test.se") == []
    assert password_problems(PASSWORD, ROLE_EMAILS["staff"]) == []


def test_the_cli_refuses_a_weak_password(runner):
    result = runner.invoke(args=["users", "create", "--email", "ny@test.se", "--role", "admin",
                                 "--password", "aaaaaaaaaa"])
    assert result.exit_code == 1 and "samma tecken" in result.output


def _login(app, password, key="staff"):
    client = app.test_client()
    response = client.post("/login", data={"email": ROLE_EMAILS[key], "password": password})
    return client, response


def test_changing_ones_own_password_ends_the_other_sessions(app, db, users):
    laptop, _ = _login(app, PASSWORD)
    phone, _ = _login(app, PASSWORD)
    wrong = laptop.post("/konto/losenord", data={
        "current_password": "fel-losenord", "new_password": "sommar2024",
        "new_password_again": "annat"})
    assert wrong.status_code == 422
    for message in ("Nuvarande lösenord: stämmer inte", "vanligaste", "inte lika"):
        assert message in wrong.text
    ok = laptop.post("/konto/losenord", data={
        "current_password": PASSWORD, "new_password": "gurka tåg vintergata",
        "new_password_again": "gurka tåg vintergata"})
    assert ok.status_code == 303
    assert laptop.get("/").status_code == 200            # the session she changed it in
    assert phone.get("/").status_code == 302             # every other one has ended
    assert _login(app, PASSWORD)[1].status_code == 401
    assert _login(app, "gurka tåg vintergata")[1].status_code == 303
    fresh(db)
    assert db.scalar(select(AuditEvent.event).where(AuditEvent.event == "password_changed"))


def test_admin_reset_shows_a_one_time_password_that_forces_a_change(app, client, auth, db,
                                                                    users):
    victim, _ = _login(app, PASSWORD)
    auth.login("admin")
    page = client.post(f"/admin/users/{users['staff'].id}/password")
    assert page.status_code == 200
    one_time = re.search(r'<code id="one-time-password">([^<]+)</code>', page.text).group(1)
    assert victim.get("/").status_code == 302            # her sessions ended
    assert _login(app, PASSWORD)[1].status_code == 401   # the old password is gone
    staff, response = _login(app, one_time)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/konto/losenord")
    assert staff.get("/cases").status_code == 302        # nothing else until she changes it
    assert staff.post("/konto/losenord", data={
        "current_password": one_time, "new_password": "gurka tåg vintergata",
        "new_password_again": "gurka tåg vintergata"}).status_code == 303
    assert staff.get("/cases").status_code == 200


def test_cli_reset_password(app, runner, db, users):
    result = runner.invoke(args=["users", "reset-password", ROLE_EMAILS["staff"]])
    assert result.exit_code == 0
    one_time = result.output.strip().rsplit(": ", 1)[1]
    _client, response = _login(app, one_time)
    assert response.headers["Location"].endswith("/konto/losenord")
    assert runner.invoke(args=["users", "reset-password", "ingen@test.se"]).exit_code == 1
    fresh(db)
    assert db.scalar(select(UserSession.id)) is not None
