"""The personal-data guard in the lifecycle: authors are stopped, editors must give a reason."""
from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import select

from knowledge.cases import lifecycle as cases
from knowledge.audit.models import AuditEvent
from knowledge.cases.models import Case
from tests.conftest import case_data, fresh

PNR = "19811218-9876"  # a test personnummer with a valid check digit


def test_author_cannot_submit_text_with_a_personnummer(db, users):
    case = cases.create_case(db, users["staff"], case_data(situation=f"Pojken ({PNR}) greps."))
    db.commit()  # the draft was saved; the submission below is a request of its own
    with pytest.raises(cases.PersonalDataFound) as raised:
        cases.submit_case(db, users["staff"], case)
    db.rollback()
    assert raised.value.errors[0].field == "situation"
    assert "personnummer" in raised.value.errors[0].message
    assert db.get(Case, case.id).status == "draft"


def test_a_number_failing_luhn_does_not_stop_anyone(db, users):
    case = cases.create_case(db, users["staff"], case_data(situation="Ärende 19811218-9875."),
                             submit=True)
    assert case.status == "submitted"


def test_contact_email_is_fine_other_emails_are_not(db, users):
    ok = cases.create_case(db, users["staff"], case_data(
        lessons="Hör av dig till kim.exempel@exempel.stockholm.se."), submit=True)
    assert ok.status == "submitted"
    with pytest.raises(cases.PersonalDataFound):
        cases.create_case(db, users["staff"], case_data(
            lessons="Mamman nås på anna.privat@gmail.com eller 070-123 45 67."), submit=True)


def test_form_shows_where_the_personal_data_is(client, auth, db):
    auth.login("staff")
    response = client.post("/cases/new", data={
        **case_data(results=f"Se {PNR}.", partners="Polisen"), "action": "submit"})
    assert response.status_code == 422
    html = unescape(response.text)
    assert 'id="results-error"' in html
    assert f'Resultat och uppföljning: innehåller ett personnummer ("{PNR}")' in html
    assert not db.scalar(select(Case.id))


def test_editor_must_give_a_reason_which_is_audited(client, auth, db, users):
    case = cases.create_case(db, users["staff"], case_data(), submit=True)
    # The text changes after submission (an editor's edit), so the guard meets it at publish.
    cases.update_case(db, users["editor"], case, {"goals": f"Kontakt: {PNR}"})
    auth.login("editor")
    page = unescape(client.get(f"/cases/{case.id}").text)
    assert "Texten innehåller personuppgifter" in page and PNR in page
    refused = client.post(f"/cases/{case.id}/publish")
    assert refused.status_code == 422
    fresh(db)
    assert db.get(Case, case.id).status == "submitted"
    done = client.post(f"/cases/{case.id}/publish",
                       data={"personal_data_reason": "Numret är fiktivt och godkänt."})
    assert done.status_code == 303
    fresh(db)
    assert db.get(Case, case.id).status == "published"
    event = db.scalar(select(AuditEvent).where(
        AuditEvent.event == "published_with_personal_data"))
    assert event.detail["reason"] == "Numret är fiktivt och godkänt."
    assert event.detail["found"] == ["goals:personnummer"]
    assert PNR not in str(event.detail)  # the audit log never holds the case text


def test_questions_and_adoption_reports_get_the_personal_data_guard(db, users):
    from knowledge.exchange.adoptions import report_adoption
    from knowledge.exchange.questions import ask_question
    from knowledge.cases.validation import ValidationError
    case = cases.create_case(db, users["staff"], case_data(), submit=True)
    cases.publish_case(db, users["editor"], case)
    db.commit()  # published; each try below is a request of its own
    with pytest.raises(ValidationError) as raised:
        ask_question(db, users["coordinator"], case, {"body": f"Gäller det {PNR}?"})
    assert "personnummer" in raised.value.errors[0].message
    db.rollback()
    with pytest.raises(ValidationError):
        report_adoption(db, users["coordinator"], case, {
            "district": "Farsta", "status": "pågår",
            "context": "Ring Anna på 070-123 45 67 om detaljerna."})
    db.rollback()
    ask_question(db, users["coordinator"], case, {"body": "Hur rekryterade ni vandrarna?"})
