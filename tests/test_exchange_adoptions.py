""""Vi har provat detta": adoption reports, updates, the chain, and adoption counts."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from knowledge.cases import lifecycle as cases
from knowledge.cases.lifecycle import InvalidTransition
from knowledge.exchange import adoptions, follows
from knowledge.exchange.models import AdoptionReport, Notification
from knowledge.search.models import OutboxEntry
from knowledge.accounts.permissions import PermissionDenied
from knowledge.cases.validation import ValidationError
from tests.conftest import case_data, fresh

HTMX = {"HX-Request": "true"}


def report(db, user, case, district="Farsta", status="pagar", **more):
    return adoptions.report_adoption(db, user, case, {
        "district": district, "context": "Hökarängen, unga 13–16 år.", "status": status,
        **more})


def test_a_report_is_stored_reindexes_the_case_and_tells_author_and_followers(db, users,
        published_case):
    case = published_case()
    follows.follow(db, users["editor"], "case", str(case.id))
    outbox_before = db.scalar(select(func.count(OutboxEntry.id)))
    made = report(db, users["coordinator"], case, changes="Kortare pass.",
                  outcome="Fler deltog.", status="Genomförd")  # the label is understood too
    assert (made.district.name, made.status, made.changes) == ("Farsta", "genomford",
                                                               "Kortare pass.")
    assert db.scalar(select(func.count(OutboxEntry.id))) == outbox_before + 1
    told = db.scalars(select(Notification).where(Notification.kind == "adoption")).all()
    assert {n.user_id for n in told} == {users["staff"].id, users["editor"].id}
    assert "Farsta har provat" in told[0].message and "genomförd" in told[0].message


def test_bad_input_names_every_field_and_lists_valid_values(db, users, published_case):
    case = published_case()
    with pytest.raises(ValidationError) as error:
        adoptions.report_adoption(db, users["coordinator"], case,
                                  {"district": "Atlantis", "context": "", "status": "kanske"})
    by_field = error.value.by_field()
    assert set(by_field) == {"district", "context", "status"}
    assert "Atlantis" in by_field["district"][0] and "Farsta" in by_field["district"][0]
    assert "planerad (Planerad), pagar (Pågår), genomford (Genomförd)" in by_field["status"][0]
    assert by_field["context"] == ["Vårt sammanhang: måste fyllas i."]
    assert db.scalar(select(func.count(AdoptionReport.id))) == 0


def test_who_may_report_and_update(db, users, published_case):
    case = published_case()
    with pytest.raises(PermissionDenied):
        report(db, users["admin"], case)  # admins take no part in the work itself
    draft = cases.create_case(db, users["staff"], case_data())
    with pytest.raises(InvalidTransition):
        report(db, users["staff"], draft)
    made = report(db, users["coordinator"], case)
    with pytest.raises(PermissionDenied):
        adoptions.add_update(db, users["staff"], made, {"body": "Inte min rapport"})
    update = adoptions.add_update(db, users["coordinator"], made,
                                  {"body": "Nu är vi klara.", "status": "genomford"})
    assert made.status == "genomford" and update.status == "genomford"
    assert [u.body for u in made.updates] == ["Nu är vi klara."]
    kinds = db.scalars(select(Notification.kind).where(
        Notification.user_id == users["staff"].id)).all()
    assert kinds == ["adoption", "adoption_update"]


def test_the_chain_links_a_case_to_the_adopters_own_case(db, users, published_case):
    original = published_case()
    own = published_case(author="coordinator", title="Trygghetsvandringar i Farsta",
                  district="Farsta")
    with pytest.raises(ValidationError):  # not one of her own cases
        report(db, users["coordinator"], original, own_case_id=str(original.id))
    report(db, users["coordinator"], original, own_case_id=str(own.id))
    onward = adoptions.adoption_chain(db, users["staff2"], original)
    assert [(r.district.name, r.own_case_id) for r in onward.reports] == [("Farsta", own.id)]
    back = adoptions.adoption_chain(db, users["staff2"], own)
    assert [r.case_id for r in back.came_from] == [original.id]


def test_adoption_counts_count_other_districts_once_each(db, users, published_case):
    first, second, untouched = published_case(), published_case(), published_case()
    report(db, users["coordinator"], first, district="Farsta")
    report(db, users["staff2"], first, district="Farsta")       # same district: once
    report(db, users["coordinator"], first, district="Bromma", status="planerad")
    report(db, users["staff2"], first, district="Järva")        # the case's own: not elsewhere
    report(db, users["coordinator"], second, district="Skärholmen")
    counts = adoptions.adoption_counts(db, [first.id, second.id, untouched.id])
    assert counts == {first.id: 2, second.id: 1}
    assert adoptions.adoption_counts(db, []) == {}


def test_reporting_through_the_form_page_and_updating_with_htmx(client, auth, db, users,
        published_case):
    case = published_case()
    auth.login("coordinator")
    form = client.get(f"/cases/{case.id}/provat")
    assert form.status_code == 200 and 'id="adoption-form"' in form.text
    bad = client.post(f"/cases/{case.id}/provat", data={"district": "", "status": "pagar"},
                      headers=HTMX)
    assert bad.status_code == 422 and "<html" not in bad.text
    assert "Stadsdelsområde: måste anges." in bad.text
    done = client.post(f"/cases/{case.id}/provat", data={
        "district": "farsta", "context": "Vi gjorde så här.", "status": "pagar"})
    assert done.status_code == 303
    assert done.headers["Location"].endswith(f"/cases/{case.id}#provat")
    page = client.get(done.headers["Location"]).text
    assert "Farsta: pågår" in page and "Vi gjorde så här." in page
    assert "Berätta hur det har gått sedan dess" in page  # her own report: she may update

    fresh(db)
    made = db.scalars(select(AdoptionReport)).one()
    swapped = client.post(f"/cases/{case.id}/provat/{made.id}/uppdatering",
                          data={"body": "Klart och utvärderat.", "status": "genomford"},
                          headers=HTMX)
    assert swapped.status_code == 200 and swapped.text.lstrip().startswith('<section id="provat"')
    assert "Farsta: genomförd" in swapped.text and "Klart och utvärderat." in swapped.text
    empty = client.post(f"/cases/{case.id}/provat/{made.id}/uppdatering", data={"body": ""})
    assert empty.status_code == 422 and "Uppdatering: måste fyllas i." in empty.text


def test_others_see_the_chain_but_not_the_update_form(client, auth, db, users, published_case):
    case = published_case()
    report(db, users["coordinator"], case)
    auth.login("staff2")
    page = client.get(f"/cases/{case.id}").text
    assert "Farsta: pågår" in page and "Berätta hur det har gått sedan dess" not in page
    assert "Vi har provat detta – berätta hur det gick" in page
