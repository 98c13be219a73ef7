"""A big import keeps its memory bounded (the session lets go of written cases as it goes)
and is still all or nothing; its search index is built in one writer pass."""
from __future__ import annotations

from sqlalchemy import func, select
from whoosh import index as whoosh_index

from knowledge.transfer import import_export as transfer
from knowledge.cases.models import Case
from knowledge.search import SearchRequest, index as index_module, search_cases
from knowledge.accounts.users import system_user
from tests.conftest import case_data


def rows(count: int, start: int = 0) -> list[tuple[int, dict]]:
    return [(line, {**case_data(title=f"Grannsamverkan i kvarter {n}",
                                external_id=f"kvarter-{n}"), "status": "published"})
            for line, n in enumerate(range(start, start + count), start=2)]


def count_cases(db) -> int:
    return db.scalar(select(func.count(Case.id)))


def test_a_long_import_is_all_or_nothing_across_the_chunks_it_lets_go_of(app, db,
                                                                         monkeypatch):
    monkeypatch.setattr(transfer, "LET_GO_EVERY", 3)
    bad = (40, {**case_data(title="Sista raden", district="Gotham"), "status": "published"})
    result = transfer.import_rows(db, system_user(db), [*rows(10), bad])
    assert not result.ok and result.created == 0
    assert [(e.line, e.field) for e in result.errors] == [(40, "district")]
    assert count_cases(db) == 0  # the nine cases flushed before the bad row are gone too

    result = transfer.import_rows(db, system_user(db), rows(10))
    assert result.ok and result.created == 10
    db.commit()   # the test is the caller: the import only writes, its caller commits
    assert count_cases(db) == 10
    app.extensions["search_index"].wait_for_background()
    app.extensions["search_index"].sync()
    found = search_cases(app.extensions["search_index"], db,
                         SearchRequest(text="grannsamverkan", per_page=20))
    assert sorted(hit.case.title for hit in found.results) == sorted(
        f"Grannsamverkan i kvarter {n}" for n in range(10))


def test_a_big_import_is_indexed_in_one_writer_pass(app, db, monkeypatch):
    index = app.extensions["search_index"]
    monkeypatch.setattr(index_module, "BATCH", 4)
    index.request_rows = 2  # the commit's own bounded step; the background does the rest
    index.sync()
    path = str(index.root / index.ensure())
    before = whoosh_index.open_dir(path).latest_generation()

    assert transfer.import_rows(db, system_user(db), rows(12)).ok
    db.commit()   # the caller's commit: the after-commit hook starts the index sync
    index.wait_for_background()
    index.sync()

    ix = whoosh_index.open_dir(path)
    with ix.searcher() as searcher:
        assert searcher.doc_count() == 12
    # One commit for the request's first two rows, one for all the rest (not one per 4).
    assert ix.latest_generation() - before <= 2
