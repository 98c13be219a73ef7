"""Backup and restore of the SQLite database (online, integrity-checked).

On PostgreSQL, use the server's own tools (README, "Backup"): pg_dump/pg_restore know
about concurrent writers, permissions and large objects in ways a copy here would not.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    """Backup or restore could not be done. Message in Swedish."""


def _sqlite_path(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        raise BackupError("backup/restore här gäller SQLite. För PostgreSQL: använd pg_dump "
                          "och pg_restore (se README, avsnittet Backup).")
    return Path(url.database)


def _check(connection: sqlite3.Connection, what: str) -> None:
    result = connection.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise BackupError(f"Integritetskontrollen av {what} misslyckades: {result}")


def backup_database(database_url: str, target: str | Path) -> int:
    """Copy the live database to `target` with SQLite's online backup API, while the app
    keeps running, then check the copy. Returns the number of cases in the copy."""
    source_path = _sqlite_path(database_url)
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} finns redan; välj ett nytt filnamn.")
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(source_path)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        _check(copy, str(target))
        return copy.execute("SELECT count(*) FROM cases").fetchone()[0]
    except sqlite3.Error as error:
        copy.close()
        target.unlink(missing_ok=True)
        raise BackupError(f"Backupen misslyckades: {error}") from error
    finally:
        source.close()
        copy.close()


def restore_database(database_url: str, backup: str | Path) -> int:
    """Replace the database's content with the backup's, after checking the backup.

    Uses the backup API in the other direction, so the live file is replaced page by page
    under SQLite's own locking, and ends every login. Returns the number of cases restored.
    The search index must be rebuilt afterwards (the CLI does it).
    """
    target_path = _sqlite_path(database_url)
    backup = Path(backup)
    if not backup.is_file():
        raise BackupError(f"Hittar ingen backup på {backup}.")
    # Read-only needs a URI; the path goes in percent-encoded (as_uri), so that a file named
    # "b%41.sqlite3" is that file and not "bA.sqlite3", and "?" or "#" in a name stay in it.
    source = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)
    try:
        _check(source, str(backup))
        count = source.execute("SELECT count(*) FROM cases").fetchone()[0]
        live = sqlite3.connect(target_path, timeout=30)
        try:
            source.backup(live)
            _check(live, str(target_path))
            # The backup's logins include ones logged out since it was taken: a cookie
            # copied before a logout must not work again. Everyone logs in anew.
            live.execute("DELETE FROM user_sessions")
            live.commit()
        finally:
            live.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"Återställningen misslyckades: {error}") from error
    finally:
        source.close()
    return count
