"""Fixtures in the style of Flask's tutorial: app, client, runner, auth, plus users and cases.

Every test gets its own database (a SQLite file, or with TEST_DATABASE_URL a PostgreSQL
database), copied from one migrated template so that migrations run once per session.
"""
from __future__ import annotations

import pytest
from flask.testing import FlaskCliRunner, FlaskClient

from app import create_app
from tests.databases import make_databases
from knowledge import users as users_module
from knowledge.users import create_user

PASSWORD = "ett-bra-losenord"
ROLE_EMAILS = {
    "staff": "anna.medarbetare@test.se",
    "staff2": "bo.kollega@test.se",
    "coordinator": "cecilia.samordnare@test.se",
    "editor": "david.redaktor@test.se",
    "admin": "eva.admin@test.se",
}


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing():
    """Still argon2id, with the smallest cost, so that tests do not wait on hashing."""
    from argon2 import PasswordHasher
    users_module._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    users_module._DUMMY_HASH = users_module._hasher.hash("not-a-real-password")


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    made = make_databases(tmp_path_factory.mktemp("databases"))
    yield made
    if hasattr(made, "close"):
        made.close()


@pytest.fixture
def database_url(databases, tmp_path):
    url = databases.create(tmp_path)
    yield url
    databases.drop(url)


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app({
        "TESTING": True,
        "DATABASE_URL": database_url,
        "INDEX_DIR": str(tmp_path / "index"),
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": "erfarenhetsbanken.test",
    })
    yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture
def db(app):
    session = app.extensions["db_sessionmaker"]()
    # Every client and command runner of the test commits the test's own work first.
    app.test_client_class = type("TestCaller", (CallerClient,), {"test_session": session})
    app.test_cli_runner_class = type("TestCallerRunner", (CallerRunner,),
                                     {"test_session": session})
    yield session
    session.close()


@pytest.fixture
def users(db):
    made = {}
    for key, email in ROLE_EMAILS.items():
        role = "staff" if key == "staff2" else key
        made[key] = create_user(db, email=email, role=role, password=PASSWORD,
                                name=key.capitalize())
    db.commit()  # the test is the caller: the domain flushes, its caller commits
    return made


class CallerClient(FlaskClient):
    """The test client, in a test that also calls the domain itself (through `db`).

    The domain only flushes; its caller commits. A test is that caller: before it makes a
    request as someone else, what it did through the domain is committed, as a request or a
    command would have committed it (and on SQLite its write lock is given up, which the
    request would otherwise wait for). `db` makes this the app's client class.
    """

    test_session = None

    def open(self, *args, **kwargs):
        _commit_callers_work(self.test_session)
        return super().open(*args, **kwargs)


class CallerRunner(FlaskCliRunner):
    """As CallerClient, for commands the test runs (`runner.invoke`)."""

    test_session = None

    def invoke(self, *args, **kwargs):
        _commit_callers_work(self.test_session)
        return super().invoke(*args, **kwargs)


def _commit_callers_work(session) -> None:
    if session is not None and session.in_transaction():
        session.commit()


@pytest.fixture
def client(app, db):  # after `db`, which makes it a CallerClient
    return app.test_client()


@pytest.fixture
def runner(app, db):  # after `db`, which makes it a CallerRunner
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, key: str = "staff", password: str = PASSWORD):
        return self._client.post("/login", data={"email": ROLE_EMAILS[key],
                                                 "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client, users):
    return AuthActions(client)


def case_data(**overrides) -> dict:
    """A complete, valid case as the form, import and API would send it."""
    data = {
        "title": "Trygghetsvandringar med boende i Husby",
        "summary": "Boende, polis och stadsdelsförvaltning gick tillsammans genom området "
                   "och åtgärdade otrygga platser.",
        "district": "Järva",
        "priority_areas": ["otrygga-platser"],
        "organisation": "Järva stadsdelsförvaltning",
        "partners": ["Lokalpolisområde Rinkeby", "Familjebostäder"],
        "target_group": "Boende i Husby",
        "situation": "Många boende kände sig otrygga vid **tunnelbanan** på kvällarna.",
        "cause_analysis": "Dålig belysning och skymd sikt.",
        "measures": "- Trygghetsvandringar varje kvartal\n- Ny belysning",
        "goals": "Ökad trygghet vid stationen.",
        "results": "Andelen otrygga minskade enligt trygghetsmätningen.",
        "lessons": "Boendes medverkan var avgörande.",
        "gender_analysis": "Kvinnor upplevde större otrygghet.",
        "child_rights_analysis": "Barn och unga deltog i vandringarna.",
        "evidence_level": "uppfoljd",
        "start_date": "2024-02-01",
        "end_date": "2025-01-31",
        "contact_name": "Kim Exempel",
        "contact_email": "kim.exempel@exempel.stockholm.se",
    }
    data.update(overrides)
    return data


def fresh(session):
    """Forget what the test's session has read, so the next read sees what requests wrote.

    Ending the transaction ends SQLite's read snapshot; expiring drops cached objects
    (the sessions keep objects after commit, expire_on_commit=False). It ends it with a
    commit: the test is the caller of the domain functions it called, and the domain only
    flushes. (So after a call that raised, whatever it flushed would be kept: a test that
    then checks that nothing changed also checks that nothing was written before the error.)
    """
    session.commit()
    session.expire_all()
