"""Statistics and compilations kept until the published cases change, per worker process.

The key of a kept result includes a change stamp read from the database on every request:
the newest search-outbox id and the number of outbox rows. Every publish, edit of a published
case, archiving, adoption report and taxonomy merge writes an outbox row in the same
transaction, so a result is never older than the last committed change. (The count matters on
PostgreSQL, where a transaction can commit an id below the newest one already visible.) The
caller adds what else its result depends on (the taxonomy's names, today's date).
"""
from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from typing import Any, Callable, Hashable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..search.models import OutboxEntry

KEPT = 24   # results kept per process (a rendered compilation of a big year is a few MB)


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
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None and kept[0] == stamp:
                self._kept.move_to_end(key)
                return kept[1]
        value = compute()  # outside the lock: two threads may both compute; both are right
        with self._lock:
            self._kept[key] = (stamp, value)
            self._kept.move_to_end(key)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return value

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
    return cache_for(session).get(key, stamp, compute)
