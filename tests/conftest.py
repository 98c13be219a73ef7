"""Fixtures in the style of Flask's tutorial: app, client, runner, auth, plus users and cases.

Two kinds of database, chosen per test and never guessed:

* By default a test runs inside a transaction on its worker's one migrated database and
  rolls it back at the end. The app's sessions join that transaction with a SAVEPOINT each
  (SQLAlchemy's ``join_transaction_mode="create_savepoint"``), so domain code that commits
  and rolls back behaves as it does in production, and the test costs no database copy.
* A test marked ``@pytest.mark.own_database`` gets a database of its own (a copy of the
  migrated template) where commits are real: for work that other connections, threads or
  processes must see (servers, the CLI in a subprocess, write locks, row locks, the search
  outbox read by another process). Its ``database_url`` fixture names that database.

Under pytest-xdist (``make test`` runs ``-n``) each worker has its own template, its own
rollback database and (with TEST_DATABASE_URL) its own PostgreSQL databases. Every test
keeps its own Whoosh index directory in its tmp_path.
"""
from __future__ import annotations

import pytest
from flask.testing import FlaskCliRunner, FlaskClient
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from app import create_app
from knowledge.cases import fields as case_fields
from knowledge.cases import lifecycle as cases
from knowledge.accounts import users as users_module
from knowledge.core.db import make_engine
from knowledge.accounts.users import create_user
from tests.databases import make_databases

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


def _reuse_url_builders() -> None:
    """Every test builds its own app, and Werkzeug compiles two URL-builder functions (with
    ast and compile()) for each of the app's ~75 routes: most of create_app's time. The
    generated code depends only on the rule, its defaults and the map's settings, and reads
    the rule's converters at call time, so one compiled builder per rule serves every app of
    the test run. The apps and their URLs are the same; only the compiling is skipped."""
    from werkzeug.routing import Rule

    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None:  # another Werkzeug: build as it does
        return
    built: dict = {}

    def reused(rule, append_unknown=True):
        key = (rule.rule, rule.subdomain, rule.host, rule.map.host_matching,
               rule.merge_slashes, append_unknown,
               tuple(sorted((name, repr(value)) for name, value in (rule.defaults or {}).items())))
        if key not in built:
            built[key] = compile_builder(rule, append_unknown)
        return built[key]

    Rule._compile_builder = reused


_reuse_url_builders()


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "own_database: the test gets a database of its own with real commits, "
                   "for work that other connections, threads or processes must see")


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    made = make_databases(tmp_path_factory.mktemp("databases"))
    yield made
    if hasattr(made, "close"):
        made.close()


@pytest.fixture(scope="session")
def rollback_database(databases, tmp_path_factory):
    """This worker's database for the rolled-back tests, and an engine on it."""
    url = databases.create(tmp_path_factory.mktemp("rollback"))
    engine = make_engine(url)
    yield url, engine, _sequence_positions(engine)
    engine.dispose()
    databases.drop(url)


def _sequence_positions(engine) -> list[tuple[str, int | None]]:
    """PostgreSQL's sequences where the freshly prepared database has them.

    A rollback does not take back what nextval() handed out, so without this the ids in a
    test would depend on the tests before it; SQLite's ids do roll back."""
    if engine.dialect.name != "postgresql":
        return []
    with engine.connect() as connection:
        return [(name, last) for name, last in connection.execute(text(
            "SELECT quote_ident(sequencename), last_value FROM pg_sequences "
            "WHERE schemaname = 'public'"))]


def _restore_sequences(connection, positions) -> None:
    for name, last in positions:
        if last is None:
            connection.execute(text(f"SELECT setval('{name}', 1, false)"))
        else:
            connection.execute(text(f"SELECT setval('{name}', {int(last)}, true)"))


@pytest.fixture
def database_url(request, databases, tmp_path):
    """A database of the test's own (real commits). Only for tests marked own_database."""
    if request.node.get_closest_marker("own_database") is None:
        pytest.fail("A test that uses database_url gets a database of its own: mark it "
                    "@pytest.mark.own_database", pytrace=False)
    url = databases.create(tmp_path)
    yield url
    databases.drop(url)


def _app_config(database_url: str, tmp_path) -> dict:
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "INDEX_DIR": str(tmp_path / "index"),
        # Per test: the lock files are named by user id, which is the same in every
        # worker's database, so a shared directory would refuse another worker's export.
        "EXPORT_LOCK_DIR": str(tmp_path / "export-locks"),
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": "erfarenhetsbanken.test",
    }


@pytest.fixture
def app(request, tmp_path):
    if request.node.get_closest_marker("own_database") is not None:
        app = create_app(_app_config(request.getfixturevalue("database_url"), tmp_path))
        yield app
        app.extensions["db_engine"].dispose()
        return
    url, engine, sequences = request.getfixturevalue("rollback_database")
    connection = engine.connect()
    outer = connection.begin()
    _restore_sequences(connection, sequences)
    watch = SavepointWatch(request.node.nodeid)
    connection.info["savepoint_watch"] = watch
    app = create_app(_app_config(url, tmp_path))
    app.extensions["savepoint_watch"] = watch
    # Every session the app (and the test) opens joins the test's transaction.
    sessions = app.extensions["db_sessionmaker"]
    sessions.configure(bind=connection, join_transaction_mode="create_savepoint")
    # A subclass of the sessionmaker's own class, which carries the app's session events
    # (the search index's after-commit sync, the outbox's transaction id).
    sessions.class_ = type("RolledBackTestSession", (RolledBackTestSession, sessions.class_), {})
    own_engine = app.extensions["db_engine"]
    event.listen(own_engine, "connect", _refuse_second_connection)
    yield app
    watch.active = False
    outer.rollback()
    connection.close()
    own_engine.dispose()
    if watch.problems:
        pytest.fail("\n".join(watch.problems), pytrace=False)


def _refuse_second_connection(_dbapi_connection, _record):
    raise RuntimeError(
        "This test opened a second database connection, which cannot see the test's "
        "rolled-back transaction: mark the test @pytest.mark.own_database")


class SavepointWatch:
    """Fails a rolled-back test whose semantics would differ from real transactions.

    All sessions share one connection, so a session's SAVEPOINT contains whatever other
    sessions committed after it began (a request during the test's open read, or
    write_aside's short transaction inside a request). Rolling that session back would
    silently undo their commits, which real databases never do: such a test needs
    @pytest.mark.own_database (or the test should end its read first, see fresh()).
    """

    def __init__(self, test: str):
        self.test = test
        self.writes_committed = 0
        self.active = True
        self.problems: list[str] = []


class RolledBackTestSession(Session):
    """A session of a rolled-back test: it ends a transaction that wrote nothing of its own
    by releasing its SAVEPOINT instead of rolling back to it.

    For the session itself the two are the same (it wrote nothing), but a short transaction
    committed meanwhile inside its SAVEPOINT (write_aside's last-seen time during a page
    read) stays, as it does on a real database, where it committed on its own connection.
    A session that wrote and then rolls back over others' commits is refused (SavepointWatch).
    """

    def _only_read(self) -> bool:
        transaction = self.get_transaction()
        return (transaction is not None and transaction.is_active
                and "savepoint_watch" in self.info and not self.info.get("savepoint_wrote")
                and not (self.new or self.dirty or self.deleted))  # nothing waits to flush

    def rollback(self) -> None:
        if self._only_read():
            self.commit()
            self.expire_all()  # as a rollback does
            return
        super().rollback()

    def close(self) -> None:
        if self._only_read():
            self.commit()
        super().close()


@event.listens_for(Session, "after_begin")
def _session_began(session, transaction, connection):
    watch = connection.info.get("savepoint_watch")
    if watch is not None and transaction.parent is None:
        session.info["savepoint_watch"] = (watch, watch.writes_committed)
        session.info["savepoint_wrote"] = False


@event.listens_for(Session, "after_flush")
def _session_flushed(session, _context):
    session.info["savepoint_wrote"] = True


@event.listens_for(Session, "do_orm_execute")
def _session_executed(state):
    if not state.is_select:
        state.session.info["savepoint_wrote"] = True


@event.listens_for(Session, "after_commit")
def _session_committed(session):
    begun = session.info.pop("savepoint_watch", None)
    if begun is not None and session.info.get("savepoint_wrote"):
        begun[0].writes_committed += 1


@event.listens_for(Session, "after_transaction_end")
def _session_ended(session, transaction):
    begun = session.info.pop("savepoint_watch", None)  # still here: ended without commit
    if begun is None or transaction.parent is not None:
        return
    watch, seen = begun
    if watch.active and watch.writes_committed > seen:
        watch.problems.append(
            f"{watch.test}: a session rolled back over writes that other sessions had "
            "committed meanwhile; on a real database they would stay. End the test's read "
            "with fresh(db) before the request, or mark the test @pytest.mark.own_database.")


@pytest.fixture
def db(app):
    session = app.extensions["db_sessionmaker"]()
    # Every client and command runner of the test commits the test's own work first.
    app.test_client_class = type("TestCaller", (CallerClient,), {"test_session": session})
    app.test_cli_runner_class = type("TestCallerRunner", (CallerRunner,),
                                     {"test_session": session})
    yield session
    watch = app.extensions.get("savepoint_watch")
    if watch is not None:
        watch.active = False  # the test is over: its session's last read may roll back
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
def published_case(db, users):
    """published_case(title=None, author="staff", **fields) → a new published case.

    Written by `author` from case_data() with `fields` (and `title`) overridden, submitted
    with the form's "Skicka", and published by the editor: the usual way a case gets public.
    """
    def publish(title: str | None = None, *, author: str = "staff", **fields):
        if title is not None:
            fields["title"] = title
        case = cases.create_case(db, users[author], case_data(**fields), submit=True)
        cases.publish_case(db, users["editor"], case)
        db.commit()
        return case
    return publish


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
    # A text field added to the registry later gets a value too, so that every test that
    # writes and reads back a whole case covers it without being edited.
    for field in case_fields.FIELDS:
        if field.form_section and field.kind in (case_fields.LINE, case_fields.TEXT):
            data.setdefault(field.name, f"{field.label} i exemplet.")
    data.update(overrides)
    return data


def fresh(session):
    """Forget what the test's session has read, so the next read sees what requests wrote.

    Ending the transaction ends SQLite's read snapshot; expiring drops cached objects
    (the sessions keep objects after commit, expire_on_commit=False). It ends it with a
    commit: the test is the caller of the domain functions it called, and the domain only
    flushes. (So after a call that raised, whatever it flushed would be kept: a test that
    then checks that nothing changed also checks that nothing was written before the error.)
    A commit, not a rollback, also because in a rolled-back test the requests' commits are
    savepoints inside this session's one, and rolling it back would undo them. Only a failed
    flush, which left nothing of the session's own to keep, is rolled back.
    """
    transaction = session.get_transaction()
    if transaction is not None and not transaction.is_active:
        session.rollback()
    else:
        session.commit()
    session.expire_all()
