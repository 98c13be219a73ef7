"""District page benchmark: GET /stadsdelar/<slug> at a few corpus sizes (issue 16 asks for
under 300 ms at 10 000 cases). Prints medians, p95 and the slowest district; asserts nothing.

Cases are synthetic (bench/corpus.py) and inserted straight into the tables as published
cases (the page reads the database, not the search index, so no index is built); one case in
ten gets an adoption report from another district, and every district chooses two or three
local priorities. Before timing, the objects held so far are frozen out of the garbage
collector's reach, as deploy/gunicorn.conf.py does once a worker has loaded the app
(--no-gc-freeze times without, as the figures before that change were taken).

    .venv/bin/python bench/district_pages.py --sizes 1000 10000 --repeats 5
"""
from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from time import perf_counter

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]

from corpus import CaseGenerator  # noqa: E402

from sqlalchemy import select  # noqa: E402

from app import create_app  # noqa: E402
from knowledge.districts.agreements import save_agreement  # noqa: E402
from knowledge.exchange.models import AdoptionReport  # noqa: E402
from knowledge.operations.migrate import upgrade_database  # noqa: E402
from knowledge.cases.models import Case  # noqa: E402
from knowledge.taxonomy.models import District, PriorityArea  # noqa: E402
from knowledge.search.analysis import SWEDISH_STOP_WORDS  # noqa: E402
from knowledge.taxonomy.reference import load_reference_data  # noqa: E402
from knowledge.accounts.users import create_user  # noqa: E402

PASSWORD = "ett-langt-bench-losenord"


def fill(session, rows: list[dict], seed: int) -> None:
    rng = random.Random(seed)
    districts = {d.name: d for d in session.scalars(select(District))}
    areas = {a.slug: a for a in session.scalars(select(PriorityArea))}
    editor = create_user(session, email="redaktor@bench.invalid", role="editor",
                         password=PASSWORD)
    create_user(session, email="samordnare@bench.invalid", role="coordinator",
                password=PASSWORD)
    start = datetime(2021, 1, 1)
    cases = []
    for number, row in enumerate(rows):
        case = Case(title=row["title"][:200], summary=row["summary"], status="published",
                    district=districts[row["district"]], author_id=editor.id,
                    evidence_level=row.get("evidence_level") or None, partners=[],
                    published_at=start + timedelta(minutes=number * 7), version=1)
        case.areas = [areas[slug] for slug in row["priority_areas"]]
        cases.append(case)
    session.add_all(cases)
    session.flush()
    names = list(districts)
    for case in rng.sample(cases, len(cases) // 10):
        other = rng.choice([n for n in names if districts[n].id != case.district_id])
        session.add(AdoptionReport(case_id=case.id, user_id=editor.id,
                                   district_id=districts[other].id, context="Bench.",
                                   status="pagar"))
    for district in districts.values():
        chosen = rng.sample(sorted(areas), rng.choice([2, 3]))
        save_agreement(session, editor, district,
                       {"areas": chosen, **{f"goals-{s}": "Mål för bänken." for s in chosen}})
    session.commit()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-gc-freeze", dest="gc_freeze", action="store_false")
    args = parser.parse_args()
    generator = CaseGenerator(SWEDISH_STOP_WORDS, args.seed)
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/bench.sqlite3"
            upgrade_database(url)
            app = create_app({"DATABASE_URL": url, "INDEX_DIR": f"{tmp}/index",
                              "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
            sessions = app.extensions["db_sessionmaker"]
            t0 = perf_counter()
            with sessions() as session:
                load_reference_data(session)
                fill(session, generator.cases(size), args.seed)
                slugs = [d.slug for d in session.scalars(select(District)
                                                         .order_by(District.position))]
            print(f"{size} cases: data in {perf_counter() - t0:.1f} s")
            client = app.test_client()
            client.post("/login", data={"email": "samordnare@bench.invalid",
                                        "password": PASSWORD})
            if args.gc_freeze:
                gc.collect()
                gc.freeze()
            timings: dict[str, list[float]] = {slug: [] for slug in slugs}
            for _ in range(args.repeats):
                for slug in slugs:
                    t1 = perf_counter()
                    response = client.get(f"/stadsdelar/{slug}")
                    timings[slug].append((perf_counter() - t1) * 1000)
                    assert response.status_code == 200, (slug, response.status_code)
            every = sorted(t for values in timings.values() for t in values[1:] or values)
            p95 = every[min(len(every) - 1, int(len(every) * 0.95))]
            slowest = max(timings, key=lambda s: statistics.median(timings[s]))
            print(f"  GET /stadsdelar/<slug>: median {statistics.median(every):.0f} ms, "
                  f"p95 {p95:.0f} ms, slowest district {slowest} "
                  f"(median {statistics.median(timings[slowest]):.0f} ms), "
                  f"{len(every)} requests after one warm-up each"
                  f"{'' if args.gc_freeze else ', garbage collector not frozen'}")
            app.extensions["db_engine"].dispose()
            gc.unfreeze()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
