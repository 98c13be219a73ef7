"""Who may use the exchange routes: the setups that tests/test_authorization.py's EXPECTED
rows use for routes below a case's own objects, and the feed-token side of authorization
(which the route × role matrix, logging in with a session, cannot see)."""
from __future__ import annotations

import feedparser
from sqlalchemy import select

from knowledge.exchange import adoptions, collections, feeds, follows, questions
from knowledge.accounts.models import FeedToken
from knowledge.exchange.models import Notification
from knowledge.audit.models import AuditEvent
from tests.conftest import fresh


# --- setups: each returns a published case, with `route_values` for the other URL parts ---
# (called with the test's db, users and published_case fixtures)

def published(db, users, published_case):
    case = published_case()
    case.route_values = {}
    return case


def with_question(db, users, published_case):
    case = published(db, users, published_case)
    question = questions.ask_question(db, users["coordinator"], case,
                                      {"body": "Hur fick ni med de boende?"})
    case.route_values = {"question_id": question.id}
    return case


def with_adoption(db, users, published_case):
    case = published(db, users, published_case)
    report = adoptions.report_adoption(db, users["coordinator"], case, {
        "district": "Farsta", "context": "Vi provade i Hökarängen.", "status": "pagar"})
    case.route_values = {"report_id": report.id}
    return case


def with_collection(db, users, published_case):
    case = published(db, users, published_case)
    theme = collections.create_collection(db, users["editor"], {"title": "Sommarlovet"})
    collections.add_case(db, users["editor"], theme, case.id)
    case.route_values = {"slug": theme.slug}
    return case


def with_notification(db, users, published_case):
    """A notification of the staff member's (a question on her case)."""
    case = with_question(db, users, published_case)
    note = db.scalar(select(Notification).where(Notification.user_id == users["staff"].id))
    case.route_values = {"notification_id": note.id}
    return case


def with_follow(db, users, published_case):
    """A follow of the staff member's."""
    case = published(db, users, published_case)
    row = follows.follow(db, users["staff"], "area", "unga-i-riskzon")
    case.route_values = {"follow_id": row.id}
    return case


# --- feed tokens ----------------------------------------------------------------------------

def test_feeds_accept_a_valid_token_without_login_and_refuse_a_bad_or_revoked_one(
        app, client, db, users, published_case):
    case = with_collection(db, users, published_case)
    token = feeds.issue_feed_token(db, users["coordinator"])
    stored = db.scalar(select(FeedToken).where(FeedToken.user_id == users["coordinator"].id))
    assert token.startswith("ef_") and token not in stored.token_hash  # only the hash is kept

    response = client.get(f"/feeds/teman/sommarlovet?token={token}")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    parsed = feedparser.parse(response.data)
    assert [entry.title for entry in parsed.entries] == [case.title]

    assert client.get("/feeds/teman/sommarlovet?token=ef_wrong").status_code == 401
    assert client.get("/feeds/search?token=eb_not-a-feed-token").status_code == 401
    no_token = client.get("/feeds/teman/sommarlovet")
    assert no_token.status_code == 302 and "/login?next=" in no_token.headers["Location"]

    feeds.revoke_feed_tokens(db, users["coordinator"])
    assert client.get(f"/feeds/teman/sommarlovet?token={token}").status_code == 401


def test_a_new_token_replaces_the_old_and_a_deactivated_user_loses_her_feeds(
        client, db, users, published_case):
    published(db, users, published_case)
    first = feeds.issue_feed_token(db, users["staff2"])
    second = feeds.issue_feed_token(db, users["staff2"])
    assert client.get(f"/feeds/search?token={first}").status_code == 401
    assert client.get(f"/feeds/search?token={second}").status_code == 200
    users["staff2"].active = False
    db.commit()
    assert client.get(f"/feeds/search?token={second}").status_code == 401


def test_creating_and_revoking_a_token_through_the_settings_page_is_audited(
        client, auth, db, users):
    auth.login("coordinator")
    page = client.post("/installningar/flodesnyckel")
    assert page.status_code == 200
    assert "Din nya flödesnyckel" in page.text and "ef_" in page.text
    token = page.text.split("<code>ef_", 1)[1].split("</code>", 1)[0]
    assert client.get(f"/feeds/search?token=ef_{token}").status_code == 200
    assert client.get("/installningar").text.count("ef_") == 0  # shown once, never again
    assert client.post("/installningar/flodesnyckel/sparra",
                       data={"confirmed": "1"}).status_code == 303
    fresh(db)
    events = [e.event for e in db.scalars(select(AuditEvent))]
    assert "feed_token_created" in events and "feed_token_revoked" in events
    assert client.get(f"/feeds/search?token=ef_{token}").status_code == 401
