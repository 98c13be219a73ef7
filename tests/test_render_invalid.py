"""render_invalid: a refused write keeps nothing, even when the request commits at its end."""
from __future__ import annotations

from sqlalchemy import func, select

from knowledge.audit.models import AuditEvent
from knowledge.web.support import get_db, render_invalid


def test_what_the_refused_write_began_is_rolled_back_before_the_page(app, db):
    with app.test_request_context("/", method="POST"):
        session = get_db()
        session.add(AuditEvent(event="half-written", target="case:1"))
        session.flush()  # as a domain function does before it finds the input wrong
        seen_by_page = []

        def page(heading, *, errors):
            seen_by_page.append(session.scalar(select(func.count(AuditEvent.id))
                                               .where(AuditEvent.event == "half-written")))
            return f"<h1>{heading}</h1><p>{errors['title'][0]}</p>"

        response = render_invalid(page, "Rätta", errors={"title": ["Rubrik: måste fyllas i."]})
        session.commit()  # the request's own commit at its boundary finds nothing to keep

    assert response.status_code == 422
    assert "Rubrik: måste fyllas i." in response.get_data(as_text=True)
    assert seen_by_page == [0]  # the page shows what is saved, not the half-written row
    assert db.scalar(select(func.count(AuditEvent.id))
                     .where(AuditEvent.event == "half-written")) == 0


def test_an_edit_conflict_answers_409(app):
    with app.test_request_context("/", method="POST"):
        response = render_invalid(lambda: "<p>Någon annan har sparat</p>", status=409)
    assert response.status_code == 409
