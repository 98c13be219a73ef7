"""Load test: searches, case views, submissions and publishes at the same time, over real
HTTP against gunicorn with several workers, on SQLite or PostgreSQL. Loopback only,
bounded in time.

    .venv/bin/python bench/load.py                      # SQLite, 4 workers, 30 s
    .venv/bin/python bench/load.py --postgres           # a throw-away PostgreSQL server
    .venv/bin/python bench/load.py --seconds 60 --users 16
    .venv/bin/python bench/load.py --pause 65           # then everyone pauses over a minute

With --pause, the timed run is preceded by rounds in which every virtual user opens a form,
pauses longer than the one-minute refresh of her session's last-seen time, and then all post
at the same moment (editors may pick the same case: one publishes it, the other is told so
with a 409). This is how "database is locked" after a pause showed up.

Prints throughput, p50/p95 per kind of request, errors, 5xx and "database is locked"
counts, and checks afterwards that the index holds exactly the published cases.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.live import BIN, Browser, Server  # noqa: E402  (real server + form client)

PASSWORD = "last-test-losen"
QUERIES = ["ungdomar", "trygghetsvandring", "vandring", "nattvandrare", "narkotika",
           "våld i nära relation", "skolan", "bedrägerier äldre", "belysning", "rån",
           "tryghetsvandring", "hur stoppar vi ungdomsrån", "föräldrar", "kameror"]
AREAS = ["unga-i-riskzon", "otrygga-platser", "kriminella-miljoer", "utsatta-brottsoffer"]
DISTRICTS = ["jarva", "farsta", "sodermalm", "skarholmen", "bromma", "skarpnack"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.errors: list[str] = []

    def timed(self, kind: str, call):
        started = time.perf_counter()
        try:
            status, body = call()
        except Exception as error:  # a dropped connection is an error to report, not a crash
            with self.lock:
                self.errors.append(f"{kind}: {error!r}")
            return 0, ""
        elapsed = time.perf_counter() - started
        with self.lock:
            self.times[kind].append(elapsed)
            self.statuses[kind][status] += 1
        return status, body


def csrf_token(browser: Browser, page: str) -> str:
    _status, html = browser.get(page)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def post_with_token(browser: Browser, path: str, data: dict, token: str) -> tuple[int, str]:
    """A form post with a token fetched earlier: the first request after the pause writes."""
    body = urllib.parse.urlencode({**data, "csrf_token": token}).encode()
    request = urllib.request.Request(browser.base + path, data=body, method="POST")
    try:
        with browser.opener.open(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def form_for(n: int) -> dict:
    return {
        "title": f"Lasttest {n}: trygghetsvandring med ungdomar",
        "summary": "Boende och polis gick tillsammans genom området kvällstid.",
        "district": random.choice(DISTRICTS), "priority_areas": random.choice(AREAS),
        "partners": "Polisen\nFältassistenterna", "situation": "Otrygghet vid centrum.",
        "measures": "Trygghetsvandringar varje månad.", "results": "Färre anmälningar.",
        "evidence_level": "uppfoljd", "start_date": "2025-01-01", "action": "submit",
    }


def run(args) -> int:
    work = Path(tempfile.mkdtemp(prefix="eb-load-"))
    pg_dir = None
    if args.postgres:
        out = subprocess.run([str(ROOT / "scripts/postgres-test-server.sh"), "start"],
                             check=True, capture_output=True, text=True).stdout
        env_lines = dict(re.findall(r"export (\w+)=(\S+)", out))
        pg_dir, database_url = env_lines["PG_TEST_DIR"], env_lines["TEST_DATABASE_URL"]
    else:
        database_url = f"sqlite:///{work / 'load.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": database_url, "INDEX_DIR": str(work / "index"),
           "SECRET_KEY": "load-test"}
    subprocess.run([str(BIN / "flask"), "--app", "app", "demo-data"], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL)
    for n in range(args.users):
        for role in ("staff", "editor", "coordinator"):
            subprocess.run([str(BIN / "flask"), "--app", "app", "users", "create", "--email",
                            f"{role}{n}@last.test", "--role", role, "--password", PASSWORD],
                           cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    server = Server(database_url, work / "index", work / "gunicorn.log", workers=args.workers)
    recorder = Recorder()
    stop = time.monotonic() + args.seconds
    counter = iter(range(10**9))
    counter_lock = threading.Lock()

    def after_pauses(prepare, act) -> None:
        """--pause rounds: get ready, pause past the last-seen refresh, then all act at once."""
        for _round in range(args.pause_rounds if args.pause else 0):
            together.wait()  # the previous round's posts are done (editors see the new cases)
            ready = prepare()
            time.sleep(args.pause)
            together.wait()
            act(ready)

    def coordinator(n: int) -> None:
        browser = Browser(server.url)
        browser.login(f"coordinator{n}@last.test", PASSWORD)
        rng = random.Random(n)
        after_pauses(lambda: None, lambda _ready: recorder.timed(
            "search after pause", lambda: browser.get("/cases?q=trygghet",
                                                      headers={"HX-Request": "true"})))
        while time.monotonic() < stop:
            query = urllib.parse.urlencode({"q": rng.choice(QUERIES), "area": rng.choice(AREAS),
                                            "district": rng.choice(DISTRICTS)})
            status, html = recorder.timed("search", lambda: browser.get(
                f"/cases?{query}", headers={"HX-Request": "true"}))
            ids = re.findall(r'href="/cases/(\d+)"', html)
            if ids:
                recorder.timed("view", lambda: browser.get(f"/cases/{rng.choice(ids)}"))

    def writer(n: int) -> None:
        browser = Browser(server.url)
        browser.login(f"staff{n}@last.test", PASSWORD)
        after_pauses(lambda: csrf_token(browser, "/cases/new"), lambda token: recorder.timed(
            "submit after pause", lambda: post_with_token(
                browser, "/cases/new", form_for(10**6 + n), token)))
        while time.monotonic() < stop:
            with counter_lock:
                number = next(counter)
            recorder.timed("submit", lambda: browser.post("/cases/new", form_for(number),
                                                          "/cases/new"))
            time.sleep(0.2)

    def editor(n: int) -> None:
        browser = Browser(server.url)
        browser.login(f"editor{n}@last.test", PASSWORD)

        def pick_case():
            _status, html = browser.get("/review")
            waiting = re.findall(r'href="/cases/(\d+)"', html)
            case_id = waiting[0] if waiting else None  # all editors take the oldest
            return case_id, csrf_token(browser, f"/cases/{case_id}") if case_id else ""

        def publish_picked(ready):
            case_id, token = ready
            if case_id:
                recorder.timed("publish after pause", lambda: post_with_token(
                    browser, f"/cases/{case_id}/publish", {}, token))

        after_pauses(pick_case, publish_picked)
        while time.monotonic() < stop:
            _status, html = recorder.timed("review", lambda: browser.get("/review"))
            waiting = re.findall(r'href="/cases/(\d+)"', html)
            if not waiting:
                time.sleep(0.2)
                continue
            case_id = random.choice(waiting)
            recorder.timed("publish", lambda: browser.post(f"/cases/{case_id}/publish", {},
                                                           f"/cases/{case_id}"))

    plan = [(coordinator, args.users), (writer, max(1, args.users // 4)),
            (editor, max(1, args.users // 8))]
    if args.pause:
        plan[2] = (editor, max(2, args.users // 8))  # two at least: the same case at once
    threads = [threading.Thread(target=role, args=(n,)) for role, count in plan
               for n in range(count)]
    together = threading.Barrier(len(threads))
    stop += (args.pause + 10) * args.pause_rounds if args.pause else 0
    roles = threads
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Throughput is for the timed run: the pauses are left out.
    elapsed = time.monotonic() - started - (args.pause * args.pause_rounds if args.pause else 0)

    # Afterwards: the index must hold exactly the published cases.
    checker = Browser(server.url)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        _status, health = checker.get("/healthz")
        if '"index_lag":0' in health.replace(" ", ""):
            break
        time.sleep(0.2)
    server.stop()
    consistency = subprocess.run(
        [sys.executable, "-c", CHECK], cwd=ROOT, env=env, capture_output=True, text=True)
    log_text = (work / "gunicorn.log").read_text(errors="replace")
    locked = log_text.count("database is locked")

    total = sum(len(v) for v in recorder.times.values())
    five_xx = sum(n for s in recorder.statuses.values() for code, n in s.items() if code >= 500)
    print(f"\nLoad test on {'PostgreSQL' if args.postgres else 'SQLite'}: {args.workers} "
          f"gunicorn workers, {len(roles)} virtual users, {elapsed:.1f} s")
    print(f"{'request':<20}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}  statuses")
    for kind, values in sorted(recorder.times.items()):
        statuses = dict(recorder.statuses[kind])
        print(f"{kind:<20}{len(values):>7}{statistics.median(values) * 1000:>9.1f}"
              f"{percentile(values, 0.95) * 1000:>9.1f}  {statuses}")
    print(f"throughput: {total / elapsed:.1f} requests/s; errors: {len(recorder.errors)}; "
          f"5xx: {five_xx}; 'database is locked' in server log: {locked}")
    print(consistency.stdout.strip() or consistency.stderr.strip()[-2000:])
    for error in recorder.errors[:10]:
        print("  error:", error)
    if pg_dir:
        subprocess.run([str(ROOT / "scripts/postgres-test-server.sh"), "stop", pg_dir])
    ok = five_xx == 0 and locked == 0 and not recorder.errors and \
        consistency.stdout.startswith("index consistent")
    return 0 if ok else 1


CHECK = """
from app import create_app
from sqlalchemy import select
from knowledge.cases.models import Case
app = create_app()
index = app.extensions["search_index"]
index.sync()
with app.extensions["db_sessionmaker"]() as session:
    published = set(session.scalars(select(Case.id).where(Case.status == "published")))
searcher, _ = index.searcher_and_cache()
indexed = {int(fields["id"]) for fields in searcher.all_stored_fields()}
if indexed == published:
    print(f"index consistent: {len(indexed)} published cases in the database and the index")
else:
    print(f"INDEX MISMATCH: missing {sorted(published - indexed)[:20]}, "
          f"extra {sorted(indexed - published)[:20]}")
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--users", type=int, default=8, help="searching coordinators")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--pause", type=float, default=0,
                        help="before the timed run, rounds in which everyone pauses this many "
                             "seconds before acting (over 60 passes the last-seen refresh)")
    parser.add_argument("--pause-rounds", type=int, default=2)
    return run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
