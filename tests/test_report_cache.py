"""Statistics and the compilation are kept between requests, but never shown stale: a
publish, an edit or an archiving is in the very next page."""
from __future__ import annotations

import re

from knowledge.cases import lifecycle as cases
from knowledge.reports import followup as reports
from tests.conftest import case_data


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
