"""Statistics and compilations kept until the published cases change, shared by the workers.

The key of a kept result includes a change stamp read from the database on every request:
the newest search-outbox id and the number of outbox rows. Every publish, edit of a published
case, archiving, adoption report and taxonomy merge writes an outbox row in the same
transaction, so a result is never older than the last committed change. (The count matters on
PostgreSQL, where a transaction can commit an id below the newest one already visible.) The
caller adds what else its result depends on (the taxonomy's names, today's date).

A result is kept in two places: in this process's memory, and in the database (the table
kept_reports), so that after a change one worker computes it and the others read it, instead
of every worker paying the full computation (a second at 50 000 cases) on its first request.
The database copy is best effort: it is written on a short transaction of its own that gives
up at once when another writer (an import, say) holds the lock, and it is never read or
written inside a writing transaction, whose stamp may count its own uncommitted changes.
"""
from __future__ import annotations

import hashlib
import logging
import pickle
import threading
import weakref
from collections import OrderedDict
from typing import Any, Callable, Hashable

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..core.base import utcnow
from ..core.db import in_write_transaction
from ..search.models import OutboxEntry
from .models import KeptReport

KEPT = 24   # results kept per process (a rendered compilation of a big year is a few MB)
# Part of every shared key: raise it when the shape of a kept result changes, so that a
# new release never reads what an older one pickled.
KEPT_FORMAT = 1
SHARED_WRITE_WAIT_MS = 100   # how long a shared write may wait for the database's lock
_missing = object()
log = logging.getLogger(__name__)


def change_stamp(session: Session) -> tuple[int, int]:
    newest, rows = session.execute(
        select(func.max(OutboxEntry.id), func.count(OutboxEntry.id))).one()
    return newest or 0, rows or 0


class ReportCache:
    def __init__(self, size: int = KEPT):
        self.size = size
        self._kept: OrderedDict[Hashable, tuple[Hashable, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, stamp: Hashable, compute: Callable[[], Any]) -> Any:
        """The kept result for `key` if it was computed at `stamp`, else a new one."""
        value = self.lookup(key, stamp)
        if value is _missing:
            value = compute()  # outside the lock: two threads may both compute; both are right
            self.store(key, stamp, value)
        return value

    def lookup(self, key: Hashable, stamp: Hashable) -> Any:
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None and kept[0] == stamp:
                self._kept.move_to_end(key)
                return kept[1]
        return _missing

    def store(self, key: Hashable, stamp: Hashable, value: Any) -> None:
        with self._lock:
            self._kept[key] = (stamp, value)
            self._kept.move_to_end(key)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


_caches: "weakref.WeakKeyDictionary[Any, ReportCache]" = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def cache_for(session: Session) -> ReportCache:
    """The cache of the database this session reads (one per engine, so two apps in one
    process, as in the tests, never see each other's results)."""
    engine = session.get_bind()
    with _caches_lock:
        cache = _caches.get(engine)
        if cache is None:
            cache = _caches[engine] = ReportCache()
        return cache


def kept(session: Session, key: Hashable, compute: Callable[[], Any],
         also_depends_on: Hashable = ()) -> Any:
    """`compute()`, or the result kept from an earlier call with the same key when nothing
    has changed since (no new outbox row, the same `also_depends_on`)."""
    stamp = (change_stamp(session), also_depends_on)
    memory = cache_for(session)
    value = memory.lookup(key, stamp)
    if value is not _missing:
        return value
    shared = not _writing(session)
    if shared:
        value = _read_shared(session, key, stamp)
    if value is _missing:
        value = compute()
        if shared:
            _write_shared(session, key, stamp, value)
    memory.store(key, stamp, value)
    return value


def _writing(session: Session) -> bool:
    return in_write_transaction(session) or bool(session.new or session.dirty
                                                 or session.deleted)


def _digest(thing: Hashable) -> str:
    return hashlib.sha256(repr(thing).encode("utf-8")).hexdigest()


def _read_shared(session: Session, key: Hashable, stamp: Hashable) -> Any:
    row = session.execute(select(KeptReport.stamp, KeptReport.value)
                          .where(KeptReport.key == _digest((KEPT_FORMAT, key)))).first()
    if row is None or row.stamp != _digest(stamp):
        return _missing
    try:
        return pickle.loads(row.value)
    except Exception:  # noqa: BLE001 - written by another release, say: compute it afresh
        log.warning("A kept report could not be read; computing it afresh", exc_info=True)
        return _missing


def _write_shared(session: Session, key: Hashable, stamp: Hashable, value: Any) -> None:
    """Replace the shared copy, on a short transaction of its own that never waits long for
    the lock: a page must not hang behind a long import only to share its result."""
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    digest, stamp_digest = _digest((KEPT_FORMAT, key)), _digest(stamp)
    with Session(bind=session.get_bind()) as aside:
        connection = aside.connection()
        sqlite = connection.dialect.name == "sqlite"
        wait, back = (("PRAGMA busy_timeout = {}", "PRAGMA busy_timeout = 30000") if sqlite
                      else ("SET LOCAL lock_timeout = {}", "SET LOCAL lock_timeout = DEFAULT"))
        try:
            connection.exec_driver_sql(wait.format(SHARED_WRITE_WAIT_MS))
            values = {"stamp": stamp_digest, "value": data, "computed_at": utcnow()}
            replaced = connection.execute(update(KeptReport).where(KeptReport.key == digest)
                                          .values(**values)).rowcount
            if not replaced:
                connection.execute(insert(KeptReport).values(key=digest, **values))
            connection.exec_driver_sql(back)
            aside.commit()
        except SQLAlchemyError:
            # Locked, or another worker inserted the same key first: its copy will do.
            if sqlite:   # the setting outlives the transaction; the connection is pooled
                connection.exec_driver_sql(back)
            aside.rollback()    # (on PostgreSQL, SET LOCAL ends with the transaction)
