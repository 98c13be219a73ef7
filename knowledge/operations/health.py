"""Health of the parts the app needs, for /healthz and monitoring.

Checked as users would meet them: the database answers and can be written (a real write in
a transaction that is rolled back, with a timeout), the search index can be read and holds
the published cases (allowing for outbox rows not applied yet), and the disks have room.
Unhealthy (503) means users are hurt now; "degraded" (200) means someone should look.
"""
from __future__ import annotations

import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from ..search import IndexUnavailable, SearchIndex

# More outbox rows than this waiting means the index is not keeping up.
LAG_WARNING = 100
# Below this much free space a disk counts as full: writes fail now.
DISK_FULL_MB = 10


@dataclass
class HealthSettings:
    timeout: float = 3.0  # seconds for the database check, lock waits included
    disk_free_warning_mb: int = 500


def check_health(sessions: sessionmaker[Session], index: SearchIndex, database_url: str,
                 settings: Optional[HealthSettings] = None) -> tuple[bool, dict]:
    """(healthy, report). The report names every problem in `problems` (Swedish)."""
    settings = settings or HealthSettings()
    report: dict = {"status": "ok"}
    problems: list[str] = []
    hurt = False

    database = _check_database(sessions, settings.timeout)
    report["database"] = database
    if database != "ok":
        hurt = True
        problems.append(_DATABASE_PROBLEMS.get(database, database))
    else:
        hurt |= _check_index(index, report, problems)

    disks = {"index": index.root}
    if make_url(database_url).get_backend_name() == "sqlite":
        disks["database"] = Path(make_url(database_url).database or ".")
    report["disk_free_mb"] = {}
    for name, path in disks.items():
        free = _free_mb(path)
        report["disk_free_mb"][name] = free
        if free is None:
            continue
        if free < DISK_FULL_MB:
            # A full database disk stops every write; a full index disk only stops the
            # index from catching up (searches still answer, and say so).
            hurt |= name == "database"
            problems.append(f"Disken för {_DISK_NAMES[name]} är full ({free} MB kvar).")
        elif free < settings.disk_free_warning_mb:
            problems.append(f"Lite diskutrymme kvar för {_DISK_NAMES[name]}: {free} MB "
                            f"(varning under {settings.disk_free_warning_mb} MB).")

    if hurt:
        report["status"] = "error"
    elif problems:
        report["status"] = "degraded"
    if problems:
        report["problems"] = problems
    return not hurt, report


_DATABASE_PROBLEMS = {
    "unreachable": "Databasen svarar inte.",
    "timeout": "Databasen svarade inte i tid (låst av en annan skrivning, eller hängd).",
    "not writable": "Databasen går att läsa men inte att skriva till.",
}
_DISK_NAMES = {"index": "sökindexet", "database": "databasen"}


def _check_database(sessions: sessionmaker[Session], timeout: float) -> str:
    """"ok", "unreachable", "not writable" or "timeout". Runs in a thread so that a hung
    server cannot hang the health check (the thread finishes when the server answers)."""
    outcome: list[str] = []

    def probe() -> None:
        outcome.append(_probe_database(sessions, timeout))

    thread = threading.Thread(target=probe, name="health-database", daemon=True)
    thread.start()
    thread.join(timeout + 2)
    return outcome[0] if outcome else "timeout"


def _probe_database(sessions: sessionmaker[Session], timeout: float) -> str:
    engine = sessions.kw["bind"]
    postgres = engine.dialect.name == "postgresql"
    limit = int(timeout * 1000)
    try:
        connection = engine.connect()
    except Exception:  # noqa: BLE001 - whatever it is, the database cannot be reached
        return "unreachable"
    try:
        try:
            if postgres:
                # Server-side limits, for this transaction only.
                connection.exec_driver_sql(f"SET LOCAL statement_timeout = {limit}")
                connection.exec_driver_sql(f"SET LOCAL lock_timeout = {limit}")
            else:
                connection.exec_driver_sql(f"PRAGMA busy_timeout = {limit}")
                connection.rollback()
                # Begin as a writer (BEGIN IMMEDIATE, knowledge/core/db.py), as a request would.
                connection.execution_options(sqlite_write=True)
            connection.exec_driver_sql("SELECT 1")
        except Exception as error:  # noqa: BLE001
            return "timeout" if _is_timeout(error) else "unreachable"
        try:
            # A real write (the row keeps its value), never committed.
            connection.execute(text("UPDATE alembic_version SET version_num = version_num"))
        except Exception as error:  # noqa: BLE001
            return "timeout" if _is_timeout(error) else "not writable"
        return "ok"
    finally:
        try:
            connection.rollback()
            if not postgres:
                connection.execution_options(sqlite_write=False)
                connection.exec_driver_sql("PRAGMA busy_timeout = 30000")
                connection.rollback()
        except Exception:  # noqa: BLE001 - a broken connection is discarded by the pool
            connection.invalidate()
        connection.close()


def _is_timeout(error: Exception) -> bool:
    message = str(error).lower()
    return any(word in message for word in ("timeout", "locked", "busy"))


def _check_index(index: SearchIndex, report: dict, problems: list[str]) -> bool:
    """Fills in the index part of the report; returns True if users are hurt."""
    if index.current_generation() is None and index.published_count() > 0:
        index.start_background(rebuild=True)
        report.update(index="missing")
        problems.append("Sökindexet saknas; det byggs om i bakgrunden.")
        return True
    try:
        index.searcher_and_cache()
        lag = index.lag()
        report.update(index_lag=lag, index_waiting=index.waiting())
        mismatch = index.count_mismatch()
    except IndexUnavailable as error:
        report.update(index="unavailable", index_error=str(error))
        problems.append(str(error))
        return True
    report["index"] = "ok" if lag <= LAG_WARNING else "lagging"
    if lag > LAG_WARNING:
        problems.append(f"Sökindexet ligger {lag} ändringar efter databasen.")
    if index.background_running():
        report["index_rebuilding"] = True
    if mismatch is not None:
        documents, published = mismatch
        report.update(index="mismatch", index_documents=documents, published=published)
        problems.append(f"Sökindexet har {documents} exempel men {published} är publicerade; "
                        "kör `flask --app app sync` (bygger om det).")
        return True
    if index.last_error:
        report.update(index="failing", index_error=index.last_error)
        problems.append(index.last_error)
    return False


def _free_mb(path: Path) -> Optional[int]:
    """Free space on the disk that holds `path` (or its nearest existing parent)."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            try:
                return shutil.disk_usage(candidate).free // (1024 * 1024)
            except OSError:
                return None
    return None
