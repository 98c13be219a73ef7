"""The Whoosh index: a derived copy of the published cases, fed from the search outbox.

Layout of INDEX_DIR:

    CURRENT                 name of the generation in use (replaced atomically on reindex)
    sync.lock               one sync at a time per index directory (fcntl lock)
    catch-up.lock           one background catch-up or rebuild at a time (fcntl lock)
    gen-<time>/             a Whoosh index plus position.json (how far it applied the outbox)

A sync reads outbox rows it has not applied, takes the sync lock and the Whoosh writer lock
(each with a timeout; when busy it gives up and the next sync catches up), re-reads the
state of each case from the database, writes it (or deletes it if it is no longer
published), commits, and only then moves its position forward. Replaying a row is harmless,
so a crash between the database commit and indexing loses nothing.

On PostgreSQL, outbox ids come from a sequence when a row is inserted, not when it is
committed: a long transaction can hold id 7 while id 8 is committed and applied. Such a
skipped id is waited for (and reported as lag once it is committed) until every transaction
that was running when the gap was seen has ended; a timer would drop the rows of a slow
import for good. SQLite has one writer at a time, so there a gap is never in flight.
"""
from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import shutil
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Optional

from sqlalchemy import (BigInteger, ColumnElement, Select, any_, cast, event, false, func, or_, select,
                        text)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, selectinload, sessionmaker
from whoosh import index as whoosh_index
from whoosh.index import LockError
from whoosh.reading import SegmentReader
from whoosh.writing import NO_MERGE
from whoosh.searching import Searcher

from ..cases.models import Case
from .models import OutboxEntry
from .documents import case_document, make_schema
from .analysis import ANALYSIS_VERSION
from .writer import IndexWriter
from .query import SearcherCache
from .thesaurus import VocabularyCache

BATCH = 2000
# An unbounded sync applies up to this many outbox rows in one writer pass.
FULL_PASS = 200_000
# Cases read from the database at a time while indexing.
LOAD_CHUNK = 500
# Cases per new segment when a sync writes many (a big import). Whoosh sorts a segment's
# postings in memory up to the writer's limit and beyond it spills them to disk one pickled
# posting at a time and merges the runs back: at 5 000 cases that external sort was a third of
# the sync's time, and more the bigger the pass. A segment of this many cases stays in memory;
# the pass commits one after the other without merging them (a merge reads every posting back
# through the same sort).
SEGMENT_CASES = 2000
WRITER_LIMIT_MB = 256
# Whoosh's default merge policy merges every segment once there are about twenty of 2 000
# cases: a publish after a big import would then rewrite the whole index inside a request.
# Commits merge only segments smaller than this (the many small ones that single publishes
# leave); bigger ones stay until a rebuild.
SMALL_SEGMENT = 500
SMALL_SEGMENTS_BEFORE_MERGE = 4
# A request (a search, or the commit of a publish) applies at most this many outbox rows and
# waits this long for the lock; a background catch-up does the rest.
REQUEST_ROWS = 100
REQUEST_LOCK_TIMEOUT = 0.2
# Skipped ids are looked for within this distance below the newest applied id.
GAP_WINDOW = 100_000

log = logging.getLogger(__name__)


class IndexUnavailable(RuntimeError):
    """The index directory is missing, unreadable or not writable. Message in Swedish."""


class FollowsAnotherDatabase(IndexUnavailable):
    """The outbox row the index applied last is not in the database (a restored backup):
    applying more rows on top would leave it wrong for good; it must be rebuilt."""


@dataclass
class Position:
    last: int = 0
    # Skipped outbox id → PostgreSQL's next transaction id when the gap was seen (None: not
    # known yet). The id is given up only once every older transaction has ended.
    pending: dict[int, Optional[int]] = field(default_factory=dict)
    # Which outbox row `last` is (case id and time), to notice a database that is no longer
    # the one this index followed (a restored backup reuses ids).
    mark: Optional[str] = None

    @classmethod
    def load(cls, path: Path) -> "Position":
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            return cls()
        if "waiting" in data:
            pending = {row_id: seen for first, last, seen in data["waiting"]
                       for row_id in range(first, last + 1)}
        else:  # written by an older version: first-seen times, which say nothing here
            pending = {int(k): None for k in data.get("pending", {})}
        return cls(last=int(data["last"]), pending=pending, mark=data.get("mark"))

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"last": self.last, "mark": self.mark,
                                   "waiting": self._ranges()}))
        os.replace(tmp, path)

    def _ranges(self) -> list[list]:
        """Skipped ids as [first, last, seen] runs: a long import skips thousands at once,
        and every search reads this file."""
        runs: list[list] = []
        for row_id in sorted(self.pending):
            seen = self.pending[row_id]
            if runs and runs[-1][1] == row_id - 1 and runs[-1][2] == seen:
                runs[-1][1] = row_id
            else:
                runs.append([row_id, row_id, seen])
        return runs


@dataclass
class SyncResult:
    applied: int = 0
    busy: bool = False
    more: bool = False  # stopped at its limit with rows left to apply


def _mark(case_id: int, created_at) -> str:
    return f"{case_id}@{created_at.isoformat() if created_at else ''}"


def _follows(session: Session, position: Position) -> bool:
    """Is the outbox row the index applied last still the same row in the database?"""
    if not position.last or position.mark is None:
        return True
    row = session.execute(select(OutboxEntry.case_id, OutboxEntry.created_at)
                          .where(OutboxEntry.id == position.last)).first()
    return row is not None and _mark(*row) == position.mark


def _among(session: Session, ids) -> ColumnElement[bool]:
    """outbox id in `ids`; on PostgreSQL as one array parameter (an IN list of a long
    import's skipped ids would pass the limit of 65,535 parameters)."""
    if not ids:
        return false()
    if _is_postgres(session):
        return OutboxEntry.id == any_(cast(list(ids), ARRAY(BigInteger)))
    return OutboxEntry.id.in_(list(ids))


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _oldest_running(session: Session) -> Optional[int]:
    """PostgreSQL: the oldest transaction id still running (all older ones have ended)."""
    if not _is_postgres(session):
        return None
    return int(session.scalar(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text")))


def _next_to_start(session: Session) -> Optional[int]:
    """PostgreSQL: the first transaction id not yet started (every running one is below)."""
    if not _is_postgres(session):
        return None
    return int(session.scalar(text("SELECT pg_snapshot_xmax(pg_current_snapshot())::text")))


def take_transaction_id_before_outbox_ids(sessions: sessionmaker[Session]) -> None:
    """On PostgreSQL, a transaction that writes outbox rows gets its transaction id before it
    draws outbox ids, so a skipped id always belongs to a transaction the snapshot shows as
    running. (An id is drawn inside the INSERT, a moment before the row gets its xid.)"""

    @event.listens_for(sessions, "before_flush")
    def _take(session: Session, _context, _instances) -> None:
        if any(isinstance(obj, OutboxEntry) for obj in session.new) and _is_postgres(session):
            session.connection().execute(text("SELECT pg_current_xact_id()"))


# How many other districts have adopted each case (case id -> count; absent means none).
# The search index stores it for the "adopted elsewhere" facet and the "most reused" sort,
# but the numbers belong to knowledge.exchange: the app factory passes exchange's function
# in, so that search never imports exchange (exchange reads saved searches through search).
# The ids are a list, or a subquery of them (the statistics ask about every published case).
ReuseCounts = Callable[[Session, "list[int] | Select"], dict[int, int]]


def no_reuse(_session: Session, _case_ids: "list[int] | Select") -> dict[int, int]:
    """The reuse counts when nothing has registered any: every case adopted nowhere."""
    return {}


class SearchIndex:
    def __init__(self, root: str | Path, sessions: sessionmaker[Session],
                 lock_timeout: float = 2.0, reuse_counts: ReuseCounts = no_reuse):
        self.root = Path(root)
        self.sessions = sessions
        self.reuse_counts = reuse_counts
        self.lock_timeout = lock_timeout
        self._guard = threading.Lock()
        self._open: Optional[tuple[str, Searcher, SearcherCache]] = None
        self._retired: list[Searcher] = []
        # The last failure to apply the outbox (disk full, read-only directory…), shown by
        # /healthz until a sync succeeds again.
        self.last_error: Optional[str] = None
        # The editable vocabulary, expanded at query time (no reindex when it changes).
        self.vocabulary = VocabularyCache()
        # Bounds for the catch-up a request does (attributes, so a test can make them small).
        self.request_rows = REQUEST_ROWS
        self.request_lock_timeout = REQUEST_LOCK_TIMEOUT
        self._background: Optional[threading.Thread] = None
        self._background_guard = threading.Lock()

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
        # Keep the generation just replaced (searchers may still read it), drop older ones,
        # but never one that another rebuild (a CLI reindex beside a background one) is
        # still writing; a marker left by a rebuild that died is stale after a day.
        for old in self.root.glob("gen-*"):
            if old.name in (name, previous) or _being_built(old):
                continue
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

    def sync(self, timeout: Optional[float] = None, limit: Optional[int] = None) -> SyncResult:
        """Apply the outbox rows not yet applied (at most `limit` of them, then more=True).
        Gives up (busy=True) if the lock is held."""
        timeout = self.lock_timeout if timeout is None else timeout
        try:
            return self._sync(timeout, limit)
        except OSError as error:  # lock file, position file: a full or read-only disk
            raise IndexUnavailable(_os_message(error, self.root)) from error

    def _sync(self, timeout: float, limit: Optional[int]) -> SyncResult:
        name = self.ensure()
        result = SyncResult()
        while True:
            # Unbounded (the background or `flask sync`): everything waiting in one writer
            # pass, so a big import is one new segment rather than one per 2 000 rows.
            batch = FULL_PASS if limit is None else min(BATCH, limit - result.applied)
            with self._sync_lock(timeout) as locked:
                if not locked:
                    result.busy = True
                    return result
                try:
                    applied, more = self._apply_batch(name, timeout, batch)
                except LockError:  # a writer outside this protocol holds Whoosh's own lock
                    result.busy = True
                    return result
            result.applied += applied
            if not more:
                self.last_error = None
                return result
            if limit is not None and result.applied >= limit:
                result.more = True
                return result

    def lag(self) -> int:
        """Outbox rows written but not yet applied to this index (rows of a transaction that
        is still open count once it has committed)."""
        position = self.position()
        with self.sessions() as session:
            return session.scalar(select(func.count(OutboxEntry.id)).where(or_(
                OutboxEntry.id > position.last,
                _among(session, position.pending)))) or 0

    def waiting(self) -> int:
        """Skipped outbox ids still waited for (their transactions may still commit)."""
        return len(self.position().pending)

    def state(self) -> str:
        """Cheap check, done before searching: "current", "behind" (rows to apply) or
        "foreign" (the database is not the one this index followed: a restored backup)."""
        position = self.position()
        with self.sessions() as session:
            if not _follows(session, position):
                return "foreign"
            newest = session.scalar(select(func.max(OutboxEntry.id))) or 0
            if newest > position.last:
                return "behind"
            if position.pending and session.scalar(
                    select(OutboxEntry.id).where(_among(session, position.pending))
                    .limit(1)) is not None:
                return "behind"
        return "current"

    def needs_sync(self) -> bool:
        return self.state() != "current"

    def _apply_batch(self, name: str, timeout: float, batch: int = BATCH) -> tuple[int, bool]:
        path = self.root / name
        position = Position.load(path / "position.json")
        with self.sessions() as session:
            if not _follows(session, position):
                raise FollowsAnotherDatabase(
                    "Sökindexet hör till en annan databas (återställd från backup?); det måste "
                    "byggas om: `flask --app app sync`.")
            # In this order: a transaction that ended before `oldest` was read has its rows
            # in the read below, if it committed them.
            oldest = _oldest_running(session)
            rows = session.execute(
                select(OutboxEntry.id, OutboxEntry.case_id, OutboxEntry.created_at)
                .where(or_(OutboxEntry.id > position.last,
                           _among(session, position.pending)))
                .order_by(OutboxEntry.id).limit(batch)).all()
            # Every transaction that could hold an id skipped in `rows` is below this.
            horizon = _next_to_start(session)
        full = len(rows) == batch
        if not rows:
            if self._expire_pending(position, oldest, horizon, read_up_to=None):
                position.save(path / "position.json")
            return 0, False
        # A new session, begun after taking the lock, sees every case as it is now.
        case_ids = sorted({row.case_id for row in rows})
        for offset in range(0, len(case_ids), SEGMENT_CASES):
            # If a later segment fails, the earlier ones stay; the position is not advanced,
            # so the next pass writes their cases again (update_document replaces them).
            self._write_segment(path, case_ids[offset:offset + SEGMENT_CASES], timeout,
                                merge=len(case_ids) <= SEGMENT_CASES)
        self._advance(position, rows, horizon)
        self._expire_pending(position, oldest, horizon,
                             read_up_to=rows[-1][0] if full else None)
        position.save(path / "position.json")
        return len(rows), full

    def _write_segment(self, path: Path, case_ids: list[int], timeout: float,
                       merge: bool) -> None:
        writer = IndexWriter(whoosh_index.open_dir(str(path)), timeout=timeout,
                             limitmb=WRITER_LIMIT_MB)
        try:
            self._write_cases(writer, case_ids)
            writer.commit(mergetype=merge_small_segments if merge else NO_MERGE)
        except OSError as error:
            _abandon(writer)
            raise IndexUnavailable(_os_message(error, path)) from error
        except BaseException:
            _abandon(writer)
            raise

    def _write_cases(self, writer, case_ids: list[int]) -> None:
        # LOAD_CHUNK cases at a time, each chunk in its own session: memory stays bounded
        # however many rows one pass applies.
        for offset in range(0, len(case_ids), LOAD_CHUNK):
            chunk = case_ids[offset:offset + LOAD_CHUNK]
            with self.sessions() as session:
                cases = {case.id: case for case in session.scalars(
                    select(Case).where(Case.id.in_(chunk))
                    .options(selectinload(Case.areas)))}
                reuse = self.reuse_counts(session, chunk)
                for case_id in chunk:
                    case = cases.get(case_id)
                    if case is not None and case.status == "published":
                        writer.update_document(**case_document(case, reuse.get(case_id, 0)))
                    else:
                        writer.delete_by_term("id", str(case_id))

    @staticmethod
    def _advance(position: Position, rows, horizon: Optional[int]) -> None:
        applied = {row.id for row in rows}
        newest = rows[-1]  # rows come in id order
        for row_id in applied:
            position.pending.pop(row_id, None)
        if newest.id > position.last:
            # Ids skipped on the way may still be committed by a slower transaction (only
            # on PostgreSQL: horizon is None on SQLite, where no gap is in flight).
            if horizon is not None and newest.id - position.last < GAP_WINDOW:
                for missing in range(position.last + 1, newest.id):
                    if missing not in applied:
                        position.pending.setdefault(missing, horizon)
            position.last = newest.id
            position.mark = _mark(newest.case_id, newest.created_at)

    @staticmethod
    def _expire_pending(position: Position, oldest: Optional[int], horizon: Optional[int],
                        read_up_to: Optional[int]) -> bool:
        """Give up skipped ids whose transactions have all ended without committing them.

        Only ids the read could have returned count (`read_up_to`: the read stopped at its
        limit there). Returns whether anything changed."""
        changed = False
        for row_id, seen in list(position.pending.items()):
            if read_up_to is not None and row_id > read_up_to:
                continue
            if oldest is None:  # SQLite: nothing in flight; the read would have found it
                del position.pending[row_id]
                changed = True
            elif seen is None:  # from an older version: wait from now on
                position.pending[row_id] = horizon
                changed = True
            elif oldest >= seen:
                del position.pending[row_id]
                changed = True
        return changed

    # --- catching up: a bounded step in requests, the rest in the background ----------------

    def catch_up(self) -> bool:
        """The bounded catch-up a request does before searching or after committing: at most
        `request_rows` rows, a short wait for the lock. Whatever is left is applied by a
        background thread. Returns True while the index is known to be behind."""
        try:
            state = self.state()
            if state == "foreign":
                log.warning("The search index follows another database (a restored backup?); "
                            "rebuilding it in the background")
                self.start_background(rebuild=True)
                return True
            if state == "behind":
                result = self.sync(timeout=self.request_lock_timeout, limit=self.request_rows)
                if result.more:
                    self.start_background()
                if result.busy or result.more:
                    return True
        except FollowsAnotherDatabase:  # restored between the check and the sync
            self.start_background(rebuild=True)
            return True
        except Exception as error:  # noqa: BLE001 - the index may still be read; say so
            # Writing failed (a full disk, a read-only directory, a damaged segment): the
            # request answers from what the index has, and /healthz shows the error.
            self.last_error = str(error)
            log.exception("Search index catch-up failed; answering from the index as it is")
            return True
        return self.background_running()

    def start_background(self, rebuild: bool = False) -> None:
        """Catch up (or rebuild) in a thread of this process, unless one is running here;
        the catch-up lock keeps other processes from doing the same work at once."""
        with self._background_guard:
            if self.background_running():
                return
            self._background = threading.Thread(target=self._run_background, args=(rebuild,),
                                                name="search-catch-up", daemon=True)
            self._background.start()

    def background_running(self) -> bool:
        thread = self._background
        return thread is not None and thread.is_alive()

    def wait_for_background(self, timeout: Optional[float] = None) -> None:
        thread = self._background
        if thread is not None:
            thread.join(timeout)

    def catch_up_lock(self, timeout: float):
        """Held by whoever catches up or rebuilds outside requests, in any process."""
        return self._file_lock("catch-up.lock", timeout)

    def _run_background(self, rebuild: bool) -> None:
        try:
            with self.catch_up_lock(timeout=0) as locked:
                if locked:
                    self.catch_up_fully(rebuild=rebuild)
        except Exception as error:  # noqa: BLE001 - a thread has no one else to tell
            self.last_error = str(error)
            log.exception("Background catch-up of the search index failed")

    def catch_up_fully(self, rebuild: bool = False) -> str:
        """Bring the index up to date however long it takes (`flask sync`, the background
        thread). Rebuilds instead when the index is missing or unreadable, follows another
        database, is further behind than a rebuild would cost, or does not hold the
        published cases. Returns "rebuilt" or "synced"."""
        if rebuild or self.rebuild_reason() is not None:
            self.rebuild()
            return "rebuilt"
        self.sync()
        if self.count_mismatch() is not None:
            self.rebuild()
            return "rebuilt"
        return "synced"

    def rebuild_reason(self) -> Optional[str]:
        """Why the index should be rebuilt rather than caught up, or None."""
        if self.current_generation() is None:
            return "missing"
        try:
            self.searcher_and_cache()
        except IndexUnavailable:
            return "unreadable"
        if self.state() == "foreign":
            return "foreign"
        if self.lag() > max(self.published_count(), BATCH):
            return "far behind"
        return None

    def published_count(self) -> int:
        with self.sessions() as session:
            return session.scalar(select(func.count(Case.id))
                                  .where(Case.status == "published")) or 0

    def document_count(self) -> int:
        searcher, _cache = self.searcher_and_cache()
        return searcher.doc_count()

    def count_mismatch(self) -> Optional[tuple[int, int]]:
        """(documents, published) when they differ by more than the unapplied rows could
        explain, else None. Each outbox row changes the count by at most one. The three
        counts cannot be read at one instant, so a publish between them could look like a
        mismatch once: only one that is seen three times in a row counts."""
        found = None
        for _attempt in range(3):
            lag = self.lag() + self.waiting()
            documents = self.document_count()
            published = self.published_count()
            if abs(documents - published) <= lag + self.lag():
                return None
            found = (documents, published)
        return found

    # --- rebuilding -------------------------------------------------------------------------

    def rebuild(self, progress: Optional[Callable[[int, int], None]] = None) -> int:
        """Build a complete new generation beside the current one, then swap it in.

        Searches keep using the current generation until the swap. Returns the number of
        cases indexed.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        name = self._new_generation()
        path = self.root / name
        (path / BUILDING).write_text(str(os.getpid()))
        with self.sessions() as session:
            # Everything written after this point is replayed from the outbox afterwards.
            start = self._starting_position(session)
        start.save(path / "position.json")
        ix = whoosh_index.open_dir(str(path))
        writer = IndexWriter(ix, limitmb=512)  # fewer spills to disk while rebuilding
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
                    reuse = self.reuse_counts(session, chunk)
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
            (path / BUILDING).unlink(missing_ok=True)
            self._switch_to(name)
        return count

    @staticmethod
    def _starting_position(session: Session) -> Position:
        """The position of a new generation: the newest outbox row, and (on PostgreSQL) the
        ids below it that open transactions may still commit, to be waited for."""
        row = session.execute(select(OutboxEntry.id, OutboxEntry.case_id, OutboxEntry.created_at)
                              .order_by(OutboxEntry.id.desc()).limit(1)).first()
        if row is None:
            return Position()
        start = Position(last=row.id, mark=_mark(row.case_id, row.created_at))
        horizon = _next_to_start(session)
        oldest = _oldest_running(session)  # both None unless on PostgreSQL
        if horizon is not None and oldest is not None and oldest < horizon:
            missing = session.scalars(text(
                "SELECT g FROM generate_series(CAST(:low AS bigint), CAST(:high AS bigint))"
                " AS g WHERE NOT EXISTS (SELECT 1 FROM search_outbox WHERE id = g)"),
                {"low": max(1, row.id - GAP_WINDOW), "high": row.id})
            start.pending = {int(row_id): horizon for row_id in missing}
        return start

    # --- locking ----------------------------------------------------------------------------

    def _sync_lock(self, timeout: float):
        return self._file_lock("sync.lock", timeout)

    @contextmanager
    def _file_lock(self, name: str, timeout: float) -> Iterator[bool]:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            handle = open(self.root / name, "a+")
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


BUILDING = "building"   # a marker in a generation that a rebuild is still writing


def _being_built(path: Path) -> bool:
    """Is a live process (INDEX_DIR is local to one machine) still writing this generation?
    A rebuild that was killed leaves its marker behind with a pid that no longer runs."""
    marker = path / BUILDING
    try:
        pid = int(marker.read_text().strip() or 0)
        fresh = time.time() - marker.stat().st_mtime < 24 * 3600
    except (FileNotFoundError, ValueError):
        return False
    if not fresh or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def merge_small_segments(writer, segments):
    """A Whoosh merge policy: merge the segments of fewer than SMALL_SEGMENT documents once
    there are SMALL_SEGMENTS_BEFORE_MERGE of them; leave the others as they are."""
    small = [segment for segment in segments if segment.doc_count_all() < SMALL_SEGMENT]
    if len(small) < SMALL_SEGMENTS_BEFORE_MERGE:
        return segments
    for segment in small:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [segment for segment in segments if segment not in small]


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


def _os_message(error: OSError, path: Path) -> str:
    if error.errno == errno.ENOSPC:
        return f"Sökindexet kunde inte skrivas: disken är full ({path})."
    if error.errno in (errno.EACCES, errno.EROFS, errno.EPERM):
        return f"Sökindexet kunde inte skrivas: katalogen är skrivskyddad ({path})."
    return f"Sökindexet kunde inte skrivas ({path}): {error.strerror or error}."
