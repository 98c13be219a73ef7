"""Measured results in the statistics and the yearly compilation: per priority area, the
published cases with an indicator that has a follow-up, and how many of those improved by the
indicator's own direction (`better`: lower or higher). An indicator without a direction counts
as measured, never as improved; the words are never causal."""
from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from knowledge.cases import lifecycle as cases
from knowledge.cases.models import Case
from knowledge.indicators.results import case_result, measured_cases
from knowledge.reports import followup as reports
from knowledge.transfer.import_export import export_cases
from knowledge.accounts.users import issue_token
from knowledge.cases.validation import ValidationError
from tests.conftest import case_data, fresh
from tests.test_indicators import ROBBERIES, SAFE

FEWER_ROBBERIES = {**ROBBERIES, "better": "lower"}          # 42 → 31 → 25: improved
SAFER = {**SAFE, "better": "higher"}                          # 48,5 → 61: improved
LESS_SAFE = {**SAFE, "better": "higher",                      # 48,5 → 40: not improved
             "followups": [{"value": 40, "from": "2024-03-01", "to": "2024-04-30"}]}
# The latest follow-up decides: better at first, worse at the end.
WORSE_AT_THE_END = {**ROBBERIES, "better": "lower",
                    "followups": [{"value": 30, "from": "2023-01-01", "to": "2023-12-31"},
                                  {"value": 50, "from": "2024-01-01", "to": "2024-12-31"}]}
BASELINE_ONLY = {**SAFER, "followups": []}


@pytest.fixture
def measured_corpus(published_case, db, users):
    """Unga i riskzon: 3 measured (2 improved), 1 baseline only, 1 without indicators.
    Otrygga platser: 2 measured (1 improved). One case is in both areas."""
    made = {
        "fewer": published_case("Färre rån", priority_areas=["unga-i-riskzon"],
                                indicators=[FEWER_ROBBERIES]),
        "both": published_case("Tryggare i båda", priority_areas=["unga-i-riskzon",
                                                                 "otrygga-platser"],
                               indicators=[LESS_SAFE, SAFER]),
        "no-direction": published_case("Utan riktning", priority_areas=["unga-i-riskzon"],
                                       indicators=[ROBBERIES]),
        "worse": published_case("Sämre till slut", priority_areas=["otrygga-platser"],
                                indicators=[WORSE_AT_THE_END]),
        "baseline": published_case("Bara utgångsvärde", priority_areas=["unga-i-riskzon"],
                                   indicators=[BASELINE_ONLY]),
        "none": published_case("Utan mätning", priority_areas=["unga-i-riskzon"]),
    }
    # A draft with measured results is not published, so it is counted nowhere.
    cases.create_case(db, users["staff"], case_data(title="Utkast", indicators=[SAFER]))
    db.commit()
    return made


def test_statistics_count_measured_and_improved_per_area(measured_corpus, db, users):
    stats = reports.case_statistics(db, users["staff"])
    assert stats.measured_by_area["unga-i-riskzon"] == (3, 2)
    assert stats.measured_by_area["otrygga-platser"] == (2, 1)
    assert stats.measured_by_area["systemhotande-brottslighet"] == (0, 0)
    assert stats.measured == (4, 2)          # each case once


def test_the_sql_rule_and_the_loaded_case_agree(measured_corpus, db):
    flags = measured_cases(db, [case.id for case in measured_corpus.values()])
    for name, case in measured_corpus.items():
        measured, improved = case_result(db.get(Case, case.id))
        assert (case.id in flags, flags.get(case.id, False)) == (measured, improved), name
    assert flags == {measured_corpus["fewer"].id: True, measured_corpus["both"].id: True,
                     measured_corpus["no-direction"].id: False,
                     measured_corpus["worse"].id: False}


def test_the_statistics_page_says_it_per_area_and_explains_without_causal_words(
        measured_corpus, client, auth):
    auth.login("coordinator")
    html = client.get("/statistik").get_data(as_text=True)
    section = html[html.index('id="matta-resultat"'):html.index('id="h-district"')]
    assert "Mätta resultat: 4 exempel, varav 2 med förbättring enligt indikatorn" in section
    assert ('<th scope="row">Unga i riskzon för destruktivt beteende</th>'
            '<td class="num">3</td><td class="num">2</td>') in section
    assert ('<th scope="row">Otrygga och brottsutsatta platser</th>'
            '<td class="num">2</td><td class="num">1</td>') in section
    assert "utan angiven riktning räknas som mätt men inte som förbättrad" in section
    for causal in ("ledde till", "tack vare", "på grund av insatsen"):
        assert causal not in section


def test_the_compilation_page_print_view_and_files_carry_the_counts(measured_corpus, client,
                                                                    auth):
    auth.login("editor")
    html = client.get("/sammanstallning?year=2024").get_data(as_text=True)
    summary = html[html.index('id="summary-heading"'):html.index('id="toc-heading"')]
    assert "Med mätta resultat" in summary and "Varav med förbättring enligt indikatorn" in summary
    assert "Mätta resultat: 4 exempel, varav 2 med förbättring enligt indikatorn." in summary
    assert "räknas som mätt men inte som förbättrad" in summary
    # Each area's part, which the print view prints on a page of its own.
    young = html[html.index('id="omrade-unga-i-riskzon"'):html.index('id="omrade-otrygga-platser"')]
    assert "Mätta resultat: 3 exempel, varav 2 med förbättring enligt indikatorn." in young
    serious = html[html.index('id="omrade-systemhotande-brottslighet"'):]
    assert "Mätta resultat" not in serious[:serious.index("</section>")]

    book = load_workbook(io.BytesIO(client.get("/sammanstallning.xlsx?year=2024").data))
    rows = list(book["Sammanfattning"].iter_rows(values_only=True))
    header = rows[0]
    measured_at = header.index("Med mätta resultat")
    assert header[measured_at + 1] == "Varav med förbättring enligt indikatorn"
    by_area = {row[0]: row[measured_at:measured_at + 2] for row in rows[1:7]}
    assert by_area["Unga i riskzon för destruktivt beteende"] == (3, 2)
    assert by_area["Otrygga och brottsutsatta platser"] == (2, 1)
    assert by_area["Alla områden (varje exempel en gång)"] == (4, 2)
    assert any(row[0] and "inte som förbättrad" in row[0] for row in rows)

    text = client.get("/sammanstallning.csv?year=2024").data.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    at = lines[0].index("Mätta resultat")
    assert lines[0][at + 1] == "Förbättring enligt indikatorn"
    per_case = {line[1]: (line[at], line[at + 1]) for line in lines[1:]}
    assert per_case == {"Färre rån": ("ja", "ja"), "Tryggare i båda": ("ja", "ja"),
                        "Utan riktning": ("ja", "nej"), "Sämre till slut": ("ja", "nej"),
                        "Bara utgångsvärde": ("nej", ""), "Utan mätning": ("nej", "")}


def test_a_new_direction_is_counted_at_once(measured_corpus, db, users):
    assert reports.case_statistics(db, users["staff"]).measured == (4, 2)
    case = measured_corpus["no-direction"]
    cases.update_case(db, users["editor"], case, {"indicators": [FEWER_ROBBERIES]})
    db.commit()
    assert reports.case_statistics(db, users["staff"]).measured == (4, 3)


def test_a_wrong_direction_is_named_with_its_valid_values(db, users):
    with pytest.raises(ValidationError) as error:
        cases.create_case(db, users["staff"], case_data(indicators=[{**ROBBERIES,
                                                                     "better": "fewer"}]))
    assert error.value.by_field()["indicators"] == [
        "Indikator 1 (”Anmälda rån vid Farsta centrum”): Vilket håll är bättre (better): "
        "okänt värde ”fewer”. Giltiga värden: lower (Lägre är bättre), higher (Högre är "
        "bättre), eller tomt om ingen riktning är bättre."]


def test_the_direction_travels_through_the_api_and_jsonl_and_stays_optional(
        db, users, client, tmp_path):
    labelled = {**ROBBERIES, "better": "Lägre är bättre"}   # the form's label is read too
    case = cases.create_case(db, users["staff"], case_data(external_id="x-1",
                                                           indicators=[labelled, SAFE]),
                             submit=True)
    cases.publish_case(db, users["editor"], case)
    db.commit()
    fresh(db)
    # Without a direction the indicator keeps the issue's documented shape, no "better" key.
    assert cases.case_fields(db.get(Case, case.id))["indicators"] == [FEWER_ROBBERIES, SAFE]
    headers = {"Authorization": f"Bearer {issue_token(db, users['coordinator'])}"}
    body = client.get(f"/api/v1/cases/{case.id}", headers=headers).get_json()
    assert body["indicators"] == [FEWER_ROBBERIES, SAFE]
    path = tmp_path / "export.jsonl"
    export_cases(db, path)
    row = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    assert row["indicators"][0]["better"] == "lower" and "better" not in row["indicators"][1]


def test_the_form_offers_the_direction_and_saves_it(client, auth, db, users):
    from tests.test_indicators import form_with_indicators
    auth.login("coordinator")
    form = client.get("/cases/new").get_data(as_text=True)
    assert '<label for="ind-0-better">Vilket håll är bättre</label>' in form
    assert '<option value="lower">Lägre är bättre</option>' in form
    response = client.post("/cases/new", data=form_with_indicators(**{
        "ind-0-name": ROBBERIES["name"], "ind-0-unit": "antal", "ind-0-better": "lower",
        "ind-0-base-value": "42", "ind-0-base-from": "2022-01-01",
        "ind-0-base-to": "2022-12-31", "ind-0-fu-0-value": "25",
        "ind-0-fu-0-from": "2024-01-01", "ind-0-fu-0-to": "2024-12-31",
        # A direction alone is no indicator.
        "ind-1-better": "higher"}))
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    case_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    fresh(db)
    saved = cases.case_fields(cases.get_case(db, users["coordinator"], case_id))["indicators"]
    assert [(i["name"], i.get("better")) for i in saved] == [(ROBBERIES["name"], "lower")]
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Enhet: antal · Lägre är bättre" in page
    edit = client.get(f"/cases/{case_id}/edit").get_data(as_text=True)
    assert '<option value="lower" selected>Lägre är bättre</option>' in edit
