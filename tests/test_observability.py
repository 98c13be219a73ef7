"""Request ids and structured logs."""
from __future__ import annotations

import json
import logging

import pytest

from knowledge.web.observability import JsonFormatter, RequestIdFilter


def test_every_response_has_a_request_id_and_a_safe_incoming_one_is_kept(client):
    generated = client.get("/healthz").headers["X-Request-ID"]
    assert len(generated) == 16
    assert client.get("/healthz", headers={"X-Request-ID": "lb-1234.abc"}
                      ).headers["X-Request-ID"] == "lb-1234.abc"
    forged = client.get("/healthz", headers={"X-Request-ID": "<script> och 'mer'"})
    assert forged.headers["X-Request-ID"] != "<script> och 'mer'"


@pytest.mark.own_database  # /healthz checks the database on a connection of its own
def test_json_log_lines_carry_the_request_id(app, client, caplog):
    caplog.set_level(logging.INFO, logger="erfarenhetsbanken.requests")
    client.get("/healthz", headers={"X-Request-ID": "req-42"})
    record = [r for r in caplog.records if r.name == "erfarenhetsbanken.requests"][-1]
    with app.test_request_context():
        pass
    record.request_id = "req-42"
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "req-42" and line["path"] == "/healthz"
    assert line["status"] == 200 and line["method"] == "GET" and "duration_ms" in line
    assert RequestIdFilter().filter(logging.makeLogRecord({}))


def test_proxy_fix_uses_the_forwarded_address(app, client, users):
    from werkzeug.middleware.proxy_fix import ProxyFix
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    client.post("/login", data={"email": "x@test.se", "password": "fel"},
                headers={"X-Forwarded-For": "10.1.2.3"})
    from sqlalchemy import select
    from knowledge.audit.models import AuditEvent
    with app.extensions["db_sessionmaker"]() as session:
        assert session.scalar(select(AuditEvent.address)) == "10.1.2.3"
