"""Search benchmark: load, reindex, index size and query latency at a few corpus sizes.

    .venv/bin/python bench/search.py                  # 1 000 and 10 000 cases
    .venv/bin/python bench/search.py --sizes 50000    # opt-in: the big one
    .venv/bin/python bench/search.py --sizes 1000 --profile

For each size it generates synthetic Swedish cases (bench/corpus.py), loads them through the
domain write path (knowledge.transfer.import_export.import_rows: create_case + revisions + outbox in one
transaction, then the after-commit index sync), rebuilds the index, and times the same mixed
queries, each with an area and a district filter, counts and highlighted snippets:

  (a) end to end: GET /cases?q=…&area=…&district=… with HX-Request against gunicorn
  (b) the raw engine: run_search on the Whoosh index plus the snippets for the page
  (c) a baseline: SQLite FTS5 over the same text, facets by GROUP BY, snippet()

and how long a newly published case takes to become searchable. It prints figures and
never asserts on them. Everything lives in a temporary directory on loopback and is removed.
"""
from __future__ import annotations

import argparse
import cProfile
import http.client
import io
import math
import os
import pstats
import re
import resource
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from time import perf_counter
from typing import Callable, Optional
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]

from corpus import QUERY_KINDS, BenchQuery, CaseGenerator, make_queries, rows_with_lines  # noqa: E402

from sqlalchemy import select  # noqa: E402

from app import create_app  # noqa: E402
from knowledge.cases.lifecycle import create_case, publish_case, submit_case  # noqa: E402
from knowledge.operations.migrate import upgrade_database  # noqa: E402
from knowledge.cases.models import Case  # noqa: E402
from knowledge.accounts.models import User  # noqa: E402
from knowledge.search import SearchRequest, search_cases  # noqa: E402
from knowledge.search.analysis import SWEDISH_STOP_WORDS  # noqa: E402
from knowledge.search.documents import BODY_FIELDS, plain_text  # noqa: E402
from knowledge.search.query import run_search, snippet  # noqa: E402
from knowledge.search.vocabulary import load_starter_vocabulary  # noqa: E402
from knowledge.taxonomy.reference import load_reference_data, slugify  # noqa: E402
from knowledge.transfer.import_export import import_rows  # noqa: E402
from knowledge.accounts.users import create_user, system_user  # noqa: E402

PASSWORD = "bench-losenord-123"
HTTP_TIMEOUT = 60.0
START_TIMEOUT = 60.0
SEARCHABLE_TIMEOUT = 30.0


# --- figures ------------------------------------------------------------------------------

def p95(samples: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


@dataclass
class Latency:
    samples: list[float] = field(default_factory=list)   # seconds
    kinds: list[str] = field(default_factory=list)
    hits: int = 0

    def add(self, seconds: float, kind: str, found: bool) -> None:
        self.samples.append(seconds)
        self.kinds.append(kind)
        self.hits += bool(found)

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.samples) * 1000

    @property
    def p95_ms(self) -> float:
        return p95(self.samples) * 1000

    def by_kind(self) -> str:
        parts = []
        for kind in QUERY_KINDS:
            mine = [s for s, k in zip(self.samples, self.kinds) if k == kind]
            if mine:
                parts.append(f"{kind} {statistics.median(mine) * 1000:.1f}/{p95(mine) * 1000:.1f}")
        return ", ".join(parts)

    def summary(self) -> str:
        return (f"p50 {self.p50_ms:.1f} ms, p95 {self.p95_ms:.1f} ms, max "
                f"{max(self.samples) * 1000:.1f} ms, {self.hits}/{len(self.samples)} with hits")


@dataclass
class SizeResult:
    size: int
    load_rate: float = 0.0
    load_s: float = 0.0
    sync_s: float = 0.0
    reindex_s: float = 0.0
    index_bytes: int = 0
    http: Optional[Latency] = None
    engine: Optional[Latency] = None
    engine_db: Optional[Latency] = None
    fts: Optional[Latency] = None
    publish_domain_ms: float = 0.0
    publish_http_ms: float = 0.0
    http_failures: list[str] = field(default_factory=list)


def source_fingerprint() -> tuple:
    """What gunicorn will import: if this changes during a run (someone editing the app),
    the server runs other code than the one that built the database and the index."""
    files = [ROOT / "app.py", *ROOT.glob("knowledge/**/*.py"), *ROOT.glob("templates/**/*"),
             *ROOT.glob("migrations/**/*.py")]
    return tuple(sorted((str(f), f.stat().st_mtime_ns) for f in files if f.is_file()))


def say(message: str) -> None:
    print(message, flush=True)


def profiled(enabled: bool, label: str, function: Callable):
    if not enabled:
        return function()
    profile = cProfile.Profile()
    value = profile.runcall(function)
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(15)
    say(f"--- cProfile: {label} (top 30 by cumulative time, top 15 by own time) ---")
    say("\n".join(line for line in out.getvalue().splitlines() if line.strip()))
    return value


# --- one size -----------------------------------------------------------------------------

class Corpus:
    """The generated rows, with the database id each one was given."""

    def __init__(self, rows: list[dict]):
        self.rows = rows
        self.by_id: dict[int, dict] = {}

    def map_ids(self, session) -> None:
        for case_id, external_id in session.execute(select(Case.id, Case.external_id)):
            if external_id and external_id.startswith("bench-"):
                self.by_id[case_id] = self.rows[int(external_id[6:]) - 1]

    def snippet_fields(self, case_id: int) -> list[str]:
        # As knowledge.search._snippet builds them from the Case row.
        row = self.by_id[case_id]
        return [row["summary"]] + [plain_text(row.get(name) or "") for name in BODY_FIELDS]


def bench_size(size: int, generator: CaseGenerator, args) -> SizeResult:
    result = SizeResult(size)
    tmp = Path(tempfile.mkdtemp(prefix=f"bench-search-{size}-"))
    app = None
    try:
        say(f"\n=== {size} cases (temporary directory {tmp}) ===")
        started = perf_counter()
        fingerprint = source_fingerprint()
        corpus = Corpus(generator.cases(size))
        queries = make_queries(corpus.rows, args.queries, SWEDISH_STOP_WORDS, args.seed)
        text_bytes = sum(len(v.encode()) for row in corpus.rows for v in row.values()
                         if isinstance(v, str))
        say(f"generated {size} cases ({text_bytes / size / 1024:.1f} kB of text each) and "
            f"{len(queries)} queries in {perf_counter() - started:.1f} s")

        config, app, editor_id = prepare_app(tmp)
        sessions = app.extensions["db_sessionmaker"]
        index = app.extensions["search_index"]
        load(result, corpus, sessions, index, args)
        rebuild(result, index, args)
        if args.load_only:
            say(f"size {size}: load and reindex only; peak RSS of this process "
                f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
            return result
        with sessions() as session:
            corpus.map_ids(session)

        server = Gunicorn(config, tmp, args.workers)
        fts_db = None
        try:
            runs: dict[str, Run] = {"b": engine_run(corpus, queries, index),
                                    "b'": engine_db_run(index, sessions)}
            runs["c"], fts_db = fts_run(corpus, tmp)
            if source_fingerprint() != fingerprint:
                say("WARNING: app source files changed during this run; gunicorn loads the "
                    "new code over a database and index built by the old one")
            client = server.start()
            status, _ = client.request("GET", cases_path(queries[0].text, queries[0]),
                                       headers=HTMX)
            if status == 200:
                runs["a"] = http_run(client, result.http_failures)
            else:
                result.http_failures.append(f"{status} for the first query")
                say(f"(a) skipped: GET /cases answered {status}; {server.last_error()}")
            latencies = measure(runs, queries)
            if result.http_failures:
                say(f"(a) {len(result.http_failures)} answers were not 200: "
                    f"{result.http_failures[:3]}; {server.last_error()}")
            elif "a" in runs:
                say("(a) every answer was 200")
            result.engine, result.engine_db = latencies["b"], latencies["b'"]
            result.fts, result.http = latencies["c"], latencies.get("a")
            if args.profile:
                profiled(True, "(b) run_search + snippets, all queries",
                         lambda: [runs["b"](q) for q in queries])
            publish_to_searchable(result, generator, sessions, index, editor_id,
                                  client if result.http and not result.http_failures else None)
        finally:
            server.stop()
            if fts_db is not None:
                fts_db.close()
        say(f"size {size} done in {perf_counter() - started:.0f} s; peak RSS of this process "
            f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
        return result
    finally:
        if app is not None:
            app.extensions["db_engine"].dispose()
        if args.keep:
            say(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def prepare_app(tmp: Path):
    """A fresh SQLite database and index in `tmp`, with the reference data, the starter
    vocabulary (as init-db loads them), a coordinator and an editor. Returns the config a
    server needs, the app and the editor's id. (bench/pages.py starts the same way.)"""
    url = f"sqlite:///{tmp}/bench.sqlite3"
    config = {"DATABASE_URL": url, "INDEX_DIR": str(tmp / "index"), "SECRET_KEY": "bench"}
    upgrade_database(url)
    app = create_app(config)
    with app.extensions["db_sessionmaker"]() as session:
        load_reference_data(session)
        load_starter_vocabulary(session)   # as init-db does: the search expands with it
        for email in ("samordnare@bench.invalid", "samordnare2@bench.invalid"):
            create_user(session, email=email, role="coordinator", password=PASSWORD)
        editor = create_user(session, email="redaktor@bench.invalid", role="editor",
                             password=PASSWORD)
        session.commit()
        return config, app, editor.id


def load(result: SizeResult, corpus: Corpus, sessions, index, args) -> None:
    """import_rows in one transaction; its commit runs the after-commit index sync, which
    we time separately by wrapping this SearchIndex's sync (the hook calls index.sync())."""
    synced = [0.0]
    original_sync = index.sync

    def timed_sync(*a, **k):
        t0 = perf_counter()
        try:
            return original_sync(*a, **k)
        finally:
            synced[0] += perf_counter() - t0

    index.sync = timed_sync
    try:
        with sessions() as session:
            def run():
                imported = import_rows(session, system_user(session),
                                       rows_with_lines(corpus.rows))
                session.commit()  # the caller commits; the after-commit hook syncs the index
                return imported
            t0 = perf_counter()
            imported = profiled(args.profile, "import_rows + after-commit sync", run)
            # The commit applies a first part of the outbox and leaves the rest to a
            # background thread: the load is done when that thread is.
            index.wait_for_background()
            result.load_s = perf_counter() - t0
    finally:
        del index.sync
    if not imported.ok:
        raise SystemExit("import failed: " + "; ".join(map(str, imported.errors[:5])))
    result.sync_s = synced[0]
    result.load_rate = len(corpus.rows) / result.load_s
    searcher, _cache = index.searcher_and_cache()
    say(f"load: {imported.created} cases in {result.load_s:.1f} s = {result.load_rate:.0f} "
        f"cases/s (import {result.load_s - result.sync_s:.1f} s + index sync "
        f"{result.sync_s:.1f} s); {searcher.doc_count()} documents in the index")


def rebuild(result: SizeResult, index, args) -> None:
    t0 = perf_counter()
    count = profiled(args.profile, "index.rebuild()", index.rebuild)
    result.reindex_s = perf_counter() - t0
    generation = index.root / index.current_generation()
    result.index_bytes = sum(f.stat().st_size for f in generation.rglob("*") if f.is_file())
    say(f"reindex: {count} cases in {result.reindex_s:.1f} s; index {generation.name} is "
        f"{result.index_bytes / 1e6:.1f} MB")


def filters_of(query: BenchQuery) -> dict[str, list[str]]:
    return {"priority_areas": [query.area], "district": [query.district]}


# --- the query runs: each is a function query → (seconds, found something) ----------------

Run = Callable[[BenchQuery], tuple[float, bool]]


def engine_run(corpus: Corpus, queries: list[BenchQuery], index) -> Run:
    """(b) run_search on the Whoosh index, plus the snippets the page shows."""
    def one(query: BenchQuery) -> tuple[float, bool]:
        t0 = perf_counter()
        searcher, cache = index.searcher_and_cache()
        found = run_search(searcher, cache, SearchRequest(text=query.text,
                                                          filters=filters_of(query),
                                                          per_page=20))
        for hit in found.hits:
            snippet(corpus.snippet_fields(hit.case_id), found.terms)
        return perf_counter() - t0, found.total > 0

    # Cold: the first query after the rebuild opens a searcher and builds the facet sets;
    # the first misspelled one builds the spelling vocabulary.
    cold_first, _ = one(queries[0])
    cold_spelling, _ = one(next(q for q in queries if q.kind == "misspelled"))
    say(f"(b) engine, cold: first query after the rebuild {cold_first * 1000:.0f} ms, "
        f"first misspelled one {cold_spelling * 1000:.0f} ms")
    return one


def engine_db_run(index, sessions) -> Run:
    """(b') knowledge.search.search_cases: the engine, the outbox check, the cases from the
    database and their snippets, with a new session per query as a request has."""
    def one(query: BenchQuery) -> tuple[float, bool]:
        t0 = perf_counter()
        with sessions() as session:
            found = search_cases(index, session, SearchRequest(
                text=query.text, filters=filters_of(query), per_page=20))
        return perf_counter() - t0, found.total > 0
    return one


def fts_match(text: str) -> str:
    """AND of the words (stop words dropped, as the app does) and the quoted phrases."""
    def quoted(s: str) -> str:
        return '"' + s.replace('"', '""') + '"'
    phrases = re.findall(r'"([^"]*)"', text)
    rest = re.sub(r'"[^"]*"', " ", text)
    words = [w for w in re.findall(r"\w+", rest.lower()) if w not in SWEDISH_STOP_WORDS]
    parts = [quoted(" ".join(re.findall(r"\w+", p.lower()))) for p in phrases if p.strip()]
    return " AND ".join(parts + [quoted(w) for w in words])


FTS_PAGE = """
SELECT m.id, m.title, snippet(fts, -1, '<mark>', '</mark>', ' … ', 24)
FROM fts JOIN meta m ON m.id = fts.rowid
WHERE fts MATCH :q AND m.district = :district
  AND m.id IN (SELECT case_id FROM case_area WHERE area = :area)
ORDER BY bm25(fts, 3.0, 2.0, 1.0) LIMIT 20"""
FTS_TOTAL = """
SELECT count(*) FROM fts JOIN meta m ON m.id = fts.rowid
WHERE fts MATCH :q AND m.district = :district
  AND m.id IN (SELECT case_id FROM case_area WHERE area = :area)"""
# Facet counts ignore their own selection and respect the other one, as the app's do.
FTS_AREA_COUNTS = """
SELECT ca.area, count(*) FROM fts JOIN meta m ON m.id = fts.rowid
JOIN case_area ca ON ca.case_id = m.id
WHERE fts MATCH :q AND m.district = :district GROUP BY ca.area"""
FTS_DISTRICT_COUNTS = """
SELECT m.district, count(*) FROM fts JOIN meta m ON m.id = fts.rowid
WHERE fts MATCH :q AND m.id IN (SELECT case_id FROM case_area WHERE area = :area)
GROUP BY m.district"""
FTS_EVIDENCE_COUNTS = """
SELECT m.evidence, count(*) FROM fts JOIN meta m ON m.id = fts.rowid
WHERE fts MATCH :q AND m.district = :district
  AND m.id IN (SELECT case_id FROM case_area WHERE area = :area)
GROUP BY m.evidence"""


def fts_run(corpus: Corpus, tmp: Path) -> tuple[Run, sqlite3.Connection]:
    """(c) SQLite FTS5 over the same text in its own file: MATCH, facets by GROUP BY,
    snippet() for the highlights."""
    path = tmp / "fts.sqlite3"
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript("""
        CREATE VIRTUAL TABLE fts USING fts5(title, summary, body,
                                            tokenize='unicode61 remove_diacritics 0');
        CREATE TABLE meta (id INTEGER PRIMARY KEY, title TEXT, district TEXT, evidence TEXT);
        CREATE TABLE case_area (case_id INTEGER, area TEXT, PRIMARY KEY (area, case_id));
        CREATE INDEX meta_district ON meta (district);
    """)
    t0 = perf_counter()
    with db:
        for case_id, row in corpus.by_id.items():
            body = " \n".join([row["organisation"], " ".join(row["partners"])]
                              + [row.get(name) or "" for name in BODY_FIELDS])
            db.execute("INSERT INTO fts (rowid, title, summary, body) VALUES (?, ?, ?, ?)",
                       (case_id, row["title"], row["summary"], body))
            db.execute("INSERT INTO meta VALUES (?, ?, ?, ?)",
                       (case_id, row["title"], slugify(row["district"]),
                        row["evidence_level"] or "ej-angivet"))
            db.executemany("INSERT INTO case_area VALUES (?, ?)",
                           [(case_id, area) for area in row["priority_areas"]])
    db.execute("INSERT INTO fts(fts) VALUES ('optimize')")
    db.commit()
    fts_bytes = sum(p.stat().st_size for p in tmp.glob("fts.sqlite3*"))
    say(f"(c) FTS5 table built in {perf_counter() - t0:.1f} s, {fts_bytes / 1e6:.1f} MB")

    def one(query: BenchQuery) -> tuple[float, bool]:
        params = {"q": fts_match(query.text), "area": query.area, "district": query.district}
        t0 = perf_counter()
        try:
            db.execute(FTS_PAGE, params).fetchall()
            total = db.execute(FTS_TOTAL, params).fetchone()[0]
            for sql in (FTS_AREA_COUNTS, FTS_DISTRICT_COUNTS, FTS_EVIDENCE_COUNTS):
                db.execute(sql, params).fetchall()
        except sqlite3.OperationalError as error:
            raise SystemExit(f"FTS5 query {params['q']!r} failed: {error}") from None
        return perf_counter() - t0, total > 0
    return one, db


def http_run(client: "Client", failures: list[str]) -> Run:
    """(a) GET /cases?q=…&area=…&district=… with HX-Request: the fragment the page swaps."""
    def one(query: BenchQuery) -> tuple[float, bool]:
        t0 = perf_counter()
        status, body = client.request("GET", cases_path(query.text, query), headers=HTMX)
        seconds = perf_counter() - t0
        if status != 200 or "<html" in body[:200].lower():
            failures.append(f"{status} for {query.text!r}")
        return seconds, 'class="case-card"' in body
    return one


LABELS = {"a": "(a) HTTP via gunicorn", "b": "(b) engine (run_search + snippets)",
          "b'": "(b') engine + db (search_cases)",
          "c": "(c) SQLite FTS5 (no stemming, compounds or spelling correction)"}


def measure(runs: dict[str, Run], queries: list[BenchQuery]) -> dict[str, Latency]:
    """Every query through every run in turn, so that other load on the machine falls on
    all of them alike rather than on whichever phase it happened to coincide with."""
    for query in queries[:30]:
        for name, run in runs.items():
            for _ in range(2 if name == "a" else 1):  # both gunicorn workers
                run(query)
    latencies = {name: Latency() for name in runs}
    for query in queries:
        for name, run in runs.items():
            seconds, found = run(query)
            latencies[name].add(seconds, query.kind, found)
    for name, latency in latencies.items():
        say(f"{LABELS[name]}: {latency.summary()}")
        say(f"    by kind p50/p95 ms: {latency.by_kind()}")
    return latencies


# --- (a) over HTTP against gunicorn -------------------------------------------------------

class Client:
    """One http.client connection with a cookie jar. It is reused for every request;
    gunicorn's sync workers close it after each response and http.client reopens it."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: Optional[str] = None,
                headers: Optional[dict] = None) -> tuple[int, str]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            self.connection.close()  # the worker closed the kept connection: once more
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, text

    def log_in(self, email: str, password: str) -> None:
        status, page = self.request("GET", "/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        if status != 200 or not token:
            raise SystemExit(f"GET /login answered {status} without a csrf_token")
        status, _ = self.request("POST", "/login", urlencode(
            {"email": email, "password": password, "csrf_token": token.group(1)}))
        if status != 303:
            raise SystemExit(f"POST /login answered {status}, not 303")


class Gunicorn:
    def __init__(self, config: dict, tmp: Path, workers: int):
        self.config, self.tmp, self.workers = config, tmp, workers
        self.process: Optional[subprocess.Popen] = None
        self.log = tmp / "gunicorn.log"

    def start(self) -> Client:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        env = dict(os.environ, APP_ENV="development", **self.config)
        gunicorn = Path(sys.executable).parent / "gunicorn"
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                # Production's settings (deploy/gunicorn.conf.py: its timeout and the
                # post_worker_init hook that freezes what a worker loads at start), with this
                # bench's port and number of workers.
                [str(gunicorn), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
                 "-w", str(self.workers), "-b", f"127.0.0.1:{port}",
                 "app:create_app()"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("gunicorn did not start:\n"
                                     + self.log.read_text()[-2000:]) from None
                time.sleep(0.1)
        client = Client(port)
        client.log_in("samordnare@bench.invalid", PASSWORD)
        return client

    def last_error(self) -> str:
        """The last error line in the server's log, to say why an answer was not 200."""
        lines = [line.strip() for line in self.log.read_text(errors="replace").splitlines()
                 if re.search(r"Error|Exception|Traceback", line)]
        return f"gunicorn log: {lines[-1][:300]}" if lines else f"see {self.log}"

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # gunicorn's master stops its workers on SIGTERM
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def cases_path(text: str, query: Optional[BenchQuery] = None) -> str:
    params = {"q": text}
    if query is not None:
        params.update(area=query.area, district=query.district)
    return "/cases?" + urlencode(params)


HTMX = {"HX-Request": "true"}


# --- publish → searchable -----------------------------------------------------------------

def publish_to_searchable(result: SizeResult, generator: CaseGenerator, sessions, index,
                          editor_id: int, client: Optional[Client]) -> None:
    def new_case(session, editor, word: str) -> Case:
        data = generator.case(result.size + 1000 + len(word))
        data = {k: v for k, v in data.items() if k not in ("external_id", "status")}
        data["title"] = f"{word.capitalize()} – {data['title']}"[:200]
        case = create_case(session, editor, data)
        submit_case(session, editor, case)
        session.commit()
        return case

    def wait_for(found: Callable[[], bool]) -> float:
        deadline = time.monotonic() + SEARCHABLE_TIMEOUT
        while not found():
            if time.monotonic() > deadline:
                say(f"a published case did not become searchable in {SEARCHABLE_TIMEOUT:.0f} s")
                return math.nan
            time.sleep(0.005)
        return perf_counter()

    with sessions() as session:
        editor = session.get(User, editor_id)
        # Through the domain: publish_case and its commit; the after-commit hook syncs the index.
        word = f"publiceringsprov{result.size}"
        case = new_case(session, editor, word)
        t0 = perf_counter()
        publish_case(session, editor, case)
        session.commit()
        committed = perf_counter()

        def found_in_domain() -> bool:
            with sessions() as reader:
                hits = search_cases(index, reader, SearchRequest(text=word)).results
            return any(hit.case.id == case.id for hit in hits)
        result.publish_domain_ms = (wait_for(found_in_domain) - t0) * 1000
        say(f"publish → searchable (domain): {result.publish_domain_ms:.0f} ms "
            f"(publish_case with its index sync {(committed - t0) * 1000:.0f} ms)")

        if client is None:
            result.publish_http_ms = math.nan
            return
        # Over HTTP: the worker sees that the index changed (searcher.up_to_date() is false),
        # opens a new searcher and rebuilds its facet sets before it can answer.
        word = f"webbpubliceringsprov{result.size}"
        case = new_case(session, editor, word)
        marker = f'href="/cases/{case.id}"'
        t0 = perf_counter()
        publish_case(session, editor, case)
        session.commit()

        def found_over_http() -> bool:
            status, body = client.request("GET", cases_path(word), headers=HTMX)
            return status == 200 and marker in body
        result.publish_http_ms = (wait_for(found_over_http) - t0) * 1000
        t1 = perf_counter()
        client.request("GET", cases_path(word), headers=HTMX)
        say(f"publish → searchable (HTTP): {result.publish_http_ms:.0f} ms; the next request "
            f"(maybe the other worker's first after the change) {(perf_counter() - t1) * 1000:.0f} ms")


# --- the table ----------------------------------------------------------------------------

def print_table(results: list[SizeResult]) -> None:
    header = ("size", "load c/s", "sync s", "reindex s", "index MB", "(a) p50/p95 ms",
              "(b) p50/p95 ms", "(c) p50/p95 ms", "a/b p50", "a/b p95", "pub→search ms")
    lines = []
    for r in results:
        def pair(lat: Optional[Latency]) -> str:
            return f"{lat.p50_ms:.1f} / {lat.p95_ms:.1f}" if lat else "–"
        a, b = r.http, r.engine
        lines.append((f"{r.size}", f"{r.load_rate:.0f}", f"{r.sync_s:.1f}", f"{r.reindex_s:.1f}",
                      f"{r.index_bytes / 1e6:.1f}", pair(a), pair(b), pair(r.fts),
                      f"{a.p50_ms / b.p50_ms:.1f}" if a and b else "–",
                      f"{a.p95_ms / b.p95_ms:.1f}" if a and b else "–",
                      f"{r.publish_domain_ms:.0f} / {r.publish_http_ms:.0f}"))
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header))]
    say("")
    say("  ".join(h.rjust(w) for h, w in zip(header, widths)))
    for row in lines:
        say("  ".join(c.rjust(w) for c, w in zip(row, widths)))
    say("load c/s: import_rows + after-commit index sync (sync s is the sync part); "
        "(a) HTTP GET /cases with HX-Request on gunicorn; (b) run_search + snippets; "
        "(c) SQLite FTS5; pub→search: domain / HTTP.")
    say("Every query has an area and a district filter; latencies are p50 / nearest-rank p95.")


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000",
                        help="corpus sizes, comma-separated (default 1000,10000; 50000 opt-in)")
    parser.add_argument("--queries", type=int, default=240, help="queries per size (≥ 200)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--budget", type=float, default=3 * 3600,
                        help="seconds; no new size is started after this (default 3 h)")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile the load, the reindex and the engine queries")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--load-only", action="store_true",
                        help="only the load (import + index sync) and the reindex; no queries")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    if args.queries < 200:
        parser.error("--queries must be at least 200")

    started = perf_counter()
    say(f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
        f"({os.cpu_count()} CPUs; other work on the machine skews the figures)")
    generator = CaseGenerator(SWEDISH_STOP_WORDS, args.seed)
    results = []
    for size in sizes:
        if perf_counter() - started > args.budget:
            say(f"skipping {size}: the {args.budget:.0f} s budget is spent")
            continue
        results.append(bench_size(size, generator, args))
    print_table(results)
    say(f"total {perf_counter() - started:.0f} s; load average at the end: "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 1 if any(r.http_failures for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
