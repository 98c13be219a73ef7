"""The Whoosh index: a derived copy of the published cases, fed from the search outbox.

Layout of INDEX_DIR:

    CURRENT                 name of the generation in use (replaced atomically on reindex)
    sync.lock               one sync at a time per index directory (fcntl lock)
    gen-<time>/             a Whoosh index plus position.json (how far it applied the outbox)

A sync reads outbox rows it has not applied, takes the sync lock and the Whoosh writer lock
(each with a timeout; when busy it gives up and the next sync catches up), re-reads the
state of each case from the database, writes it (or deletes it if it is no longer
published), commits, and only then moves its position forward. Replaying a row is harmless,
so a crash between the database commit and indexing loses nothing.
"""
from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Optional

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload, sessionmaker
from whoosh import index as whoosh_index
from whoosh.index import LockError
from whoosh.searching import Searcher

from ..models import Case, OutboxEntry
from .documents import case_document, make_schema
from .analysis import ANALYSIS_VERSION
from .query import SearcherCache
from .vocabulary import VocabularyCache

# An id below the newest applied one that is missing may belong to a PostgreSQL transaction
# that has not committed yet; it is looked for again for this long.
PENDING_SECONDS = 300.0
BATCH = 2000


class IndexUnavailable(RuntimeError):
    """The index directory is missing, unreadable or not writable. Message in Swedish."""


@dataclass
class Position:
    last: int = 0
    pending: dict[int, float] = field(default_factory=dict)  # outbox id → first seen missing

    @classmethod
    def load(cls, path: Path) -> "Position":
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            return cls()
        return cls(last=int(data["last"]),
                   pending={int(k): float(v) for k, v in data.get("pending", {}).items()})

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"last": self.last,
                                   "pending": {str(k): v for k, v in self.pending.items()}}))
        os.replace(tmp, path)


@dataclass
class SyncResult:
    applied: int = 0
    busy: bool = False


class SearchIndex:
    def __init__(self, root: str | Path, sessions: sessionmaker[Session],
                 lock_timeout: float = 2.0):
        self.root = Path(root)
        self.sessions = sessions
        self.lock_timeout = lock_timeout
        self._guard = threading.Lock()
        self._open: Optional[tuple[str, Searcher, SearcherCache]] = None
        self._retired: list[Searcher] = []
        # The last failure to apply the outbox (disk full, read-only directory…), shown by
        # /healthz until a sync succeeds again.
        self.last_error: Optional[str] = None
        # The editable vocabulary, expanded at query time (no reindex when it changes).
        self.vocabulary = VocabularyCache()

    # --- generations ------------------------------------------------------------------------

    def current_generation(self) -> Optional[str]:
        try:
            name = (self.root / "CURRENT").read_text().strip()
        except FileNotFoundError:
            return None
        return name if name and (self.root / name).is_dir() else None

    def ensure(self) -> str:
        """Create an empty index the first time; return the current generation."""
        name = self.current_generation()
        if name is not None:
            return name
        with self._sync_lock(timeout=self.lock_timeout) as locked:
            if not locked:
                raise IndexUnavailable("Sökindexet skapas av en annan process; försök igen.")
            name = self.current_generation()
            if name is None:
                name = self._new_generation()
                self._switch_to(name)
        return name

    def _new_generation(self) -> str:
        name = f"gen-{time.time_ns()}"
        path = self.root / name
        try:
            path.mkdir(parents=True)
            whoosh_index.create_in(str(path), make_schema())
            (path / "analysis.txt").write_text(ANALYSIS_VERSION)
        except OSError as error:
            raise IndexUnavailable(_os_message(error, path)) from error
        return name

    def _switch_to(self, name: str) -> None:
        previous = self.current_generation()
        tmp = self.root / "CURRENT.tmp"
        tmp.write_text(name)
        os.replace(tmp, self.root / "CURRENT")
        # Keep the generation just replaced (searchers may still read it), drop older ones.
        for old in self.root.glob("gen-*"):
            if old.name not in (name, previous):
                shutil.rmtree(old, ignore_errors=True)

    def analysis_outdated(self) -> bool:
        """Was the current generation built with older text analysis? Then the stems in it
        no longer meet the stems of queries, and `init-db` rebuilds it."""
        name = self.current_generation()
        if name is None:
            return False
        try:
            built = (self.root / name / "analysis.txt").read_text().strip()
        except FileNotFoundError:
            built = "1"
        return built != ANALYSIS_VERSION

    def position(self, name: Optional[str] = None) -> Position:
        name = name or self.ensure()
        return Position.load(self.root / name / "position.json")

    # --- searching --------------------------------------------------------------------------

    def searcher_and_cache(self) -> tuple[Searcher, SearcherCache]:
        """A searcher (with its facet and vocabulary caches) kept across requests until the
        index changes or is swapped."""
        name = self.ensure()
        with self._guard:
            if self._open is not None:
                open_name, searcher, cache = self._open
                if open_name == name and searcher.up_to_date():
                    return searcher, cache
                # whoosh-reloaded's Searcher.refresh() keeps merged-away segments, so we
                # open a new searcher instead. The old one may still be in use by another
                # thread; it is closed two changes later.
                self._retire(searcher)
            try:
                searcher = whoosh_index.open_dir(str(self.root / name)).searcher()
            except Exception as error:  # missing, truncated or garbled files alike
                raise IndexUnavailable(f"Sökindexet i {self.root / name} går inte att läsa "
                                       f"({error}). Kör `flask --app app reindex`.") from error
            cache = SearcherCache(searcher)
            self._open = (name, searcher, cache)
            return searcher, cache

    def _retire(self, searcher: Searcher) -> None:
        self._retired.append(searcher)
        while len(self._retired) > 2:
            self._retired.pop(0).close()

    # --- applying the outbox ----------------------------------------------------------------

    def sync(self, timeout: Optional[float] = None) -> SyncResult:
        """Apply every outbox row not yet applied. Gives up (busy=True) if the lock is held."""
        timeout = self.lock_timeout if timeout is None else timeout
        try:
            return self._sync(timeout)
        except OSError as error:  # lock file, position file: a full or read-only disk
            raise IndexUnavailable(_os_message(error, self.root)) from error

    def _sync(self, timeout: float) -> SyncResult:
        name = self.ensure()
        result = SyncResult()
        while True:
            with self._sync_lock(timeout) as locked:
                if not locked:
                    result.busy = True
                    return result
                try:
                    applied, more = self._apply_batch(name, timeout)
                except LockError:  # a writer outside this protocol holds Whoosh's own lock
                    result.busy = True
                    return result
            result.applied += applied
            if not more:
                self.last_error = None
                return result

    def lag(self) -> int:
        """Outbox rows written but not yet applied to this index."""
        position = self.position()
        with self.sessions() as session:
            return session.scalar(select(func.count(OutboxEntry.id)).where(or_(
                OutboxEntry.id > position.last,
                OutboxEntry.id.in_(list(position.pending))))) or 0

    def needs_sync(self) -> bool:
        """Cheap check, done before searching: has anything been written since?"""
        position = self.position()
        if position.pending:
            return True
        with self.sessions() as session:
            newest = session.scalar(select(func.max(OutboxEntry.id))) or 0
        return newest > position.last

    def _apply_batch(self, name: str, timeout: float) -> tuple[int, bool]:
        path = self.root / name
        position = Position.load(path / "position.json")
        with self.sessions() as session:
            rows = session.execute(
                select(OutboxEntry.id, OutboxEntry.case_id)
                .where(or_(OutboxEntry.id > position.last,
                           OutboxEntry.id.in_(list(position.pending))))
                .order_by(OutboxEntry.id).limit(BATCH)).all()
        if not rows:
            self._expire_pending(position, path)
            return 0, False
        # 256 MB before Whoosh sorts postings on disk: a 2000-row batch stays in memory.
        writer = whoosh_index.open_dir(str(path)).writer(timeout=timeout, limitmb=256)
        try:
            # A new session, begun after taking the lock, sees every case as it is now.
            case_ids = sorted({case_id for _id, case_id in rows})
            self._write_cases(writer, case_ids)
            writer.commit()
        except OSError as error:
            _abandon(writer)
            raise IndexUnavailable(_os_message(error, path)) from error
        except BaseException:
            _abandon(writer)
            raise
        self._advance(position, [row_id for row_id, _ in rows])
        position.save(path / "position.json")
        return len(rows), len(rows) == BATCH

    def _write_cases(self, writer, case_ids: list[int]) -> None:
        with self.sessions() as session:
            cases = {case.id: case for case in session.scalars(
                select(Case).where(Case.id.in_(case_ids))
                .options(selectinload(Case.areas)))}
            reuse = adoption_counts(session, case_ids)
            for case_id in case_ids:
                case = cases.get(case_id)
                if case is not None and case.status == "published":
                    writer.update_document(**case_document(case, reuse.get(case_id, 0)))
                else:
                    writer.delete_by_term("id", str(case_id))

    @staticmethod
    def _advance(position: Position, applied_ids: list[int]) -> None:
        now = time.time()
        newest = max(applied_ids)
        applied = set(applied_ids)
        for row_id in applied:
            position.pending.pop(row_id, None)
        if newest > position.last:
            # Ids skipped on the way may still be committed by a slower transaction.
            if newest - position.last < 100_000:
                for missing in range(position.last + 1, newest):
                    if missing not in applied:
                        position.pending.setdefault(missing, now)
            position.last = newest
        SearchIndex._drop_old_pending(position, now)

    @staticmethod
    def _drop_old_pending(position: Position, now: float) -> None:
        for row_id, seen in list(position.pending.items()):
            if now - seen > PENDING_SECONDS:
                del position.pending[row_id]

    def _expire_pending(self, position: Position, path: Path) -> None:
        before = len(position.pending)
        self._drop_old_pending(position, time.time())
        if len(position.pending) != before:
            position.save(path / "position.json")

    # --- rebuilding -------------------------------------------------------------------------

    def rebuild(self, progress: Optional[Callable[[int, int], None]] = None) -> int:
        """Build a complete new generation beside the current one, then swap it in.

        Searches keep using the current generation until the swap. Returns the number of
        cases indexed.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        name = self._new_generation()
        path = self.root / name
        with self.sessions() as session:
            # Everything written after this point is replayed from the outbox afterwards.
            start = Position(last=session.scalar(select(func.max(OutboxEntry.id))) or 0)
        start.save(path / "position.json")
        ix = whoosh_index.open_dir(str(path))
        writer = ix.writer(limitmb=512)  # fewer spills to disk while rebuilding
        count = 0
        try:
            with self.sessions() as session:
                total = session.scalar(select(func.count(Case.id))
                                       .where(Case.status == "published")) or 0
                ids = list(session.scalars(select(Case.id).where(Case.status == "published")
                                           .order_by(Case.id)))
            for offset in range(0, len(ids), 500):
                chunk = ids[offset:offset + 500]
                with self.sessions() as session:
                    reuse = adoption_counts(session, chunk)
                    for case in session.scalars(select(Case).where(Case.id.in_(chunk))
                                                .options(selectinload(Case.areas))):
                        writer.add_document(**case_document(case, reuse.get(case.id, 0)))
                        count += 1
                if progress:
                    progress(count, total)
            writer.commit(optimize=True)
        except BaseException:
            _abandon(writer)
            shutil.rmtree(path, ignore_errors=True)
            raise
        with self._sync_lock(timeout=60) as locked:
            if not locked:
                raise IndexUnavailable("Kunde inte byta in det nya indexet: en annan process "
                                       "håller låset. Försök igen.")
            while True:
                _applied, more = self._apply_batch(name, timeout=60)
                if not more:
                    break
            self._switch_to(name)
        return count

    # --- locking ----------------------------------------------------------------------------

    @contextmanager
    def _sync_lock(self, timeout: float) -> Iterator[bool]:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            handle = open(self.root / "sync.lock", "a+")
        except OSError as error:
            raise IndexUnavailable(_os_message(error, self.root)) from error
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        yield False
                        return
                    time.sleep(0.01)
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        finally:
            handle.close()


def _abandon(writer) -> None:
    """Cancel a failed write and always give the Whoosh lock back.

    After a failed commit (a full disk, say) cancel() itself can fail before it releases
    the lock, and the next sync in this process would then find the index locked forever.
    """
    try:
        writer.cancel()
    except Exception:  # already broken; what matters is the lock below
        pass
    finally:
        lock = getattr(writer, "writelock", None)
        if lock is not None:
            try:
                lock.release()
            except Exception:  # released by cancel() after all
                pass


def adoption_counts(session: Session, case_ids: list[int]) -> dict[int, int]:
    # Imported here: knowledge.exchange reads saved searches through this package.
    from ..exchange.adoptions import adoption_counts as count

    return count(session, case_ids)


def _os_message(error: OSError, path: Path) -> str:
    if error.errno == errno.ENOSPC:
        return f"Sökindexet kunde inte skrivas: disken är full ({path})."
    if error.errno in (errno.EACCES, errno.EROFS, errno.EPERM):
        return f"Sökindexet kunde inte skrivas: katalogen är skrivskyddad ({path})."
    return f"Sökindexet kunde inte skrivas ({path}): {error.strerror or error}."
