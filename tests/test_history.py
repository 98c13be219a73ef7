"""Revision history as readable differences, and restoring an earlier version."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from knowledge.cases import lifecycle as cases, history
from knowledge.cases.lifecycle import NotFound, PersonalDataFound
from knowledge.cases.models import CaseRevision
from knowledge.search.models import OutboxEntry
from knowledge.accounts.permissions import PermissionDenied
from tests.conftest import case_data, fresh

PNR = "19811218-9876"  # a test personnummer with a valid check digit


@pytest.fixture
def edited(db, users):
    """A case written, edited twice by its author, published, then edited by an editor."""
    case = cases.create_case(db, users["staff"], case_data(
        results="Andelen otrygga minskade enligt mätningen.\nTvå nya lampor."))
    cases.update_case(db, users["staff"], case, {
        "title": "Trygghetsvandringar i Husby",
        "results": "Andelen otrygga minskade kraftigt enligt mätningen.\nTvå nya lampor.",
        "priority_areas": ["otrygga-platser", "unga-i-riskzon"],
        "partners": ["Familjebostäder"],
    })
    cases.submit_case(db, users["staff"], case)
    cases.publish_case(db, users["editor"], case)
    cases.update_case(db, users["editor"], case, {
        "results": "Otryggheten minskade <script>alert(1)</script> & mer.",
        "evidence_level": "utvarderad-internt",
        "district": "Farsta",
    })
    return case


def revision(case, action, nth=0):
    return [r for r in case.revisions if r.action == action][nth]


def test_differences_are_readable_and_escaped(db, users, edited):
    entries = history.case_history(db, users["editor"], edited)
    assert [e.revision.action for e in entries] == ["updated", "published", "submitted",
                                                     "updated", "created"]
    latest = {c.field: c for c in entries[0].changes}
    assert set(latest) == {"results", "evidence_level", "district"}
    assert latest["results"].label == "Resultat och uppföljning"
    diff = str(latest["results"].html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in diff and "<script>" not in diff
    assert "&amp; mer." in diff                                  # one rewritten stretch
    assert "<del>" in diff and "<ins>" in diff
    assert "Borttaget: " in diff and "Tillagt: " in diff        # said, not only styled
    # Slugs are shown by name, as before → after.
    district = str(latest["district"].html)
    assert "Järva" in district and "Farsta" in district and "→" in district
    assert "Uppföljd" in str(latest["evidence_level"].html)

    first_edit = {c.field: c for c in entries[3].changes}
    words = str(first_edit["results"].html)
    assert re.search(r'<ins><span class="visually-hidden">Tillagt: </span>\s*kraftigt\s*</ins>',
                     words)
    assert "<del>" not in words
    assert "<br>" in words                                       # line breaks kept
    areas = str(first_edit["priority_areas"].html)
    assert ("Otrygga och brottsutsatta platser</span> → " in areas
            and "Otrygga och brottsutsatta platser, Unga i riskzon för destruktivt beteende"
            in areas)
    assert "Lokalpolisområde Rinkeby, Familjebostäder" in str(first_edit["partners"].html)
    # The creation lists what was filled in without comparing against nothing.
    assert all(change.html is None for change in entries[-1].changes)
    # A status change is an action, not a field difference.
    assert entries[1].changes == [] and entries[1].changed_labels == []


def test_long_unchanged_text_is_shortened_around_the_change():
    before = " ".join(f"ord{i}" for i in range(100))
    after = before.replace("ord50", "ORD50")
    html = str(history.word_diff(before, after))
    assert "ORD50" in html and "ord49" in html and "ord1 " not in html and "ord99" not in html
    assert html.count("…") == 2


def test_readers_see_which_fields_changed_but_not_old_text(db, users, edited):
    for who in ("coordinator", "staff2", "admin"):
        entries = history.case_history(db, users[who], edited)
        assert set(entries[0].changed_labels) == {"Resultat och uppföljning", "Kunskapsläge",
                                                  "Stadsdelsområde"}
        assert all(entry.changes == [] for entry in entries)
        assert not any(entry.restorable for entry in entries)
    # The author wrote the old text; she sees the differences, but may not restore.
    entries = history.case_history(db, users["staff"], edited)
    assert entries[0].changes and not any(entry.restorable for entry in entries)


def test_replaying_every_revision_gives_the_current_case(db, users, edited):
    latest = edited.revisions[-1].id
    now = cases.case_fields(edited)
    assert history.fields_as_of(edited, latest) == {
        field: now[field] for field in history.RESTORED_FIELDS}


def test_editor_restores_an_earlier_version_as_a_new_revision(db, users, edited):
    first_edit = revision(edited, "updated", 0)
    wanted = history.fields_as_of(edited, first_edit.id)
    assert wanted["title"] == "Trygghetsvandringar i Husby"
    assert wanted["district"] == "jarva"
    entries = history.case_history(db, users["editor"], edited)
    # Not the current version, and not a status change (its content is the one before).
    assert [e.restorable for e in entries] == [False, False, False, True, True]
    outbox_before = len(db.scalars(select(OutboxEntry)).all())

    history.restore_revision(db, users["editor"], edited, first_edit.id)
    fresh(db)
    assert edited.status == "published"
    assert edited.district.slug == "jarva"
    assert edited.evidence_level == "uppfoljd"
    assert edited.results.startswith("Andelen otrygga minskade kraftigt")
    assert {a.slug for a in edited.areas} == {"otrygga-platser", "unga-i-riskzon"}
    restored = edited.revisions[-1]
    assert restored.action == "restored" and restored.user_id == users["editor"].id
    assert set(restored.changes) == {"results", "evidence_level", "district"}
    assert len(db.scalars(select(OutboxEntry)).all()) == outbox_before + 1  # re-indexed
    assert cases.ACTION_LABELS["restored"]

    # Back to the creation: the title and the areas change back too.
    history.restore_revision(db, users["editor"], edited, revision(edited, "created").id)
    fresh(db)
    assert edited.title == "Trygghetsvandringar med boende i Husby"
    assert edited.partners == ["Lokalpolisområde Rinkeby", "Familjebostäder"]
    assert [a.slug for a in edited.areas] == ["otrygga-platser"]


def test_only_editors_restore_and_not_drafts(db, users, edited):
    first = revision(edited, "created").id
    for who in ("staff", "staff2", "coordinator", "admin"):
        with pytest.raises(PermissionDenied):
            history.restore_revision(db, users[who], edited, first)
    draft = cases.create_case(db, users["editor"], case_data())
    with pytest.raises(PermissionDenied):
        history.restore_revision(db, users["editor"], draft, draft.revisions[0].id)
    # A revision of another case is not found through this one.
    with pytest.raises(NotFound):
        history.restore_revision(db, users["editor"], edited, draft.revisions[0].id)
    fresh(db)
    assert [r.action for r in edited.revisions].count("restored") == 0


def test_restoring_removed_personal_data_onto_a_published_case_is_refused(db, users):
    case = cases.create_case(db, users["staff"], case_data(situation=f"Ärende {PNR}."))
    cases.update_case(db, users["staff"], case, {"situation": "Ärendet avidentifierat."})
    cases.submit_case(db, users["staff"], case)
    cases.publish_case(db, users["editor"], case)
    with pytest.raises(PersonalDataFound):
        history.restore_revision(db, users["editor"], case, revision(case, "created").id)
    fresh(db)
    assert case.situation == "Ärendet avidentifierat."


def test_case_page_shows_differences_and_restore_to_editors_only(client, auth, edited):
    auth.login("editor")
    page = client.get(f"/cases/{edited.id}").text
    assert "Visa ändringarna" in page and "<del>" in page
    assert page.count("Återställ den här versionen") == 2
    assert "&lt;script&gt;" in page
    auth.logout()
    auth.login("coordinator")
    page = client.get(f"/cases/{edited.id}").text
    assert "Versionshistorik" in page and "Resultat och uppföljning" in page
    assert "<del>" not in page and "Återställ den här versionen" not in page


def test_restore_route(client, auth, db, users, edited):
    first_edit = revision(edited, "updated", 0)
    url = f"/cases/{edited.id}/revisions/{first_edit.id}/restore"
    auth.login("coordinator")
    assert client.post(url).status_code == 403
    auth.logout()
    auth.login("editor")
    response = client.post(url)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/cases/{edited.id}")
    assert "återställd" in client.get(response.headers["Location"]).text
    fresh(db)
    assert edited.revisions[-1].action == "restored"
    assert client.post(f"/cases/{edited.id}/revisions/999999/restore").status_code == 404
    assert db.scalar(select(CaseRevision.id).where(CaseRevision.action == "restored"))
