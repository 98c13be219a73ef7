"""Test databases: a SQLite file per test, or a PostgreSQL database per test.

Set TEST_DATABASE_URL to a PostgreSQL server URL (scripts/postgres-test-server.sh prints
one) to run the whole suite on PostgreSQL; otherwise it runs on SQLite. Either way the
schema is migrated once into a template, and each test gets a copy of it.
"""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from knowledge.core.db import make_engine, make_sessionmaker
from knowledge.operations.migrate import upgrade_database
from knowledge.search.vocabulary import load_starter_vocabulary
from knowledge.taxonomy.reference import load_reference_data

SERVER_URL = os.environ.get("TEST_DATABASE_URL", "")


def _prepare(url: str) -> None:
    upgrade_database(url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        load_reference_data(session)
        load_starter_vocabulary(session)   # as init-db does: the search speaks with it
        session.commit()
    engine.dispose()


class SqliteDatabases:
    kind = "sqlite"

    def __init__(self, workdir: Path):
        self.template = workdir / "template.sqlite3"
        _prepare(f"sqlite:///{self.template}")

    def create(self, directory: Path) -> str:
        path = directory / f"test-{uuid.uuid4().hex[:8]}.sqlite3"
        shutil.copy(self.template, path)
        return f"sqlite:///{path}"

    def drop(self, url: str) -> None:
        pass  # the file lives in the test's tmp_path


class PostgresDatabases:
    """Databases on a PostgreSQL server, reused between tests.

    CREATE DATABASE costs most of a second here, so a finished test's database goes back
    to a pool and the next test gets it emptied, sequences restarted and the reference data
    loaded again.
    """

    kind = "postgresql"

    def __init__(self, server_url: str):
        self.server = make_url(server_url)
        self.admin = create_engine(self.server.set(database="postgres"),
                                   isolation_level="AUTOCOMMIT")
        self.prefix = f"eb_{os.getpid()}"
        self.created: list[str] = []
        self.free: list[str] = []

    def _url(self, name: str) -> str:
        return self.server.set(database=name).render_as_string(hide_password=False)

    def create(self, directory: Path) -> str:
        if self.free:
            url = self.free.pop()
            _empty(url)
            return url
        name = f"{self.prefix}_{len(self.created)}"
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        url = self._url(name)
        _prepare(url)
        return url

    def drop(self, url: str) -> None:
        self.free.append(url)

    def close(self) -> None:
        with self.admin.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


def _empty(url: str) -> None:
    # DELETE on tables this small is much quicker than TRUNCATE (which makes new files);
    # replica mode skips the foreign-key triggers so the order does not matter.
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("SET lock_timeout = '20s'"))
        conn.execute(text("SET session_replication_role = replica"))
        tables = conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'")).scalars().all()
        for table in tables:
            conn.execute(text(f'DELETE FROM "{table}"'))
        for sequence in conn.execute(text(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")).scalars():
            conn.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))
    with make_sessionmaker(engine)() as session:
        load_reference_data(session)
        load_starter_vocabulary(session)   # as init-db does: the search speaks with it
        session.commit()
    engine.dispose()


def make_databases(workdir: Path):
    if SERVER_URL.startswith("postgresql"):
        return PostgresDatabases(SERVER_URL)
    return SqliteDatabases(workdir)
