"""Single sign-on against a real OpenID Connect provider process on loopback
(oidc-provider-mock), with group claims mapped to roles."""
from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from knowledge.audit.models import AuditEvent
from knowledge.accounts.models import User
from tests.conftest import fresh
from tests.live import free_port

PROVIDER = Path(sys.executable).parent / "oidc-provider-mock"
ROLE_MAP = {"eb-redaktorer": "editor", "eb-samordnare": "coordinator", "eb-admin": "admin"}


@pytest.fixture(scope="module")
def provider():
    port = free_port()
    users = [{"sub": "redaktor", "email": "Rut.Redaktor@stockholm.se", "name": "Rut Redaktör",
              "groups": ["alla-anstallda", "eb-redaktorer"]},
             {"sub": "medarbetare", "email": "mia.medarbetare@stockholm.se", "name": "Mia",
              "groups": ["alla-anstallda"]},
             {"sub": "extern", "email": "extern@konsult.se", "groups": []}]
    args = [str(PROVIDER), "--port", str(port), "--require-nonce", "true"]
    for user in users:
        args += ["--user-claims", json.dumps(user)]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    issuer = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(issuer + "/.well-known/openid-configuration", timeout=2)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("oidc-provider-mock did not start") from None
            time.sleep(0.1)
    yield issuer
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def sso_app(app, provider):
    app.config.update(OIDC_ISSUER=provider, OIDC_CLIENT_ID="erfarenhetsbanken",
                      OIDC_CLIENT_SECRET="hemligt", OIDC_ROLE_MAP=ROLE_MAP,
                      OIDC_DEFAULT_ROLE="staff")
    from knowledge.web import sso
    sso.oauth._registry.pop("city", None)
    sso.oauth._clients.pop("city", None)
    sso.init_app(app)
    return app


def sign_in(client, subject: str):
    """The whole dance: app → provider's form → provider redirects back → app."""
    start = client.get("/login/sso")
    assert start.status_code == 302
    authorize = start.headers["Location"]
    query = urllib.parse.urlsplit(authorize).query
    form = urllib.parse.urlencode({"sub": subject}).encode()
    request = urllib.request.Request(authorize, data=form, method="POST")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(request, timeout=10)
        raise AssertionError("the provider should redirect back")
    except urllib.error.HTTPError as redirect:
        back = redirect.headers["Location"]
    assert "code=" in back and "state=" in back, (back, query)
    parts = urllib.parse.urlsplit(back)
    return client.get(f"{parts.path}?{parts.query}")


def test_sign_in_creates_the_user_with_the_role_from_her_groups(sso_app, db, provider):
    client = sso_app.test_client()
    assert "Logga in med ditt organisationskonto" in client.get("/login").text
    done = sign_in(client, "redaktor")
    assert done.status_code == 303
    assert "Granskning" in client.get("/").text  # an editor's menu
    fresh(db)
    user = db.scalar(select(User).where(User.email == "rut.redaktor@stockholm.se"))
    assert user.role == "editor" and user.name == "Rut Redaktör" and user.password_hash is None
    assert db.scalar(select(AuditEvent).where(AuditEvent.event == "login")).detail == {
        "via": "oidc"}


def test_default_role_and_no_role(sso_app, db):
    client = sso_app.test_client()
    assert sign_in(client, "medarbetare").status_code == 303
    fresh(db)
    assert db.scalar(select(User.role).where(
        User.email == "mia.medarbetare@stockholm.se")) == "staff"
    sso_app.config["OIDC_DEFAULT_ROLE"] = None
    outsider = sso_app.test_client()
    refused = sign_in(outsider, "extern")
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
    assert "ingen behörighet" in outsider.get("/login").text
    assert outsider.get("/").status_code == 302


def test_a_forged_callback_is_refused(sso_app):
    client = sso_app.test_client()
    client.get("/login/sso")
    response = client.get("/login/sso/callback?code=fake&state=forged")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/").status_code == 302
