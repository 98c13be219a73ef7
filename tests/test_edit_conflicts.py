"""Nothing is lost when two people work on the same case: a stale edit form is refused and
shown again with what changed, and state changes at the same moment apply once.

The concurrent tests run on real connections in threads, on SQLite and (with
`make test-postgres`) on PostgreSQL, where the row lock is what keeps them apart.
"""
from __future__ import annotations

import threading
from html import unescape
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from knowledge.cases import lifecycle as cases
from knowledge.core.db import begin_write
from knowledge.audit.models import AuditEvent
from knowledge.cases.models import Case, CaseRevision
from knowledge.accounts.users import create_user
from tests.conftest import PASSWORD, ROLE_EMAILS, case_data, fresh

OTHER_EDITOR = "fredrik.redaktor@test.se"


class FormReader(HTMLParser):
    """The fields a browser would post from the case form, as the page fills them in."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and name != "csrf_token":
            if attrs.get("type") == "checkbox":
                if "checked" in attrs:
                    self.values.setdefault(name, []).append(attrs["value"])
            else:
                self.values[name] = [attrs.get("value") or ""]
        elif tag == "textarea":
            self._textarea = name
            self.values[name] = [""]
        elif tag == "select":
            self._select = name
            self.values.setdefault(name, [""])
        elif tag == "option" and self._select and "selected" in attrs:
            self.values[self._select] = [attrs["value"]]

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea][0] += data


def form_of(html: str) -> dict[str, list[str]]:
    reader = FormReader()
    reader.feed(html)
    return reader.values


def login(app, email):
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}
                       ).status_code == 303
    return client


@pytest.fixture
def submitted(db, users):
    create_user(db, email=OTHER_EDITOR, role="editor", password=PASSWORD, name="Fredrik")
    return cases.create_case(db, users["staff"], case_data(), submit=True)


def test_stale_form_is_refused_with_both_texts_and_nothing_typed_is_lost(app, db, submitted):
    url = f"/cases/{submitted.id}/edit"
    anna = login(app, ROLE_EMAILS["editor"])
    bertil = login(app, OTHER_EDITOR)
    form_a = form_of(anna.get(url).text)
    form_b = form_of(bertil.get(url).text)
    assert form_a["version"] == form_b["version"] != [""]

    form_a["title"] = ["Trygghetsvandringar i Husby och Akalla"]
    assert anna.post(url, data={**form_a, "action": "save"}).status_code == 303
    form_b["results"] = ["Otryggheten minskade från 41 % till 29 %."]
    conflict = bertil.post(url, data={**form_b, "action": "save"})

    assert conflict.status_code == 409
    page = unescape(conflict.text)
    assert "Någon annan har sparat exemplet medan du hade det öppet" in page
    since = page.split("Sparat sedan du öppnade formuläret:")[1].split("</ul>")[0]
    assert "Editor" in since and "Rubrik" in since and "Fredrik" not in since  # who, what
    # Both texts of the field someone else changed: what Bertil had, and what is saved now.
    assert "Trygghetsvandringar med boende i Husby" in page
    assert "Trygghetsvandringar i Husby och Akalla" in page
    fresh(db)
    saved = db.get(Case, submitted.id)
    assert saved.title == "Trygghetsvandringar i Husby och Akalla"       # Anna's title survives
    assert saved.results == case_data()["results"]                       # nothing half-saved

    # The form shown again keeps what Bertil typed, takes Anna's title, and is based on the
    # new version: saving it again keeps both changes.
    again = form_of(conflict.text)
    assert again["results"] == ["Otryggheten minskade från 41 % till 29 %."]
    assert again["title"] == ["Trygghetsvandringar i Husby och Akalla"]
    assert again["version"] == [str(saved.version)]
    assert bertil.post(url, data={**again, "action": "save"}).status_code == 303
    fresh(db)
    saved = db.get(Case, submitted.id)
    assert saved.title == "Trygghetsvandringar i Husby och Akalla"
    assert saved.results == "Otryggheten minskade från 41 % till 29 %."


def test_a_field_both_changed_keeps_your_text_and_shows_the_saved_one(app, db, submitted):
    url = f"/cases/{submitted.id}/edit"
    anna = login(app, ROLE_EMAILS["editor"])
    bertil = login(app, OTHER_EDITOR)
    form_a = form_of(anna.get(url).text)
    form_b = form_of(bertil.get(url).text)
    form_a["lessons"] = ["Börja med de boendes egna platser."]
    assert anna.post(url, data={**form_a, "action": "save"}).status_code == 303
    form_b["lessons"] = ["Bjud in fastighetsägarna från början."]
    conflict = bertil.post(url, data={**form_b, "action": "save"})
    assert conflict.status_code == 409
    assert "Både du och någon annan har ändrat fältet" in conflict.text
    assert "Börja med de boendes egna platser." in conflict.text
    assert form_of(conflict.text)["lessons"] == ["Bjud in fastighetsägarna från början."]


def test_the_conflict_form_also_comes_back_to_htmx(app, db, submitted):
    url = f"/cases/{submitted.id}/edit"
    anna = login(app, ROLE_EMAILS["editor"])
    bertil = login(app, OTHER_EDITOR)
    form_a = form_of(anna.get(url).text)
    form_b = form_of(bertil.get(url).text)
    form_a["goals"] = ["Färre anmälda rån vid stationen."]
    assert anna.post(url, data={**form_a, "action": "save"}).status_code == 303
    response = bertil.post(url, data={**form_b, "action": "save"}, headers={"HX-Request": "true"})
    assert response.status_code == 409
    assert response.text.lstrip().startswith("<form")   # the fragment htmx swaps in


def test_a_highlight_on_the_start_page_meanwhile_is_no_conflict(app, db, users, submitted):
    url = f"/cases/{submitted.id}/edit"
    bertil = login(app, OTHER_EDITOR)
    form_b = form_of(bertil.get(url).text)
    cases.publish_case(db, users["editor"], submitted)
    cases.feature_case(db, users["editor"], submitted, "Bra exempel")
    form_b["goals"] = ["Färre anmälda rån vid stationen."]
    assert bertil.post(url, data={**form_b, "action": "save"}).status_code == 303


def test_a_version_that_is_no_number_is_named(app, db, submitted):
    url = f"/cases/{submitted.id}/edit"
    bertil = login(app, OTHER_EDITOR)
    form_b = form_of(bertil.get(url).text)
    response = bertil.post(url, data={**form_b, "version": "gammal", "action": "save"})
    assert response.status_code == 422
    assert "Version: &#34;gammal&#34; är inget versionsnummer" in response.text \
        or 'Version: "gammal" är inget versionsnummer' in unescape(response.text)


# --- truly concurrent, on real connections ----------------------------------------------------

def run_together(app, work, count=2):
    """Run `work(session, n)` in `count` threads at once, each with its own session.

    On PostgreSQL the threads meet after reading the case, so both have read it before
    either writes. On SQLite the first writer's BEGIN IMMEDIATE makes the other wait, so they
    meet before starting instead (meeting later would wait for a lock that is held).
    """
    maker = app.extensions["db_sessionmaker"]
    postgres = app.extensions["db_engine"].dialect.name == "postgresql"
    barrier = threading.Barrier(count, timeout=30)
    results: list = [None] * count

    def run(n):
        with maker() as session:
            try:
                if not postgres:
                    barrier.wait()
                begin_write(session)  # as every form post does before anything reads
                results[n] = work(session, n, barrier if postgres else None)
                session.commit()  # each thread is a request: it commits what it did
            except Exception as error:  # noqa: BLE001 - the test looks at each outcome
                session.rollback()
                results[n] = error

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def load(session, case_id, barrier):
    case = session.get(Case, case_id)
    _ = case.areas  # read like a form post reads it
    if barrier is not None:
        barrier.wait()
    return case


@pytest.mark.own_database  # threads, each on a connection of its own
def test_two_editors_publishing_at_once_publish_once(app, db, users):
    case = cases.create_case(db, users["staff"], case_data(), submit=True)
    db.commit()  # the test is the caller; the threads below read it on their own connections
    editor_id, case_id = users["editor"].id, case.id

    def publish(session, _n, barrier):
        from knowledge.accounts.models import User
        editor = session.get(User, editor_id)
        cases.publish_case(session, editor, load(session, case_id, barrier))
        return "published"

    results = run_together(app, publish)
    assert sorted(map(type, results), key=str) == sorted([str, cases.InvalidTransition],
                                                         key=str), results
    fresh(db)
    assert db.scalar(select(func.count(CaseRevision.id)).where(
        CaseRevision.case_id == case_id, CaseRevision.action == "published")) == 1
    assert db.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.event == "published", AuditEvent.target == f"case:{case_id}")) == 1


@pytest.mark.own_database  # threads, each on a connection of its own
def test_two_imports_changing_the_areas_at_once_both_apply_in_turn(app, db, users):
    case = cases.create_case(db, users["staff"], case_data(), submit=True)
    db.commit()  # the test is the caller; the threads below read it on their own connections
    editor_id, case_id = users["editor"].id, case.id
    areas = [["unga-i-riskzon"], ["kriminella-miljoer", "utsatta-brottsoffer"]]

    def change_areas(session, n, barrier):
        from knowledge.accounts.models import User
        editor = session.get(User, editor_id)
        cases.update_case(session, editor, load(session, case_id, barrier),
                          {"priority_areas": areas[n]})
        return "saved"

    assert run_together(app, change_areas) == ["saved", "saved"]
    fresh(db)
    saved = [a.slug for a in db.get(Case, case_id).areas]
    assert sorted(saved) in (sorted(areas[0]), sorted(areas[1]))
    assert db.scalar(select(func.count(CaseRevision.id)).where(
        CaseRevision.case_id == case_id, CaseRevision.action == "updated")) == 2


@pytest.mark.own_database  # threads, each on a connection of its own
def test_two_forms_saved_at_once_on_the_same_version_give_one_conflict(app, db, users):
    case = cases.create_case(db, users["staff"], case_data(), submit=True)
    db.commit()  # the test is the caller; the threads below read it on their own connections
    editor_id, case_id, version = users["editor"].id, case.id, case.version
    titles = ["Rubrik från den ena", "Rubrik från den andra"]

    def save(session, n, barrier):
        from knowledge.accounts.models import User
        editor = session.get(User, editor_id)
        cases.update_case(session, editor, load(session, case_id, barrier),
                          {"title": titles[n]}, expected_version=version)
        return titles[n]

    results = run_together(app, save)
    saved = [r for r in results if isinstance(r, str)]
    refused = [r for r in results if isinstance(r, cases.EditConflict)]
    assert len(saved) == 1 and len(refused) == 1, results
    fresh(db)
    assert db.get(Case, case_id).title == saved[0]
    assert refused[0].saved["title"] == saved[0]
