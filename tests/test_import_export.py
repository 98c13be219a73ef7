"""Import (all or nothing, line-numbered errors, update by external_id) and export."""
from __future__ import annotations

import json

from sqlalchemy import func, select

from knowledge.cases.lifecycle import case_fields
from knowledge.cases.models import Case
from tests.conftest import case_data, fresh


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def count_cases(db):
    fresh(db)
    return db.scalar(select(func.count(Case.id)))


def test_import_jsonl_publishes_and_every_field_comes_back(runner, db, tmp_path):
    rows = [case_data(external_id=f"ext-{n}", title=f"Exempel {n}") for n in range(3)]
    result = runner.invoke(args=["import", str(write_jsonl(tmp_path / "in.jsonl", rows))])
    assert result.exit_code == 0, result.output
    assert "3 nya" in result.output
    case = db.scalar(select(Case).where(Case.external_id == "ext-1"))
    assert case.status == "published"
    fields = case_fields(case)
    # A case without indicators carries an empty list (the indicators' interface).
    expected = {**rows[1], "district": "jarva", "status": "published", "indicators": []}
    assert fields == expected


def test_import_with_bad_rows_imports_nothing_and_names_each(runner, db, tmp_path):
    rows = [case_data(external_id="ok-1"),
            case_data(external_id="bad-1", district="Atlantis"),
            case_data(external_id="ok-2"),
            case_data(external_id="bad-2", title="", evidence_level="kanske")]
    path = write_jsonl(tmp_path / "in.jsonl", rows)
    with path.open("a", encoding="utf-8") as f:
        f.write("{inte json}\n")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1
    out = result.output
    assert "inget sparades" in out
    assert 'rad 2: Stadsdelsområde: okänt värde "Atlantis"' in out
    assert "rad 4: Rubrik: måste fyllas i." in out
    assert 'rad 4: Kunskapsläge: okänt värde "kanske"' in out
    assert "rad 5: ogiltig JSON" in out
    assert count_cases(db) == 0


def test_reimport_updates_by_external_id_instead_of_duplicating(runner, db, tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", [case_data(external_id="sthlm-7")])
    assert runner.invoke(args=["import", str(path)]).exit_code == 0
    write_jsonl(path, [case_data(external_id="sthlm-7", title="Ny rubrik")])
    result = runner.invoke(args=["import", str(path)])
    assert "0 nya, 1 uppdaterade" in result.output
    assert count_cases(db) == 1
    assert db.scalar(select(Case.title)) == "Ny rubrik"
    result = runner.invoke(args=["import", str(path)])
    assert "0 nya, 0 uppdaterade, 1 oförändrade" in result.output


def test_duplicate_external_id_within_one_file_is_an_error(runner, db, tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", [case_data(external_id="x"),
                                               case_data(external_id="x")])
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1
    assert 'rad 2: Externt id: "x" finns redan på rad 1' in result.output


def test_import_as_draft(runner, db, tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", [case_data(external_id="d-1")])
    assert runner.invoke(args=["import", "--as-draft", str(path)]).exit_code == 0
    assert db.scalar(select(Case.status)) == "draft"


def test_csv_as_excel_writes_it_with_bom_and_semicolons(runner, db, tmp_path):
    header = "external_id;title;summary;district;priority_areas;partners;start_date;status"
    lines = [header,
             'csv-1;Nattvandring;"Vuxna på stan; kvällstid.";Farsta;'
             '"unga-i-riskzon;otrygga-platser";"Polisen;Fältgruppen";2024-06-01;',
             'csv-2;Läxhjälp;"Stöd i skolan.";Skärholmen;Unga i riskzon för destruktivt '
             'beteende;;;draft']
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeff".encode() + "\r\n".join(lines).encode("utf-8") + b"\r\n")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output
    first = db.scalar(select(Case).where(Case.external_id == "csv-1"))
    assert first.summary == "Vuxna på stan; kvällstid."
    assert [a.slug for a in first.areas] == ["unga-i-riskzon", "otrygga-platser"]
    assert first.partners == ["Polisen", "Fältgruppen"]
    assert first.status == "published"
    assert db.scalar(select(Case.status).where(Case.external_id == "csv-2")) == "draft"


def test_csv_with_commas_and_error_line_numbers(runner, db, tmp_path):
    path = tmp_path / "comma.csv"
    path.write_text("title,summary,district,priority_areas\n"
                    "Ett,Bra,Bromma,otrygga-platser\n"
                    "Två,,Bromma,otrygga-platser\n", encoding="utf-8")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1
    assert "rad 3: Sammanfattning: måste fyllas i." in result.output
    assert count_cases(db) == 0


def test_export_then_import_gives_identical_cases(runner, app, db, tmp_path, databases):
    rows = [case_data(external_id="r-1", status="published"),
            case_data(external_id="r-2", title="Utkast", status="draft", end_date=None,
                      partners=[]),
            case_data(external_id="r-3", status="archived", priority_areas=[
                "unga-i-riskzon", "kriminella-miljoer"])]
    assert runner.invoke(args=["import", str(write_jsonl(tmp_path / "in.jsonl", rows))]
                         ).exit_code == 0
    export = tmp_path / "out.jsonl"
    assert runner.invoke(args=["export", str(export)]).exit_code == 0
    before = [case_fields(c) for c in db.scalars(select(Case).order_by(Case.external_id))]

    from app import create_app
    fresh_url = databases.create(tmp_path)
    fresh = create_app({"TESTING": True, "DATABASE_URL": fresh_url,
                        "INDEX_DIR": str(tmp_path / "fresh-index")})
    assert fresh.test_cli_runner().invoke(args=["import", str(export)]).exit_code == 0
    with fresh.extensions["db_sessionmaker"]() as other:
        after = [case_fields(c) for c in other.scalars(select(Case).order_by(Case.external_id))]
    fresh.extensions["db_engine"].dispose()
    databases.drop(fresh_url)
    assert after == before


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_an_older_export_does_not_overwrite_what_was_changed_since(runner, db, users,
                                                                   tmp_path):
    from knowledge.cases import lifecycle as cases
    rows = [case_data(external_id="v-1"), case_data(external_id="v-2", title="Andra")]
    assert runner.invoke(args=["import", str(write_jsonl(tmp_path / "in.jsonl", rows))]
                         ).exit_code == 0
    export = tmp_path / "out.jsonl"
    assert runner.invoke(args=["export", str(export)]).exit_code == 0
    exported = read_jsonl(export)
    assert all(isinstance(row["version"], int) for row in exported)

    # Someone edits v-1 in the app after the export; the export is then edited and imported.
    case = db.scalar(select(Case).where(Case.external_id == "v-1"))
    cases.update_case(db, users["editor"], case, {"title": "Rubrik ändrad i appen"})
    cases.archive_case(db, users["editor"], db.scalar(select(Case).where(
        Case.external_id == "v-2")))
    exported[0]["results"] = "Resultat ändrat i filen."
    exported[1]["summary"] = "Sammanfattning ändrad i filen."
    result = runner.invoke(args=["import", str(write_jsonl(export, exported))])

    assert result.exit_code == 1
    assert "rad 1: Version: raden bygger på version" in result.output
    assert "ändrat: Rubrik" in result.output
    assert "rad 2: Version:" in result.output and "ändrat: Status" in result.output
    fresh(db)
    first = db.scalar(select(Case).where(Case.external_id == "v-1"))
    assert first.title == "Rubrik ändrad i appen" and first.results == rows[0]["results"]

    # A fresh export imports cleanly, and without `version` a row overwrites on purpose.
    assert runner.invoke(args=["export", str(export)]).exit_code == 0
    assert runner.invoke(args=["import", str(export)]).exit_code == 0
    unversioned = [{k: v for k, v in row.items() if k != "version"} for row in exported]
    assert runner.invoke(args=["import", str(write_jsonl(export, unversioned))]).exit_code == 0
    fresh(db)
    assert db.scalar(select(Case).where(Case.external_id == "v-1")).results == \
        "Resultat ändrat i filen."


def test_a_version_that_is_no_number_is_an_error_naming_the_field(runner, db, tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", [case_data(external_id="x", version="tre")])
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1
    assert 'rad 1: Version: "tre" är inget versionsnummer' in result.output


def test_a_case_published_despite_personal_data_survives_export_and_import(
        runner, app, db, users, tmp_path, databases):
    from knowledge.cases import lifecycle as cases
    from knowledge.audit.models import AuditEvent
    text = "Ring Kim på 070-123 45 67 om ni vill göra likadant."
    case = cases.create_case(db, users["staff"], case_data(external_id="pd-1"), submit=True)
    # The editor adds the number after submission and publishes with a reason.
    cases.update_case(db, users["editor"], case, {"lessons": text})
    cases.publish_case(db, users["editor"], case,
                       personal_data_reason="Kim har gett sitt samtycke; tjänstetelefon.")
    export = tmp_path / "out.jsonl"
    assert runner.invoke(args=["export", str(export)]).exit_code == 0

    from app import create_app
    fresh_url = databases.create(tmp_path)
    other_app = create_app({"TESTING": True, "DATABASE_URL": fresh_url,
                            "INDEX_DIR": str(tmp_path / "fresh-index")})
    try:
        result = other_app.test_cli_runner().invoke(args=["import", str(export)])
        assert result.exit_code == 0, result.output
        with other_app.extensions["db_sessionmaker"]() as other:
            imported = other.scalar(select(Case).where(Case.external_id == "pd-1"))
            assert imported.status == "published" and imported.lessons == text
            # The import records the reason again, so the next export carries it as well.
            event = other.scalar(select(AuditEvent).where(
                AuditEvent.event == "published_with_personal_data"))
            assert event.detail["reason"] == "Kim har gett sitt samtycke; tjänstetelefon."
            assert event.target == f"case:{imported.id}"
    finally:
        other_app.extensions["db_engine"].dispose()
        databases.drop(fresh_url)

    assert read_jsonl(export)[0]["personal_data_reason"] == \
        "Kim har gett sitt samtycke; tjänstetelefon."
    # Re-importing over the same database changes nothing and is not refused either.
    result = runner.invoke(args=["import", str(export)])
    assert result.exit_code == 0, result.output
    assert "0 nya, 0 uppdaterade" in result.output
