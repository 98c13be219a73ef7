"""Import gets a clear answer for every file people (or attackers) hand it, never a
traceback: huge cells, deep JSON, Windows-1252 CSV, wrong JSON types, many bad lines, binary
files, Excel workbooks and empty files."""
from __future__ import annotations

import json

from openpyxl import Workbook
from sqlalchemy import func, select

from knowledge.cases.models import Case
from tests.conftest import case_data, fresh

HEADER = "title;summary;district;priority_areas;situation"


def _import(runner, path):
    result = runner.invoke(args=["import", str(path)])
    # A clean exit or sys.exit, never an exception escaping with a traceback.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def _count(db):
    fresh(db)
    return db.scalar(select(func.count(Case.id)))


def test_a_200000_character_csv_cell_is_a_row_error(runner, db, tmp_path):
    path = tmp_path / "lang.csv"
    path.write_text(f"{HEADER}\nNattvandring;Vuxna går;Järva;otrygga-platser;{'a' * 200_000}\n",
                    encoding="utf-8")
    result = _import(runner, path)
    assert result.exit_code == 1
    assert "rad 2: Lägesbild / problem: får vara högst 20000 tecken (nu 200000)" in result.output
    assert _count(db) == 0


def test_json_nested_100000_levels_is_a_row_error(runner, db, tmp_path):
    path = tmp_path / "djup.jsonl"
    good = json.dumps(case_data(), ensure_ascii=False)
    path.write_text(good + "\n" + '{"title": ' + "[" * 100_000 + "]" * 100_000 + "}\n",
                    encoding="utf-8")
    result = _import(runner, path)
    assert result.exit_code == 1
    assert "rad 2: JSON-raden är nästlad för djupt" in result.output
    assert _count(db) == 0


def test_a_cp1252_csv_from_swedish_excel_is_read_and_says_so(runner, db, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes((f"{HEADER}\r\nTrygghetsvandring på Götgatan;Boende och polis gick "
                      "tillsammans – och åtgärdade otrygga platser.;Södermalm;"
                      "Otrygga och brottsutsatta platser;Mörkt vid ängen\r\n").encode("cp1252"))
    result = _import(runner, path)
    assert result.exit_code == 0, result.output
    assert "Filen lästes som Windows-1252" in result.output and "1 nya" in result.output
    fresh(db)
    case = db.scalar(select(Case))
    assert case.title == "Trygghetsvandring på Götgatan" and "–" in case.summary
    assert case.situation == "Mörkt vid ängen"


def test_utf8_is_named_too(runner, db, tmp_path):
    path = tmp_path / "utf8.csv"
    path.write_text(f"{HEADER}\nTrygghetsvandring på Götgatan;Boende gick;Södermalm;"
                    "otrygga-platser;\n", encoding="utf-8-sig")
    result = _import(runner, path)
    assert result.exit_code == 0 and "Filen lästes som UTF-8." in result.output


def test_wrong_json_types_are_reported_per_field_not_converted(runner, db, tmp_path):
    path = tmp_path / "typer.jsonl"
    path.write_text(json.dumps(case_data(title=2024, summary=True, start_date=20240101,
                                         priority_areas=["otrygga-platser", 7],
                                         partners={"namn": "Polisen"}, contact_name=None)) + "\n",
                    encoding="utf-8")
    result = _import(runner, path)
    assert result.exit_code == 1
    out = result.output
    assert 'rad 1: Rubrik: ska vara text (en JSON-sträng inom "…"), inte ett tal (2024).' in out
    assert "rad 1: Sammanfattning: ska vara text" in out and "inte sant/falskt (true)" in out
    assert "rad 1: Startdatum: ska vara text" in out and "ett tal (20240101)" in out
    assert "rad 1: Prioriterade samverkansområden: ska vara en lista med text" in out
    assert "inte en lista med ett tal" in out
    assert "rad 1: Samverkansparter: ska vara en lista med text" in out
    assert "Kontaktperson" not in out  # null is an empty value, not a wrong type
    assert _count(db) == 0


def test_many_invalid_lines_list_the_first_hundred_and_count_the_rest(runner, db, tmp_path):
    path = tmp_path / "manga.jsonl"
    bad = json.dumps({"title": "", "summary": "x", "district": "Järva",
                      "priority_areas": ["otrygga-platser"]})
    path.write_text((bad + "\n") * 2000, encoding="utf-8")
    result = _import(runner, path)
    assert result.exit_code == 1
    listed = [line for line in result.output.splitlines() if line.startswith("  rad ")]
    assert len(listed) == 100 and listed[0].startswith("  rad 1: Rubrik")
    assert "2000 fel:" in result.output
    assert "… och 1900 fel till (på sammanlagt 2000 rader)" in result.output


def test_a_binary_file_is_refused_by_name(runner, db, tmp_path):
    path = tmp_path / "bild.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    result = _import(runner, path)
    assert result.exit_code == 1
    assert "Filen är ingen textfil" in result.output and "Excel (.xlsx)" in result.output


def test_an_excel_workbook_is_imported_with_the_same_column_names(runner, db, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["title", "summary", "district", "priority_areas", "partners", "start_date",
                  "external_id"])
    from datetime import datetime
    sheet.append(["Läxhjälp i Tensta", "Unga fick stöd efter skolan.", "Järva",
                  "unga-i-riskzon; otrygga-platser", "Polisen; Biblioteket",
                  datetime(2024, 3, 1), 4711])
    sheet.append([None] * 7)
    path = tmp_path / "exempel.xlsx"
    book.save(path)
    result = _import(runner, path)
    assert result.exit_code == 0, result.output
    assert "Filen lästes som Excel-arbetsbok (.xlsx)." in result.output
    assert "1 nya" in result.output
    fresh(db)
    case = db.scalar(select(Case))
    assert (case.title, case.external_id, case.start_date.isoformat()) == (
        "Läxhjälp i Tensta", "4711", "2024-03-01")
    assert [a.slug for a in case.areas] == ["unga-i-riskzon", "otrygga-platser"]
    assert case.partners == ["Polisen", "Biblioteket"]


def test_old_excel_and_other_zip_files_are_refused_by_name(runner, db, tmp_path):
    old = tmp_path / "gammal.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    assert "Excels gamla format (.xls)" in _import(runner, old).output
    import zipfile
    archive = tmp_path / "arkiv.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("a.txt", "hej")
    assert "zip-arkiv, inte en Excel-arbetsbok" in _import(runner, archive).output


def test_an_empty_file_says_it_was_empty_and_fails(runner, db, tmp_path):
    for name, content in (("tom.jsonl", ""), ("tom.csv", "\n\n"), ("rubrik.csv", HEADER + "\n")):
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        result = _import(runner, path)
        assert result.exit_code == 1, name
        assert "Filen är tom: den har inga rader att importera." in result.output
        assert "0 nya" not in result.output
