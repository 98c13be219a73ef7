"""The case lifecycle through the domain functions and through HTTP."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from knowledge.cases import lifecycle as cases
from knowledge.cases.models import Case, CaseRevision
from knowledge.search.models import OutboxEntry
from knowledge.accounts.permissions import PermissionDenied
from knowledge.cases.validation import ValidationError
from tests.conftest import case_data


def outbox_ids(db, case_id):
    return list(db.scalars(select(OutboxEntry.id).where(OutboxEntry.case_id == case_id)))


def test_full_lifecycle_through_domain(db, users):
    staff, editor = users["staff"], users["editor"]
    case = cases.create_case(db, staff, case_data())
    assert case.status == "draft" and case.author_id == staff.id
    assert outbox_ids(db, case.id) == []  # a draft is not searchable

    cases.submit_case(db, staff, case)
    cases.return_case(db, editor, case, "Beskriv resultaten med siffror.")
    assert case.status == "returned" and case.review_comment == "Beskriv resultaten med siffror."

    cases.update_case(db, staff, case, {"results": "Otryggheten minskade från 41 % till 29 %."},
                      submit=True)
    assert case.status == "submitted"
    cases.publish_case(db, editor, case)
    assert case.status == "published" and case.published_at is not None
    assert len(outbox_ids(db, case.id)) == 1

    cases.archive_case(db, editor, case)
    assert case.status == "archived"
    assert len(outbox_ids(db, case.id)) == 2  # leaving "published" must reach the index too

    actions = [r.action for r in db.scalars(select(CaseRevision).where(
        CaseRevision.case_id == case.id).order_by(CaseRevision.id))]
    assert actions == ["created", "submitted", "returned", "updated", "submitted",
                       "published", "archived"]


def test_revision_records_old_and_new_values(db, users):
    case = cases.create_case(db, users["staff"], case_data())
    cases.update_case(db, users["staff"], case, {"title": "Ny rubrik", "priority_areas":
                                                 ["otrygga-platser", "unga-i-riskzon"]})
    revision = db.scalars(select(CaseRevision).where(CaseRevision.action == "updated")).one()
    assert revision.user_id == users["staff"].id
    assert revision.changes["title"] == ["Trygghetsvandringar med boende i Husby", "Ny rubrik"]
    assert revision.changes["priority_areas"] == [["otrygga-platser"],
                                                  ["otrygga-platser", "unga-i-riskzon"]]
    assert set(revision.changes) == {"title", "priority_areas"}


def test_editing_a_published_case_writes_an_outbox_row(db, users):
    case = cases.create_case(db, users["staff"], case_data(), submit=True)
    cases.publish_case(db, users["editor"], case)
    before = len(outbox_ids(db, case.id))
    cases.update_case(db, users["editor"], case, {"summary": "Uppdaterad sammanfattning."})
    assert len(outbox_ids(db, case.id)) == before + 1


def test_nothing_is_written_when_validation_fails(db, users):
    with pytest.raises(ValidationError):
        cases.create_case(db, users["staff"], case_data(title="  "))
    db.rollback()
    assert db.scalar(select(Case.id)) is None
    assert db.scalar(select(CaseRevision.id)) is None


@pytest.mark.parametrize("role", ["coordinator", "staff2", "admin"])
def test_only_editors_publish_return_archive_and_feature(db, users, role):
    case = cases.create_case(db, users["staff"], case_data(), submit=True)
    for action in (cases.publish_case, cases.archive_case, cases.feature_case,
                   cases.unfeature_case):
        with pytest.raises(PermissionDenied):
            action(db, users[role], case)
    with pytest.raises(PermissionDenied):
        cases.return_case(db, users[role], case, "kommentar")
    assert db.get(Case, case.id).status == "submitted"


def test_colleague_cannot_see_or_edit_or_submit_someone_elses_draft(db, users):
    case = cases.create_case(db, users["staff"], case_data())
    with pytest.raises(cases.NotFound):
        cases.get_case(db, users["staff2"], case.id)
    with pytest.raises(cases.NotFound):
        cases.get_case(db, users["editor"], case.id)  # drafts are private until submitted
    with pytest.raises(PermissionDenied):
        cases.update_case(db, users["staff2"], case, {"title": "Kapad"})
    with pytest.raises(PermissionDenied):
        cases.submit_case(db, users["staff2"], case)


def test_admin_may_not_write_cases(db, users):
    with pytest.raises(PermissionDenied):
        cases.create_case(db, users["admin"], case_data())


def test_author_cannot_edit_after_submitting(db, users):
    case = cases.create_case(db, users["staff"], case_data(), submit=True)
    with pytest.raises(PermissionDenied):
        cases.update_case(db, users["staff"], case, {"title": "Ändrad efteråt"})


def test_return_needs_a_comment(db, users):
    case = cases.create_case(db, users["staff"], case_data(), submit=True)
    with pytest.raises(ValidationError) as raised:
        cases.return_case(db, users["editor"], case, "   ")
    assert raised.value.errors[0].field == "comment"


def test_invalid_transitions_are_refused(db, users):
    case = cases.create_case(db, users["staff"], case_data())
    with pytest.raises(cases.InvalidTransition):
        cases.publish_case(db, users["editor"], case)  # a draft must be submitted first
    cases.submit_case(db, users["staff"], case)
    with pytest.raises(cases.InvalidTransition):
        cases.submit_case(db, users["staff"], case)


def test_feature_and_unfeature_order_the_start_page(db, users):
    first = cases.create_case(db, users["staff"], case_data(title="Första"), submit=True)
    second = cases.create_case(db, users["staff"], case_data(title="Andra"), submit=True)
    for case in (first, second):
        cases.publish_case(db, users["editor"], case)
    cases.feature_case(db, users["editor"], second, "Bra uppföljning")
    cases.feature_case(db, users["editor"], first)
    assert second.featured_position < first.featured_position
    assert second.featured_reason == "Bra uppföljning"
    cases.unfeature_case(db, users["editor"], second)
    assert second.featured_position is None
