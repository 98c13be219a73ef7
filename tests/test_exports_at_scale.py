"""Exports that stay cheap: long exports are complete, the row cap is stated in the file and
beside the links, snippets never reach a file, and a second export by the same person while
one of theirs runs (in any worker process) is refused politely."""
from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from knowledge.transfer import export_files
from knowledge.reports import files as reports
from knowledge.transfer.import_export import import_rows
from knowledge.accounts.users import system_user
from tests.conftest import case_data

# Exports read the cases in chunks and let go of them, and the export lock is taken across
# processes: real commits on a database of the test's own, not a rolled-back transaction.
pytestmark = pytest.mark.own_database

ROOT = Path(__file__).resolve().parent.parent
MANY = 130
HEADERS = ["Nummer", "Rubrik", "Stadsdelsområde", "Prioriterade samverkansområden",
           "Kunskapsläge", "Startdatum", "Slutdatum", "Organisation", "Samverkansparter",
           "Resultat och uppföljning", "Lärdomar",
           "Mätta resultat", "Förbättring enligt indikatorn", "Länk"]


@pytest.fixture
def many(app, db):
    rows = [(line, {**case_data(title=f"Nattvandring nummer {n}",
                                district=["Järva", "Farsta", "Södermalm"][n % 3],
                                start_date=f"2024-{n % 12 + 1:02d}-01"), "status": "published"})
            for line, n in enumerate(range(MANY), start=2)]
    result = import_rows(db, system_user(db), rows)
    assert result.ok and result.created == MANY, result.errors
    db.commit()   # the test is the caller: the import only writes, its caller commits
    app.extensions["search_index"].sync()


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline=""),
                           delimiter=";"))


def test_a_long_export_has_every_row_once_with_the_header(app, client, auth, many,
                                                          monkeypatch):
    monkeypatch.setattr(export_files, "CHUNK", 40)  # several chunks from the database
    auth.login("staff")
    rows = csv_rows(client.get("/cases/export.csv?sort=newest"))
    assert rows[0] == HEADERS
    titles = [row[1] for row in rows[1:]]
    assert sorted(titles) == sorted(f"Nattvandring nummer {n}" for n in range(MANY))
    assert not any(row[0].startswith("Obs") for row in rows)  # nothing was left out

    book = load_workbook(io.BytesIO(client.get("/cases/export.xlsx?sort=newest").data))
    sheet = list(book["Sökresultat"].iter_rows())
    assert [cell.value for cell in sheet[0]] == HEADERS
    # The same cases in the same order as the CSV, each with a working link to its page.
    assert [str(row[0].value) for row in sheet[1:]] == [row[0] for row in rows[1:]]
    assert all(row[-1].hyperlink.target.endswith(f"/cases/{row[0].value}")
               for row in sheet[1:])
    about = dict(row[:2] for row in book["Om uttaget"].iter_rows(values_only=True))
    assert about["Antal träffar"] == about["Antal rader i filen"] == MANY

    compiled = load_workbook(io.BytesIO(client.get("/sammanstallning.xlsx?year=2024").data))
    listed = {row[0] for row in compiled["Otrygga och brottsutsatta…"].iter_rows(
        min_row=2, values_only=True)}
    assert len(listed) == MANY


def test_files_carry_the_cases_text_not_highlighted_snippets(client, auth, many):
    auth.login("staff")
    response = client.get("/cases/export.csv?q=nattvandring")
    assert len(csv_rows(response)) == MANY + 1
    assert b"<b" not in response.data and b"<mark" not in response.data
    book = load_workbook(io.BytesIO(client.get("/cases/export.xlsx?q=nattvandring").data))
    cells = [str(v) for row in book["Sökresultat"].iter_rows(values_only=True) for v in row]
    assert not any("<b" in cell or "<mark" in cell for cell in cells)


def test_the_row_cap_is_stated_in_the_file_and_beside_the_links(client, auth, many,
                                                                monkeypatch):
    monkeypatch.setattr(export_files, "EXPORT_ROW_CAP", 50)
    monkeypatch.setattr(reports, "EXPORT_ROW_CAP", 50)
    auth.login("staff")
    rows = csv_rows(client.get("/cases/export.csv"))
    assert len(rows) == 1 + 50 + 1
    assert rows[-1][0].startswith(f"Obs: filen har de 50 första av {MANY} exemplen")

    book = load_workbook(io.BytesIO(client.get("/cases/export.xlsx").data))
    assert book["Sökresultat"].max_row == 51
    notes = [row[0] for row in book["Om uttaget"].iter_rows(values_only=True)]
    assert any(str(note).startswith(f"Obs: filen har de 50 första av {MANY}")
               for note in notes)

    page = client.get("/cases?q=nattvandring").data.decode()
    assert "högst 10\u00a0000 exempel per fil" in page or "högst 10 000 exempel per fil" in page


HOLD_LOCK = """
import sys
from knowledge.transfer.export_guard import one_export_per_person
with one_export_per_person(sys.argv[1], int(sys.argv[2])) as free:
    print("held" if free else "busy", flush=True)
    sys.stdin.readline()
"""


def test_a_second_export_by_the_same_person_is_refused_while_one_runs(app, client, auth,
                                                                      users, many, tmp_path):
    app.config["EXPORT_LOCK_DIR"] = str(tmp_path / "export-locks")
    # Another worker process is writing an export for this person.
    other_worker = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, app.config["EXPORT_LOCK_DIR"],
         str(users["staff"].id)], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True)
    try:
        assert other_worker.stdout.readline().strip() == "held"
        auth.login("staff")
        for path in ("/cases/export.xlsx", "/cases/export.csv", "/sammanstallning.xlsx"):
            refused = client.get(path)
            assert refused.status_code == 429
            assert refused.headers["Retry-After"] == "30"
            assert "Du har redan ett uttag som håller på att skapas" in \
                refused.data.decode()
        auth.logout()
        auth.login("editor")  # someone else is not held up
        assert client.get("/cases/export.csv").status_code == 200
    finally:
        other_worker.stdin.write("\n")
        other_worker.stdin.close()
        other_worker.wait(timeout=30)
    auth.login("staff")
    assert client.get("/cases/export.csv").status_code == 200  # free again when it is done
