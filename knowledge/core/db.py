"""Database engine and sessions.

The domain takes a `Session` as its first argument, never imports Flask, and never commits:
it flushes, and the boundary commits once. The web layer opens one session per request
(``flask.g.db``), commits it when the answer is a success and rolls it back otherwise
(knowledge/web/__init__.py); each command does the same (knowledge/cli.py).
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.expression import Executable


def make_engine(url: str, connect_timeout: Optional[float] = None,
                statement_timeout: Optional[float] = None) -> Engine:
    """An engine; on PostgreSQL, `connect_timeout` and `statement_timeout` (seconds) keep a
    hung or overloaded server from holding a worker until gunicorn kills it. Migrations and
    tests' set-up leave them off."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    connect_args: dict = {}
    if connect_timeout:
        connect_args["connect_timeout"] = max(1, round(connect_timeout))  # libpq: whole seconds
    if statement_timeout:
        connect_args["options"] = f"-c statement_timeout={int(statement_timeout * 1000)}"
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers run beside the one writer; busy_timeout makes a second writer wait
    # instead of failing at once with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # We emit BEGIN ourselves (below), as SQLAlchemy's pysqlite notes recommend.
    dbapi_connection.isolation_level = None


def _sqlite_begin(conn) -> None:
    # A deferred transaction that read first and writes later fails with "database is
    # locked" (SQLITE_BUSY_SNAPSHOT) when another writer committed in between, and the busy
    # timeout cannot help. Writers therefore take the write lock when they begin.
    mode = "IMMEDIATE" if conn.get_execution_options().get("sqlite_write") else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")


def begin_write(session: Session) -> None:
    """Start the session's transaction as a writer, if it has not begun yet.

    On SQLite this is BEGIN IMMEDIATE; on PostgreSQL an ordinary transaction.
    """
    if not session.in_transaction():
        session.connection(execution_options={"sqlite_write": True})
        session.info["write_transaction"] = session.get_transaction()


def in_write_transaction(session: Session) -> bool:
    """Whether the session's current transaction was begun by `begin_write`."""
    transaction = session.get_transaction()
    return transaction is not None and session.info.get("write_transaction") is transaction


def write_aside(session: Session, statement: Executable) -> None:
    """A small bookkeeping write (a last-seen time) that must not end the caller's transaction.

    Committing the caller's session would end a request's BEGIN IMMEDIATE half-way, and its
    real write would then run without the lock ("database is locked" on SQLite). So: inside
    the caller's write transaction the statement joins it and is saved by its one commit (a
    second connection would wait for the lock that transaction holds); otherwise it commits
    on a short transaction of its own, leaving the caller's reads alone.
    """
    if in_write_transaction(session):
        session.execute(statement)
        return
    with Session(bind=session.get_bind()) as aside:
        begin_write(aside)
        aside.execute(statement)
        aside.commit()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)
