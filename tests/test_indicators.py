"""Indicators on a case: validation in Swedish, the JSON shape through the API and a JSONL
export and import, revisions, and the personal-data guard."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from knowledge.cases import lifecycle as cases
from knowledge.cases.history import case_history
from knowledge.indicators.models import CaseIndicator, IndicatorFollowup
from knowledge.transfer.import_export import export_cases, import_file
from knowledge.accounts.users import issue_token
from knowledge.cases.validation import ValidationError
from tests.conftest import case_data, fresh

ROBBERIES = {"name": "Anmälda rån vid Farsta centrum", "source": "Polisens anmälningsstatistik",
             "unit": "antal", "baseline": {"value": 42, "from": "2022-01-01", "to": "2022-12-31"},
             "followups": [{"value": 31, "from": "2023-01-01", "to": "2023-12-31"},
                           {"value": 25, "from": "2024-01-01", "to": "2024-12-31"}]}
SAFE = {"name": "Andel som känner sig trygga ute kvällstid", "source": "Stadens trygghetsmätning",
        "unit": "procent", "baseline": {"value": 48.5, "from": "2021-03-01", "to": "2021-04-30"},
        "followups": [{"value": 61, "from": "2024-03-01", "to": "2024-04-30"}]}


def publish(db, users, **overrides):
    case = cases.create_case(db, users["staff"], case_data(**overrides))
    cases.submit_case(db, users["staff"], case)
    cases.publish_case(db, users["editor"], case)
    return case


def test_indicators_are_stored_and_come_back_in_the_interface_shape(db, users):
    case = publish(db, users, indicators=[ROBBERIES, SAFE])
    fresh(db)
    assert cases.case_fields(db.get(type(case), case.id))["indicators"] == [ROBBERIES, SAFE]
    assert db.scalar(select(func.count(CaseIndicator.id))) == 2
    assert db.scalar(select(func.count(IndicatorFollowup.id))) == 3
    assert cases.case_fields(publish(db, users, title="Utan mätning"))["indicators"] == []


def test_bad_indicators_are_refused_with_swedish_messages_and_nothing_is_written(db, users):
    bad = [{"name": "Anmälda rån", "unit": "antal",
            "baseline": {"value": "många", "from": "2022-12-31", "to": "2022-01-01"},
            "followups": [{"value": 25, "from": "2024-01-01", "to": "2024-13-01"}]},
           {"name": "", "unit": "procent",
            "baseline": {"value": 140, "from": "2022-01-01", "to": "2022-12-31"}}]
    with pytest.raises(ValidationError) as error:
        cases.create_case(db, users["staff"], case_data(indicators=bad))
    messages = error.value.by_field()["indicators"]
    assert "Indikator 1 (”Anmälda rån”): Utgångsvärde (baseline): värdet måste vara ett tal " \
           "(nu ”många”)." in messages
    assert "Indikator 1 (”Anmälda rån”): Utgångsvärde (baseline): perioden måste sluta efter " \
           "att den börjar (2022-12-31 – 2022-01-01)." in messages
    assert any("Uppföljning 1 (followups): periodens slut (to): \"2024-13-01\" är inte ett "
               "giltigt datum" in m for m in messages)
    assert "Indikator 2: Vad som mättes (name) måste fyllas i." in messages
    assert "Indikator 2: Utgångsvärde (baseline): en andel i procent måste vara mellan 0 och " \
           "100 (nu 140)." in messages
    db.rollback()
    assert db.scalar(select(func.count(CaseIndicator.id))) == 0


def test_the_api_carries_indicators_and_an_empty_list_when_none(client, db, users):
    measured = publish(db, users, indicators=[ROBBERIES])
    unmeasured = publish(db, users, title="Utan mätning")
    headers = {"Authorization": f"Bearer {issue_token(db, users['coordinator'])}"}
    assert client.get(f"/api/v1/cases/{measured.id}",
                      headers=headers).get_json()["indicators"] == [ROBBERIES]
    assert client.get(f"/api/v1/cases/{unmeasured.id}",
                      headers=headers).get_json()["indicators"] == []


def test_jsonl_export_and_import_round_trip_indicators(app, db, users, tmp_path,
                                                       databases):
    publish(db, users, external_id="farsta-1", indicators=[ROBBERIES, SAFE])
    path = tmp_path / "export.jsonl"
    export_cases(db, path)
    row = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    assert row["indicators"] == [ROBBERIES, SAFE]
    # Into an empty database: the indicators arrive as they left.
    from app import create_app
    other = create_app({"TESTING": True, "DATABASE_URL": databases.create(tmp_path),
                        "INDEX_DIR": str(tmp_path / "index2")})
    with other.app_context():
        session = other.extensions["db_sessionmaker"]()
        from knowledge.accounts.users import system_user
        result = import_file(session, system_user(session), path)
        assert result.ok, result.errors
        case = session.scalar(select(CaseIndicator).limit(1)).case
        assert cases.case_fields(case)["indicators"] == [ROBBERIES, SAFE]
        session.close()
    other.extensions["db_engine"].dispose()


def test_the_api_shows_the_same_indicators_after_a_cli_export_and_import_elsewhere(
        runner, client, db, users, tmp_path, databases):
    """The round trip as another tool sees it: the API before, `flask export`, `flask import`
    into another database, the API there; several follow-ups, a decimal and a direction."""
    lower_is_better = {**ROBBERIES, "better": "lower"}
    case = publish(db, users, external_id="rt-1", indicators=[lower_is_better, SAFE])
    headers = {"Authorization": f"Bearer {issue_token(db, users['coordinator'])}"}
    before = client.get(f"/api/v1/cases/{case.id}", headers=headers).get_json()["indicators"]
    assert before == [lower_is_better, SAFE]
    export = tmp_path / "export.jsonl"
    assert runner.invoke(args=["export", str(export)]).exit_code == 0

    from app import create_app
    from knowledge.accounts.users import create_user
    from knowledge.cases.models import Case
    other_url = databases.create(tmp_path)
    other = create_app({"TESTING": True, "DATABASE_URL": other_url,
                        "INDEX_DIR": str(tmp_path / "other-index")})
    try:
        result = other.test_cli_runner().invoke(args=["import", str(export)])
        assert result.exit_code == 0, result.output
        with other.extensions["db_sessionmaker"]() as session:
            reader = create_user(session, email="lasare@test.se", role="coordinator",
                                 password=None)
            other_headers = {"Authorization": f"Bearer {issue_token(session, reader)}"}
            imported_id = session.scalar(select(Case.id).where(Case.external_id == "rt-1"))
            session.commit()
        api = other.test_client()
        after = api.get(f"/api/v1/cases/{imported_id}", headers=other_headers).get_json()
        assert after["indicators"] == before
        measured = api.get("/api/v1/cases?measured=1", headers=other_headers).get_json()
        assert [r["id"] for r in measured["results"]] == [imported_id]
        # The same file again changes nothing: no indicator is added twice.
        again = other.test_cli_runner().invoke(args=["import", str(export)])
        assert again.exit_code == 0 and "0 nya, 0 uppdaterade" in again.output, again.output
        with other.extensions["db_sessionmaker"]() as session:
            assert session.scalar(select(func.count(CaseIndicator.id))) == 2
            assert session.scalar(select(func.count(IndicatorFollowup.id))) == 3
    finally:
        other.extensions["db_engine"].dispose()
        databases.drop(other_url)


def test_a_changed_indicator_is_a_revision_and_personal_data_is_caught(db, users):
    case = cases.create_case(db, users["staff"], case_data(indicators=[ROBBERIES]))
    changed = {**ROBBERIES, "followups": ROBBERIES["followups"][:1]}
    cases.update_case(db, users["staff"], case, {"indicators": [changed]})
    fresh(db)
    entries = case_history(db, users["staff"], case)
    assert "Indikatorer" in entries[0].changed_labels
    with pytest.raises(ValidationError) as error:
        cases.update_case(
            db, users["staff"], case,
            {"indicators": [{**ROBBERIES, "source": "Egen räkning, ring 070-123 45 67"}]},
            submit=True)
    assert any("Indikatorer: innehåller" in e.message for e in error.value.errors)


def test_the_case_page_charts_each_indicator_with_a_table_and_the_change_in_words(
        client, auth, db, users):
    case = publish(db, users, evidence_level="ej-utvarderad", indicators=[ROBBERIES, SAFE])
    auth.login("coordinator")
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    section = html[html.index('id="indikatorer"'):]
    assert "Kunskapsläge: <strong>Ej utvärderad</strong>" in section
    assert "−40 % från 2022 till 2024 (42 → 25)" in section
    assert "+12,5 procentenheter från 2021 till 2024 (48,5 % → 61 %)" in section
    assert section.count('role="img"') == 2                   # one chart per indicator
    assert f"<title id=\"indikator-{case.id}-1-title\">Anmälda rån vid Farsta centrum</title>" \
        in section
    assert '<td><span class="date">2021-03-01</span> – <span class="date">2021-04-30</span></td>' \
        '<td class="num">48,5 %</td>' in section
    for causal in ("ledde till", "tack vare", "orsakade minskningen"):
        assert causal not in section


def form_with_indicators(**indicator_fields):
    from tests.test_authorization import FORM
    return {**FORM, "ind-count": "2", "ind-0-fu-count": "1", "ind-1-fu-count": "1",
            **indicator_fields}


def test_a_coordinator_adds_two_indicators_in_the_form_and_sees_them(client, auth, db, users):
    auth.login("coordinator")
    new_form = client.get("/cases/new").get_data(as_text=True)
    assert 'name="ind-1-name"' in new_form and 'name="ind-2-name"' not in new_form
    response = client.post("/cases/new", data=form_with_indicators(**{
        "ind-0-name": ROBBERIES["name"], "ind-0-source": ROBBERIES["source"],
        "ind-0-unit": "antal", "ind-0-base-value": "42", "ind-0-base-from": "2022-01-01",
        "ind-0-base-to": "2022-12-31", "ind-0-fu-0-value": "25",
        "ind-0-fu-0-from": "2024-01-01", "ind-0-fu-0-to": "2024-12-31",
        "ind-1-name": SAFE["name"], "ind-1-source": SAFE["source"], "ind-1-unit": "procent",
        "ind-1-base-value": "48,5", "ind-1-base-from": "2021-03-01",
        "ind-1-base-to": "2021-04-30", "ind-1-fu-0-value": "61",
        "ind-1-fu-0-from": "2024-03-01", "ind-1-fu-0-to": "2024-04-30"}))
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    case_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    fresh(db)
    saved = cases.case_fields(cases.get_case(db, users["coordinator"], case_id))["indicators"]
    assert [i["name"] for i in saved] == [ROBBERIES["name"], SAFE["name"]]
    assert saved[1]["baseline"] == {"value": 48.5, "from": "2021-03-01", "to": "2021-04-30"}
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "−40 % från 2022 till 2024" in page and "+12,5 procentenheter" in page
    # The edit form shows both and room for a third; saving it unchanged changes nothing.
    edit = client.get(f"/cases/{case_id}/edit").get_data(as_text=True)
    assert 'value="Anmälda rån vid Farsta centrum"' in edit and 'name="ind-2-name"' in edit


def test_the_edit_form_gives_back_decimals_as_typed_and_saving_it_unchanged_changes_nothing(
        client, auth, db, users):
    """A value typed as "48,5" came back in the edit form as "48.5"; a value with more
    decimals than the case page shows must come back whole, not rounded."""
    from tests.test_edit_conflicts import form_of
    precise = {**ROBBERIES, "unit": "per 1000 invånare",
               "baseline": {"value": 12.345, "from": "2022-01-01", "to": "2022-12-31"},
               "followups": [{"value": 0.00001, "from": "2024-01-01", "to": "2024-12-31"}]}
    case = cases.create_case(db, users["coordinator"], case_data(indicators=[SAFE, precise]))
    db.commit()
    auth.login("coordinator")
    edit = form_of(client.get(f"/cases/{case.id}/edit").get_data(as_text=True))
    assert edit["ind-0-base-value"] == ["48,5"]
    assert edit["ind-1-base-value"] == ["12,345"] and edit["ind-1-fu-0-value"] == ["0,00001"]
    response = client.post(f"/cases/{case.id}/edit", data={**edit, "action": ["save"]})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    fresh(db)
    assert cases.case_fields(db.get(type(case), case.id))["indicators"] == [SAFE, precise]
    assert len(case_history(db, users["coordinator"], case)) == 1   # nothing new to record


def test_the_form_names_the_indicator_problem_and_keeps_what_was_typed(client, auth, db,
                                                                      users):
    auth.login("coordinator")
    response = client.post("/cases/new", data=form_with_indicators(**{
        "ind-0-name": "Andel trygga", "ind-0-unit": "procent", "ind-0-base-value": "120",
        "ind-0-base-from": "2022-01-01", "ind-0-base-to": "2021-12-31"}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "en andel i procent måste vara mellan 0 och 100 (nu 120)" in html
    assert "perioden måste sluta efter att den börjar" in html
    assert 'href="#indicators"' in html and 'value="Andel trygga"' in html
    fresh(db)
    assert db.scalar(select(func.count(CaseIndicator.id))) == 0


def test_search_finds_cases_with_measured_results_by_facet_and_api(client, auth, db, users):
    measured = publish(db, users, title="Rån vid Farsta centrum", indicators=[ROBBERIES])
    baseline_only = publish(db, users, title="Bara utgångsvärde",
                            indicators=[{**SAFE, "followups": []}])
    unmeasured = publish(db, users, title="Utan mätning")
    headers = {"Authorization": f"Bearer {issue_token(db, users['coordinator'])}"}
    body = client.get("/api/v1/cases?measured=1", headers=headers).get_json()
    assert [r["id"] for r in body["results"]] == [measured.id]
    assert body["facets"]["measured"] == {"ja": 1, "nej": 2}
    every = client.get("/api/v1/cases", headers=headers).get_json()
    assert {r["id"] for r in every["results"]} == {measured.id, baseline_only.id, unmeasured.id}

    auth.login("coordinator")
    html = client.get("/cases").get_data(as_text=True)
    assert "Har mätta resultat" in html and "Ja, med uppföljda indikatorer" in html
    filtered = client.get("/cases?measured=ja").get_data(as_text=True)
    assert "Rån vid Farsta centrum" in filtered and "Utan mätning" not in filtered

    # A follow-up added later puts the case among the measured ones.
    cases.update_case(db, users["editor"], baseline_only,
                      {"indicators": [SAFE]})
    body = client.get("/api/v1/cases?measured=1", headers=headers).get_json()
    assert {r["id"] for r in body["results"]} == {measured.id, baseline_only.id}
