"""Statistics and the compilation are kept between requests, but never shown stale: a
publish, an edit or an archiving is in the very next page."""
from __future__ import annotations

import re

import pytest

from app import create_app
from knowledge.accounts.models import User
from knowledge.cases import lifecycle as cases
from knowledge.reports import followup as reports
from knowledge.reports.cache import ReportCache, _caches
from tests.conftest import _app_config, case_data


def cache_for_engine(app) -> ReportCache:
    return _caches[app.extensions["db_engine"]]


def published(db, users, **fields):
    case = cases.create_case(db, users["staff"], case_data(**fields))
    cases.submit_case(db, users["staff"], case)
    return cases.publish_case(db, users["editor"], case)


def total_on_statistics_page(client) -> int:
    page = client.get("/statistik").data.decode()
    return int(re.search(r"(\d+) publicerade exempel", page).group(1))


def test_after_a_publish_the_statistics_show_the_new_case(client, auth, db, users):
    published(db, users, title="Första exemplet", district="Järva")
    auth.login("staff")
    assert total_on_statistics_page(client) == 1
    assert total_on_statistics_page(client) == 1  # kept: nothing changed

    published(db, users, title="Andra exemplet", district="Farsta")
    assert total_on_statistics_page(client) == 2
    stats = reports.case_statistics(db, users["staff"])
    assert stats.by_district["farsta"] == 1 and stats.by_district["jarva"] == 1


def test_after_a_publish_edit_or_archiving_the_compilation_is_current(client, auth, db,
                                                                      users):
    first = published(db, users, title="Nattvandring i Rinkeby", start_date="2024-03-01",
                      end_date="2024-09-30")
    auth.login("staff")
    page = client.get("/sammanstallning?year=2024").data.decode()
    assert "Nattvandring i Rinkeby" in page

    second = published(db, users, title="Läxhjälp i Skärholmen", district="Skärholmen",
                       start_date="2024-01-15", end_date="2024-12-31")
    page = client.get("/sammanstallning?year=2024").data.decode()
    assert "Läxhjälp i Skärholmen" in page and "Nattvandring i Rinkeby" in page

    cases.update_case(db, users["editor"], second, {"title": "Läxhjälp i Skärholmen och Vårby"})
    page = client.get("/sammanstallning?year=2024").data.decode()
    assert "Läxhjälp i Skärholmen och Vårby" in page

    cases.archive_case(db, users["editor"], first)
    page = client.get("/sammanstallning?year=2024").data.decode()
    assert "Nattvandring i Rinkeby" not in page
    compiled = reports.compile_year(db, users["staff"], 2024)
    assert compiled.case_ids == [second.id]


def test_an_unchanged_database_answers_from_the_kept_result(db, users):
    published(db, users, title="Första exemplet")
    once = reports.case_statistics(db, users["staff"])
    assert reports.case_statistics(db, users["coordinator"]) is once
    published(db, users, title="Andra exemplet")
    again = reports.case_statistics(db, users["staff"])
    assert again is not once and again.total == 2


@pytest.mark.own_database  # two "workers": two apps, each with its engine, on one database
def test_a_second_worker_shows_what_the_first_computed_and_never_a_stale_result(
        app, db, users, database_url, tmp_path, monkeypatch):
    computed = []
    compute = reports._statistics
    monkeypatch.setattr(reports, "_statistics",
                        lambda *args: computed.append(1) or compute(*args))
    published(db, users, title="Första exemplet")
    db.commit()
    other = create_app(_app_config(database_url, tmp_path / "other"))
    try:
        worker_a, worker_b = app.extensions["db_sessionmaker"], other.extensions["db_sessionmaker"]

        def total(sessions) -> int:
            with sessions() as session:
                return reports.case_statistics(session, session.get(User, users["staff"].id)).total

        assert total(worker_a) == 1 and len(computed) == 1
        assert total(worker_b) == 1 and len(computed) == 1   # read, not computed again

        published(db, users, title="Andra exemplet")
        db.commit()
        assert total(worker_b) == 2 and len(computed) == 2
        assert total(worker_a) == 2 and len(computed) == 2   # what B computed, not its own 1

        # Counted inside a publish that is then rolled back: never shared with the others.
        with worker_a() as writing:
            case = cases.create_case(writing, writing.get(User, users["staff"].id),
                                     case_data(title="Tredje exemplet"), submit=True)
            cases.publish_case(writing, writing.get(User, users["editor"].id), case)
            assert reports.case_statistics(
                writing, writing.get(User, users["staff"].id)).total == 3
            writing.rollback()
        cache_for_engine(other).clear()   # B starts afresh: only the shared copy is left
        assert total(worker_b) == 2
    finally:
        other.extensions["db_engine"].dispose()
