"""Destructive actions ask first, on a page of their own (no JavaScript needed), and only
after the permission check; the question changes nothing."""
from __future__ import annotations

from sqlalchemy import select

from knowledge.exchange import feeds
from knowledge.exchange.models import Collection
from knowledge.cases.models import Case
from knowledge.taxonomy.models import District
from knowledge.accounts.models import User
from tests.conftest import fresh
from tests.test_exchange_authorization import with_collection


def asks(response, confirm_label: str) -> None:
    assert response.status_code == 200
    assert f'<button type="submit" class="button danger">{confirm_label}</button>' \
        in response.text
    assert '<input type="hidden" name="confirmed" value="1">' in response.text


def test_archive_asks_then_archives(client, auth, db, users, published_case):
    case = published_case()
    auth.login("editor")
    asks(client.post(f"/cases/{case.id}/archive"), "Ja, arkivera")
    fresh(db)
    assert db.get(Case, case.id).status == "published"
    assert client.post(f"/cases/{case.id}/archive",
                       data={"confirmed": "1"}).status_code == 303
    fresh(db)
    assert db.get(Case, case.id).status == "archived"


def test_the_question_is_not_shown_to_those_who_may_not_act(client, auth, db, users,
                                                            published_case):
    case = published_case()
    auth.login("coordinator")
    assert client.post(f"/cases/{case.id}/archive").status_code in (403, 404)
    assert client.post(f"/admin/users/{users['staff'].id}/active",
                       data={"active": "0"}).status_code in (403, 404)
    assert client.post("/taxonomy/districts/merge",
                       data={"sources": "1", "name": "X"}).status_code in (403, 404)


def test_deleting_a_theme_asks_first(client, auth, db, users, published_case):
    slug = with_collection(db, users, published_case).route_values["slug"]
    auth.login("editor")
    asks(client.post(f"/teman/{slug}/ta-bort"), "Ja, ta bort temat")
    assert db.scalar(select(Collection.id).where(Collection.slug == slug)) is not None


def test_merging_districts_asks_first_and_errors_sit_by_the_merge_form(client, auth, db,
                                                                        users):
    farsta = db.scalar(select(District.id).where(District.slug == "farsta"))
    auth.login("editor")
    question = client.post("/taxonomy/districts/merge",
                           data={"sources": str(farsta), "name": "Söderort"})
    asks(question, "Ja, slå ihop")
    assert f'name="sources" value="{farsta}"' in question.text  # the choice is carried over
    assert db.scalar(select(District.id).where(District.slug == "soderort")) is None

    # Without a name: the error is at the merge form's name field, not the revision form's.
    refused = client.post("/taxonomy/districts/merge", data={"sources": str(farsta)})
    assert refused.status_code == 422
    merge_form = refused.text.split('id="districts-heading"')[1]
    assert 'id="merge-name-error"' in merge_form and "Nytt namn: ange namnet" in merge_form
    assert "Nytt namn" not in refused.text.split('id="districts-heading"')[0]


def test_deactivating_asks_first_and_activating_does_not(client, auth, db, users):
    staff = users["staff"]
    auth.login("admin")
    asks(client.post(f"/admin/users/{staff.id}/active", data={"active": "0"}),
         "Ja, avaktivera")
    fresh(db)
    assert db.get(User, staff.id).active
    assert client.post(f"/admin/users/{staff.id}/active",
                       data={"active": "0", "confirmed": "1"}).status_code == 303
    assert client.post(f"/admin/users/{staff.id}/active",
                       data={"active": "1"}).status_code == 303
    fresh(db)
    assert db.get(User, staff.id).active


def test_revoking_the_feed_key_asks_first(client, auth, db, users):
    auth.login("coordinator")
    client.post("/installningar/flodesnyckel")
    asks(client.post("/installningar/flodesnyckel/sparra"), "Ja, spärra nyckeln")
    fresh(db)
    assert feeds.active_feed_token(db, db.get(User, users["coordinator"].id)) is not None
