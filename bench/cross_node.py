"""How long a case published through one app node takes to be found through another.

    .venv/bin/python bench/cross_node.py               # 20 publications
    .venv/bin/python bench/cross_node.py --cases 50

Two gunicorn nodes (two workers each) share one SQLite database in a temporary directory,
each with its own Whoosh index, as tests/test_multiprocess.py sets them up. Every case is
published through node A; node B never sees that request and catches up from the search
outbox. The script times publish → first search on B that finds it, and prints the median,
p95 and maximum. It never asserts: tests/test_multiprocess.py checks the behaviour (found,
eventually); this prints how quickly.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from knowledge.cases import lifecycle as cases  # noqa: E402
from knowledge.core.db import make_engine, make_sessionmaker  # noqa: E402
from knowledge.operations.migrate import upgrade_database  # noqa: E402
from knowledge.search.vocabulary import load_starter_vocabulary  # noqa: E402
from knowledge.taxonomy.reference import load_reference_data  # noqa: E402
from knowledge.accounts.users import create_user  # noqa: E402
from tests.conftest import case_data  # noqa: E402
from tests.live import Browser, Server  # noqa: E402

PASSWORD = "ett-bra-losenord"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20, help="publications to time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="eb-cross-node-") as tmp:
        root = Path(tmp)
        url = f"sqlite:///{root / 'bench.sqlite3'}"
        upgrade_database(url)
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        with sessions() as session:
            load_reference_data(session)
            load_starter_vocabulary(session)
            staff = create_user(session, email="staff@bench.invalid", role="staff",
                                password=PASSWORD, name="Staff")
            create_user(session, email="editor@bench.invalid", role="editor",
                        password=PASSWORD, name="Editor")
            create_user(session, email="samordnare@bench.invalid", role="coordinator",
                        password=PASSWORD, name="Samordnare")
            session.commit()
        node_a = Server(url, root / "index-a", root / "a.log")
        node_b = Server(url, root / "index-b", root / "b.log")
        try:
            editor, coordinator = Browser(node_a.url), Browser(node_b.url)
            editor.login("editor@bench.invalid", PASSWORD)
            coordinator.login("samordnare@bench.invalid", PASSWORD)
            seconds = []
            for n in range(args.cases):
                title = f"Grannsamverkan nummer {n}"
                with sessions() as session:
                    case = cases.create_case(session, session.merge(staff),
                                             case_data(title=title), submit=True)
                    session.commit()
                    case_id = case.id
                status, _ = editor.post(f"/cases/{case_id}/publish", {}, f"/cases/{case_id}")
                if status != 200:
                    print(f"publish answered {status}", file=sys.stderr)
                    return 1
                started = time.monotonic()
                while True:
                    _status, html = coordinator.get(f"/cases?q=grannsamverkan+nummer+{n}",
                                                    headers={"HX-Request": "true"})
                    if title in html:
                        seconds.append(time.monotonic() - started)
                        break
                    if time.monotonic() - started > 60:
                        print(f"{title!r} not found on node B within 60 s", file=sys.stderr)
                        return 1
                    time.sleep(0.02)
        finally:
            node_a.stop()
            node_b.stop()
            engine.dispose()
    seconds.sort()
    p95 = seconds[min(len(seconds) - 1, round(0.95 * (len(seconds) - 1)))]
    print(f"published on node A, found on node B ({len(seconds)} cases): "
          f"median {statistics.median(seconds):.3f} s, p95 {p95:.3f} s, "
          f"max {seconds[-1]:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
