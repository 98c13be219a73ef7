"""Themes (Teman), stale cases and bookmarks; and that migration 0004 matches the models."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from knowledge.cases import lifecycle as cases
from knowledge.exchange import bookmarks, collections, stale
from knowledge.exchange.collect import collect_stale
from knowledge.exchange.models import Notification
from knowledge.audit.models import AuditEvent
from knowledge.cases.models import Case, CaseRevision
from knowledge.core.base import utcnow
from knowledge.accounts.permissions import PermissionDenied
from knowledge.cases.validation import ValidationError
from tests.conftest import case_data

HTMX = {"HX-Request": "true"}


# --- themes ---------------------------------------------------------------------------------

def test_editors_curate_themes_and_others_may_not(db, users):
    with pytest.raises(PermissionDenied):
        collections.create_collection(db, users["coordinator"], {"title": "Sommarlovet"})
    theme = collections.create_collection(db, users["editor"], {
        "title": "Trygg i tunnelbanan!", "introduction": "Om **stationer**.", "featured": "1"})
    assert (theme.slug, theme.featured) == ("trygg-i-tunnelbanan", True)
    with pytest.raises(ValidationError) as taken:
        collections.create_collection(db, users["editor"], {"title": "Annat",
                                                            "slug": "trygg-i-tunnelbanan"})
    assert "används redan" in taken.value.by_field()["slug"][0]
    with pytest.raises(ValidationError) as bad:
        collections.create_collection(db, users["editor"], {"title": "", "slug": "Nytt Ä"})
    assert set(bad.value.by_field()) == {"title", "slug"}
    with pytest.raises(ValidationError):
        collections.create_collection(db, users["editor"], {"title": "Nytt"})  # /teman/nytt
    events = db.scalars(select(AuditEvent.event)).all()
    assert events.count("collection_created") == 1


def test_a_theme_holds_published_cases_in_the_editors_order(db, users, published_case):
    a, b, c = (published_case(title=t) for t in ("Alfa", "Beta", "Gamma"))
    draft = cases.create_case(db, users["staff"], case_data(title="Utkast"))
    theme = collections.create_collection(db, users["editor"], {"title": "Sommarlovet"})
    for ref in (a.id, f"https://erfarenhetsbanken.test/cases/{b.id}", f"/cases/{c.id}#x"):
        collections.add_case(db, users["editor"], theme, ref)
    with pytest.raises(ValidationError):
        collections.add_case(db, users["editor"], theme, draft.id)  # not published
    with pytest.raises(ValidationError) as twice:
        collections.add_case(db, users["editor"], theme, a.id)
    assert "finns redan i temat" in twice.value.by_field()["case"][0]
    collections.move_case(db, users["editor"], theme, c.id, "up")
    collections.move_case(db, users["editor"], theme, a.id, "up")  # already first: no change
    assert [x.title for x in collections.published_cases(theme)] == ["Alfa", "Gamma", "Beta"]
    collections.remove_case(db, users["editor"], theme, a.id)
    cases.archive_case(db, users["editor"], b)
    assert [x.title for x in collections.published_cases(theme)] == ["Gamma"]
    assert [t.slug for t in collections.collections_with_case(db, c)] == ["sommarlovet"]


def test_theme_pages_start_page_and_editing_with_htmx(client, auth, db, users, published_case):
    case = published_case()
    auth.login("editor")
    created = client.post("/teman/nytt", data={"title": "Sommarlovet", "featured": "1",
                                               "introduction": "Tips inför **sommaren**."})
    assert created.status_code == 303
    assert created.headers["Location"].endswith("/teman/sommarlovet/redigera")
    added = client.post("/teman/sommarlovet/exempel", data={"case": str(case.id)},
                        headers=HTMX)
    assert added.status_code == 200 and added.text.lstrip().startswith('<section id="exempel"')
    assert case.title in added.text
    refused = client.post("/teman/sommarlovet/exempel", data={"case": "9999"}, headers=HTMX)
    assert refused.status_code == 422 and "ange numret eller adressen" in refused.text
    auth.logout()

    auth.login("coordinator")
    start = client.get("/").text
    assert 'href="/teman/sommarlovet"' in start  # featured on the start page
    page = client.get("/teman/sommarlovet").text
    assert "<strong>sommaren</strong>" in page and case.title in page
    assert "Redigera temat" not in page
    assert 'Ingår i temat\n  <a href="/teman/sommarlovet">' in client.get(
        f"/cases/{case.id}").text
    assert client.get("/teman/sommarlovet/redigera").status_code == 403


# --- stale cases ----------------------------------------------------------------------------

def age(db, case, days):
    """Pretend the case was published, and its revisions written, `days` ago."""
    past = utcnow() - timedelta(days=days)
    db.execute(update(Case).where(Case.id == case.id).values(published_at=past))
    db.execute(update(CaseRevision).where(CaseRevision.case_id == case.id)
               .values(created_at=past))
    db.commit()
    db.expire_all()


def test_a_case_unreviewed_for_a_year_is_flagged_until_confirmed(db, users, published_case):
    case = published_case()
    assert stale.stale_since(db, case) is None
    age(db, case, 400)
    assert stale.stale_since(db, case) is not None
    assert [s.case.id for s in stale.stale_cases(db, users["editor"])] == [case.id]
    with pytest.raises(PermissionDenied):
        stale.stale_cases(db, users["staff"])
    with pytest.raises(PermissionDenied):
        stale.confirm_current(db, users["staff2"], case)
    stale.confirm_current(db, users["staff"], case, "Pågår fortfarande.")
    assert stale.stale_since(db, case) is None
    last = db.scalars(select(CaseRevision).where(CaseRevision.case_id == case.id)
                      .order_by(CaseRevision.id.desc())).first()
    assert (last.action, last.comment) == ("reviewed", "Pågår fortfarande.")
    assert cases.ACTION_LABELS["reviewed"] == "Bekräftade att exemplet är aktuellt"


def test_an_update_counts_as_a_review(db, users, published_case):
    case = published_case()
    age(db, case, 400)
    cases.update_case(db, users["editor"], case, {"results": "Nya siffror för 2026."})
    assert stale.stale_since(db, case) is None


def test_the_author_is_told_once_per_stale_period(db, users, published_case):
    case = published_case()
    age(db, case, 400)
    assert collect_stale(db) == 1
    db.commit()  # the test is the command: each collection is committed by its caller
    assert collect_stale(db) == 0
    note = db.scalars(select(Notification)).one()
    assert (note.user_id, note.kind) == (users["staff"].id, "stale")
    assert "har inte setts över sedan" in note.message


def test_the_notice_shows_to_author_and_editors_and_confirming_swaps_it(client, auth, db,
                                                                        users, published_case):
    case = published_case()
    age(db, case, 400)
    auth.login("staff2")
    assert "Är exemplet fortfarande aktuellt?" not in client.get(f"/cases/{case.id}").text
    auth.logout()
    auth.login("editor")
    assert case.title in client.get("/aktualitet").text
    auth.logout()
    auth.login("staff")
    assert "Är exemplet fortfarande aktuellt?" in client.get(f"/cases/{case.id}").text
    swapped = client.post(f"/cases/{case.id}/aktuell", headers=HTMX)
    assert swapped.status_code == 200 and "aktuellt i ett år till" in swapped.text
    assert "Är exemplet fortfarande aktuellt?" not in client.get(f"/cases/{case.id}").text
    assert "Bekräftade att exemplet är aktuellt" in client.get(f"/cases/{case.id}").text


# --- bookmarks ------------------------------------------------------------------------------

def test_bookmarks_toggle_and_list_only_visible_cases(db, users, published_case):
    case, other = published_case(), published_case(title="Nattvandring")
    draft = cases.create_case(db, users["staff"], case_data(title="Mitt utkast"))
    assert bookmarks.toggle_bookmark(db, users["coordinator"], case) is True
    bookmarks.toggle_bookmark(db, users["coordinator"], other)
    with pytest.raises(PermissionDenied):
        bookmarks.toggle_bookmark(db, users["coordinator"], draft)  # not hers to see
    bookmarks.toggle_bookmark(db, users["staff"], draft)  # her own draft: fine
    cases.archive_case(db, users["editor"], other)
    assert [b.case.title for b in bookmarks.list_bookmarks(db, users["coordinator"])] == [
        case.title]
    assert bookmarks.toggle_bookmark(db, users["coordinator"], case) is False
    assert bookmarks.list_bookmarks(db, users["coordinator"]) == []


def test_spara_on_the_case_page_and_mina_sparade(client, auth, db, users, published_case):
    case = published_case()
    auth.login("coordinator")
    page = client.get(f"/cases/{case.id}").text
    assert 'aria-pressed="false">Lägg till i Mina sparade</button>' in page
    swapped = client.post(f"/cases/{case.id}/spara", headers=HTMX)
    assert 'aria-pressed="true">Sparad i Mina sparade</button>' in swapped.text and "<html" not in swapped.text
    saved = client.get("/sparade").text
    assert case.title in saved and 'name="next" value="/sparade"' in saved
    removed = client.post(f"/cases/{case.id}/spara", data={"next": "/sparade"})
    assert removed.status_code == 303 and removed.headers["Location"].endswith("/sparade")
    assert "Du har inte sparat några exempel" in client.get("/sparade").text
    evil = client.post(f"/cases/{case.id}/spara", data={"next": "//evil.example/"})
    assert evil.headers["Location"].endswith(f"/cases/{case.id}")  # no open redirect


# --- schema ---------------------------------------------------------------------------------

@pytest.mark.own_database  # compares the schema on a connection of its own
def test_migration_0004_creates_exactly_the_exchange_tables(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from knowledge.all_models import Base

    with app.extensions["db_engine"].connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    exchange_tables = {"case_questions", "case_answers", "adoption_reports",
                       "adoption_updates", "follows", "notifications", "exchange_preferences",
                       "feed_tokens", "exchange_scan_positions", "collections",
                       "collection_items", "bookmarks"}

    # Whatever else differs belongs to other migrations; nothing may concern our tables.
    ours = [op for op in diff if any(f"'{table}'" in repr(op) for table in exchange_tables)]
    assert ours == []
    assert exchange_tables <= set(Base.metadata.tables)


def test_editors_find_a_case_for_a_theme_by_its_title(client, auth, db, users, published_case):
    case = published_case()
    case.title = "Ängby: ljus i tunneln"
    db.commit()
    theme = collections.create_collection(db, users["editor"], {"title": "Ljus"})
    auth.login("editor")
    # As she types (htmx): suggestions by words of the title, any case, Å Ä Ö included.
    answer = client.get(f"/teman/{theme.slug}/forslag?case=ängby+TUNNELN",
                        headers={"HX-Request": "true"})
    assert answer.status_code == 200
    assert f'name="case" value="{case.id}"' in answer.text and "Ängby: ljus i tunneln" in answer.text
    # Without JavaScript: a typed title that is not exact comes back with the suggestions.
    refused = client.post(f"/teman/{theme.slug}/exempel", data={"case": "ängby"})
    assert refused.status_code == 422 and f'name="case" value="{case.id}"' in refused.text
    # The exact title adds it, as the number does.
    assert client.post(f"/teman/{theme.slug}/exempel",
                       data={"case": "ängby: ljus i tunneln"}).status_code == 303
    db.expire_all()
    assert [item.case_id for item in db.get(type(theme), theme.id).items] == [case.id]
