"""Several gunicorn workers on one index, and two app nodes with an index each on one
database: a case published through one is found through the other.

How quickly (well under a second on a quiet machine) is measured by bench/cross_node.py,
which prints the figures; here a generous wait keeps a busy machine from failing the test.
"""
from __future__ import annotations

import time

import pytest

from knowledge.cases import lifecycle as cases
from tests.conftest import PASSWORD, ROLE_EMAILS, case_data
from tests.live import Browser, Server

pytestmark = pytest.mark.own_database  # real servers share the test's database


@pytest.fixture
def servers(tmp_path):
    started = []

    def start(database_url, index_dir, workers=2):
        server = Server(database_url, index_dir, tmp_path / f"server{len(started)}.log",
                        workers=workers)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def wait_until_found(browser: Browser, query: str, title: str, limit: float = 30.0) -> None:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        _status, html = browser.get(f"/cases?q={query}", headers={"HX-Request": "true"})
        if title in html:
            return
        time.sleep(0.05)
    raise AssertionError(f"{title!r} not found within {limit} s")


def submitted_case(db, users, title):
    case = cases.create_case(db, users["staff"], case_data(title=title), submit=True)
    db.commit()  # the test is the caller: it commits before the servers are asked
    return case


def test_two_nodes_with_their_own_index_see_each_others_publications(
        database_url, db, users, servers, tmp_path):
    node_a = servers(database_url, tmp_path / "index-a")
    node_b = servers(database_url, tmp_path / "index-b")
    editor, coordinator = Browser(node_a.url), Browser(node_b.url)
    editor.login(ROLE_EMAILS["editor"], PASSWORD)
    coordinator.login(ROLE_EMAILS["coordinator"], PASSWORD)
    for title in ["Grannsamverkan i Hökarängen", "Grannsamverkan i Kista"]:
        case = submitted_case(db, users, title)
        status, _ = editor.post(f"/cases/{case.id}/publish", {}, f"/cases/{case.id}")
        assert status == 200
        # Node B never saw the publish request; it catches up from the outbox.
        wait_until_found(coordinator, "grannsamverkan", title)
    # And the other way round: archived through B, gone from A.
    editor_b = Browser(node_b.url)
    editor_b.login(ROLE_EMAILS["editor"], PASSWORD)
    status, _ = editor_b.post(f"/cases/{case.id}/archive", {"confirmed": "1"},
                                f"/cases/{case.id}")
    assert status == 200
    _status, html = editor.get("/cases?q=grannsamverkan", headers={"HX-Request": "true"})
    assert "Grannsamverkan i Kista" not in html and "Grannsamverkan i Hökarängen" in html


def test_several_workers_share_one_index(database_url, db, users, servers, tmp_path):
    server = servers(database_url, tmp_path / "index", workers=3)
    editor, coordinator = Browser(server.url), Browser(server.url)
    editor.login(ROLE_EMAILS["editor"], PASSWORD)
    coordinator.login(ROLE_EMAILS["coordinator"], PASSWORD)
    titles = [f"Fritidsgård nummer {n}" for n in range(4)]
    for title in titles:
        case = submitted_case(db, users, title)
        assert editor.post(f"/cases/{case.id}/publish", {}, f"/cases/{case.id}")[0] == 200
    # Many requests, answered by different workers: every one sees every case.
    for _ in range(12):
        _status, html = coordinator.get("/cases?q=fritidsg%C3%A5rd",
                                        headers={"HX-Request": "true"})
        assert all(title in html for title in titles)
    status, health = coordinator.get("/healthz")
    assert status == 200 and '"index_lag":0' in health.replace(" ", "")
