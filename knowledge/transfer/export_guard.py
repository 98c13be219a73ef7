"""One export at a time per person, across every worker process of the server.

A big export holds a worker for seconds; two or three started by the same impatient click
would hold them all while other people wait for their searches. Each running export holds an
exclusive, non-blocking lock on a file named after the person (flock: the lock belongs to the
open file, so two workers of one server, or two threads, exclude each other, and the
operating system lets go of it when a worker dies, so nothing is left locked).
"""
from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

RETRY_AFTER_SECONDS = 30
BUSY_MESSAGE = ("Du har redan ett uttag som håller på att skapas. Vänta tills filen har "
                "laddats ner och försök sedan igen (om en halv minut eller så).")


@contextmanager
def one_export_per_person(directory: str | Path, user_id: int) -> Iterator[bool]:
    """Yields True while this person's export lock is held here, False if another of their
    exports holds it (then do not export)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    handle = os.open(directory / f"user-{int(user_id)}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        os.close(handle)
