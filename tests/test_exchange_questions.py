"""Questions and answers on a case, through the domain and through the pages (htmx and
plain form posts)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from knowledge.cases import lifecycle as cases
from knowledge.cases.lifecycle import InvalidTransition
from knowledge.exchange import follows, questions
from knowledge.exchange.models import Answer, Notification, Question
from knowledge.accounts.permissions import PermissionDenied
from knowledge.cases.validation import ValidationError
from tests.conftest import case_data, fresh

HTMX = {"HX-Request": "true"}


def notes(db, **where):
    query = select(Notification).order_by(Notification.id)
    for name, value in where.items():
        query = query.where(getattr(Notification, name) == value)
    return list(db.scalars(query))


def test_asking_notifies_the_author_and_a_contact_who_is_a_user(db, users, published_case):
    case = published_case(contact_email="Bo.Kollega@test.se")  # staff2's address
    question = questions.ask_question(db, users["coordinator"], case,
                                      {"body": "  Hur fick ni med **de boende**?\x07 "})
    assert question.body == "Hur fick ni med **de boende**?"  # trimmed, control chars gone
    told = {n.user_id: n for n in notes(db, kind="question")}
    assert set(told) == {users["staff"].id, users["staff2"].id}
    note = told[users["staff"].id]
    assert note.case_id == case.id and "Coordinator frågar om" in note.message
    assert case.title in note.message and note.excerpt.startswith("Hur fick ni med")
    assert notes(db, user_id=None) == []  # the contact is a user: no bare e-mail row


def test_a_contact_who_is_no_user_gets_an_email_only_notification(db, users, published_case):
    case = published_case()  # contact kim.exempel@exempel.stockholm.se is no user
    questions.ask_question(db, users["coordinator"], case, {"body": "Vad kostade det?"})
    external = notes(db, user_id=None)
    assert [(n.email, n.kind) for n in external] == [
        ("kim.exempel@exempel.stockholm.se", "question")]
    assert users["coordinator"].email in external[0].message  # so she can answer directly


def test_the_asker_is_not_notified_about_her_own_question(db, users, published_case):
    case = published_case()
    questions.ask_question(db, users["staff"], case, {"body": "Påminnelse till mig själv"})
    assert notes(db, user_id=users["staff"].id) == []


def test_only_author_and_contact_answer_and_the_asker_and_followers_hear_of_it(db, users,
        published_case):
    case = published_case(contact_email="bo.kollega@test.se")
    follows.follow(db, users["editor"], "case", str(case.id))
    follows.follow(db, users["coordinator"], "case", str(case.id))  # the asker follows too
    question = questions.ask_question(db, users["coordinator"], case, {"body": "Hur?"})
    for outsider in ("coordinator", "editor", "admin"):
        with pytest.raises(PermissionDenied):
            questions.answer_question(db, users[outsider], question, {"body": "Så här"})
    questions.answer_question(db, users["staff2"], question, {"body": "Som kontakt: så"})
    answer = questions.answer_question(db, users["staff"], question, {"body": "Så här!"})
    assert answer.author_id == users["staff"].id
    key = f"answer:{answer.id}"
    assert {(n.user_id, n.kind) for n in notes(db, event_key=key)} == {
        (users["coordinator"].id, "answer_mine"),  # once, though she also follows the case
        (users["editor"].id, "answer"),
    }


def test_empty_or_overlong_text_is_refused_with_the_field_named(db, users, published_case):
    case = published_case()
    with pytest.raises(ValidationError) as empty:
        questions.ask_question(db, users["coordinator"], case, {"body": "   "})
    assert empty.value.by_field() == {"body": ["Fråga: måste fyllas i."]}
    with pytest.raises(ValidationError) as long:
        questions.ask_question(db, users["coordinator"], case, {"body": "x" * 5001})
    assert "högst 5000 tecken" in long.value.by_field()["body"][0]


def test_questions_only_on_published_cases_and_only_by_those_who_see_them(db, users):
    draft = cases.create_case(db, users["staff"], case_data())
    with pytest.raises(PermissionDenied):
        questions.ask_question(db, users["coordinator"], draft, {"body": "Hallå?"})
    with pytest.raises(InvalidTransition):
        questions.ask_question(db, users["staff"], draft, {"body": "Hallå?"})


def test_asking_with_htmx_swaps_the_thread_and_without_js_redirects(client, auth, db, users,
        published_case):
    case = published_case()
    auth.login("coordinator")
    page = client.get(f"/cases/{case.id}")
    assert 'id="fragor"' in page.text and "Inga frågor ännu." in page.text
    assert f'hx-post="/cases/{case.id}/fragor"' in page.text

    swapped = client.post(f"/cases/{case.id}/fragor", data={"body": "Hur *lång* tid tog det?"},
                          headers=HTMX)
    assert swapped.status_code == 200
    assert swapped.text.lstrip().startswith('<section id="fragor"')
    assert "<em>lång</em>" in swapped.text and "<html" not in swapped.text

    plain = client.post(f"/cases/{case.id}/fragor", data={"body": "Och vad kostade det?"})
    assert plain.status_code == 303
    assert plain.headers["Location"].endswith(f"/cases/{case.id}#fragor")
    assert "Frågan är skickad" in client.get(plain.headers["Location"]).text
    fresh(db)
    assert len(db.scalars(select(Question)).all()) == 2


def test_a_bad_question_shows_the_error_in_the_fragment_or_the_whole_page(client, auth, db,
                                                                          users, published_case):
    case = published_case()
    auth.login("coordinator")
    swapped = client.post(f"/cases/{case.id}/fragor", data={"body": ""}, headers=HTMX)
    assert swapped.status_code == 422
    assert 'id="error-summary"' in swapped.text and "Fråga: måste fyllas i." in swapped.text
    assert 'aria-invalid="true"' in swapped.text and "<html" not in swapped.text
    plain = client.post(f"/cases/{case.id}/fragor", data={"body": ""})
    assert plain.status_code == 422
    assert "<html" in plain.text and "Fråga: måste fyllas i." in plain.text
    assert case.title in plain.text


def test_the_author_answers_on_the_page_and_the_thread_shows_it(client, auth, db, users,
        published_case):
    case = published_case()
    question = questions.ask_question(db, users["coordinator"], case, {"body": "Hur?"})
    auth.login("staff")
    page = client.get(f"/cases/{case.id}")
    assert "Svara på frågan" in page.text
    response = client.post(f"/cases/{case.id}/fragor/{question.id}/svar",
                           data={"body": "Vi knackade dörr."}, headers=HTMX)
    assert response.status_code == 200 and "Vi knackade dörr." in response.text
    auth.logout()
    auth.login("staff2")
    page = client.get(f"/cases/{case.id}")
    assert "Vi knackade dörr." in page.text and "Svara på frågan" not in page.text
    assert client.post(f"/cases/{case.id}/fragor/{question.id}/svar",
                       data={"body": "Jag med"}).status_code == 403
    fresh(db)
    assert [a.body for a in db.scalars(select(Answer))] == ["Vi knackade dörr."]


def test_a_question_id_from_another_case_is_not_found(client, auth, db, users, published_case):
    first, second = published_case(), published_case(title="Ett annat exempel")
    question = questions.ask_question(db, users["coordinator"], first, {"body": "Hur?"})
    auth.login("staff")
    assert client.post(f"/cases/{second.id}/fragor/{question.id}/svar",
                       data={"body": "Fel tråd"}).status_code == 404


def test_question_text_is_sanitised(client, auth, db, users, published_case):
    case = published_case()
    auth.login("coordinator")
    client.post(f"/cases/{case.id}/fragor",
                data={"body": '<script>alert(1)</script> [x](javascript:alert(1))'})
    page = client.get(f"/cases/{case.id}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown as text, never run
    assert "<script>alert" not in page and 'href="javascript:' not in page


def test_exchange_posts_need_the_csrf_token(app, client, auth, db, users, published_case):
    case = published_case()
    auth.login("coordinator")
    app.config["WTF_CSRF_ENABLED"] = True
    refused = client.post(f"/cases/{case.id}/fragor", data={"body": "Utan nyckel"},
                          headers=HTMX)
    assert refused.status_code == 400
    page = client.get(f"/cases/{case.id}").text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    accepted = client.post(f"/cases/{case.id}/fragor",
                           data={"body": "Med nyckel", "csrf_token": token}, headers=HTMX)
    assert accepted.status_code == 200 and "Med nyckel" in accepted.text
