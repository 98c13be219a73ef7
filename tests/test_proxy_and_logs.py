"""Behind the proxy: the client cannot choose our host name, and feed tokens stay out of
the logs."""
from __future__ import annotations

import re

import pytest

from app import create_app
from knowledge.cases import lifecycle as cases
from knowledge.accounts.users import issue_token
from tests.conftest import case_data
from tests.live import ROOT, Server

pytestmark = pytest.mark.own_database  # second apps and a gunicorn server on the database


def _api_url_field(app, db, users, headers):
    case = cases.create_case(db, users["staff"], case_data(), submit=True)
    cases.publish_case(db, users["editor"], case)
    token = issue_token(db, users["coordinator"])
    db.commit()  # the test is the caller; the other app below reads what it saved
    response = app.test_client().get("/api/v1/cases", headers={
        "Authorization": f"Bearer {token}", "Host": "erfarenhetsbanken.intranet", **headers})
    return response.get_json()["results"][0]["url"]


def _behind_proxy(app, **config):
    return create_app({"DATABASE_URL": app.config["DATABASE_URL"], "TESTING": True,
                       "INDEX_DIR": app.config["INDEX_DIR"], "PROXY_FIX": 1, **config})


def test_a_forwarded_host_from_the_client_does_not_reach_the_api_url(app, db, users):
    proxied = _behind_proxy(app)
    url = _api_url_field(proxied, db, users, {"X-Forwarded-Host": "evil.example",
                                              "X-Forwarded-Proto": "https"})
    assert url.startswith("https://erfarenhetsbanken.intranet/cases/")
    proxied.extensions["db_engine"].dispose()


def test_forwarded_host_is_trusted_only_when_configured(app, db, users):
    proxied = _behind_proxy(app, PROXY_FIX_HOST=True)
    url = _api_url_field(proxied, db, users, {"X-Forwarded-Host": "eb.stockholm.se"})
    assert url.startswith("http://eb.stockholm.se/cases/")
    proxied.extensions["db_engine"].dispose()


def test_trusted_hosts_refuse_other_host_names(app, db, users):
    strict = _behind_proxy(app, TRUSTED_HOSTS=["erfarenhetsbanken.intranet"])
    assert strict.test_client().get("/healthz", headers={"Host": "evil.example"}) \
        .status_code == 400
    assert strict.test_client().get("/healthz", headers={
        "Host": "erfarenhetsbanken.intranet"}).status_code == 200
    strict.extensions["db_engine"].dispose()


def test_the_sample_nginx_sets_host_itself_and_logs_no_query_strings():
    conf = (ROOT / "deploy" / "nginx.conf.example").read_text()
    assert "proxy_set_header Host $server_name;" in conf
    assert 'proxy_set_header X-Forwarded-Host "";' in conf
    assert "$host" not in conf
    log_format = re.search(r"log_format\s+(\w+)\s+(.*?);", conf, re.S)
    assert log_format and f"access_log /var/log/nginx/erfarenhetsbanken.access.log " \
        f"{log_format.group(1)};" in conf
    for leaky in ("$request ", "$request\"", "$request_uri", "$args", "$query_string",
                  "$http_referer"):
        assert leaky not in log_format.group(2)


def test_the_sample_gunicorn_access_log_keeps_feed_tokens_out(database_url, tmp_path):
    log = tmp_path / "gunicorn.log"
    server = Server(database_url, tmp_path / "index", log, workers=1,
                    args=("-c", str(ROOT / "deploy" / "gunicorn.conf.py")))
    try:
        from tests.live import Browser
        secret = "ef_" + "geheim" * 7
        status, _body = Browser(server.url).get(f"/feeds/search?q=trygg&token={secret}")
        assert status in (401, 403, 404)
    finally:
        server.stop()
    text = log.read_text()
    assert '"GET /feeds/search HTTP/1.1"' in text
    assert secret not in text and "token=" not in text


def test_the_sample_gunicorn_warms_up_and_freezes_what_a_worker_loaded_before_serving(app):
    """deploy/gunicorn.conf.py compiles every template and prepares the search before a
    worker serves (so no one's first request pays for them), then moves the worker's
    start-up objects out of the collector's reach, so full collections in a request stay
    short (README, Measurements)."""
    import gc
    import runpy

    class Log:
        lines: list[str] = []

        def info(self, message, *args):
            self.lines.append(message % args)

    beats = []
    worker = type("Worker", (), {"log": Log(), "wsgi": app,
                                 "notify": lambda self: beats.append(1)})()
    hooks = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    templates = [n for n in app.jinja_env.list_templates() if n.endswith(".html")]
    try:
        hooks["post_worker_init"](worker)
        assert gc.get_freeze_count() > 1000
        assert beats   # a long warm-up tells the arbiter the worker is alive
        assert Log.lines == [f"Warmed up: {len(templates)} templates compiled",
                             f"Froze {gc.get_freeze_count()} objects loaded at start"]
    finally:
        gc.unfreeze()
    # Compiled and kept: serving a page loads none of them again.
    compiled = {key[1] for key in app.jinja_env.cache.keys()}
    assert set(templates) <= compiled
