"""Faults: a broken, deleted, full or read-only index, and a reindex killed half-way.

The database is the truth throughout: nothing committed is lost, and the index either
catches up by itself or is rebuilt by `flask --app app reindex`.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from knowledge.cases import lifecycle as cases
from knowledge.search import SearchRequest, search_cases
from tests.conftest import PASSWORD, case_data

pytestmark = pytest.mark.own_database  # other processes and a second app on the database

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def index(app):
    index = app.extensions["search_index"]
    yield index
    index.wait_for_background()  # no rebuild thread outlives the test's database


def found_titles(index, db, text):
    return [f.case.title for f in search_cases(index, db, SearchRequest(text=text)).results]


def test_a_corrupted_index_is_detected_and_reindex_repairs_it(client, auth, runner, index, db,
                                                             users, published_case):
    published_case("Nattvandring i Husby")
    generation = index.root / index.current_generation()
    for path in generation.glob("*"):
        if path.suffix in (".toc", ".seg"):
            path.write_bytes(b"\x00garbage" * 10)
    index._open = None  # a freshly started worker, which has to open the files
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json["index"] == "unavailable"
    auth.login("coordinator")
    page = client.get("/cases?q=nattvandring")
    assert page.status_code == 503 and "Sökningen är tillfälligt otillgänglig" in page.text
    case_page = client.get("/cases/1")  # the case itself still shows
    assert case_page.status_code == 200 and "Nattvandring i Husby" in case_page.text
    assert runner.invoke(args=["reindex"]).exit_code == 0
    assert client.get("/healthz").status_code == 200
    assert found_titles(index, db, "nattvandring") == ["Nattvandring i Husby"]


def test_a_deleted_index_rebuilds_itself_from_the_outbox(index, db, users, published_case):
    published_case("Läxhjälp i Tensta")
    published_case("Läxhjälp i Rinkeby")
    shutil.rmtree(index.root)
    index._open = None
    assert sorted(found_titles(index, db, "läxhjälp")) == ["Läxhjälp i Rinkeby",
                                                          "Läxhjälp i Tensta"]
    assert index.lag() == 0


def test_a_reindex_killed_half_way_leaves_search_working(app, runner, index, db, users,
        published_case):
    for n in range(3):
        published_case(f"Trygghetsvandring {n}")
    before = index.current_generation()
    script = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {str(ROOT)!r})
        from app import create_app
        app = create_app({{"DATABASE_URL": {app.config["DATABASE_URL"]!r},
                          "INDEX_DIR": {app.config["INDEX_DIR"]!r}}})
        # Killed the hard way after the first batch is written, before the swap.
        app.extensions["search_index"].rebuild(
            progress=lambda done, total: os.kill(os.getpid(), signal.SIGKILL))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert done.returncode == -9
    assert index.current_generation() == before
    assert len(list(index.root.glob("gen-*"))) == 2  # the half-built one is left behind
    assert len(found_titles(index, db, "trygghetsvandring")) == 3
    assert runner.invoke(args=["reindex"]).exit_code == 0
    assert index.current_generation() != before
    assert len(list(index.root.glob("gen-*"))) == 2  # new + previous; the broken one is gone
    assert len(found_titles(index, db, "trygghetsvandring")) == 3


def _mount(*args) -> bool:
    if os.geteuid() != 0:
        return False
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


@pytest.fixture
def small_disk(tmp_path):
    point = tmp_path / "small-disk"
    point.mkdir()
    if not _mount("-t", "tmpfs", "-o", "size=512k", "tmpfs", str(point)):
        pytest.skip("needs root and permission to mount a tmpfs")
    yield point
    subprocess.run(["umount", "-l", str(point)], check=False)


def test_a_full_disk_gives_a_clear_error_and_nothing_is_lost(app, small_disk, users):
    from app import create_app
    on_small_disk = create_app({"DATABASE_URL": app.config["DATABASE_URL"],
                                "INDEX_DIR": str(small_disk / "index"), "TESTING": True,
                                "WTF_CSRF_ENABLED": False})
    index = on_small_disk.extensions["search_index"]
    index.ensure()
    client = on_small_disk.test_client()
    db = on_small_disk.extensions["db_sessionmaker"]()
    users = {k: db.merge(u) for k, u in users.items()}

    def publish_here(title):
        # Through this app's own session, so that its index (on the small disk) syncs
        # after the commit, which the test makes as the caller.
        case = cases.publish_case(db, users["editor"], cases.create_case(
            db, users["staff"], case_data(title=title), submit=True))
        db.commit()
        return case

    publish_here("Nattvandring i Farsta")
    filler = small_disk / "filler"
    try:
        with open(filler, "wb") as out:
            while True:
                out.write(b"x" * 4096)
                out.flush()
    except OSError:
        pass  # the disk is full now
    case = publish_here("Kvinnojour på Södermalm")
    assert cases.get_case(db, users["coordinator"], case.id).status == "published"
    health = client.get("/healthz").json
    assert health["status"] == "degraded" and "disken är full" in health["index_error"]
    assert index.lag() > 0
    # Searching still answers from the index it can read, and says it is catching up.
    client.post("/login", data={"email": users["coordinator"].email, "password": PASSWORD})
    page = client.get("/cases?q=nattvandring")
    assert page.status_code == 200 and "Nattvandring i Farsta" in page.text
    assert "Sökningen håller på att komma ikapp" in page.text
    filler.unlink()
    assert found_titles(index, db, "kvinnojour") == ["Kvinnojour på Södermalm"]
    health = client.get("/healthz").json
    assert health["index"] == "ok" and "index_error" not in health
    # Still a warning (half a megabyte is no room for an index), but searches work: 200.
    assert health["status"] == "degraded"
    assert health["problems"] == ["Disken för sökindexet är full (0 MB kvar)."]
    db.close()
    on_small_disk.extensions["db_engine"].dispose()


def test_a_read_only_index_directory_gives_a_clear_error(app, client, auth, index, db, users,
                                                        tmp_path, published_case):
    published_case("Nattvandring i Farsta")
    target = str(index.root)
    if not (_mount("--bind", target, target) and _mount("-o", "remount,ro,bind", target)):
        pytest.skip("needs root and permission to bind-mount read-only")
    try:
        published_case("Fältassistenter i Skärholmen")
        health = client.get("/healthz").json
        assert health["status"] == "degraded"
        assert "skrivskyddad" in health["index_error"]
        # Searching still answers from the index it can read, and says it is catching up.
        auth.login("coordinator")
        page = client.get("/cases?q=nattvandring")
        assert page.status_code == 200 and "Nattvandring i Farsta" in page.text
        assert "Sökningen håller på att komma ikapp" in page.text
    finally:
        subprocess.run(["umount", "-l", target], check=False)
    index.lock_timeout = 2
    assert found_titles(index, db, "fältassistenter") == ["Fältassistenter i Skärholmen"]
