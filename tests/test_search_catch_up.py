"""Degrading honestly: a request catches up a little and says so; the rest (after a crash,
a lost or damaged index, a restored database) happens outside requests."""
from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, text, update

from knowledge.cases import lifecycle as cases
from knowledge.cases.models import Case
from knowledge.search.models import OutboxEntry
from knowledge.search import SearchRequest, search_cases
from tests.conftest import case_data, fresh
from tests.databases import SERVER_URL

# The index catches up in background threads and checks which database it follows.
pytestmark = pytest.mark.own_database

CATCHING_UP = "Sökningen håller på att komma ikapp"


@pytest.fixture
def index(app):
    index = app.extensions["search_index"]
    yield index
    index.wait_for_background()  # no thread outlives the test's database


def found_titles(index, db, text_):
    db.commit()  # the test is the caller: what it did is committed before it searches
    return sorted(f.case.title for f in search_cases(
        index, db, SearchRequest(text=text_, per_page=100)).results)


def hold_lock(path: Path, seconds: float = 60) -> subprocess.Popen:
    """Another process holds one of the index's lock files."""
    script = textwrap.dedent(f"""
        import fcntl, time
        handle = open({str(path)!r}, "a+")
        fcntl.flock(handle, fcntl.LOCK_EX)
        print("locked", flush=True)
        time.sleep({seconds})
    """)
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "locked"
    return process


def release(process: subprocess.Popen) -> None:
    process.kill()
    process.wait()


def test_after_a_lost_index_a_search_does_a_bounded_step_and_says_it_is_catching_up(
        client, auth, runner, index, db, users, published_case):
    for n in range(12):
        published_case(f"Läxhjälp nummer {n}")
    shutil.rmtree(index.root)  # lost with the disk, say
    index._open = None
    index.request_rows = 5
    index.root.mkdir()
    # Another process is already catching up, so nothing but the request itself works here.
    holder = hold_lock(index.root / "catch-up.lock")
    try:
        auth.login("coordinator")
        page = client.get("/cases?q=läxhjälp")
        assert page.status_code == 200 and CATCHING_UP in page.text
        assert index.lag() == 12 - 5  # one small step, not the whole outbox
        index.wait_for_background()  # it saw the other process at work and left
    finally:
        release(holder)
    result = runner.invoke(args=["sync"])  # what the timer runs
    assert result.exit_code == 0, result.output
    assert "12 publicerade exempel" in result.output
    assert index.lag() == 0
    page = client.get("/cases?q=läxhjälp")
    assert CATCHING_UP not in page.text and "12 exempel hittades" in page.text


def test_the_rest_is_caught_up_by_a_background_thread(client, auth, index, db, users,
        published_case):
    for n in range(12):
        published_case(f"Fältassistenter nummer {n}")
    shutil.rmtree(index.root)
    index._open = None
    index.request_rows = 5
    first = search_cases(index, db, SearchRequest(text="fältassistenter", per_page=100))
    assert first.lagging and len(first.results) <= 5
    index.wait_for_background()
    assert len(found_titles(index, db, "fältassistenter")) == 12
    assert index.lag() == 0


def test_a_damaged_index_is_rebuilt_outside_the_request(client, auth, index, db, users,
        published_case):
    published_case("Nattvandring i Husby")
    generation = index.root / index.current_generation()
    for path in generation.glob("*"):
        if path.suffix in (".toc", ".seg"):
            path.write_bytes(b"\x00garbage" * 10)
    index._open = None  # a freshly started worker, which has to open the files
    auth.login("coordinator")
    page = client.get("/cases?q=nattvandring")
    assert page.status_code == 503 and "Sökningen är tillfälligt otillgänglig" in page.text
    index.wait_for_background()  # nobody ran reindex
    page = client.get("/cases?q=nattvandring")
    assert page.status_code == 200 and "Nattvandring i Husby" in page.text


def test_the_page_says_when_the_search_is_catching_up(client, auth, index, db, users,
        published_case):
    for n in range(3):
        published_case(f"Trygghetsvandring {n}")
    auth.login("coordinator")
    notice = "Sökningen håller på att komma ikapp"
    assert notice not in client.get("/cases?q=trygghetsvandring").text
    index.lock_timeout = index.request_lock_timeout = 0.1
    holder = hold_lock(index.root / "sync.lock")
    try:
        published_case("Trygghetsvandring sist")
        html = client.get("/cases?q=trygghetsvandring").text
        assert notice in html and "3 exempel hittades" in html
    finally:
        release(holder)


def _restore_to_before(db, case_id: int, outbox_id: int) -> None:
    """What restoring a backup taken before `case_id` was published does to the database:
    the case is back as it was (submitted), its outbox row is gone, and the outbox's id
    counter is back where it was, so the next row gets the same id again."""
    db.execute(update(Case).where(Case.id == case_id)
               .values(status="submitted", published_at=None))
    db.execute(delete(OutboxEntry).where(OutboxEntry.id >= outbox_id))
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SELECT setval('search_outbox_id_seq', :last)"),
                   {"last": outbox_id - 1})
    db.commit()
    fresh(db)


def test_after_a_restore_the_index_notices_it_follows_another_database_and_rebuilds(
        client, auth, index, db, users, published_case):
    published_case("Belysning i Farsta")
    later = published_case("Belysning i Bromma")
    later_row = db.scalar(select(func.max(OutboxEntry.id)))
    _restore_to_before(db, later.id, later_row)
    # After the restore, a new case gets the outbox id the index has already applied.
    newer = published_case("Belysning i Skarpnäck", district="Skarpnäck")
    assert db.scalar(select(func.max(OutboxEntry.id))) == later_row
    auth.login("coordinator")
    page = client.get("/cases?q=belysning")
    assert page.status_code == 200 and CATCHING_UP in page.text
    index.wait_for_background()
    assert found_titles(index, db, "belysning") == ["Belysning i Farsta",
                                                    "Belysning i Skarpnäck"]
    assert index.count_mismatch() is None and index.lag() == 0
    assert newer.id in {f.case.id for f in search_cases(
        index, db, SearchRequest(text="skarpnäck")).results}


@pytest.mark.skipif(not SERVER_URL.startswith("postgresql"), reason="pg_dump and pg_restore")
@pytest.mark.own_database  # pg_dump and pg_restore
def test_after_a_real_pg_restore_new_cases_become_searchable(app, runner, index, db, users,
                                                             tmp_path, published_case):
    from sqlalchemy.engine import make_url
    url = make_url(app.config["DATABASE_URL"])
    dsn = f"postgresql://{url.username}@{url.host}:{url.port}/{url.database}"
    tools = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
    published_case("Belysning i Farsta")
    dump = tmp_path / "eb.dump"
    subprocess.run([tools / "pg_dump", "-Fc", "-f", dump, dsn], check=True)
    published_case("Belysning i Bromma")
    db.close()
    app.extensions["db_engine"].dispose()
    subprocess.run([tools / "pg_restore", "--clean", "-d", dsn, dump], check=True)
    staff, editor = db.merge(users["staff"]), db.merge(users["editor"])  # after the restore
    newer = cases.publish_case(db, editor, cases.create_case(
        db, staff, case_data(title="Belysning i Skarpnäck"), submit=True))
    result = runner.invoke(args=["sync"])  # the timer, or the next search, notices
    assert result.exit_code == 0, result.output
    assert "annan databas" in result.output
    assert found_titles(index, db, "belysning") == ["Belysning i Farsta",
                                                    "Belysning i Skarpnäck"]
    assert newer.status == "published"


def test_sync_rebuilds_an_index_that_misses_a_published_case(runner, index, db, users,
        published_case):
    published_case("Mentorprogram i Rinkeby")
    hidden = published_case("Mentorprogram i Tensta")
    # A document lost without the outbox knowing (an index copied back from elsewhere).
    from whoosh import index as whoosh_index
    writer = whoosh_index.open_dir(str(index.root / index.current_generation())).writer()
    writer.delete_by_term("id", str(hidden.id))
    writer.commit()
    assert index.count_mismatch() == (1, 2)
    result = runner.invoke(args=["sync"])
    assert result.exit_code == 0 and "ombyggt (antalet stämde inte)" in result.output
    assert found_titles(index, db, "mentorprogram") == ["Mentorprogram i Rinkeby",
                                                        "Mentorprogram i Tensta"]


def test_a_plain_sync_never_applies_rows_on_top_of_another_database(index, db, users,
        published_case):
    published_case("Belysning i Farsta")
    later = published_case("Belysning i Bromma")
    later_row = db.scalar(select(func.max(OutboxEntry.id)))
    _restore_to_before(db, later.id, later_row)
    from knowledge.search.index import FollowsAnotherDatabase
    followed = index.current_generation()
    newer = cases.create_case(db, users["staff"], case_data(title="Belysning i Skarpnäck"),
                              submit=True)
    cases.publish_case(db, users["editor"], newer)
    db.commit()  # the test is the caller; the commit notices and rebuilds
    with pytest.raises(FollowsAnotherDatabase):
        index._apply_batch(followed, timeout=1)  # kept as the previous generation
    index.wait_for_background()
    assert found_titles(index, db, "belysning") == ["Belysning i Farsta",
                                                    "Belysning i Skarpnäck"]
