"""API tokens expire, can be revoked (CLI and admin page), are listed with their last use,
and a deactivated user's tokens stay dead when she is activated again."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from knowledge.accounts import users as accounts
from knowledge.accounts.models import ApiToken
from knowledge.audit.models import AuditEvent
from knowledge.core.base import utcnow
from knowledge.accounts.users import issue_token, list_tokens
from tests.conftest import ROLE_EMAILS, fresh


def _api(client, token):
    return client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})


def test_a_token_expires(client, db, users):
    token = issue_token(db, users["coordinator"])
    row = list_tokens(db, users["coordinator"])[0]
    assert timedelta(days=179) < row.expires_at - utcnow() <= timedelta(days=180)
    assert _api(client, token).status_code == 200
    fresh(db)
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.commit()
    assert _api(client, token).status_code == 401


def test_cli_token_days_revoke_and_list(runner, client, db, users):
    result = runner.invoke(args=["users", "token", ROLE_EMAILS["coordinator"], "--days", "7"])
    token = result.output.strip()
    assert result.exit_code == 0 and token.startswith("eb_")
    row = list_tokens(db, users["coordinator"])[0]
    assert timedelta(days=6) < row.expires_at - utcnow() <= timedelta(days=7)
    assert _api(client, token).status_code == 200

    listed = runner.invoke(args=["users", "tokens", ROLE_EMAILS["coordinator"]])
    assert listed.exit_code == 0
    assert f"{row.id:>5}  {ROLE_EMAILS['coordinator']}" in listed.output
    assert "giltig" in listed.output and "senast använd 20" in listed.output

    revoked = runner.invoke(args=["users", "revoke-token", str(row.id)])
    assert revoked.exit_code == 0, revoked.output
    assert _api(client, token).status_code == 401
    assert "spärrad" in runner.invoke(args=["users", "tokens"]).output

    missing = runner.invoke(args=["users", "revoke-token", "100000000000000000000000"])
    assert missing.exit_code == 1 and "Det finns ingen API-nyckel" in missing.output
    bad_days = runner.invoke(args=["users", "token", ROLE_EMAILS["coordinator"], "--days", "0"])
    assert bad_days.exit_code == 1 and "Giltighetstid" in bad_days.output


def test_admin_page_lists_and_revokes(client, auth, db, users):
    token = issue_token(db, users["coordinator"])
    assert _api(client, token).status_code == 200
    row = list_tokens(db, users["coordinator"])[0]
    auth.login("admin")
    page = client.get("/admin/tokens").text
    assert ROLE_EMAILS["coordinator"] in page and "Spärra" in page
    assert utcnow().strftime("%Y-%m-%d") in page  # last used today
    response = client.post(f"/admin/tokens/{row.id}/revoke")
    assert response.status_code == 303
    assert _api(client, token).status_code == 401
    fresh(db)
    assert db.scalar(select(AuditEvent.event).where(AuditEvent.event == "api_token_revoked"))


def test_reactivation_does_not_revive_old_tokens(client, db, users):
    token = issue_token(db, users["coordinator"])
    accounts.set_active(db, users["admin"], users["coordinator"], False)
    accounts.set_active(db, users["admin"], users["coordinator"], True)
    assert _api(client, token).status_code == 401
    fresh(db)
    assert db.scalar(select(ApiToken.revoked_at)) is not None
    assert _api(client, issue_token(db, users["coordinator"])).status_code == 200


def test_one_hash_for_every_kind_of_token():
    import inspect
    from knowledge.accounts import logins, users
    from knowledge.core import tokens
    from knowledge.exchange import feeds
    for module in (logins, users, feeds):
        assert "hashlib" not in inspect.getsource(module)
    assert tokens.hash_token("x") == users.hash_token("x") == feeds.hash_token("x")


def test_tokens_from_before_the_upgrade_get_an_expiry(tmp_path):
    from alembic import command
    from sqlalchemy import create_engine, text

    from knowledge.operations.migrate import alembic_config
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    command.upgrade(alembic_config(url), "0006")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO users (id, email, name, role, active, created_at) "
                                "VALUES (1, 'a@test.se', '', 'staff', 1, '2024-01-01')"))
        connection.execute(text("INSERT INTO api_tokens (user_id, token_hash, created_at) "
                                "VALUES (1, 'abc', '2024-01-01')"))
    command.upgrade(alembic_config(url), "heads")
    with engine.connect() as connection:
        expires = connection.execute(text("SELECT expires_at FROM api_tokens")).scalar()
    engine.dispose()
    from datetime import datetime
    assert timedelta(days=179) < datetime.fromisoformat(str(expires)) - utcnow() \
        <= timedelta(days=180)
