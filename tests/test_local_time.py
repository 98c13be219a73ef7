"""Times are stored in UTC and shown as Stockholm time everywhere people read them."""
from __future__ import annotations

from datetime import datetime
from html import unescape

from sqlalchemy import update

from knowledge.cases import lifecycle as cases
from knowledge.exchange.models import Notification, Question
from knowledge.exchange.questions import ask_question
from knowledge.audit.models import AuditEvent
from knowledge.cases.models import CaseRevision
from knowledge.core.timezones import to_local
from tests.conftest import case_data

# 00:05 on 1 December in Stockholm (winter time, UTC+1) is 23:05 on 30 November in UTC.
JUST_AFTER_MIDNIGHT_UTC = datetime(2026, 11, 30, 23, 5)


def test_just_after_midnight_in_stockholm_is_shown_as_the_new_day(client, auth, db, users):
    case = cases.create_case(db, users["staff"], case_data(), submit=True)
    cases.publish_case(db, users["editor"], case)
    ask_question(db, users["coordinator"], case, {"body": "Hur fick ni med fastighetsägarna?"})
    for model, column in ((CaseRevision, CaseRevision.created_at), (AuditEvent, AuditEvent.at),
                          (Question, Question.created_at),
                          (Notification, Notification.created_at)):
        db.execute(update(model).values({column: JUST_AFTER_MIDNIGHT_UTC}))
    db.commit()

    auth.login("staff")  # the author: sees the history and the notification of the question
    page = unescape(client.get(f"/cases/{case.id}").text)
    assert "2026-12-01 00:05" in page                                   # history
    assert '<time datetime="2026-11-30T23:05:00Z">2026-12-01 00:05</time>' in page
    assert "frågade <time datetime=\"2026-11-30T23:05:00Z\">2026-12-01</time>" in page
    assert "23:05" not in page.replace("T23:05", "") and "2026-11-30" not in \
        page.replace('"2026-11-30T', "")
    notes = unescape(client.get("/notiser").text)
    assert "2026-12-01 00:05" in notes and "2026-11-30 23:05" not in notes
    auth.logout()

    auth.login("admin")
    audit = unescape(client.get("/admin/audit").text)
    assert "2026-12-01 00:05:00" in audit and "2026-11-30 23:05" not in audit


def test_summer_time_is_two_hours_ahead_of_utc():
    assert to_local(datetime(2026, 7, 1, 10, 0)).strftime("%H:%M") == "12:00"
    assert to_local(datetime(2026, 1, 15, 10, 0)).strftime("%H:%M") == "11:00"


def test_a_case_published_just_after_new_year_in_stockholm_counts_in_the_new_year(db, users):
    from knowledge.reports import followup as reports
    from knowledge.cases.models import Case
    case = cases.create_case(db, users["staff"], case_data(start_date=None, end_date=None),
                             submit=True)
    cases.publish_case(db, users["editor"], case)
    # 00:30 on 1 January 2026 in Stockholm is still 2025 in UTC.
    db.execute(update(Case).values(published_at=datetime(2025, 12, 31, 23, 30)))
    db.commit()
    assert reports.compile_year(db, users["staff"], "2026").case_ids == [case.id]
    assert reports.compile_year(db, users["staff"], "2025").case_ids == []
    stats = reports.case_statistics(db, users["staff"])
    assert stats.years == [2026]
