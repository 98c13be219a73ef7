"""Failed logins slow an account or address down; they never lock its owner out."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from knowledge.audit.models import AuditEvent
from knowledge.accounts.models import LoginAttempt
from knowledge.core.base import utcnow
from tests.conftest import PASSWORD, ROLE_EMAILS, fresh


def _client_from(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _fail(app, email: str, times: int, first_address: int = 1) -> None:
    for n in range(times):
        response = _client_from(app, f"198.51.100.{first_address + n}").post(
            "/login", data={"email": email, "password": "fel-losenord"})
        assert response.status_code in (401, 429)


def _let_time_pass(db, seconds: int) -> None:
    fresh(db)
    for attempt in db.scalars(select(LoginAttempt)):
        attempt.at -= timedelta(seconds=seconds)
    db.commit()


def test_a_known_device_logs_in_whatever_strangers_have_tried(app, users):
    own = _client_from(app, "192.0.2.10")
    assert own.post("/login", data={"email": ROLE_EMAILS["admin"],
                                    "password": PASSWORD}).status_code == 303
    own.post("/logout")
    # Five addresses, then many more: without the known-device cookie this would be refused.
    for round_ in range(4):
        _fail(app, ROLE_EMAILS["admin"], 5, first_address=1 + 5 * round_)
    assert own.post("/login", data={"email": ROLE_EMAILS["admin"],
                                    "password": PASSWORD}).status_code == 303


def test_failures_slow_a_new_device_down_for_a_while_only(app, db, users):
    _fail(app, ROLE_EMAILS["admin"], 5)
    newcomer = _client_from(app, "192.0.2.20")
    refused = newcomer.post("/login", data={"email": ROLE_EMAILS["admin"],
                                            "password": PASSWORD})
    assert refused.status_code == 429
    assert "Vänta 2 sekunder" in refused.text
    _let_time_pass(db, 2)
    assert newcomer.post("/login", data={"email": ROLE_EMAILS["admin"],
                                         "password": PASSWORD}).status_code == 303


def test_the_delay_grows_but_never_passes_the_maximum(app, db, users):
    app.config["LOGIN_MAX_DELAY"] = timedelta(seconds=60)
    for _ in range(12):  # each failure waits out the delay before it, as an attacker would
        _fail(app, ROLE_EMAILS["admin"], 1)
        _let_time_pass(db, 60)
    _fail(app, ROLE_EMAILS["admin"], 1)
    refused = _client_from(app, "192.0.2.30").post(
        "/login", data={"email": ROLE_EMAILS["admin"], "password": PASSWORD})
    assert "Vänta 60 sekunder" in refused.text
    _let_time_pass(db, 60)
    assert _client_from(app, "192.0.2.30").post(
        "/login", data={"email": ROLE_EMAILS["admin"], "password": PASSWORD}).status_code == 303


def test_a_busy_nat_address_is_slowed_not_blocked(app, db, users):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    nat = "203.0.113.1"
    for n in range(3):
        _client_from(app, nat).post("/login", data={"email": f"gissning{n}@test.se",
                                                    "password": "x"})
    colleague = _client_from(app, nat)
    assert colleague.post("/login", data={"email": ROLE_EMAILS["staff"],
                                          "password": PASSWORD}).status_code == 429
    _let_time_pass(db, 2)
    assert colleague.post("/login", data={"email": ROLE_EMAILS["staff"],
                                          "password": PASSWORD}).status_code == 303


def test_a_burst_is_written_to_the_audit_log_once(app, db, users):
    _fail(app, ROLE_EMAILS["editor"], 5)
    for _ in range(3):  # tries during the delay are refused, not counted, not logged
        _client_from(app, "198.51.100.99").post("/login", data={
            "email": ROLE_EMAILS["editor"], "password": "fel-losenord"})
    fresh(db)
    bursts = db.scalars(select(AuditEvent).where(AuditEvent.event == "login_throttled")).all()
    assert [(e.actor_email, e.detail["by"], e.detail["failures"]) for e in bursts] == \
        [(ROLE_EMAILS["editor"], "account", 5)]
    assert db.scalar(select(LoginAttempt.id).where(LoginAttempt.at > utcnow())) is None
    assert len(db.scalars(select(LoginAttempt)).all()) == 5


def test_a_forged_known_device_cookie_counts_for_nothing(app, users):
    _fail(app, ROLE_EMAILS["admin"], 5)
    forger = _client_from(app, "192.0.2.40")
    forger.set_cookie("eb_known_device", '[1,2,3,4,5].forged.signature',
                      domain="erfarenhetsbanken.test")
    assert forger.post("/login", data={"email": ROLE_EMAILS["admin"],
                                       "password": PASSWORD}).status_code == 429
