"""Search latency by kind of query, in-process, on a kept bench directory.

    .venv/bin/python bench/search.py --sizes 10000 --load-only --keep   # makes the directory
    .venv/bin/python bench/search_kinds.py /tmp/bench-search-10000-XXXX [--profile] [kind …]

Runs the bench's queries (bench/corpus.py, the same seed, each with its area and district
filter) through knowledge.search.search_cases with snippets, one after the other, after 20
to warm up, and prints p50 and p95 per kind. No HTTP, no gunicorn: what the engine and the
snippets cost. --profile prints where the time goes (cProfile, top 35 by cumulative time).
Compare runs made minutes apart on the same machine; the figures are not the README's HTTP
ones.
"""
from __future__ import annotations

import cProfile
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import CaseGenerator, make_queries  # noqa: E402

from app import create_app  # noqa: E402
from knowledge.search import SearchRequest, search_cases  # noqa: E402
from knowledge.search.analysis import SWEDISH_STOP_WORDS  # noqa: E402


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    if not args:
        print(__doc__)
        return 2
    directory, only = Path(args[0]), set(args[1:])
    size = int(directory.name.split("-")[2])
    app = create_app({"DATABASE_URL": f"sqlite:///{directory}/bench.sqlite3",
                      "INDEX_DIR": str(directory / "index"), "SECRET_KEY": "bench"})
    sessions, index = app.extensions["db_sessionmaker"], app.extensions["search_index"]
    rows = CaseGenerator(SWEDISH_STOP_WORDS, 1).cases(size)
    queries = make_queries(rows, 240, SWEDISH_STOP_WORDS, 1)
    profile = cProfile.Profile() if "--profile" in argv else None
    by_kind: dict[str, list[float]] = {}
    with sessions() as session:
        for query in queries[:20]:
            search_cases(index, session, SearchRequest(text=query.text, per_page=20))
        for query in queries:
            if only and query.kind not in only:
                continue
            request = SearchRequest(text=query.text, per_page=20, filters={
                "priority_areas": [query.area], "district": [query.district]})
            started = time.perf_counter()
            if profile:
                profile.enable()
            search_cases(index, session, request)
            if profile:
                profile.disable()
            by_kind.setdefault(query.kind, []).append((time.perf_counter() - started) * 1000)
    for kind, times in by_kind.items():
        times.sort()
        print(f"{kind:14} n={len(times):3} p50={statistics.median(times):6.1f} "
              f"p95={times[int(0.95 * (len(times) - 1))]:6.1f} ms")
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(35)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
